"""Chapter 2: sending messages. Check them against SQS's limits before sending (the checks live in
:mod:`sqslab.messages`), batch them, retry the entries of a batch that failed on the server's side,
and send large bodies through S3.

Whole-request errors (throttling, a 500) are botocore's to retry (its ``retries`` config); what
botocore cannot see is a ``SendMessageBatch`` answered with HTTP 200 in which some entries failed.
:class:`Producer` retries exactly those, with backoff, when ``SenderFault`` is false.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Any

from sqslab import facts
from sqslab.backoff import BackoffPolicy
from sqslab.errors import LimitError
from sqslab.messages import (
    PAYLOADS_FIX,
    OutgoingMessage,
    QueueInfo,
    check_body,
    coerce,
    fact_int,
    human_size,
    queue_info,
    validate,
)
from sqslab.payloads import SIZE_ATTRIBUTES, PayloadStore, content_hash
from sqslab.tables import Table
from sqslab.trace import message_size

#: Above this many messages ``send_many`` shows a progress bar unless told otherwise.
PROGRESS_AUTO_ABOVE = 500
DEFAULT_RETRY = BackoffPolicy(base=0.05, cap=2.0)
#: On FIFO queues, how many batches ahead the producer looks for messages of other groups.
GROUP_LOOKAHEAD = 10
#: Error code of a FIFO message not sent because an earlier message of its group failed.
GROUP_HALTED = "GroupHalted"
# --- Batching ------------------------------------------------------------------------------


def _check_batch_size(max_entries: int) -> int:
    """``max_entries`` if it is 1..10 (fact ``batch_max_entries``), else a clear error."""
    fact = facts.get("batch_max_entries")
    if isinstance(max_entries, bool) or not isinstance(max_entries, int):
        raise LimitError(f"batch size must be a whole number, got {max_entries!r}")
    if not 1 <= max_entries <= fact.value:
        raise LimitError(
            f"batch size {max_entries} is out of range: SendMessageBatch takes 1 to {fact.text}; "
            f"send more messages with more batches (send_many does this for you)"
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
    entries = _check_batch_size(max_entries or fact_int("batch_max_entries"))
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
            f"entry {message.id!r} is {human_size(size)} ({size:,} bytes), more than a whole "
            f"batch may carry ({human_size(limit)}); {PAYLOADS_FIX}"
        )


def _check_unique_id(message: OutgoingMessage, batch: list[OutgoingMessage]) -> None:
    """Entry ids are unique within one batch request."""
    if any(m.id == message.id for m in batch):
        raise LimitError(
            f"batch entry id {message.id!r} appears twice in one batch; SendMessageBatch needs "
            "unique ids within a request: give each message its own id, or leave id=None to "
            "number them"
        )


# --- Results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """One message SQS accepted."""

    id: str
    message_id: str
    attempts: int = 1
    sequence_number: str | None = None


@dataclass(frozen=True)
class Failed:
    """One message SQS did not accept, with its error and how often it was tried."""

    id: str
    code: str
    message: str
    sender_fault: bool
    attempts: int = 1


@dataclass
class SendResult:
    """What a send did: accepted and failed messages, API calls made and entries re-sent."""

    sent: list[Sent] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    requests: int = 0
    retries: int = 0

    @property
    def ok(self) -> bool:
        """True when every message was accepted."""
        return not self.failed

    def __repr__(self) -> str:
        return (
            f"<SendResult sent={len(self.sent)} failed={len(self.failed)} "
            f"requests={self.requests} retries={self.retries}>"
        )

    def failures_table(self) -> Table:
        """The failed messages: entry id, error code, who is at fault, attempts, message."""
        return Table(
            ("id", "code", "sender fault", "attempts", "message"),
            [(f.id, f.code, f.sender_fault, f.attempts, f.message) for f in self.failed],
        )


# --- The producer --------------------------------------------------------------------------


class Producer:
    """Sends messages to one queue: validated, batched, partial failures retried with backoff,
    and large bodies sent through S3 when given a :class:`~sqslab.payloads.PayloadStore`.

    On a FIFO queue a batch carries at most one message per group, so retrying a failed entry never
    puts it behind a later message of its group; once a message fails for good, the later messages
    of its group are not sent (reported as ``GroupHalted``) rather than sent out of order.
    """

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        *,
        batch_size: int = 10,
        retry: BackoffPolicy = DEFAULT_RETRY,
        max_attempts: int = 5,
        sleep: Callable[[float], None] | None = None,
        payloads: PayloadStore | None = None,
        progress: bool | None = None,
        seed: int = 0,
    ) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.batch_size = _check_batch_size(batch_size)
        self.retry = retry
        self.max_attempts = _check_attempts(max_attempts)
        self.sleep = sleep if sleep is not None else _default_sleep()
        self.payloads = payloads
        self.progress = progress
        self.rng = random.Random(seed)
        #: Every backoff wait taken so far, in seconds (for charts and tests).
        self.sleeps: list[float] = []
        self._queue: QueueInfo | None = None

    def __repr__(self) -> str:
        return (
            f"<Producer queue={self.queue_url.rsplit('/', 1)[-1]!r} batch_size={self.batch_size}>"
        )

    @property
    def queue(self) -> QueueInfo:
        """The queue's attributes, read on first use."""
        if self._queue is None:
            self._queue = queue_info(self.sqs, self.queue_url)
        return self._queue

    def prepare(self, item: Any, index: int = 0, **overrides: Any) -> OutgoingMessage:
        """The message as it will be sent: coerced, offloaded to S3 if needed, validated."""
        message = coerce(item, index, **overrides)
        check_body(message.body)
        message = self._offload_if_needed(message)
        validate(message, self.queue)
        return message

    def _prepare_nth(self, item: Any, index: int) -> OutgoingMessage:
        """:meth:`prepare` for item ``index`` of a stream; errors say which item was wrong."""
        try:
            return self.prepare(item, index)
        except LimitError as err:
            raise LimitError(f"item {index} given to send_many: {err}") from None

    def send(self, body_or_message: Any, **fields: Any) -> SendResult:
        """Send one message with SendMessage; ``fields`` are OutgoingMessage fields."""
        message = self.prepare(body_or_message, **fields)
        response = self.sqs.send_message(**_send_params(self.queue.url, message))
        sent = Sent(str(message.id), response["MessageId"], 1, response.get("SequenceNumber"))
        return SendResult(sent=[sent], requests=1)

    def send_many(self, messages: Iterable[Any]) -> SendResult:
        """Send any number of messages with SendMessageBatch, retrying transient entry failures."""
        _check_many(messages)
        result = SendResult()
        bar = self._progress_bar(len(messages) if isinstance(messages, Sized) else None)
        prepared = (self._prepare_nth(item, index) for index, item in enumerate(messages))
        fifo = self.queue.fifo
        halted: set[str | None] = set()
        try:
            for batch in batches(prepared, self.batch_size, one_per_group=fifo):
                kept = _halt(batch, halted, result) if fifo else batch
                before = len(result.failed)
                self._send_batch(kept, result)
                if fifo:
                    groups = {str(m.id): m.group_id for m in kept}
                    halted.update(groups[f.id] for f in result.failed[before:])
                if bar is not None:
                    bar.update(len(batch))
        finally:
            if bar is not None:
                bar.close()
        return result

    def _offload_if_needed(self, message: OutgoingMessage) -> OutgoingMessage:
        """Replace the body by an S3 pointer when the payload store says so."""
        store = self.payloads
        attributes = message.sqs_attributes()
        if store is None or not store.needs_offload(
            message_size(message.body, attributes), self.queue.max_message_size
        ):
            return message
        _check_room_for_pointer(attributes)
        pointer, extra = store.offload(message.body)
        dedup = message.dedup_id
        if dedup is None and self.queue.fifo and self.queue.content_based_dedup:
            dedup = content_hash(message.body)  # what content-based dedup of the real body gives
        return replace(message, body=pointer, attributes={**attributes, **extra}, dedup_id=dedup)

    def _send_batch(self, batch: list[OutgoingMessage], result: SendResult) -> None:
        """Send one batch; re-send entries that failed transiently until they pass or run out."""
        pending = {str(m.id): m for m in batch}
        attempt = 1
        while pending:
            response = self.sqs.send_message_batch(
                QueueUrl=self.queue.url, Entries=[_entry(m) for m in pending.values()]
            )
            result.requests += 1
            pending = self._sort_outcome(response, pending, attempt, result)
            if pending:
                result.retries += len(pending)
                self._back_off(attempt)
                attempt += 1

    def _sort_outcome(
        self,
        response: dict[str, Any],
        pending: dict[str, OutgoingMessage],
        attempt: int,
        result: SendResult,
    ) -> dict[str, OutgoingMessage]:
        """Record successes and final failures; return the entries worth another attempt."""
        retry: dict[str, OutgoingMessage] = {}
        for ok in response.get("Successful", []):
            pending.pop(ok["Id"], None)
            result.sent.append(Sent(ok["Id"], ok["MessageId"], attempt, ok.get("SequenceNumber")))
        for bad in response.get("Failed", []):
            message = pending.pop(bad["Id"], None)
            if not bad["SenderFault"] and attempt < self.max_attempts and message is not None:
                retry[bad["Id"]] = message
                continue
            failure = Failed(
                bad["Id"], bad["Code"], bad.get("Message", ""), bad["SenderFault"], attempt
            )
            result.failed.append(failure)
        for entry_id in pending:
            result.failed.append(
                Failed(
                    entry_id, "NoResult", "SQS reported neither success nor failure", False, attempt
                )
            )
        return retry

    def _back_off(self, attempt: int) -> None:
        """Wait before retry ``attempt`` as the retry policy says."""
        wait = self.retry.delay(attempt, self.rng)
        self.sleeps.append(wait)
        self.sleep(wait)

    def _progress_bar(self, total: int | None) -> Any:
        """A tqdm.auto bar for big sends (``leave=False``), or None."""
        show = self.progress
        if show is None:
            show = total is not None and total > PROGRESS_AUTO_ABOVE
        if not show:
            return None
        import tqdm.auto

        return tqdm.auto.tqdm(total=total, leave=False, unit="msg", desc="sending")


def _halt(
    batch: list[OutgoingMessage], halted: set[str | None], result: SendResult
) -> list[OutgoingMessage]:
    """The messages of ``batch`` whose group has no failed message; the others are reported."""
    for m in batch:
        if m.group_id in halted:
            text = (
                f"not sent: an earlier message of group {m.group_id!r} was not accepted, and "
                "sending this one would deliver the group out of order; fix and resend both"
            )
            result.failed.append(Failed(str(m.id), GROUP_HALTED, text, False, 0))
    return [m for m in batch if m.group_id not in halted]


def _check_many(messages: Any) -> None:
    """``send_many`` takes an iterable of messages, not one message (a str would send its letters)."""
    if isinstance(messages, str | bytes | dict | OutgoingMessage):
        raise LimitError(
            f"send_many takes a list (or any iterable) of messages, got one {type(messages).__name__}: "
            "use send(...) for a single message, or wrap it in a list"
        )


def _check_attempts(max_attempts: int) -> int:
    """``max_attempts`` if it is a whole number from 1, else a clear error."""
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise LimitError(
            f"max_attempts counts tries including the first, so it must be 1 or more "
            f"(1 = never retry), got {max_attempts!r}"
        )
    return max_attempts


def _check_room_for_pointer(attributes: dict[str, Any]) -> None:
    """An offloaded message needs a free attribute slot and no reserved attribute name."""
    reserved = [name for name in attributes if name in SIZE_ATTRIBUTES]
    if reserved:
        raise LimitError(
            f"attribute {reserved[0]!r} is reserved for S3 payload pointers; rename it"
        )
    limit = facts.get("max_message_attributes")
    if len(attributes) >= limit.value:
        raise LimitError(
            f"message has {len(attributes)} attributes and sending it through S3 adds the "
            f"ExtendedPayloadSize attribute, but SQS allows {limit.text}: keep at most "
            f"{limit.value - 1:.0f} of your own, or move some into the body"
        )


def _message_params(message: OutgoingMessage) -> dict[str, Any]:
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


def _send_params(queue_url: str, message: OutgoingMessage) -> dict[str, Any]:
    """Keyword arguments of ``sqs.send_message`` for one message."""
    return {"QueueUrl": queue_url, **_message_params(message)}


def _entry(message: OutgoingMessage) -> dict[str, Any]:
    """One ``Entries`` item of ``sqs.send_message_batch``."""
    return {"Id": str(message.id), **_message_params(message)}


def send_messages(sqs: Any, queue_url: str, messages: Iterable[Any], **kw: Any) -> SendResult:
    """Send ``messages`` in batches in one line: ``Producer(sqs, queue_url, **kw).send_many(...)``."""
    return Producer(sqs, queue_url, **kw).send_many(messages)


def _default_sleep() -> Callable[[float], None]:
    """The active lab's ``wait`` (virtual on moto), or a real sleep when no lab runs."""
    from sqslab.lab import active

    lab = active()
    return lab.wait if lab is not None else time.sleep
