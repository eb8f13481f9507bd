"""The life of each message, rebuilt from the trace: sent, delayed, visible, in flight, deleted.

Times are lab clock seconds (``lab.clock.time()``, as in the trace's ``started``/``ended``). Each
receive is a span in flight that ends "deleted", "timed out" (back in the queue when its visibility
timeout ran out), "released" (visibility set to 0) or is still "in flight"; a heartbeat
(ChangeMessageVisibility) that pushes the end out marks it "extended".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.arguments import LAB, QUEUE_URL, requires
from sqslab.i18n import N_, _
from sqslab.numbers import number
from sqslab.tables import Table
from sqslab.trace import CallRecord, MessageRef, queue_name_of

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: How a receive ends (marked here, shown in the lab's language), and the kinds of waiting span.
DELETED, TIMED_OUT, RELEASED, IN_FLIGHT = (
    N_("deleted"),
    N_("timed out"),
    N_("released"),
    N_("in flight"),
)
DELAYED, VISIBLE = "delayed", "visible"
COLUMNS = (
    N_("message"),
    N_("id"),
    N_("sent"),
    N_("visible at"),
    N_("receives"),
    N_("in flight"),
    N_("deleted"),
)
SHORT_ID = 8


@dataclass(frozen=True)
class QueueSettings:
    """The queue attributes a message's timing depends on, in seconds."""

    visibility_timeout: float
    delay_seconds: float

    @classmethod
    def aws_defaults(cls) -> QueueSettings:
        """What a queue created without these attributes has."""
        return cls(
            visibility_timeout=float(facts.get("visibility_timeout").default or 0),
            delay_seconds=float(facts.get("delivery_delay").default or 0),
        )

    def updated(self, attributes: Mapping[str, Any] | None) -> QueueSettings:
        """These settings with VisibilityTimeout/DelaySeconds from ``attributes`` applied."""
        attrs = attributes or {}
        return replace(
            self,
            visibility_timeout=float(attrs.get("VisibilityTimeout", self.visibility_timeout)),
            delay_seconds=float(attrs.get("DelaySeconds", self.delay_seconds)),
        )


@dataclass
class Receive:
    """One time a consumer held the message: from the receive until it ended."""

    start: float
    deadline: float
    receipt_handle: str | None = None
    end: float | None = None
    ending: str = IN_FLIGHT
    extensions: list[float] = field(default_factory=list)

    @property
    def open(self) -> bool:
        """True while nothing has ended this receive yet."""
        return self.end is None

    @property
    def extended(self) -> bool:
        """True when a heartbeat pushed this receive's end out at least once."""
        return bool(self.extensions)

    @property
    def how(self) -> str:
        """How the receive ended, e.g. ``deleted`` or ``extended x2, timed out``."""
        if not self.extensions:
            return self.ending
        return f"extended x{len(self.extensions)}, {self.ending}"

    def how_shown(self) -> str:
        """:attr:`how` in the lab's language (``extended x2, timed out`` in English)."""
        if not self.extensions:
            return _(self.ending)
        return _("extended x{count}, {ending}").format(
            count=len(self.extensions), ending=_(self.ending)
        )

    def close(self, at: float, ending: str) -> None:
        """End the receive at ``at``, or at its deadline if that came first (a time-out)."""
        if at >= self.deadline:
            at, ending = self.deadline, TIMED_OUT
        self.end, self.ending = at, ending


@dataclass(frozen=True)
class Span:
    """A stretch of a message's life: delayed, visible (waiting) or in flight."""

    kind: str
    start: float
    end: float
    ending: str | None = None


@dataclass
class MessageLife:
    """Everything the trace saw happen to one message (and its MessageGroupId, if it had one)."""

    message_id: str
    label: str
    queue: str | None = None
    sent_at: float | None = None
    delayed_until: float | None = None
    receives: list[Receive] = field(default_factory=list)
    deleted_at: float | None = None
    group_id: str | None = None

    @property
    def receive_count(self) -> int:
        """How many times the message was received."""
        return len(self.receives)

    @property
    def first_seen(self) -> float:
        """When the trace first saw the message (sent, or received if sent before the trace)."""
        return self.sent_at if self.sent_at is not None else self.receives[0].start

    @property
    def timed_out_at(self) -> list[float]:
        """The moments the message went back to the queue because a visibility timeout ran out."""
        return [r.end for r in self.receives if r.ending == TIMED_OUT and r.end is not None]

    def spans(self, until: float) -> list[Span]:
        """The message's life up to ``until``, as consecutive delayed/visible/in-flight spans."""
        spans: list[Span] = []
        if self.sent_at is not None and self.delayed_until and self.delayed_until > self.sent_at:
            spans.append(Span(DELAYED, self.sent_at, min(self.delayed_until, until)))
        waiting_since = self.delayed_until if self.sent_at is not None else None
        for rec in self.receives:
            if waiting_since is not None and rec.start > waiting_since:
                spans.append(Span(VISIBLE, waiting_since, rec.start))
            spans.append(
                Span(IN_FLIGHT, rec.start, until if rec.end is None else rec.end, rec.ending)
            )
            waiting_since = rec.end if rec.ending in (TIMED_OUT, RELEASED) else None
        end = self.deleted_at if self.deleted_at is not None else until
        if waiting_since is not None and end > waiting_since:
            spans.append(Span(VISIBLE, waiting_since, end))
        return spans

    def visible_spans(self, until: float) -> list[tuple[float, float]]:
        """(start, end) of each stretch the message waited, visible, in the queue."""
        return [(s.start, s.end) for s in self.spans(until) if s.kind == VISIBLE]


@dataclass
class Timeline:
    """The lives of the messages a set of traced calls touched, up to the instant ``until``."""

    messages: list[MessageLife]
    until: float

    @property
    def start(self) -> float:
        """The first send (or first sighting) of any message: time zero of the chart and table."""
        return min((m.first_seen for m in self.messages), default=self.until)

    def __len__(self) -> int:
        return len(self.messages)

    def __iter__(self) -> Iterator[MessageLife]:
        return iter(self.messages)

    def get(self, key: str) -> MessageLife:
        """A message by label (``m1``) or message id."""
        for life in self.messages:
            if key in (life.label, life.message_id):
                return life
        known = ", ".join(m.label for m in self.messages) or "none"
        raise KeyError(f"no message {key!r} in this timeline; known labels: {known}")

    def table(self) -> Table:
        """One row per message; times are seconds since the first send."""
        rows = [self._row(life) for life in self.messages]
        return Table(COLUMNS, rows, verbatim=("message", "id", "in flight"))

    def _row(self, life: MessageLife) -> tuple[Any, ...]:
        """One message as a table row."""
        receives = "; ".join(
            f"{self._at(r.start)}-{self._at(r.end if r.end is not None else self.until)} "
            f"{r.how_shown()}"
            for r in life.receives
        )
        visible = life.delayed_until if life.sent_at is not None else None
        return (
            life.label,
            life.message_id[:SHORT_ID],
            self._at(life.sent_at),
            self._at(visible),
            life.receive_count,
            receives,
            self._at(life.deleted_at),
        )

    def _at(self, when: float | None) -> str:
        """An instant as seconds since the timeline's start (blank for None)."""
        return "" if when is None else number(when - self.start, 1, grouping=False)

    def __repr__(self) -> str:
        receives = sum(m.receive_count for m in self.messages)
        deleted = sum(m.deleted_at is not None for m in self.messages)
        return (
            f"<Timeline: {len(self.messages)} messages, {receives} receives, {deleted} deleted, "
            f"over {self.until - self.start:.1f} s>"
        )


class _Builder:
    """Replays traced calls in time order and follows each message."""

    def __init__(self, queue_defaults: Mapping[str, QueueSettings]) -> None:
        self.settings = dict(queue_defaults)
        self.lives: dict[str, MessageLife] = {}
        self.handles: dict[str, str] = {}

    def settings_of(self, queue: str | None) -> QueueSettings:
        """The settings ``queue`` has at this point of the replay."""
        return self.settings.get(queue or "", QueueSettings.aws_defaults())

    def life(self, message_id: str, queue: str | None) -> MessageLife:
        """The message's life so far; a new one (next label) when first seen."""
        if message_id not in self.lives:
            label = f"m{len(self.lives) + 1}"
            self.lives[message_id] = MessageLife(message_id, label, queue)
        return self.lives[message_id]

    def replay(self, rec: CallRecord) -> None:
        """Apply one traced call to the queues and messages it touched."""
        when = rec.started
        op = rec.operation
        if op in ("CreateQueue", "SetQueueAttributes") and rec.ok and rec.queue:
            self.configured(op, rec.queue, rec.params.get("Attributes"))
        for ref in (m for m in rec.messages if m.ok):
            if op.startswith("SendMessage"):
                self.sent(ref, rec.queue, when)
            elif op == "ReceiveMessage":
                self.received(ref, rec.queue, rec.ended if rec.ended is not None else when)
            elif op.startswith("DeleteMessage"):
                self.deleted(ref, when)
            elif op.startswith("ChangeMessageVisibility"):
                self.changed(ref, when)

    def configured(self, op: str, queue: str, attributes: Mapping[str, Any] | None) -> None:
        """A queue created (AWS defaults plus ``attributes``) or changed (``attributes``)."""
        base = QueueSettings.aws_defaults() if op == "CreateQueue" else self.settings_of(queue)
        self.settings[queue] = base.updated(attributes)

    def sent(self, ref: MessageRef, queue: str | None, when: float) -> None:
        """A message was sent: it waits out its delay (its own, or the queue's), then is visible."""
        if ref.message_id is None:
            return
        life = self.life(ref.message_id, queue)
        delay = ref.delay_seconds
        life.sent_at = when
        life.group_id = ref.group_id if ref.group_id is not None else life.group_id
        life.delayed_until = when + (
            self.settings_of(queue).delay_seconds if delay is None else delay
        )

    def received(self, ref: MessageRef, queue: str | None, when: float) -> None:
        """A message was received: a new span in flight until its visibility timeout runs out."""
        if ref.message_id is None:
            return
        life = self.life(ref.message_id, queue)
        life.group_id = life.group_id if life.group_id is not None else ref.group_id
        if life.receives and life.receives[-1].open:
            life.receives[-1].close(when, TIMED_OUT)
        timeout: float = (
            ref.visibility_timeout
            if ref.visibility_timeout is not None
            else self.settings_of(queue).visibility_timeout
        )
        life.receives.append(Receive(when, when + timeout, ref.receipt_handle))
        if ref.receipt_handle:
            self.handles[ref.receipt_handle] = ref.message_id

    def deleted(self, ref: MessageRef, when: float) -> None:
        """A message was deleted through one of its receipt handles."""
        life = self.lives.get(self.handles.get(ref.receipt_handle or "", ""))
        if life is None or life.deleted_at is not None:
            return
        if life.receives and life.receives[-1].open:
            life.receives[-1].close(when, DELETED)
        life.deleted_at = when

    def changed(self, ref: MessageRef, when: float) -> None:
        """A visibility change: 0 releases the message now, more restarts its timer (heartbeat)."""
        life = self.lives.get(self.handles.get(ref.receipt_handle or "", ""))
        if life is None or not life.receives or ref.visibility_timeout is None:
            return
        current = life.receives[-1]
        if not current.open or when >= current.deadline:
            return
        if ref.visibility_timeout == 0:
            current.close(when, RELEASED)
            return
        current.deadline = when + ref.visibility_timeout
        current.extensions.append(when)

    def finish(self, until: float) -> list[MessageLife]:
        """Close receives whose timeout ran out by ``until``; the lives in first-seen order."""
        for life in self.lives.values():
            if life.receives and life.receives[-1].open and life.receives[-1].deadline <= until:
                life.receives[-1].close(until, TIMED_OUT)
        return list(self.lives.values())


def _event_time(rec: CallRecord) -> float:
    """When a call took effect: a receive when it returned, anything else when it started."""
    if rec.operation == "ReceiveMessage" and rec.ended is not None:
        return rec.ended
    return rec.started


def build(
    records: Iterable[CallRecord],
    queue_defaults: Mapping[str, QueueSettings] | None = None,
    until: float | None = None,
) -> Timeline:
    """Follow every message in ``records`` up to ``until`` (default: the last call's end).

    ``queue_defaults`` maps queue names to their settings before the first traced CreateQueue or
    SetQueueAttributes (AWS defaults otherwise). A delete counts when the call succeeded (as moto
    does; on AWS an out-of-date receipt handle may not delete). A visibility change after the
    receive already timed out is ignored (AWS rejects it).
    """
    ordered = sorted(records, key=lambda r: (_event_time(r), r.seq))
    builder = _Builder(queue_defaults or {})
    for rec in ordered:
        builder.replay(rec)
    if until is None:
        until = max((r.ended if r.ended is not None else r.started for r in ordered), default=0.0)
    return Timeline(builder.finish(until), until)


@requires(lab=LAB, queue_url=QUEUE_URL)
def of(lab: Lab, queue_url: str) -> Timeline:
    """The timeline of one queue from ``lab.trace``, up to the lab's current time.

    Reads the queue's VisibilityTimeout and DelaySeconds (outside the trace) as its settings.
    """
    name = queue_name_of({"QueueUrl": queue_url}) or ""
    with lab.trace.paused():
        attrs = lab.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["VisibilityTimeout", "DelaySeconds"]
        )["Attributes"]
    settings = {name: QueueSettings.aws_defaults().updated(attrs)}
    return build(lab.trace.for_queue(name), settings, until=lab.clock.time())
