"""A consumer's settings and their checks: the stop policy, the handler types, and the SQS limits
on visibility timeout, batch size, long polling, workers and heartbeat (each error names the fix)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqslab import facts
from sqslab.consumer_result import Message
from sqslab.emulator import clock as clocks
from sqslab.errors import LimitError

Handler = Callable[[Message], Any]
BatchHandler = Callable[[list[Message]], Iterable[str] | None]


@dataclass(frozen=True)
class StopPolicy:
    """When a consumer stops by itself (any limit reached); None means no such limit."""

    max_messages: int | None = None
    idle_timeout: float | None = 60.0
    until: float | None = None

    def __post_init__(self) -> None:
        for name in ("max_messages", "idle_timeout", "until"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise ValueError(f"StopPolicy.{name} must be positive or None, got {value}")


def queue_visibility(sqs: Any, queue_url: str) -> int:
    """The queue's VisibilityTimeout in seconds."""
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
    return int(attrs["Attributes"]["VisibilityTimeout"])


def check_handlers(
    handler: Handler | None, batch_handler: BatchHandler | None
) -> tuple[Handler | None, BatchHandler | None]:
    """Exactly one handler, and it must be callable."""
    if (handler is None) == (batch_handler is None):
        raise TypeError("give a Consumer exactly one of handler= or batch_handler=")
    given = handler if handler is not None else batch_handler
    if not callable(given):
        raise TypeError(
            f"the handler must be a function that takes a message, got {type(given).__name__} "
            f"{given!r}: define def handle(message): ... and pass handler=handle"
        )
    return handler, batch_handler


def check_visibility(seconds: int) -> int:
    """0..12 h (the SQS limit) for the visibility timeout the consumer asks for."""
    top = int(facts.get("visibility_timeout").value)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= top:
        raise LimitError(
            f"visibility_timeout {seconds!r} is out of range: SQS allows whole seconds from 0 to "
            f"{top:,} ({facts.get('visibility_timeout').text}); leave it out to use the queue's "
            "own VisibilityTimeout"
        )
    return seconds


def check_workers(workers: int) -> int:
    """Workers must be a positive number."""
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be 1 or more, got {workers!r}")
    return workers


def check_batch_size(size: int) -> int:
    """1..10 messages per receive (the SQS limit)."""
    top = int(facts.get("max_receive_messages").value)
    if not isinstance(size, int) or not 1 <= size <= top:
        raise LimitError(
            f"batch_size {size!r} is out of range: one ReceiveMessage returns 1 to {top} messages; "
            f"use batch_size={top} and more workers for more throughput"
        )
    return size


def check_wait_time(seconds: int) -> int:
    """0..20 s of long polling (the SQS limit)."""
    top = int(facts.get("long_poll_max_wait").value)
    if not isinstance(seconds, int) or not 0 <= seconds <= top:
        raise LimitError(
            f"wait_time {seconds!r} is out of range: WaitTimeSeconds allows 0 to {top} s; "
            f"use {top} for long polling (fewer empty receives) or 0 for short polling"
        )
    return seconds


def check_heartbeat(interval: float | None, visibility_timeout: int) -> float | None:
    """A heartbeat must beat well within the visibility timeout it keeps alive."""
    if interval is None:
        return None
    if interval <= 0 or interval >= visibility_timeout:
        raise ValueError(
            f"heartbeat_interval {interval} s cannot keep a {visibility_timeout} s visibility "
            f"timeout alive: beat more often than the timeout, e.g. heartbeat_interval="
            f"{max(1, visibility_timeout // 3)}"
        )
    return float(interval)


def default_clock(sqs: Any) -> clocks.Clock:
    """The clock of the lab that made ``sqs`` (virtual on moto), or a real clock without a lab."""
    from sqslab.lab import lab_of

    lab = lab_of(sqs)
    return lab.clock if lab is not None else clocks.RealClock()
