"""Batching for SendMessageBatch: messages chunked by the entry and byte limits (on FIFO queues,
one message per group per batch, each group in order), and the request parameters of a message."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

from sqslab import facts
from sqslab.errors import LimitError
from sqslab.i18n import _
from sqslab.messages import PAYLOADS_FIX, OutgoingMessage, coerce, fact_int, human_size
from sqslab.numbers import number

#: On FIFO queues, how many batches ahead the producer looks for messages of other groups.
GROUP_LOOKAHEAD = 10


def check_max_entries(max_entries: int) -> int:
    """``max_entries`` if it is 1..10 (fact ``batch_max_entries``), else a clear error."""
    fact = facts.get("batch_max_entries")
    if isinstance(max_entries, bool) or not isinstance(max_entries, int):
        raise LimitError(
            _("batch size must be a whole number, got {value}").format(value=repr(max_entries))
        )
    if not 1 <= max_entries <= fact.value:
        raise LimitError(
            _(
                "batch size {size} is out of range: SendMessageBatch takes 1 to {limit}; send "
                "more messages with more batches (send_many does this for you)"
            ).format(size=max_entries, limit=fact.translated("text"))
        )
    return max_entries


def batches(
    messages: Iterable[Any],
    max_entries: int | None = None,
    max_bytes: int | None = None,
    *,
    one_per_group: bool = False,
) -> Iterator[list[OutgoingMessage]]:
    """Lazily chunk ``messages`` into batches of at most ``max_entries`` entries and ``max_bytes``
    bytes (defaults: the SQS batch limits); entry ids default to the running index.

    ``one_per_group`` (FIFO queues) puts at most one message of a group in a batch and keeps each
    group's order across batches, so a retried entry never lands behind a later one of its group.
    """
    entries = check_max_entries(max_entries or fact_int("batch_max_entries"))
    limit = max_bytes or fact_int("batch_max_bytes")
    checked = (_checked(coerce(item, index), limit) for index, item in enumerate(messages))
    if one_per_group:
        yield from _group_batches(checked, entries, limit)
    else:
        yield from _ordered_batches(checked, entries, limit)


def _checked(message: OutgoingMessage, limit: int) -> OutgoingMessage:
    _check_fits_a_batch(message, message.size, limit)
    return message


def _ordered_batches(
    messages: Iterable[OutgoingMessage], entries: int, limit: int
) -> Iterator[list[OutgoingMessage]]:
    """Consecutive messages, cut where a batch is full (entries or bytes)."""
    batch: list[OutgoingMessage] = []
    total = 0
    for message in messages:
        if batch and total + message.size > limit:
            yield batch
            batch, total = [], 0
        _check_unique_id(message, batch)
        batch.append(message)
        total += message.size
        if len(batch) == entries:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


def _group_batches(
    messages: Iterable[OutgoingMessage], entries: int, limit: int
) -> Iterator[list[OutgoingMessage]]:
    """Batches with one message per group, each group in order, looking ahead a few batches."""
    source = iter(messages)
    waiting: list[OutgoingMessage] = []
    while True:
        waiting.extend(islice(source, GROUP_LOOKAHEAD * entries - len(waiting)))
        if not waiting:
            return
        batch, waiting = _one_per_group(waiting, entries, limit)
        yield batch


def _one_per_group(
    waiting: list[OutgoingMessage], entries: int, limit: int
) -> tuple[list[OutgoingMessage], list[OutgoingMessage]]:
    """The next batch from ``waiting`` (each group's earliest message only) and what is left."""
    batch: list[OutgoingMessage] = []
    rest: list[OutgoingMessage] = []
    seen: set[str | None] = set()
    total = 0
    for message in waiting:
        fits = len(batch) < entries and total + message.size <= limit
        if fits and message.group_id not in seen:
            _check_unique_id(message, batch)
            batch.append(message)
            total += message.size
        else:
            rest.append(message)
        seen.add(message.group_id)  # a group's later messages wait for its earlier ones
    return batch, rest


def _check_fits_a_batch(message: OutgoingMessage, size: int, limit: int) -> None:
    """One message larger than a whole batch may carry cannot be batched."""
    if size > limit:
        raise LimitError(
            _(
                "entry {id} is {size} ({bytes} bytes), more than a whole batch may carry "
                "({limit}); {fix}"
            ).format(
                id=repr(message.id),
                size=human_size(size),
                bytes=number(size),
                limit=human_size(limit),
                fix=_(PAYLOADS_FIX),
            )
        )


def _check_unique_id(message: OutgoingMessage, batch: list[OutgoingMessage]) -> None:
    """Entry ids are unique within one batch request."""
    if any(m.id == message.id for m in batch):
        raise LimitError(
            _(
                "batch entry id {id} appears twice in one batch; SendMessageBatch needs unique "
                "ids within a request: give each message its own id, or leave id=None to number "
                "them"
            ).format(id=repr(message.id))
        )


# --- Request parameters ----------------------------------------------------------------------


def message_params(message: OutgoingMessage) -> dict[str, Any]:
    """The parameters SendMessage and a batch entry share."""
    params: dict[str, Any] = {"MessageBody": message.body}
    attributes = message.sqs_attributes()
    if attributes:
        params["MessageAttributes"] = attributes
    if message.delay is not None:
        params["DelaySeconds"] = message.delay
    if message.group_id is not None:
        params["MessageGroupId"] = message.group_id
    if message.dedup_id is not None:
        params["MessageDeduplicationId"] = message.dedup_id
    return params


def send_params(queue_url: str, message: OutgoingMessage) -> dict[str, Any]:
    """Keyword arguments of ``sqs.send_message`` for one message."""
    return {"QueueUrl": queue_url, **message_params(message)}


def batch_entry(message: OutgoingMessage) -> dict[str, Any]:
    """One ``Entries`` item of ``sqs.send_message_batch``."""
    return {"Id": str(message.id), **message_params(message)}
