"""Record every SQS call a lab's clients make, through botocore's event hooks.

The cost meter (:mod:`sqslab.cost`) and the message timeline (:mod:`sqslab.timeline`) are built
on these records: each keeps the messages it touched (ids, receipt handles, delays, visibility
timeouts, and which batch entries succeeded).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqslab.i18n import N_
from sqslab.tables import Table

#: Request parameters worth keeping (everything else, such as bodies, is summarised by size).
KEPT_PARAMS = (
    "QueueName",
    "MaxNumberOfMessages",
    "WaitTimeSeconds",
    "VisibilityTimeout",
    "DelaySeconds",
    "MessageGroupId",
    "MessageDeduplicationId",
    "Attributes",
)

#: Operations whose entries are messages addressed by receipt handle.
HANDLE_OPERATIONS = (
    "DeleteMessage",
    "DeleteMessageBatch",
    "ChangeMessageVisibility",
    "ChangeMessageVisibilityBatch",
)


@dataclass
class MessageRef:
    """One message a call touched: who it is, the timing asked for, and whether it went through.

    ``delay_seconds`` is a send's DelaySeconds and ``visibility_timeout`` a receive's or a
    visibility change's timeout; None means "the queue's default". ``group_id`` is the
    MessageGroupId a send gave (or a receive returned), if any.
    """

    message_id: str | None = None
    receipt_handle: str | None = None
    delay_seconds: int | None = None
    visibility_timeout: int | None = None
    entry_id: str | None = None
    ok: bool = True
    group_id: str | None = None


@dataclass
class CallRecord:
    """One SQS API call: what was asked, what came back, and when on the lab's clock."""

    seq: int
    operation: str
    queue: str | None
    started: float
    ended: float | None = None
    params: dict[str, Any] = field(default_factory=dict)
    entries: int = 0
    payload_bytes: int = 0
    message_ids: list[str] = field(default_factory=list)
    received: int = 0
    failed: int = 0
    error: str | None = None
    messages: list[MessageRef] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the call itself succeeded (a batch may still have failed entries)."""
        return self.error is None

    @property
    def time(self) -> datetime:
        """When the call started, as a UTC datetime."""
        return datetime.fromtimestamp(self.started, tz=UTC)

    @property
    def receipts(self) -> list[tuple[str | None, str | None]]:
        """(message id, receipt handle) of each message the call touched."""
        return [(m.message_id, m.receipt_handle) for m in self.messages]

    @property
    def visibility_timeout(self) -> int | None:
        """The VisibilityTimeout this call asked for; None means the queue's default."""
        value = self.params.get("VisibilityTimeout")
        return None if value is None else int(value)

    def as_dict(self) -> dict[str, Any]:
        """The record as a plain dict (for pandas, json or a table)."""
        return asdict(self)


def queue_name_of(params: dict[str, Any]) -> str | None:
    """The queue a call addresses: from QueueName, or the last part of QueueUrl."""
    if "QueueName" in params:
        return str(params["QueueName"])
    url = params.get("QueueUrl")
    return str(url).rstrip("/").rsplit("/", 1)[-1] if url else None


def attributes_size(attributes: dict[str, Any] | None) -> int:
    """Bytes of message attributes as SQS counts them: name, type and value."""
    total = 0
    for name, attr in (attributes or {}).items():
        total += len(name.encode()) + len(str(attr.get("DataType", "")).encode())
        value = attr.get("StringValue", attr.get("BinaryValue", b""))
        total += len(value) if isinstance(value, bytes) else len(str(value).encode())
    return total


def message_size(body: str, attributes: dict[str, Any] | None = None) -> int:
    """Payload bytes of one message: UTF-8 body plus its attributes."""
    return len(body.encode("utf-8")) + attributes_size(attributes)


def _request_summary(operation: str, params: dict[str, Any]) -> tuple[int, int]:
    """(entries, payload bytes) of a request."""
    if operation == "SendMessage":
        return 1, message_size(params.get("MessageBody", ""), params.get("MessageAttributes"))
    if operation == "SendMessageBatch":
        entries = params.get("Entries", [])
        size = sum(
            message_size(e.get("MessageBody", ""), e.get("MessageAttributes")) for e in entries
        )
        return len(entries), size
    if operation in ("DeleteMessageBatch", "ChangeMessageVisibilityBatch"):
        return len(params.get("Entries", [])), 0
    return (1 if operation in ("DeleteMessage", "ChangeMessageVisibility") else 0), 0


def _optional_int(value: Any) -> int | None:
    """``value`` as an int, keeping None (= the queue's default)."""
    return None if value is None else int(value)


def _request_messages(operation: str, params: dict[str, Any]) -> list[MessageRef]:
    """The messages a request addresses, before the answer is known."""
    if operation == "SendMessage":
        return [
            MessageRef(
                delay_seconds=_optional_int(params.get("DelaySeconds")),
                group_id=params.get("MessageGroupId"),
            )
        ]
    if operation == "SendMessageBatch":
        return [
            MessageRef(
                delay_seconds=_optional_int(e.get("DelaySeconds")),
                entry_id=e.get("Id"),
                group_id=e.get("MessageGroupId"),
            )
            for e in params.get("Entries", [])
        ]
    if operation in ("DeleteMessage", "ChangeMessageVisibility"):
        entries = [params]
    elif operation in HANDLE_OPERATIONS:
        entries = params.get("Entries", [])
    else:
        return []
    return [
        MessageRef(
            receipt_handle=e.get("ReceiptHandle"),
            visibility_timeout=_optional_int(e.get("VisibilityTimeout")),
            entry_id=e.get("Id"),
        )
        for e in entries
    ]


def _mark_batch_results(refs: list[MessageRef], parsed: dict[str, Any]) -> None:
    """Set each batch entry's ``ok`` (and a sent message's id) from Successful and Failed."""
    succeeded = {e.get("Id"): e for e in parsed.get("Successful", [])}
    failed = {e.get("Id") for e in parsed.get("Failed", [])}
    for ref in refs:
        ref.ok = ref.entry_id in succeeded and ref.entry_id not in failed
        if ref.ok and "MessageId" in succeeded[ref.entry_id]:
            ref.message_id = succeeded[ref.entry_id]["MessageId"]


class Trace:
    """A list of :class:`CallRecord`, filled by hooks registered on a boto3 session."""

    def __init__(
        self, now: Callable[[], float], full_name: Callable[[str], str] = lambda name: name
    ) -> None:
        self.records: list[CallRecord] = []
        self._now = now
        self._full_name = full_name
        self._open: dict[int, CallRecord] = {}
        self.enabled = True

    def attach(self, events: Any) -> None:
        """Register the hooks on a botocore event emitter (a session's or a client's)."""
        events.register("before-parameter-build.sqs", self._params, unique_id="sqslab-trace-params")
        events.register("before-call.sqs", self._before, unique_id="sqslab-trace-before")
        events.register("after-call.sqs", self._after, unique_id="sqslab-trace-after")
        events.register("after-call-error.sqs", self._error, unique_id="sqslab-trace-error")

    def clear(self) -> None:
        """Forget every record."""
        self.records.clear()
        self._open.clear()

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[CallRecord]:
        return iter(self.records)

    def __getitem__(self, index: int) -> CallRecord:
        return self.records[index]

    def for_queue(self, name: str) -> list[CallRecord]:
        """The records of one queue, given by URL or by the name the lesson gave it (a lab's
        namespace prefix, if any, is added as the lab adds it)."""
        wanted = name.rstrip("/").rsplit("/", 1)[-1]
        if "/" not in name:
            wanted = self._full_name(wanted)
        return [rec for rec in self.records if rec.queue == wanted]

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Leave calls made inside this block out of the trace (e.g. the lab's own look-ups)."""
        was, self.enabled = self.enabled, False
        try:
            yield
        finally:
            self.enabled = was

    def operations(self) -> dict[str, int]:
        """How many calls of each operation, in first-seen order."""
        counts: dict[str, int] = {}
        for rec in self.records:
            counts[rec.operation] = counts.get(rec.operation, 0) + 1
        return counts

    def table(self, last: int | None = None) -> Table:
        """The records (or the ``last`` n) as a table that renders in a notebook."""
        return record_table(self.records[-last:] if last else list(self.records))

    def _params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context["sqslab_params"] = params

    def _before(self, model: Any, context: dict[str, Any], **_: Any) -> None:
        """Record a call once botocore has validated it and is about to send it."""
        if not self.enabled:
            return
        body = context.get("sqslab_params", {})
        op = model.name
        entries, size = _request_summary(op, body)
        rec = CallRecord(
            seq=len(self.records) + 1,
            operation=op,
            queue=queue_name_of(body),
            started=self._now(),
            params={k: body[k] for k in KEPT_PARAMS if k in body},
            entries=entries,
            payload_bytes=size,
            messages=_request_messages(op, body),
        )
        self.records.append(rec)
        context["sqslab_trace"] = rec

    def _after(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        rec: CallRecord | None = context.get("sqslab_trace")
        if rec is None:
            return
        rec.ended = self._now()
        if (
            "Error" in parsed
            and parsed.get("ResponseMetadata", {}).get("HTTPStatusCode", 200) >= 400
        ):
            rec.error = parsed["Error"].get("Code", "Error")
            _mark_all_failed(rec)
            return
        if "MessageId" in parsed:
            rec.message_ids = [parsed["MessageId"]]
            for ref in rec.messages:
                ref.message_id = parsed["MessageId"]
        if rec.operation == "SendMessageBatch":
            rec.message_ids = [e["MessageId"] for e in parsed.get("Successful", [])]
        if rec.operation.endswith("Batch"):
            _mark_batch_results(rec.messages, parsed)
        if rec.operation == "ReceiveMessage":
            _record_received(rec, parsed.get("Messages", []))
        rec.failed = len(parsed.get("Failed", []))

    def _error(self, exception: Exception, context: dict[str, Any], **_: Any) -> None:
        rec: CallRecord | None = context.get("sqslab_trace")
        if rec is not None:
            rec.ended = self._now()
            response = getattr(exception, "response", None) or {}
            rec.error = response.get("Error", {}).get("Code") or type(exception).__name__
            _mark_all_failed(rec)


def _mark_all_failed(rec: CallRecord) -> None:
    """A call that failed as a whole touched none of its messages."""
    for ref in rec.messages:
        ref.ok = False


def _record_received(rec: CallRecord, messages: list[dict[str, Any]]) -> None:
    """Fill a ReceiveMessage record from the messages that came back."""
    rec.received = len(messages)
    rec.message_ids = [m["MessageId"] for m in messages]
    rec.payload_bytes = sum(
        message_size(m.get("Body", ""), m.get("MessageAttributes")) for m in messages
    )
    rec.messages = [
        MessageRef(
            message_id=m["MessageId"],
            receipt_handle=m.get("ReceiptHandle"),
            visibility_timeout=rec.visibility_timeout,
            group_id=m.get("Attributes", {}).get("MessageGroupId"),
        )
        for m in messages
    ]


#: The columns of :func:`record_table` (shown in the lab's language by the table).
COLUMNS = (
    N_("seq"),
    N_("time"),
    N_("operation"),
    N_("queue"),
    N_("entries"),
    N_("bytes"),
    N_("received"),
    N_("failed"),
    N_("error"),
)


def record_table(records: list[CallRecord]) -> Table:
    """Call records as a :class:`~sqslab.tables.Table`, one row per call."""
    return Table(
        COLUMNS,
        [
            (
                r.seq,
                r.time.strftime("%m-%d %H:%M:%S.%f")[:-3],
                r.operation,
                r.queue,
                r.entries,
                r.payload_bytes,
                r.received,
                r.failed,
                r.error,
            )
            for r in records
        ],
        # API values (operation, queue name, error code): a queue named 'orders' stays 'orders'
        verbatim=("operation", "queue", "error"),
    )
