"""At-least-once realism: duplicate and out-of-order delivery on standard queues, emulated on moto.

moto hands out each standard-queue message once and oldest first; AWS promises neither. This
opt-in, labelled layer makes moto behave the way AWS documents, so a consumer that is not
idempotent visibly breaks. It runs only on the in-process moto backends (elsewhere :func:`enable`
says so and returns a layer that stays off) and never touches FIFO queues.

AWS, "Amazon SQS at-least-once delivery"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html):
"Amazon SQS stores copies of your messages on multiple servers for redundancy and high
availability. On rare occasions, one of the servers that stores a copy of a message might be
unavailable when you receive or delete a message. If this occurs, the copy of the message isn't
deleted on the server that is unavailable, and you might get that message copy again when you
receive messages. Design your applications to be idempotent (they should not be affected
adversely when processing the same message more than once)."

AWS, "Amazon SQS standard queues"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html):
"Standard queues ensure at-least-once message delivery, but due to the highly distributed
architecture, more than one copy of a message might be delivered, and messages may occasionally
arrive out of order. Despite this, standard queues make a best-effort attempt to maintain the
order in which messages are sent."

How: moto's model is wrapped while the layer is on (and restored exactly on disable or lab stop).

- Lost delete: each message a receive returns is, with probability ``duplicates``, a copy whose
  delete gets lost. DeleteMessage (or that DeleteMessageBatch entry) answers success, but the
  message stays in flight in moto, so it comes back after its visibility timeout with the same
  MessageId, a new receipt handle and a higher ApproximateReceiveCount. moto's state stays true:
  the message really is still in the queue.
- Reordering: with probability ``reorder`` a receive serves a message from up to ``window - 1``
  places behind the oldest first, then the rest in order. The queue itself is not changed.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab.arguments import LAB, check_count, requires
from sqslab.emulator.patching import Patches, Replacement
from sqslab.emulator.realism_log import DUPLICATE, REORDER, Injection, RealismStats
from sqslab.emulator.realism_text import (  # noqa: F401 - re-exported
    AT_LEAST_ONCE_QUOTE,
    AT_LEAST_ONCE_URL,
    ORDERING_QUOTE,
    STANDARD_QUEUES_URL,
    description,
)
from sqslab.emulator.realism_text import LABEL as _LABEL
from sqslab.errors import LimitError
from sqslab.i18n import _
from sqslab.tables import Table

if TYPE_CHECKING:
    from sqslab.emulator.host import Host


def __getattr__(name: str) -> str:
    """``LABEL`` and ``DESCRIPTION``, for a notebook to print, when they are read: so in the
    language sqslab speaks then."""
    if name == "LABEL":
        return _(_LABEL)
    if name == "DESCRIPTION":
        return description()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class _Serving:
    """The reorder planned for one ReceiveMessage call: which place jumps the queue."""

    layer: Realism
    queue: Any
    offset: int
    jumped: str | None = None


class Realism:
    """The active layer's settings, its seeded random draws and the log of what it injected."""

    def __init__(
        self,
        lab: Host,
        *,
        duplicates: float,
        reorder: float,
        seed: int,
        window: int,
        max_duplicates: int,
    ) -> None:
        self.lab = lab
        self.duplicates = _probability("duplicates", duplicates)
        self.reorder = _probability("reorder", reorder)
        self.seed = check_count("seed", seed, minimum=None)
        self.window = check_count("window", window, minimum=2)
        self.max_duplicates = check_count("max_duplicates", max_duplicates, minimum=1)
        self.log: list[Injection] = []
        self.active = False
        self._rng = random.Random(self.seed)
        self._lock = threading.RLock()
        self._doomed: dict[str, str] = {}  # receipt handle whose delete will be lost -> message id
        self._lost_handles: set[str] = set()
        self._lost: dict[str, int] = {}  # message id -> deletes lost so far

    @property
    def stats(self) -> RealismStats:
        """Counts of what was injected so far."""
        kinds = [i.kind for i in self.log]
        return RealismStats(duplicates=kinds.count(DUPLICATE), reorders=kinds.count(REORDER))

    def duplicated_ids(self) -> list[str]:
        """MessageIds whose delete was lost (each will be delivered again), in order."""
        return [i.message_id for i in self.log if i.kind == DUPLICATE]

    def table(self) -> Table:
        """The log as a table: when, what, which queue, which message."""
        return Table(
            ("time", "kind", "queue", "message_id"),
            [
                (i.time.strftime("%H:%M:%S.%f")[:-3], i.kind, i.queue, i.message_id)
                for i in self.log
            ],
        )

    def disable(self) -> None:
        """Switch this layer off (nothing happens if it is already off)."""
        if _active is self:
            disable(self.lab)

    def describe(self) -> str:
        """One line: the label, the settings and what was injected."""
        if self.active:
            text = _(
                "{label}, on: duplicates={duplicates}, reorder={reorder}, seed={seed}; {stats}"
            )
        else:
            text = _(
                "{label}, off: duplicates={duplicates}, reorder={reorder}, seed={seed}; {stats}"
            )
        return text.format(
            label=_(_LABEL),
            duplicates=self.duplicates,
            reorder=self.reorder,
            seed=self.seed,
            stats=self.stats,
        )

    def __enter__(self) -> Realism:
        return self

    def __exit__(self, *_: object) -> None:
        self.disable()

    def __repr__(self) -> str:
        return f"<Realism {self.describe()}>"

    def _plan_receive(self, queue: Any) -> _Serving | None:
        """Draw whether this receive is served out of order, and how far back it reaches."""
        with self._lock:
            if self._rng.random() >= self.reorder:
                return None
            return _Serving(self, queue, self._rng.randrange(1, self.window))

    def _after_receive(self, queue: Any, found: list[Any], serving: _Serving | None) -> None:
        """Record a reorder that reached the consumer; draw which received copies lose their delete."""
        with self._lock:
            jumped = serving.jumped if serving is not None else None
            if jumped is not None and jumped in {m.id for m in found}:
                self._record(REORDER, queue, jumped)
            for message in found:
                doomed = self._rng.random() < self.duplicates
                if doomed and self._lost.get(message.id, 0) < self.max_duplicates:
                    self._doomed[message.receipt_handle] = message.id

    def _loses_delete(self, queue: Any, receipt_handle: str) -> bool:
        """True when this delete is to be acknowledged but not carried out."""
        with self._lock:
            if receipt_handle in self._lost_handles:
                return True
            message_id = self._doomed.pop(receipt_handle, None)
            if message_id is None or self._lost.get(message_id, 0) >= self.max_duplicates:
                return False
            self._lost[message_id] = self._lost.get(message_id, 0) + 1
            self._lost_handles.add(receipt_handle)
            self._record(DUPLICATE, queue, message_id)
            return True

    def _record(self, kind: str, queue: Any, message_id: str) -> None:
        self.log.append(Injection(kind, queue.name, message_id, self.lab.clock.time()))


def _probability(name: str, value: float) -> float:
    """``value`` as a float in [0, 1], or a clear error."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise LimitError(
            f"{name} is a probability from 0 to 1 (e.g. {name}=0.1 for one time in ten), "
            f"got {value!r}"
        )
    return float(value)


# --- the moto patch ---------------------------------------------------------

_active: Realism | None = None
_local = threading.local()


def _serving() -> _Serving | None:
    """The reorder planned for the receive running on this thread, if any."""
    return getattr(_local, "serving", None)


def _jump(visible: list[Any], offset: int) -> list[Any]:
    """``visible`` with the message ``offset`` places back moved to the front."""
    place = min(offset, len(visible) - 1)
    return [visible[place], *visible[:place], *visible[place + 1 :]]


def _wrap_receive(inner: Any) -> Any:
    """moto's receive (as the clock left it), drawing reorders and lost deletes on standard queues."""

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        args = (
            queue_name,
            count,
            wait_seconds_timeout,
            visibility_timeout,
            message_attribute_names,
        )
        layer = _active
        queue = self.get_queue(queue_name)
        if layer is None or queue.fifo_queue:
            return inner(self, *args)
        serving = layer._plan_receive(queue)
        _local.serving = serving
        try:
            found = inner(self, *args)
        finally:
            _local.serving = None
        layer._after_receive(queue, found, serving)
        return found

    receive_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return receive_message


def _wrap_delete(inner: Any) -> Any:
    """moto's delete, which acknowledges but skips the deletes the layer chose to lose."""

    def delete_message(self: Any, queue_name: str, receipt_handle: str) -> None:
        layer = _active
        if layer is not None:
            queue = self.get_queue(queue_name)
            if not queue.fifo_queue and layer._loses_delete(queue, receipt_handle):
                return None
        return inner(self, queue_name, receipt_handle)

    delete_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return delete_message


def _wrap_messages(prop: property) -> property:
    """moto's receivable messages, served out of order once per planned reorder.

    Once only: moto reads the list again while it answers (the queue attributes count it)."""

    def messages(queue: Any) -> list[Any]:
        visible = prop.fget(queue)  # type: ignore[misc]
        serving = _serving()
        if serving is None or serving.queue is not queue or serving.jumped or len(visible) < 2:
            return visible
        served = _jump(visible, serving.offset)
        serving.jumped = served[0].id
        return served

    messages.__wrapped__ = prop  # type: ignore[attr-defined]
    return property(messages)


def _replacements() -> list[Replacement]:
    """moto's receive, delete and queue listing, each wrapped as it currently stands."""
    import moto.sqs.models as sqs_models

    backend, queue = sqs_models.SQSBackend, sqs_models.Queue
    return [
        (backend, "receive_message", _wrap_receive),
        (backend, "delete_message", _wrap_delete),
        (queue, "messages", _wrap_messages),
    ]


_PATCH = Patches(_replacements)


# --- public API -------------------------------------------------------------


def off_here(lab: Host) -> str:
    """What the layer says on a backend it cannot run on: why, and what the cells then show."""
    return _(
        "{label}: off on the {backend} backend, because it changes moto from inside this "
        "kernel; here the service's own at-least-once delivery applies (duplicates and reorders "
        "are rare on real SQS, so the cells below may show none)"
    ).format(label=_(_LABEL), backend=repr(lab.backend))


@requires(lab=LAB)
def enable(
    lab: Host,
    *,
    duplicates: float = 0.1,
    reorder: float = 0.2,
    seed: int = 0,
    window: int = 3,
    max_duplicates: int = 1,
) -> Realism:
    """Turn the layer on for ``lab``, replacing earlier settings (``with`` switches it off again).

    Chances: ``duplicates`` per received copy, ``reorder`` per receive (up to ``window - 1`` back).
    Off moto (endpoint, aws) it prints why it cannot run and returns the layer switched off."""
    global _active
    layer = Realism(
        lab,
        duplicates=duplicates,
        reorder=reorder,
        seed=seed,
        window=window,
        max_duplicates=max_duplicates,
    )
    if not lab.in_process:
        print(off_here(lab))
        return layer
    if _active is not None:
        disable(_active.lab)
    _PATCH.install()
    _active, layer.active = layer, True
    lab.on_stop(uninstall)
    return layer


def disable(lab: Host) -> None:
    """Turn the layer off for ``lab`` and give moto back its plain behaviour (no-op if off)."""
    global _active
    layer = _active
    if layer is None or layer.lab is not lab:
        return
    _active, layer.active = None, False
    _PATCH.uninstall()


def install(lab: Host) -> None:
    """The layer protocol's install: :func:`enable` with its default chances."""
    enable(lab)


def uninstall() -> None:
    """Turn the layer off, whichever lab it is on (no-op when it is off)."""
    if _active is not None:
        disable(_active.lab)


def active() -> bool:
    """True while the layer is on."""
    return _active is not None


def current() -> Realism | None:
    """The layer that is on now, if any."""
    return _active
