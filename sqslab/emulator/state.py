"""Reading moto's SQS state: the one module outside the layers' own patches that knows moto's
internal objects (its backends, queues and stored messages). Nothing here changes them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

#: Held by a layer while it looks at or changes moto's SQS state from one of ``sqslab server``'s
#: request threads (moto is not thread-safe): one receive's look, one send, delete or visibility
#: change at a time. A long poll waits outside it.
SERIAL = threading.RLock()


@dataclass(frozen=True)
class StoredMessage:
    """What a monitor may know of a stored message: id, receives so far, sent time (s)."""

    id: str
    receives: int
    sent: float


def backend(account: str, region: str) -> Any | None:
    """moto's SQS backend of an account and region, if it exists (never created here)."""
    from moto.sqs.models import sqs_backends

    per_account = dict.get(sqs_backends, account)
    return None if per_account is None else dict.get(per_account, region)


def backend_of(of: Any) -> Any:
    """The backend that holds queue ``of`` (it exists: the queue is in it)."""
    from moto.sqs.models import sqs_backends

    return sqs_backends[of.account_id][of.region]


def queue(account: str, region: str, name: str) -> Any | None:
    """moto's queue object of that name, or None."""
    found = backend(account, region)
    return None if found is None else found.queues.get(name)


def all_queues() -> Iterator[Any]:
    """Every moto queue of every account and region."""
    from moto.sqs.models import sqs_backends

    for regions in list(sqs_backends.values()):
        for region in list(regions.values()):
            yield from list(region.queues.values())


def parse_arn(arn: Any) -> tuple[str, str, str] | None:
    """(account, region, name) of an SQS queue ARN, or None for anything else."""
    parts = arn.split(":") if isinstance(arn, str) else []
    if len(parts) != 6 or parts[0] != "arn" or parts[2] != "sqs" or not parts[5]:
        return None
    return parts[4], parts[3], parts[5]


def queue_by_arn(arn: Any) -> Any | None:
    """The moto queue an ARN names, or None."""
    parsed = parse_arn(arn)
    if parsed is None:
        return None
    account, region, name = parsed
    found = queue(account, region, name)
    return found if found is not None and found.queue_arn == arn else None


def dead_letter_sources(dlq: Any) -> list[Any]:
    """Queues of the DLQ's account and region whose RedrivePolicy names it."""
    found = backend(dlq.account_id, dlq.region)
    return [
        q
        for q in (found.queues.values() if found else [])
        if (getattr(q, "redrive_policy", None) or {}).get("deadLetterTargetArn") == dlq.queue_arn
    ]


def messages(of: Any) -> list[Any]:
    """A copy of the list of moto messages stored in queue ``of`` (in flight or not)."""
    return list(of._messages)


def message_with_handle(of: Any, receipt_handle: str) -> Any | None:
    """The moto message of queue ``of`` that was ever given ``receipt_handle``, or None."""
    for message in messages(of):
        if message.had_receipt_handle(receipt_handle):
            return message
    return None


def stored(of: Any) -> list[StoredMessage]:
    """The messages stored in queue ``of``, as :class:`StoredMessage` records."""
    return [
        StoredMessage(m.id, m.approximate_receive_count, m.sent_timestamp / 1000)
        for m in messages(of)
    ]


def next_visible_ms(of: Any, after_ms: float) -> float | None:
    """Earliest moment (ms) after ``after_ms`` at which a message of ``of`` may become receivable."""
    moments = [
        max(m.visible_at, m.delayed_until)
        for m in messages(of)
        if max(m.visible_at, m.delayed_until) > after_ms
    ]
    return min(moments) if moments else None
