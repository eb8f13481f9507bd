"""Exercise 2.3's hints: what each scenario of the claim-check check can find wrong, least telling
hint first (section 5 and the call names), the code itself only in the last one."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from sqslab import facts
from sqslab.exercises.base import Check, hint
from sqslab.exercises.calls import Call, CallLog
from sqslab.i18n import N_, ngettext
from sqslab.i18n import translate as _
from sqslab.producer import human_size

EXERCISE = "ex2.3"
SENDS = ("SendMessage", "SendMessageBatch")
DELETES = ("DeleteMessage", "DeleteMessageBatch")
SUCCESS = N_(
    "the report went through S3 and back: the body in the bucket and a small pointer in the "
    "queue; nothing deleted while processing failed; after success the message deleted, then "
    "its object; and a report sent twice was processed twice, with nothing left behind."
)
SEND_CODE = (
    "key = f'reports/{uuid.uuid4()}'; s3.put_object(Bucket=bucket, Key=key, "
    "Body=body.encode('utf-8')); sqs.send_message(QueueUrl=queue_url, "
    "MessageBody=json.dumps({'bucket': bucket, 'key': key}))"
)


def size(text: Any) -> str:
    """The size of a body as people read it (``2.1 MiB``)."""
    data = text if isinstance(text, bytes) else str(text).encode("utf-8")
    return human_size(len(data))


def body_bytes(call: Call) -> int:
    """The bytes of the message bodies a send carried (every entry of a batch)."""
    entries = call.params.get("Entries") or []
    batch = sum(len(str(e.get("MessageBody", "")).encode("utf-8")) for e in entries)
    return call.sizes.get("MessageBody", 0) + batch


def position(log: CallLog, operations: tuple[str, ...], last: bool = False) -> int | None:
    """Where the first (or last) successful call of these operations is in the log."""
    found = [i for i, c in enumerate(log.calls) if c.operation in operations and c.ok]
    return (found[-1] if last else found[0]) if found else None


def before(log: CallLog, first: tuple[str, ...], then: tuple[str, ...]) -> bool:
    """True unless a call of ``then`` came before the first call of ``first`` (or without one)."""
    a, b = position(log, first), position(log, then)
    return b is None or (a is not None and a < b)


def raised_hints(function: str, error: BaseException | None) -> tuple[str, ...]:
    """The hints for a learner's function that raised ``error``."""
    if isinstance(error, NotImplementedError):
        return (
            _(
                "{function} is not written yet: write it in the cell above, then run that cell"
            ).format(function=function),
        )
    what = f"{type(error).__name__}: {error}"
    if isinstance(error, ClientError):
        what = f"{error.response.get('Error', {}).get('Code', 'an error')} ({error})"
    return (
        _(
            "{function} raised {what}. Run it on its own to see where, then compare its calls "
            "with the numbered arrows of the diagram in section 5"
        ).format(function=function, what=what),
        _(
            "the check gives your functions the lab's clients, a queue and a bucket of its own: "
            "use the parameters, not the notebook's url or bucket"
        ),
    )


def raised(function: str, error: BaseException) -> Check:
    """A HINT for a learner's function that raised ``error``."""
    return hint(EXERCISE, *raised_hints(function, error))


def send_problems(log: CallLog, error: BaseException | None) -> list[tuple[Any, ...]]:
    """What send_large did wrong with a report over the SQS limit."""
    limit = facts.get("max_message_size")
    sends = [c for c in log.calls if c.operation in SENDS]
    inline = [c for c in sends if body_bytes(c) > limit.value]
    ok_sends = [c for c in sends if c.ok]
    inline_size = human_size(body_bytes(inline[0])) if inline else ""
    return [
        (
            not inline,
            _(
                "send_large put the check's report itself in the message ({size}); SQS refuses a "
                "message over {limit}. Section 5 shows the way round: the body goes to S3, the "
                "message only says where it is"
            ).format(size=inline_size, limit=limit.translated("text")),
            _(
                "store the body in the bucket with PutObject (s3.put_object), then send a small "
                "message that names the bucket and the key"
            ),
            _("for example: {code}").format(code=SEND_CODE),
        ),
        (error is None, *raised_hints("send_large", error)),
        (
            bool(log.of("PutObject")),
            _(
                "send_large stored nothing in S3 (no PutObject call): the report has to be in the "
                "bucket before a message can point to it"
            ),
            _("s3.put_object(Bucket=bucket, Key=..., Body=...) with a key of your choosing"),
        ),
        (
            bool(ok_sends),
            _(
                "send_large stored the report but sent nothing to the queue: the consumer learns "
                "about the report only from a message"
            ),
            _("send one message whose body is JSON naming the bucket and the key"),
        ),
        (
            before(log, ("PutObject",), SENDS),
            _(
                "send_large sent the pointer before the object was in S3: a consumer quick enough "
                "finds nothing at the key. Store first, then send"
            ),
            _("call s3.put_object before sqs.send_message"),
        ),
        (
            len(ok_sends) == 1,
            _("send_large sent {count} messages for one report: one pointer per report").format(
                count=len(ok_sends)
            ),
            _("one send_message call per send_large call, after the put_object"),
        ),
    ]


def pointer_problems(
    messages: list[dict[str, Any]],
    where: tuple[str, str] | None,
    text: str | None,
    code: str | None,
    report: str,
) -> list[tuple[Any, ...]]:
    """Whether the one message in the queue points to an object that holds the report."""
    location = f"s3://{where[0]}/{where[1]}" if where else ""
    return [
        (
            len(messages) == 1,
            _(
                "after one send_large the queue holds {count} messages, not 1: one pointer per "
                "report"
            ).format(count=len(messages)),
            _("one send_message call per send_large call"),
        ),
        (
            where is not None,
            _(
                "the message in the queue is not a pointer the check can read: its body must be "
                "JSON that names the bucket and the key, as the exercise says"
            ),
            _("a JSON object with two fields, 'bucket' and 'key' (json.dumps of a dict)"),
        ),
        (
            code is None,
            _(
                "the pointer does not resolve: reading {location} failed with {code}. The message "
                "must name the bucket and the key the object was stored under"
            ).format(location=location, code=code),
            _("use the same bucket and key variables in put_object and in the message"),
        ),
        (
            text == report,
            _("the object at {location} holds {size}, not the {report} report").format(
                location=location, size=size(text or ""), report=size(report)
            ),
            _("store the whole body: Body=body.encode('utf-8')"),
        ),
    ]


def delivery_problems(
    log: CallLog, processed: list[Any], report: str, failed: bool
) -> list[tuple[Any, ...]]:
    """Whether receive_large received the pointer, read the body and gave it to process."""
    got = [m for c in log.of("ReceiveMessage") for m in c.reply.get("Messages", [])]
    body = processed[0] if processed else None
    return [
        (
            bool(log.of("ReceiveMessage")),
            _("receive_large made no ReceiveMessage call: it has to receive the pointer first"),
            _(
                "sqs.receive_message(QueueUrl=queue_url) returns the pointer message under "
                "'Messages' (with WaitTimeSeconds, a long poll, it waits for one)"
            ),
        ),
        (
            bool(got),
            _(
                "receive_large received nothing the first time, although the pointer was in the "
                "queue"
            )
            if failed
            else _(
                "receive_large received nothing after the failure, although the pointer was in "
                "the queue"
            ),
            _("receive from the queue_url parameter"),
        ),
        (
            before(log, ("GetObject",), DELETES),
            _(
                "the message was deleted before its body was read from S3: if the read (or the "
                "processing) fails now, the report is lost. Read, process, and only then delete"
            ),
            _("move sqs.delete_message below the get_object and process(...) lines"),
        ),
        (
            body is not None,
            _("receive_large received the pointer but never called process with the report"),
            _(
                "read the object (s3.get_object with the pointer's bucket and key), then call "
                "process(text)"
            ),
        ),
        (
            not isinstance(body, bytes),
            _("process got bytes: decode the object's body to text first"),
            "s3.get_object(...)['Body'].read().decode('utf-8')",
        ),
        (
            body == report,
            _(
                "process got {size} that are not the report: it must get the body read from S3 "
                "at the pointer's bucket and key, not the message itself"
            ).format(size=size(body or "")),
            _(
                "json.loads(message['Body']) gives the pointer; GetObject with its bucket and key "
                "gives the report"
            ),
        ),
        (
            before(log, ("process",), DELETES),
            _(
                "the message was deleted before process ran: if processing fails, the report is "
                "lost. Delete only after process returned"
            ),
            _("move sqs.delete_message below the process(...) line"),
        ),
    ]


def failure_problems(log: CallLog, left: int, objects: list[str]) -> list[tuple[Any, ...]]:
    """With process failing, the message and its object must both stay."""
    return [
        (
            left == 1 and not log.of(*DELETES),
            _(
                "process failed (the check made it fail), yet the message was deleted: the report "
                "is lost. A failure must leave the message in the queue, so it comes back after "
                "its visibility timeout and is retried"
            ),
            _("call process before any delete: if it raises, the deletes below it never run"),
        ),
        (
            bool(objects) and not log.of("DeleteObject"),
            _(
                "process failed (the check made it fail), yet the S3 object was deleted: the "
                "message comes back, and its pointer leads nowhere"
            ),
            _("delete the object last, after the message, once process returned"),
        ),
    ]


def cleanup_problems(log: CallLog, left: int, objects: list[str]) -> list[tuple[Any, ...]]:
    """After success: the message deleted, then its object, and nothing left behind."""
    return [
        (
            left == 0,
            _(
                "process succeeded but the message is still in the queue: it comes back after its "
                "visibility timeout and the report is processed again (a duplicate)"
            ),
            _("delete it with the ReceiptHandle of the receive, once process returned"),
        ),
        (
            before(log, DELETES, ("DeleteObject",)),
            _(
                "the S3 object was deleted before the message: if deleting the message fails (or "
                "the message comes back once more), it points to nothing. Delete the message first"
            ),
            _("swap the two deletes: sqs.delete_message first, then s3.delete_object"),
        ),
        (
            not objects,
            ngettext(
                "{count} object(s) are left in the bucket after their messages were deleted: "
                "nothing will ever read them, and the bucket only grows",
                "{count} object(s) are left in the bucket after their messages were deleted: "
                "nothing will ever read them, and the bucket only grows",
                len(objects),
            ).format(count=len(objects)),
            _(
                "delete the object (s3.delete_object with the pointer's bucket and key) right "
                "after deleting the message"
            ),
        ),
    ]
