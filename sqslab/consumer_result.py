"""What a consumer receives and reports: a received :class:`Message`, how a handled batch sorts
into done and failed, one :class:`Event` of a run, and the :class:`ConsumeResult` of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqslab.i18n import _, ngettext


@dataclass
class Message:
    """A received message: body (S3 payloads resolved), attributes, receipt handle, receive count."""

    id: str
    body: str
    receipt_handle: str
    receive_count: int = 1
    group_id: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    message_attributes: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_sqs(cls, raw: dict[str, Any], body: str | None = None) -> Message:
        """Build from one entry of a ReceiveMessage response."""
        attrs = raw.get("Attributes", {})
        return cls(
            id=raw["MessageId"],
            body=raw.get("Body", "") if body is None else body,
            receipt_handle=raw["ReceiptHandle"],
            receive_count=int(attrs.get("ApproximateReceiveCount", 1)),
            group_id=attrs.get("MessageGroupId"),
            attributes=attrs,
            message_attributes=raw.get("MessageAttributes", {}),
            raw=raw,
        )


def behind_failure(message: Message, failed: list[Message], fifo: bool) -> bool:
    """On a FIFO queue: True when an earlier message of this one's group failed."""
    return fifo and any(f.group_id == message.group_id for f in failed)


def sort_batch(
    batch: list[Message], failed_ids: set[str], fifo: bool
) -> tuple[list[Message], list[Message], list[Message]]:
    """Successes, failures, and (FIFO) messages after a failure in their group, which the
    course's consumer treats as not processed so that the group keeps its order (Lambda itself
    deletes what the function does not report: there the function must report them)."""
    done: list[Message] = []
    failed: list[Message] = []
    behind: list[Message] = []
    for m in batch:
        if m.id in failed_ids:
            failed.append(m)
        elif behind_failure(m, failed, fifo):
            behind.append(m)
        else:
            done.append(m)
    return done, failed, behind


def received(count: int) -> str:
    """What a received event says: which receive of the message this is (``receive #2``)."""
    return _("receive #{count}").format(count=count)


def batch_item_failure() -> str:
    """What a failed event says when a batch handler reported the message as failed."""
    return _("reported as a batch item failure")


def crash_detail(crash: BaseException, left: int) -> str:
    """What a crashed worker's event says: the crash and how many messages it left in flight."""
    # the English text is the same in both forms; Portuguese has a singular
    return ngettext(
        "{crash}; {count} message(s) left in flight",
        "{crash}; {count} message(s) left in flight",
        left or 2,  # none takes the plural in Portuguese too
    ).format(crash=crash, count=left)


@dataclass
class Event:
    """One thing a consumer did, at a time on the lab's clock."""

    time: float
    worker: str
    kind: str
    message_id: str | None = None
    detail: str = ""


@dataclass
class ConsumeResult:
    """What a consumer run did: counts, why it stopped, and every event in order."""

    processed: list[str] = field(default_factory=list)
    failures: int = 0
    deleted: int = 0
    released: int = 0
    extended: int = 0
    crashes: int = 0
    receives: int = 0
    empty_receives: int = 0
    stopped_by: str = ""
    stopped_at: float | None = None
    started: float = 0.0
    ended: float = 0.0
    events: list[Event] = field(default_factory=list)

    @property
    def duration(self) -> float:
        """Seconds on the lab's clock from start to stop (a stop waits for running long polls)."""
        return self.ended - self.started

    @property
    def busy_time(self) -> float:
        """Seconds on the lab's clock from start to the last message processed."""
        done = [e.time for e in self.events if e.kind == "processed"]
        return (max(done) - self.started) if done else 0.0

    def count(self, kind: str) -> int:
        """How many events of one kind (received, processed, failed, deleted, released, …)."""
        return sum(1 for e in self.events if e.kind == kind)

    def __repr__(self) -> str:
        return (
            f"<ConsumeResult processed={len(self.processed)} failures={self.failures} "
            f"deleted={self.deleted} released={self.released} receives={self.receives} "
            f"empty={self.empty_receives} stopped_by={self.stopped_by!r} "
            f"in {self.duration:g} s>"
        )
