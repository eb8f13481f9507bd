"""Message move tasks on the virtual clock: each task's progress, and the moves themselves (the
layer's rules are in :mod:`.redrive_rules`, the moto patch in :mod:`.redrive`)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.emulator import state
from sqslab.emulator.redrive_rules import (
    ACTIVE,
    CANCELLED,
    CANCELLING,
    COMPLETED,
    EPSILON,
    FAILED,
    LABEL,
    NO_QUEUE,
    ORIGIN,
    RUNNING,
    UNKNOWN_SOURCE,
    check_max_results,
    check_rate,
    decode_handle,
    encode_handle,
    error,
    existing,
    invalid,
)

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

# --- tasks --------------------------------------------------------------------


@dataclass
class MoveTask:
    """One message move task: what it moves, how fast, and how far it got."""

    task_id: str
    source_arn: str
    destination_arn: str | None
    requested_rate: int | None
    rate: float
    started: float
    pending: list[Any]
    status: str = RUNNING
    handled: int = 0
    moved: int = 0
    cancelled_at: float | None = None
    failure_reason: str | None = None

    @property
    def to_move(self) -> int:
        """ApproximateNumberOfMessagesToMove: the DLQ's messages when the task started."""
        return len(self.pending)

    @property
    def handle(self) -> str:
        """The TaskHandle of this task."""
        return encode_handle(self.task_id, self.source_arn)

    def due(self, now: float) -> int:
        """How many messages the task has reached by ``now`` at its rate."""
        reached = math.floor(self.rate * max(0.0, now - self.started) + EPSILON)
        return min(self.to_move, reached)

    def moment(self, count: int) -> float:
        """When the task reaches its ``count``-th message (1-based)."""
        return self.started + count / self.rate

    def destination_of(self, message: Any) -> str | None:
        """Where a message goes: DestinationArn, else the queue it was first sent to."""
        return self.destination_arn or getattr(message, ORIGIN, None)

    def fail(self, reason: str) -> None:
        self.status, self.failure_reason = FAILED, reason

    def entry(self) -> dict[str, Any]:
        """The task as a ListMessageMoveTasksResultEntry (optional fields only when AWS sends them)."""
        entry: dict[str, Any] = {
            "SourceArn": self.source_arn,
            "Status": self.status,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": int(self.started * 1000),
        }
        if self.destination_arn:
            entry["DestinationArn"] = self.destination_arn
        if self.requested_rate is not None:
            entry["MaxNumberOfMessagesPerSecond"] = self.requested_rate
        if self.status == RUNNING:
            entry["TaskHandle"] = self.handle
        if self.status == FAILED:
            entry["FailureReason"] = self.failure_reason
        return entry


def holds(queue: Any, message: Any) -> bool:
    """True while ``message`` (a moto Message) is still stored in ``queue``."""
    return any(m is message for m in list(queue._messages))


def remove(queue: Any, message: Any) -> None:
    """Take ``message`` out of ``queue`` (it has been sent on)."""
    with queue._messages_lock:
        queue._messages = [m for m in queue._messages if m is not message]
    queue.pending_messages.discard(message)


def send_copy(destination: Any, message: Any, at: float) -> Any:
    """Send ``message`` to ``destination`` as a new message enqueued at ``at`` (epoch seconds)."""
    backend = state.backend_of(destination)
    fifo = destination.fifo_queue
    copy = backend.send_message(
        destination.name,
        message.body,
        message_attributes=deepcopy(message.message_attributes),
        delay_seconds=None,
        deduplication_id=message.id if fifo else None,
        group_id=message.group_id if fifo else None,
        system_attributes=deepcopy(message.system_attributes) or None,
    )
    shift = copy.sent_timestamp - int(at * 1000)
    copy.sent_timestamp -= shift
    if copy.delayed_until:
        copy.delayed_until -= shift
    return copy


_local = threading.local()


class Redrive:
    """The layer for one lab: its move tasks per source queue, and the undo."""

    def __init__(self, lab: Host, release: Callable[[Redrive], None]) -> None:
        self.lab = lab
        self._release = release
        self._tasks: dict[str, list[MoveTask]] = {}
        #: The emulator's one lock: a move reaches moto's queues, which take it (no lock order
        #: to get wrong between this layer and a server thread's receive).
        self._lock = state.SERIAL

    @staticmethod
    def now() -> float:
        """moto's SQS time: the lab's virtual clock."""
        import moto.sqs.models as sqs_models

        return float(sqs_models.unix_time())

    def tasks(self, source_arn: str) -> list[MoveTask]:
        """The tasks started on a source queue, oldest first."""
        with self._lock:
            return list(self._tasks.get(source_arn, []))

    def _active(self) -> list[MoveTask]:
        return [t for ts in self._tasks.values() for t in ts if t.status in ACTIVE]

    def start(self, source_arn: Any, destination_arn: Any, rate: Any) -> MoveTask:
        """StartMessageMoveTask: check as AWS does, then start moving the DLQ's messages."""
        requested = None if rate is None else check_rate(rate)
        self.advance()
        source = existing(source_arn, "SourceArn")
        if not state.dead_letter_sources(source):
            raise invalid("Source queue must be configured as a Dead Letter Queue.")
        if destination_arn:
            check_destination(source, existing(destination_arn, "DestinationArn"))
        with self._lock:
            if any(t.status in ACTIVE for t in self._tasks.get(source.queue_arn, [])):
                raise invalid(
                    "There is already a task running. Only one active task is allowed for a "
                    "source queue arn at a given time."
                )
            task = self._new_task(source, destination_arn or None, requested)
            self._tasks.setdefault(source.queue_arn, []).append(task)
        return task

    def _new_task(self, source: Any, destination_arn: str | None, rate: int | None) -> MoveTask:
        from moto.moto_api._internal import mock_random

        task = MoveTask(
            task_id=str(mock_random.uuid4()),
            source_arn=source.queue_arn,
            destination_arn=destination_arn,
            requested_rate=rate,
            rate=float(rate or facts.get("move_task_max_rate").value),
            started=self.now(),
            pending=list(source._messages),
        )
        if not task.pending:
            task.status = COMPLETED
        return task

    def recent(self, source_arn: Any, max_results: Any) -> list[dict[str, Any]]:
        """ListMessageMoveTasks: the newest tasks of a source queue first."""
        count = check_max_results(max_results)
        self.advance()
        source = existing(source_arn, "SourceArn")
        newest = self.tasks(source.queue_arn)[::-1][:count]
        return [t.entry() for t in newest]

    def cancel(self, handle: Any) -> int:
        """CancelMessageMoveTask: stop a RUNNING task; the number it had moved."""
        task_id, source_arn = decode_handle(handle)
        self.advance()
        existing(source_arn, "SourceArn")
        with self._lock:
            task = next((t for t in self._tasks.get(source_arn, []) if t.task_id == task_id), None)
            if task is None or task.status != RUNNING:
                raise error("ResourceNotFoundException", "Task does not exist.")
            task.status, task.cancelled_at = CANCELLING, self.now()
            return task.moved

    def advance(self) -> None:
        """Apply every active task's progress up to now (a no-op inside the layer's own moves)."""
        if getattr(_local, "busy", False):
            return
        with self._lock:
            active = self._active()
            if not active:
                return
            _local.busy = True
            try:
                now = self.now()
                for task in active:
                    self._progress(task, now)
            finally:
                _local.busy = False

    def _progress(self, task: MoveTask, now: float) -> None:
        """Move the messages ``task`` has reached by ``now``; finish it when all are handled."""
        if task.status == CANCELLING:
            if task.cancelled_at is not None and now > task.cancelled_at:
                task.status = CANCELLED
            return
        due = task.due(now)
        while task.status == RUNNING and task.handled < due:
            self._move_next(task)
        if task.status == RUNNING and task.handled >= task.to_move:
            task.status = COMPLETED

    def _move_next(self, task: MoveTask) -> None:
        """Move the task's next message at its own moment, or fail the task."""
        from moto.sqs.exceptions import SQSException

        source = state.queue_by_arn(task.source_arn)
        message = task.pending[task.handled]
        if source is not None and not holds(source, message):
            task.handled += 1  # deleted or purged since the task started: nothing to move
            return
        destination, problem = destination_for(task, source, message)
        if problem:
            task.fail(problem)
            return
        try:
            send_copy(destination, message, task.moment(task.handled + 1))
        except SQSException as err:
            task.fail(err.code)
            return
        remove(source, message)
        task.handled += 1
        task.moved += 1

    def next_arrival_ms(self, queue: Any, after_ms: float) -> float | None:
        """The next moment (ms) after ``after_ms`` a running task delivers into ``queue``."""
        with self._lock:
            moments = [self._next_into(t, queue.queue_arn) for t in self._active()]
        later = [m for m in moments if m is not None and m > after_ms]
        return min(later) if later else None

    @staticmethod
    def _next_into(task: MoveTask, queue_arn: str) -> float | None:
        """When ``task`` next moves a message into the queue ``queue_arn`` (ms), if it will."""
        if task.status != RUNNING:
            return None
        for index in range(task.handled, task.to_move):
            if task.destination_of(task.pending[index]) == queue_arn:
                return task.moment(index + 1) * 1000
        return None

    def undo(self) -> None:
        """Switch the layer off and give moto back what it replaced (a no-op when already off)."""
        self._release(self)

    def __repr__(self) -> str:
        with self._lock:
            count = sum(len(ts) for ts in self._tasks.values())
        return f"<Redrive {LABEL}: {count} move task(s)>"


def destination_for(task: MoveTask, source: Any, message: Any) -> tuple[Any, str | None]:
    """(queue a message moves to, None), or (None, the FailureReason that stops the task)."""
    if source is None:
        return None, NO_QUEUE
    target_arn = task.destination_of(message)
    if target_arn is None or target_arn == task.source_arn:
        return None, UNKNOWN_SOURCE
    destination = state.queue_by_arn(target_arn)
    return (destination, None) if destination is not None else (None, NO_QUEUE)


def check_destination(source: Any, destination: Any) -> None:
    """A custom destination must be another queue of the DLQ's type (FIFO or standard)."""
    if destination is source:
        raise invalid("Source queue arn and destination queue arn cannot be the same.")
    if destination.fifo_queue != source.fifo_queue:
        kind = "a FIFO" if source.fifo_queue else "a standard"
        raise invalid(
            f"Value {destination.queue_arn} for parameter DestinationArn is invalid. Reason: the "
            f"dead-letter queue is {kind} queue, and a redrive destination must be of the same "
            "type."
        )
