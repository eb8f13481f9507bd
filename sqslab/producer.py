"""Chapter 2: sending messages. Check them against SQS's limits before sending, batch them, retry the
entries of a batch that failed on the server's side, and send large bodies through S3.

Whole-request errors (throttling, a 500) are botocore's to retry (its ``retries`` config); what
botocore cannot see is a ``SendMessageBatch`` answered with HTTP 200 in which some entries failed.
:class:`Producer` retries exactly those, with backoff, when ``SenderFault`` is false.
"""

from __future__ import annotations

import math
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sized
from dataclasses import dataclass, field, fields, replace
from typing import Any

from sqslab import facts
from sqslab.backoff import BackoffPolicy
from sqslab.errors import LimitError
from sqslab.payloads import SIZE_ATTRIBUTES, PayloadStore, content_hash
from sqslab.tables import Table
from sqslab.trace import message_size

#: Any character outside the ranges SQS allows in a body (fact ``message_body_characters``).
BAD_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ENTRY_ID = re.compile(r"[A-Za-z0-9_-]+")
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
RESERVED_ATTRIBUTE_PREFIXES = ("aws.", "amazon.")
DATA_TYPES = ("String", "Number", "Binary")
#: Above this many messages ``send_many`` shows a progress bar unless told otherwise.
PROGRESS_AUTO_ABOVE = 500
DEFAULT_RETRY = BackoffPolicy(base=0.05, cap=2.0)
PAYLOADS_FIX = (
    "send it through S3 with sqslab.payloads: Producer(sqs, url, payloads=PayloadStore(s3, bucket))"
)


def human_size(n: int) -> str:
    """A byte count for people: ``512 B``, ``2 KiB``, ``1.3 MiB``."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} B"


def _fact_int(key: str) -> int:
    """A fact's value as an int."""
    return int(facts.get(key).value)


# --- Messages ------------------------------------------------------------------------------


@dataclass
class OutgoingMessage:
    """One message to send: body, attributes (plain values or boto3 form) and per-message options."""

    body: str
    attributes: dict[str, Any] | None = None
    group_id: str | None = None
    dedup_id: str | None = None
    delay: int | None = None
    id: str | None = None

    def sqs_attributes(self) -> dict[str, dict[str, Any]]:
        """The attributes in boto3's ``MessageAttributes`` form."""
        return to_sqs_attributes(self.attributes)

    @property
    def size(self) -> int:
        """Bytes SQS counts against the size limit: UTF-8 body plus attributes."""
        return message_size(self.body, self.sqs_attributes())


FIELDS = tuple(f.name for f in fields(OutgoingMessage))


def to_sqs_attributes(attributes: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """Attributes in boto3 form: str -> String, int/float -> Number, bytes -> Binary; boto3-form
    values (dicts with a ``DataType``) pass through."""
    if not attributes:
        return {}
    if not isinstance(attributes, dict):
        raise LimitError(
            f"attributes must be a dict of name -> value, got {type(attributes).__name__}"
        )
    return {name: _attribute_value(name, value) for name, value in attributes.items()}


def _attribute_value(name: str, value: Any) -> dict[str, Any]:
    """One attribute value in boto3 form, converted from a plain Python value."""
    if isinstance(value, dict) and "DataType" in value:
        return dict(value)
    if isinstance(value, bool):
        raise LimitError(
            f"attribute {name!r} is a bool; SQS attribute types are String, Number and Binary "
            "only: send 'true'/'false' (String) or 1/0 (Number)"
        )
    if isinstance(value, str):
        return {"DataType": "String", "StringValue": value}
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise LimitError(f"attribute {name!r} is {value}; a Number attribute must be finite")
        return {"DataType": "Number", "StringValue": str(value)}
    if isinstance(value, bytes | bytearray):
        return {"DataType": "Binary", "BinaryValue": bytes(value)}
    raise LimitError(
        f"attribute {name!r} holds a {type(value).__name__}; SQS attributes are String, Number "
        "or Binary: send structured data as a String with json.dumps(value), or in the body"
    )


def coerce(item: Any, index: int = 0, **overrides: Any) -> OutgoingMessage:
    """An :class:`OutgoingMessage` from a str body, a dict of fields or a message; the entry id
    defaults to ``str(index)``."""
    if isinstance(item, OutgoingMessage):
        message = replace(item, **_known_fields(overrides)) if overrides else item
    elif isinstance(item, str):
        message = OutgoingMessage(item, **_known_fields(overrides))
    elif isinstance(item, dict):
        if "body" not in item:
            raise LimitError(f"a message needs a body: add 'body' to {item!r}")
        message = OutgoingMessage(**_known_fields({**item, **overrides}))
    elif isinstance(item, bytes | bytearray):
        raise _not_a_str(item)
    else:
        raise LimitError(
            f"cannot send a {type(item).__name__}: give a str body, a dict of message fields "
            f"({', '.join(FIELDS)}) or an OutgoingMessage; to send data, json.dumps it first"
        )
    return message if message.id is not None else replace(message, id=str(index))


def _known_fields(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` if every key is an OutgoingMessage field; a clear error otherwise."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise LimitError(
            f"unknown message field(s) {', '.join(map(repr, unknown))}; a message has "
            f"{', '.join(FIELDS)} (to send a dict as the body, json.dumps it first)"
        )
    return values


# --- The queue -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueInfo:
    """What the producer needs to know about its queue, read once from GetQueueAttributes."""

    url: str
    name: str
    fifo: bool
    content_based_dedup: bool
    max_message_size: int


def queue_info(sqs: Any, queue_url: str) -> QueueInfo:
    """Read the queue's type, deduplication mode and size limit (one GetQueueAttributes call)."""
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    return QueueInfo(
        url=queue_url,
        name=queue_url.rstrip("/").rsplit("/", 1)[-1],
        fifo=attrs.get("FifoQueue") == "true",
        content_based_dedup=attrs.get("ContentBasedDeduplication") == "true",
        max_message_size=int(attrs.get("MaximumMessageSize", _fact_int("max_message_size"))),
    )


# --- Validation ----------------------------------------------------------------------------


def bad_character(text: str) -> str | None:
    """``U+0000 at index 3`` for the first character SQS does not allow in ``text``, else None."""
    found = BAD_CHARACTER.search(text)
    if found is None:
        return None
    more = len(BAD_CHARACTER.findall(text)) - 1
    extra = f" (and {more} more)" if more else ""
    return f"U+{ord(found.group()):04X} at index {found.start()}{extra}"


def validate(message: OutgoingMessage | str | dict[str, Any], queue: QueueInfo) -> None:
    """Raise :class:`LimitError` naming the limit and the fix if SQS would reject ``message``."""
    message = coerce(message)
    check_body(message.body)
    check_entry_id(message.id)
    attributes = message.sqs_attributes()
    check_attributes(attributes)
    check_size(message_size(message.body, attributes), queue)
    check_fifo(message, queue)
    check_delay(message.delay, queue)


def check_body(body: Any) -> None:
    """The body is a non-empty str of characters SQS allows."""
    if not isinstance(body, str):
        raise _not_a_str(body)
    if not body:
        raise LimitError(
            "message body is empty; SQS needs at least 1 character: send a placeholder such as "
            "'{}' or put the data in the body instead of only in attributes"
        )
    where = bad_character(body)
    if where:
        raise LimitError(
            f"message body has a character SQS does not allow: {where}; allowed: "
            f"{facts.get('message_body_characters').text}. Remove it, or base64-encode binary data"
        )


def _not_a_str(body: Any) -> LimitError:
    """The error for a body that is not text."""
    return LimitError(
        f"message body must be a str, got {type(body).__name__}: decode text (body.decode()), "
        "json.dumps data, or base64-encode binary data"
    )


def check_entry_id(entry_id: str | None) -> None:
    """A batch entry id has 1 to 80 letters, digits, hyphens or underscores."""
    limit = facts.get("batch_entry_id")
    if entry_id is None or (ENTRY_ID.fullmatch(entry_id) and len(entry_id) <= limit.value):
        return
    raise LimitError(
        f"batch entry id {entry_id!r} is not allowed: SQS takes up to {limit.text} of letters, "
        "digits, hyphens (-) and underscores (_); use an id such as 'order-17', or leave id=None "
        "to number the messages"
    )


def check_attributes(attributes: dict[str, dict[str, Any]]) -> None:
    """At most 10 attributes, each with a valid name, type and non-empty value."""
    limit = facts.get("max_message_attributes")
    if len(attributes) > limit.value:
        raise LimitError(
            f"message has {len(attributes)} attributes; SQS allows {limit.text} per message: "
            "move the rest into the body (for example as JSON)"
        )
    for name, value in attributes.items():
        check_attribute_name(name)
        check_attribute_value(name, value)


def check_attribute_name(name: str) -> None:
    """An attribute name follows the SQS naming rules (fact ``message_attribute_name_length``)."""
    limit = facts.get("message_attribute_name_length")
    problem = None
    if not isinstance(name, str) or not name:
        problem = "an attribute name must be a non-empty str"
    elif len(name) > limit.value:
        problem = f"it has {len(name)} characters; SQS allows {limit.text}"
    elif not ATTRIBUTE_NAME.fullmatch(name):
        problem = "use only letters, digits, underscores (_), hyphens (-) and periods (.)"
    elif name.lower().startswith(RESERVED_ATTRIBUTE_PREFIXES):
        problem = "names starting with 'AWS.' or 'Amazon.' are reserved for AWS; rename it"
    elif name.startswith(".") or name.endswith(".") or ".." in name:
        problem = "a name must not start or end with a period or have two periods in a row"
    if problem:
        raise LimitError(f"invalid message attribute name {name!r}: {problem}")


def check_attribute_value(name: str, value: dict[str, Any]) -> None:
    """A boto3-form attribute value has a known DataType and a non-empty value of that type."""
    data_type = str(value.get("DataType", ""))
    base = data_type.split(".", 1)[0]
    if base not in DATA_TYPES:
        raise LimitError(
            f"attribute {name!r} has DataType {data_type!r}; SQS takes String, Number or Binary "
            "(optionally with a custom label, e.g. 'Number.int')"
        )
    key = "BinaryValue" if base == "Binary" else "StringValue"
    content = value.get(key)
    if content is None or len(content) == 0:
        raise LimitError(
            f"attribute {name!r} has no {key}; SQS rejects empty attribute values: give a "
            "value or leave the attribute out"
        )
    if base == "Number":
        _check_number(name, content)
    if base == "String":
        where = bad_character(str(content))
        if where:
            raise LimitError(
                f"attribute {name!r} has a character SQS does not allow: {where}; a String "
                "value has the same character rules as the body"
            )


def _check_number(name: str, text: str) -> None:
    """A Number attribute's StringValue must be a finite number."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise LimitError(
            f"attribute {name!r} is a Number but its value {text!r} is not a finite number; "
            "use DataType 'String' for text"
        )


def check_size(size: int, queue: QueueInfo) -> None:
    """The message (body plus attributes) fits the queue's MaximumMessageSize."""
    if size <= queue.max_message_size:
        return
    top = facts.get("max_message_size")
    fixes = []
    if queue.max_message_size < top.value and size <= top.value:
        fixes.append(f"raise the queue's MaximumMessageSize (up to {top.text})")
    fixes.append(PAYLOADS_FIX)
    raise LimitError(
        f"message is {human_size(size)} ({size:,} bytes, body plus attributes); queue "
        f"{queue.name!r} allows {human_size(queue.max_message_size)} (its MaximumMessageSize; "
        f"the SQS maximum is {top.text}). Fix: {', or '.join(fixes)}"
    )


def check_fifo(message: OutgoingMessage, queue: QueueInfo) -> None:
    """A FIFO message has a group id, and a dedup id unless the queue deduplicates by content."""
    if not queue.fifo:
        return
    if not message.group_id:
        raise LimitError(
            f"queue {queue.name!r} is FIFO, so every message needs a message group id: pass "
            "group_id='...' (messages of one group are delivered in order)"
        )
    if not message.dedup_id and not queue.content_based_dedup:
        window = facts.get("fifo_dedup_window").text
        raise LimitError(
            f"FIFO queue {queue.name!r} has no ContentBasedDeduplication, so every message needs "
            f"dedup_id='...' (repeats within {window} are dropped); or create the queue with "
            "ContentBasedDeduplication='true'"
        )


def check_delay(delay: Any, queue: QueueInfo) -> None:
    """A per-message delay is a whole number of seconds in range, and only on standard queues."""
    if delay is None:
        return
    fact = facts.get("delivery_delay")
    if queue.fifo:
        raise LimitError(
            f"per-message delay is not allowed on FIFO queue {queue.name!r}: set DelaySeconds on "
            "the queue instead (sqs.set_queue_attributes(QueueUrl=url, "
            "Attributes={'DelaySeconds': '30'}))"
        )
    if isinstance(delay, bool) or not isinstance(delay, int) or not fact.min <= delay <= fact.value:
        raise LimitError(
            f"delay={delay!r} is not allowed: SQS takes a whole number of seconds from "
            f"{fact.min:.0f} to {fact.value:.0f} ({fact.min_text} to {fact.text}); for longer "
            "waits, schedule the send elsewhere (e.g. EventBridge Scheduler)"
        )


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
    messages: Iterable[Any], max_entries: int | None = None, max_bytes: int | None = None
) -> Iterator[list[OutgoingMessage]]:
    """Lazily chunk ``messages`` into batches of at most ``max_entries`` entries and ``max_bytes``
    bytes (defaults: the SQS batch limits); entry ids default to the running index."""
    entries = _check_batch_size(max_entries or _fact_int("batch_max_entries"))
    limit = max_bytes or _fact_int("batch_max_bytes")
    batch: list[OutgoingMessage] = []
    total = 0
    for index, item in enumerate(messages):
        message = coerce(item, index)
        size = message.size
        _check_fits_a_batch(message, size, limit)
        if batch and total + size > limit:
            yield batch
            batch, total = [], 0
        _check_unique_id(message, batch)
        batch.append(message)
        total += size
        if len(batch) == entries:
            yield batch
            batch, total = [], 0
    if batch:
        yield batch


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

    A retried entry lands after the entries that succeeded the first time, so on a FIFO queue a
    partial failure can reorder a message group; send one group per batch if order matters.
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
        try:
            for batch in batches(prepared, self.batch_size):
                self._send_batch(batch, result)
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
