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
from collections.abc import Callable, Iterable, Sized
from dataclasses import replace
from typing import Any

from sqslab import facts
from sqslab.backoff import BackoffPolicy
from sqslab.batching import GROUP_LOOKAHEAD, batch_entry, batches, check_max_entries, send_params
from sqslab.errors import LimitError
from sqslab.i18n import _
from sqslab.messages import (
    OutgoingMessage,
    QueueInfo,
    check_body,
    coerce,
    human_size,
    queue_info,
    validate,
)
from sqslab.payloads import SIZE_ATTRIBUTES, PayloadStore, content_hash
from sqslab.send_result import GROUP_HALTED, Failed, SendResult, Sent
from sqslab.trace import message_size

#: The producer's names, and those of the modules it was split into that notebooks import from here.
__all__ = [
    "DEFAULT_RETRY",
    "GROUP_HALTED",
    "GROUP_LOOKAHEAD",
    "PROGRESS_AUTO_ABOVE",
    "Failed",
    "OutgoingMessage",
    "Producer",
    "QueueInfo",
    "SendResult",
    "Sent",
    "batches",
    "human_size",
    "queue_info",
    "send_messages",
]

#: Above this many messages ``send_many`` shows a progress bar unless told otherwise.
PROGRESS_AUTO_ABOVE = 500
DEFAULT_RETRY = BackoffPolicy(base=0.05, cap=2.0)

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
        self.batch_size = check_max_entries(batch_size)
        self.retry = retry
        self.max_attempts = _check_attempts(max_attempts)
        self.sleep = sleep if sleep is not None else _default_sleep(sqs)
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
            raise LimitError(
                _("item {index} given to send_many: {error}").format(index=index, error=err)
            ) from None

    def send(self, body_or_message: Any, **fields: Any) -> SendResult:
        """Send one message with SendMessage; ``fields`` are OutgoingMessage fields."""
        message = self.prepare(body_or_message, **fields)
        response = self.sqs.send_message(**send_params(self.queue.url, message))
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
                QueueUrl=self.queue.url, Entries=[batch_entry(m) for m in pending.values()]
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
                    entry_id,
                    "NoResult",
                    _("SQS reported neither success nor failure"),
                    False,
                    attempt,
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
            text = _(
                "not sent: an earlier message of group {group} was not accepted, and sending "
                "this one would deliver the group out of order; fix and resend both"
            ).format(group=repr(m.group_id))
            result.failed.append(Failed(str(m.id), GROUP_HALTED, text, False, 0))
    return [m for m in batch if m.group_id not in halted]


def _check_many(messages: Any) -> None:
    """``send_many`` takes an iterable of messages, not one message (a str would send its letters)."""
    if isinstance(messages, str | bytes | dict | OutgoingMessage):
        raise LimitError(
            _(
                "send_many takes a list (or any iterable) of messages, got one {type}: use "
                "send(...) for a single message, or wrap it in a list"
            ).format(type=type(messages).__name__)
        )


def _check_attempts(max_attempts: int) -> int:
    """``max_attempts`` if it is a whole number from 1, else a clear error."""
    if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
        raise LimitError(
            _(
                "max_attempts counts tries including the first, so it must be 1 or more "
                "(1 = never retry), got {value}"
            ).format(value=repr(max_attempts))
        )
    return max_attempts


def _check_room_for_pointer(attributes: dict[str, Any]) -> None:
    """An offloaded message needs a free attribute slot and no reserved attribute name."""
    reserved = [name for name in attributes if name in SIZE_ATTRIBUTES]
    if reserved:
        raise LimitError(
            _("attribute {name} is reserved for S3 payload pointers; rename it").format(
                name=repr(reserved[0])
            )
        )
    limit = facts.get("max_message_attributes")
    if len(attributes) >= limit.value:
        raise LimitError(
            _(
                "message has {count} attributes and sending it through S3 adds the "
                "ExtendedPayloadSize attribute, but SQS allows {limit}: keep at most {most} of "
                "your own, or move some into the body"
            ).format(
                count=len(attributes),
                limit=limit.translated("text"),
                most=f"{limit.value - 1:.0f}",
            )
        )


def send_messages(sqs: Any, queue_url: str, messages: Iterable[Any], **kw: Any) -> SendResult:
    """Send ``messages`` in batches in one line: ``Producer(sqs, queue_url, **kw).send_many(...)``."""
    return Producer(sqs, queue_url, **kw).send_many(messages)


def _default_sleep(sqs: Any) -> Callable[[float], None]:
    """The ``wait`` of the lab that made ``sqs`` (virtual on moto), or a real sleep without a lab."""
    from sqslab.lab import lab_of

    lab = lab_of(sqs)
    return lab.wait if lab is not None else time.sleep
