"""What a message may be: its parts and attributes, the queue settings that bound it, and the
checks SQS makes before it accepts one (each error names the limit, from the facts, and the fix).
The producer (chapter 2) runs them before every send."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from typing import Any

from sqslab import facts
from sqslab.errors import LimitError
from sqslab.i18n import N_, _
from sqslab.numbers import localize, number
from sqslab.trace import message_size

#: Any character outside the ranges SQS allows in a body (fact ``message_body_characters``).
BAD_CHARACTER = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
ENTRY_ID = re.compile(r"[A-Za-z0-9_-]+")
ATTRIBUTE_NAME = re.compile(r"[A-Za-z0-9_.-]+")
RESERVED_ATTRIBUTE_PREFIXES = ("aws.", "amazon.")
DATA_TYPES = ("String", "Number", "Binary")
#: The fix for a message too large for its queue (translated where it is shown).
PAYLOADS_FIX = N_(
    "send it through S3 with sqslab.payloads: Producer(sqs, url, payloads=PayloadStore(s3, bucket))"
)


def human_size(n: int) -> str:
    """A byte count for people: ``512 B``, ``2 KiB``, ``1.3 MiB``."""
    for unit, scale in (("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= scale:
            return localize(f"{n / scale:.1f}".rstrip("0").rstrip(".")) + f" {unit}"
    return f"{n} B"


def fact_int(key: str) -> int:
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
            _("attributes must be a dict of name -> value, got {type}").format(
                type=type(attributes).__name__
            )
        )
    return {name: _attribute_value(name, value) for name, value in attributes.items()}


def _attribute_value(name: str, value: Any) -> dict[str, Any]:
    """One attribute value in boto3 form, converted from a plain Python value."""
    if isinstance(value, dict) and "DataType" in value:
        return dict(value)
    if isinstance(value, bool):
        raise LimitError(
            _(
                "attribute {name} is a bool; SQS attribute types are String, Number and Binary "
                "only: send 'true'/'false' (String) or 1/0 (Number)"
            ).format(name=repr(name))
        )
    if isinstance(value, str):
        return {"DataType": "String", "StringValue": value}
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise LimitError(
                _("attribute {name} is {value}; a Number attribute must be finite").format(
                    name=repr(name), value=value
                )
            )
        return {"DataType": "Number", "StringValue": str(value)}
    if isinstance(value, bytes | bytearray):
        return {"DataType": "Binary", "BinaryValue": bytes(value)}
    raise LimitError(
        _(
            "attribute {name} holds a {type}; SQS attributes are String, Number or Binary: send "
            "structured data as a String with json.dumps(value), or in the body"
        ).format(name=repr(name), type=type(value).__name__)
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
            raise LimitError(
                _("a message needs a body: add 'body' to {item}").format(item=repr(item))
            )
        message = OutgoingMessage(**_known_fields({**item, **overrides}))
    elif isinstance(item, bytes | bytearray):
        raise _not_a_str(item)
    else:
        raise LimitError(
            _(
                "cannot send a {type}: give a str body, a dict of message fields ({fields}) or an "
                "OutgoingMessage; to send data, json.dumps it first"
            ).format(type=type(item).__name__, fields=", ".join(FIELDS))
        )
    return message if message.id is not None else replace(message, id=str(index))


def _known_fields(values: dict[str, Any]) -> dict[str, Any]:
    """``values`` if every key is an OutgoingMessage field; a clear error otherwise."""
    unknown = sorted(set(values) - set(FIELDS))
    if unknown:
        raise LimitError(
            _(
                "unknown message field(s) {unknown}; a message has {fields} (to send a dict as the "
                "body, json.dumps it first)"
            ).format(unknown=", ".join(map(repr, unknown)), fields=", ".join(FIELDS))
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
        max_message_size=int(attrs.get("MaximumMessageSize", fact_int("max_message_size"))),
    )


# --- Validation ----------------------------------------------------------------------------


def bad_character(text: str) -> str | None:
    """``U+0000 at index 3`` for the first character SQS does not allow in ``text``, else None."""
    found = BAD_CHARACTER.search(text)
    if found is None:
        return None
    more = len(BAD_CHARACTER.findall(text)) - 1
    where = _("U+{code:04X} at index {index}").format(code=ord(found.group()), index=found.start())
    return _("{where} (and {more} more)").format(where=where, more=more) if more else where


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
            _(
                "message body is empty; SQS needs at least 1 character: send a placeholder such "
                "as '{}' or put the data in the body instead of only in attributes"
            )
        )
    where = bad_character(body)
    if where:
        raise LimitError(
            _(
                "message body has a character SQS does not allow: {where}; allowed: {allowed}. "
                "Remove it, or base64-encode binary data"
            ).format(where=where, allowed=facts.get("message_body_characters").translated("text"))
        )


def _not_a_str(body: Any) -> LimitError:
    """The error for a body that is not text."""
    return LimitError(
        _(
            "message body must be a str, got {type}: decode text (body.decode()), json.dumps "
            "data, or base64-encode binary data"
        ).format(type=type(body).__name__)
    )


def check_entry_id(entry_id: str | None) -> None:
    """A batch entry id has 1 to 80 letters, digits, hyphens or underscores."""
    limit = facts.get("batch_entry_id")
    if entry_id is None or (ENTRY_ID.fullmatch(entry_id) and len(entry_id) <= limit.value):
        return
    raise LimitError(
        _(
            "batch entry id {id} is not allowed: SQS takes up to {limit} of letters, digits, "
            "hyphens (-) and underscores (_); use an id such as 'order-17', or leave id=None to "
            "number the messages"
        ).format(id=repr(entry_id), limit=limit.translated("text"))
    )


def check_attributes(attributes: dict[str, dict[str, Any]]) -> None:
    """At most 10 attributes, each with a valid name, type and non-empty value."""
    limit = facts.get("max_message_attributes")
    if len(attributes) > limit.value:
        raise LimitError(
            _(
                "message has {count} attributes; SQS allows {limit} per message: move the rest "
                "into the body (for example as JSON)"
            ).format(count=len(attributes), limit=limit.translated("text"))
        )
    for name, value in attributes.items():
        check_attribute_name(name)
        check_attribute_value(name, value)


def check_attribute_name(name: str) -> None:
    """An attribute name follows the SQS naming rules (fact ``message_attribute_name_length``)."""
    limit = facts.get("message_attribute_name_length")
    problem = None
    if not isinstance(name, str) or not name:
        problem = _("an attribute name must be a non-empty str")
    elif len(name) > limit.value:
        problem = _("it has {count} characters; SQS allows {limit}").format(
            count=len(name), limit=limit.translated("text")
        )
    elif not ATTRIBUTE_NAME.fullmatch(name):
        problem = _("use only letters, digits, underscores (_), hyphens (-) and periods (.)")
    elif name.lower().startswith(RESERVED_ATTRIBUTE_PREFIXES):
        problem = _("names starting with 'AWS.' or 'Amazon.' are reserved for AWS; rename it")
    elif name.startswith(".") or name.endswith(".") or ".." in name:
        problem = _("a name must not start or end with a period or have two periods in a row")
    if problem:
        raise LimitError(
            _("invalid message attribute name {name}: {problem}").format(
                name=repr(name), problem=problem
            )
        )


def check_attribute_value(name: str, value: dict[str, Any]) -> None:
    """A boto3-form attribute value has a known DataType and a non-empty value of that type."""
    data_type = str(value.get("DataType", ""))
    base = data_type.split(".", 1)[0]
    if base not in DATA_TYPES:
        raise LimitError(
            _(
                "attribute {name} has DataType {type}; SQS takes String, Number or Binary "
                "(optionally with a custom label, e.g. 'Number.int')"
            ).format(name=repr(name), type=repr(data_type))
        )
    key = "BinaryValue" if base == "Binary" else "StringValue"
    content = value.get(key)
    if content is None or len(content) == 0:
        raise LimitError(
            _(
                "attribute {name} has no {key}; SQS rejects empty attribute values: give a value "
                "or leave the attribute out"
            ).format(name=repr(name), key=key)
        )
    if base == "Number":
        _check_number(name, content)
    if base == "String":
        where = bad_character(str(content))
        if where:
            raise LimitError(
                _(
                    "attribute {name} has a character SQS does not allow: {where}; a String "
                    "value has the same character rules as the body"
                ).format(name=repr(name), where=where)
            )


def _check_number(name: str, text: str) -> None:
    """A Number attribute's StringValue must be a finite number."""
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not math.isfinite(number):
        raise LimitError(
            _(
                "attribute {name} is a Number but its value {value} is not a finite number; use "
                "DataType 'String' for text"
            ).format(name=repr(name), value=repr(text))
        )


def check_size(size: int, queue: QueueInfo) -> None:
    """The message (body plus attributes) fits the queue's MaximumMessageSize."""
    if size <= queue.max_message_size:
        return
    top = facts.get("max_message_size")
    fixes = []
    if queue.max_message_size < top.value and size <= top.value:
        fixes.append(
            _("raise the queue's MaximumMessageSize (up to {top})").format(
                top=top.translated("text")
            )
        )
    fixes.append(_(PAYLOADS_FIX))
    raise LimitError(
        _(
            "message is {size} ({bytes} bytes, body plus attributes); queue {queue} allows "
            "{allowed} (its MaximumMessageSize; the SQS maximum is {top}). Fix: {fixes}"
        ).format(
            size=human_size(size),
            bytes=number(size),
            queue=repr(queue.name),
            allowed=human_size(queue.max_message_size),
            top=top.translated("text"),
            fixes=_(", or ").join(fixes),
        )
    )


def check_fifo(message: OutgoingMessage, queue: QueueInfo) -> None:
    """A FIFO message has a group id, and a dedup id unless the queue deduplicates by content."""
    if not queue.fifo:
        return
    if not message.group_id:
        raise LimitError(
            _(
                "queue {queue} is FIFO, so every message needs a message group id: pass "
                "group_id='...' (messages of one group are delivered in order)"
            ).format(queue=repr(queue.name))
        )
    if not message.dedup_id and not queue.content_based_dedup:
        window = facts.get("fifo_dedup_window").translated("text")
        raise LimitError(
            _(
                "FIFO queue {queue} has no ContentBasedDeduplication, so every message needs "
                "dedup_id='...' (repeats within {window} are dropped); or create the queue with "
                "ContentBasedDeduplication='true'"
            ).format(queue=repr(queue.name), window=window)
        )


def check_delay(delay: Any, queue: QueueInfo) -> None:
    """A per-message delay is a whole number of seconds in range, and only on standard queues."""
    if delay is None:
        return
    fact = facts.get("delivery_delay")
    if queue.fifo:
        raise LimitError(
            _(
                "per-message delay is not allowed on FIFO queue {queue}: set DelaySeconds on the "
                "queue instead ({code})"
            ).format(
                queue=repr(queue.name),
                code="sqs.set_queue_attributes(QueueUrl=url, Attributes={'DelaySeconds': '30'})",
            )
        )
    if isinstance(delay, bool) or not isinstance(delay, int) or not fact.min <= delay <= fact.value:
        raise LimitError(
            _(
                "delay={delay} is not allowed: SQS takes a whole number of seconds from {min} to "
                "{max} ({min_text} to {max_text}); for longer waits, schedule the send elsewhere "
                "(e.g. EventBridge Scheduler)"
            ).format(
                delay=repr(delay),
                min=f"{fact.min:.0f}",
                max=f"{fact.value:.0f}",
                min_text=fact.translated("min_text"),
                max_text=fact.translated("text"),
            )
        )
