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
from sqslab.i18n import _
from sqslab.numbers import number

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
                raise ValueError(
                    _("StopPolicy.{name} must be positive or None, got {value}").format(
                        name=name, value=value
                    )
                )


def queue_visibility(sqs: Any, queue_url: str) -> int:
    """The queue's VisibilityTimeout in seconds."""
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["VisibilityTimeout"])
    return int(attrs["Attributes"]["VisibilityTimeout"])


def check_handlers(
    handler: Handler | None, batch_handler: BatchHandler | None
) -> tuple[Handler | None, BatchHandler | None]:
    """Exactly one handler, and it must be callable."""
    if (handler is None) == (batch_handler is None):
        raise TypeError(_("give a Consumer exactly one of handler= or batch_handler="))
    given = handler if handler is not None else batch_handler
    if not callable(given):
        raise TypeError(
            _(
                "the handler must be a function that takes a message, got {given}: define def "
                "handle(message): ... and pass handler=handle"
            ).format(given=f"{type(given).__name__} {given!r}")
        )
    return handler, batch_handler


def check_visibility(seconds: int) -> int:
    """0..12 h (the SQS limit) for the visibility timeout the consumer asks for."""
    top = int(facts.get("visibility_timeout").value)
    if isinstance(seconds, bool) or not isinstance(seconds, int) or not 0 <= seconds <= top:
        raise LimitError(
            _(
                "visibility_timeout {seconds} is out of range: SQS allows whole seconds from 0 to "
                "{top} ({text}); leave it out to use the queue's own VisibilityTimeout"
            ).format(
                seconds=repr(seconds),
                top=number(top),
                text=facts.get("visibility_timeout").translated("text"),
            )
        )
    return seconds


def check_workers(workers: int) -> int:
    """Workers must be a positive number."""
    if not isinstance(workers, int) or workers < 1:
        raise ValueError(
            _("workers must be 1 or more, got {workers}").format(workers=repr(workers))
        )
    return workers


def check_batch_size(size: int) -> int:
    """1..10 messages per receive (the SQS limit)."""
    top = int(facts.get("max_receive_messages").value)
    if not isinstance(size, int) or not 1 <= size <= top:
        raise LimitError(
            _(
                "batch_size {size} is out of range: one ReceiveMessage returns 1 to {top} "
                "messages; use batch_size={top} and more workers for more throughput"
            ).format(size=repr(size), top=top)
        )
    return size


def check_wait_time(seconds: int) -> int:
    """0..20 s of long polling (the SQS limit)."""
    top = int(facts.get("long_poll_max_wait").value)
    if not isinstance(seconds, int) or not 0 <= seconds <= top:
        raise LimitError(
            _(
                "wait_time {seconds} is out of range: WaitTimeSeconds allows 0 to {top} s; "
                "use {top} for long polling (fewer empty receives) or 0 for short polling"
            ).format(seconds=repr(seconds), top=top)
        )
    return seconds


def check_heartbeat(interval: float | None, visibility_timeout: int) -> float | None:
    """A heartbeat must beat well within the visibility timeout it keeps alive."""
    if interval is None:
        return None
    if interval <= 0 or interval >= visibility_timeout:
        raise ValueError(
            _(
                "heartbeat_interval {interval} s cannot keep a {timeout} s visibility timeout "
                "alive: beat more often than the timeout, e.g. heartbeat_interval={example}"
            ).format(
                interval=interval,
                timeout=visibility_timeout,
                example=max(1, visibility_timeout // 3),
            )
        )
    return float(interval)


def default_clock(sqs: Any) -> clocks.Clock:
    """The clock of the lab that made ``sqs`` (virtual on moto), or a real clock without a lab."""
    from sqslab.lab import lab_of

    lab = lab_of(sqs)
    return lab.clock if lab is not None else clocks.RealClock()
