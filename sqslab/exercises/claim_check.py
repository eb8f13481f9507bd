"""Exercise 2.3: the S3 claim check, written by the learner in boto3, checked under faults.

The check runs the learner's ``send_large(sqs, s3, queue_url, bucket, body)`` and
``receive_large(sqs, s3, queue_url, process)`` on a queue and a bucket of its own, four times:
a report over the SQS size limit is sent; it is received while ``process`` fails (nothing may be
deleted); it comes back and is processed (the message, then the object, must go); and the same
report is sent twice, as a producer retry does (each copy must still resolve). What went wrong is
read from the calls the two clients made (:class:`~sqslab.exercises.calls.CallLog`), the queue
and the bucket.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab import facts
from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, first_problem, hint, messages_left
from sqslab.exercises.calls import CallLog
from sqslab.exercises.claim_check_hints import (
    SUCCESS,
    cleanup_problems,
    delivery_problems,
    failure_problems,
    pointer_problems,
    raised,
    send_problems,
)
from sqslab.exercises.producers import fresh_queue
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _
from sqslab.payloads import PayloadStore, parse_pointer
from sqslab.queues import peek, release

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex2.3"
QUEUE, BUCKET = "claim-check", "claim-check"
#: Receives a scenario allows before it counts a message as never received.
TRIES = 3


class ProcessingFailed(Exception):
    """Raised by the check's ``process`` to simulate a report that fails to process."""


@functools.cache
def report() -> str:
    """The check's report: a CSV a quarter larger than the SQS maximum message size."""
    limit = int(facts.get("max_message_size").value)
    header = "day,store,sku,amount\n"
    rows, size, n = [header], len(header), 0
    while size <= limit + limit // 4:
        row = f"2026-02-{n % 28 + 1:02d},store-{n % 31:02d},sku-{n:06d},{n % 991 / 10:.2f}\n"
        rows.append(row)
        size, n = size + len(row), n + 1
    return "".join(rows)


def bucket_name(lab: Lab, name: str) -> str:
    """The lab's name for bucket ``name``: with the workshop namespace prefix, if there is one."""
    return f"{lab.namespace.prefix}{name}".lower()


def fresh_bucket(lab: Lab, name: str) -> str:
    """Create bucket ``name`` (namespace prefix added) unless it exists, and empty it; its name."""
    full = bucket_name(lab, name)
    s3 = lab.client("s3")
    PayloadStore(s3, full).ensure_bucket()
    for key in object_keys(s3, full):
        s3.delete_object(Bucket=full, Key=key)
    return full


def object_keys(s3: Any, bucket: str) -> list[str]:
    """Every object key in ``bucket``."""
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def read_pointer(body: str) -> tuple[str, str] | None:
    """(bucket, key) from a pointer body: JSON with ``bucket`` and ``key`` (or the Extended
    Client's ``s3BucketName`` and ``s3Key``, also in its array form); None otherwise."""
    found = parse_pointer(body)
    if found is not None:
        return found
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    bucket = data.get("bucket", data.get("s3BucketName"))
    key = data.get("key", data.get("s3Key"))
    return (bucket, key) if isinstance(bucket, str) and isinstance(key, str) else None


def fetch(s3: Any, bucket: str, key: str) -> tuple[str | None, str | None]:
    """(text, None) for the object, or (None, the S3 error code) when it cannot be read."""
    try:
        data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError as err:
        return None, err.response.get("Error", {}).get("Code", "an error")
    return data.decode("utf-8", errors="replace"), None


class ClaimCheckRun:
    """One run of the check: the scenarios, in order, each stopping at its first problem."""

    def __init__(self, lab: Lab, send_large: Callable[..., Any], receive: Callable[..., Any]):
        self.lab, self.send_large, self.receive_large = lab, send_large, receive
        self.sqs, self.s3 = lab.sqs, lab.client("s3")
        with lab.trace.paused():
            self.url = fresh_queue(lab, QUEUE, {"VisibilityTimeout": "30"})
            self.bucket = fresh_bucket(lab, BUCKET)
        self.processed: list[Any] = []

    def log(self) -> CallLog:
        """A call log on the lab's SQS and S3 clients."""
        return CallLog(self.lab, [self.sqs, self.s3])

    def verdict(self) -> Check:
        """PASS when every scenario went right, else the first problem's hints."""
        for scenario in (self.send, self.fail_once, self.deliver, self.retry):
            problem = scenario()
            if problem is not None:
                return problem
        return Check(EXERCISE, True, _(SUCCESS))

    def run(self, log: CallLog, function: Callable[..., Any], *args: Any) -> BaseException | None:
        """Call the learner's function inside ``log``; what it raised, if anything."""
        with log:
            try:
                function(*args)
            except Exception as err:  # noqa: BLE001 - the learner's error becomes a hint
                return err
        return None

    def process(self, log: CallLog, fail: bool) -> Callable[[Any], None]:
        """The ``process`` given to receive_large: notes the call, keeps the body, maybe fails."""

        def process(body: Any) -> None:
            log.note("process", failed=fail)
            self.processed.append(body)
            if fail:
                raise ProcessingFailed(_("simulated: the report could not be processed"))

        return process

    def queued(self) -> list[dict[str, Any]]:
        """The messages visible in the check's queue now (left in place)."""
        return peek(self.lab, self.url)

    def send(self) -> Check | None:
        """Scenario 1: the report through S3, a pointer in the queue that resolves."""
        log = self.log()
        error = self.run(log, self.send_large, self.sqs, self.s3, self.url, self.bucket, report())
        problem = _failing(send_problems(log, error))
        if problem is not None:
            return problem
        messages = self.queued()
        with log.paused():
            where = read_pointer(messages[0]["Body"]) if len(messages) == 1 else None
            text, code = fetch(self.s3, *where) if where else (None, None)
        return _failing(pointer_problems(messages, where, text, code, report()))

    def fail_once(self) -> Check | None:
        """Scenario 2: processing fails, so neither the message nor the object may go."""
        log = self.log()
        error = self.run(
            log, self.receive_large, self.sqs, self.s3, self.url, self.process(log, True)
        )
        if error is not None and not isinstance(error, ProcessingFailed):
            return raised("receive_large", error)
        problem = _failing(delivery_problems(log, self.processed, report(), failed=True))
        if problem is not None:
            return problem
        with log.paused():
            left = messages_left(self.sqs, self.url)
            objects = object_keys(self.s3, self.bucket)
            received = [m for c in log.of("ReceiveMessage") for m in c.reply.get("Messages", [])]
            release(self.sqs, self.url, received)  # the visibility timeout runs out: it is back
        return _failing(failure_problems(log, left, objects))

    def deliver(self) -> Check | None:
        """Scenario 3: processing succeeds; the message goes, then its object."""
        self.processed.clear()
        log = self.log()
        error = self.run(
            log, self.receive_large, self.sqs, self.s3, self.url, self.process(log, False)
        )
        if error is not None:
            return raised("receive_large", error)
        problems = delivery_problems(log, self.processed, report(), failed=False)
        with log.paused():
            left, objects = messages_left(self.sqs, self.url), object_keys(self.s3, self.bucket)
        return _failing(problems + cleanup_problems(log, left, objects))

    def retry(self) -> Check | None:
        """Scenario 4: the same report sent twice; both copies are processed and cleaned up."""
        self.processed.clear()
        log = self.log()
        for _copy in range(2):
            error = self.run(
                log, self.send_large, self.sqs, self.s3, self.url, self.bucket, report()
            )
            if error is not None:
                return raised("send_large", error)
        for _try in range(TRIES):
            if len(self.processed) >= 2:
                break
            error = self.run(
                log, self.receive_large, self.sqs, self.s3, self.url, self.process(log, False)
            )
            if error is not None:
                return _lost_twin(log, error)
        with log.paused():
            left, objects = messages_left(self.sqs, self.url), object_keys(self.s3, self.bucket)
        twins = [b for b in self.processed if b == report()]
        return _failing(_twin_problems(log, len(twins)) + cleanup_problems(log, left, objects))


def _failing(problems: list[tuple[Any, ...]]) -> Check | None:
    """The first failing problem as a HINT, or None when all of them hold."""
    check = first_problem(EXERCISE, problems, "")
    return None if check.passed else check


def _lost_twin(log: CallLog, error: BaseException) -> Check:
    """receive_large failed on the second copy of a report sent twice."""
    missing = [c for c in log.calls if c.operation == "GetObject" and c.error == "NoSuchKey"]
    if not missing:
        return raised("receive_large", error)
    return hint(
        EXERCISE,
        _(
            "the same report was sent twice (a producer's retry): after the first copy was "
            "processed and cleaned up, the second message's pointer led to a deleted object "
            "(NoSuchKey). The two messages shared one S3 key: look at how send_large names the "
            "object"
        ),
        _(
            "give every object its own key, so deleting one copy's object leaves the other's in "
            "place: a key made from the body alone is the same for both copies"
        ),
        _("for example {code} (import uuid): a new key on every send").format(
            code="key = f'reports/{uuid.uuid4()}'"
        ),
    )


def _twin_problems(log: CallLog, processed: int) -> list[tuple[Any, ...]]:
    """Both copies of a report sent twice must be processed, each with the whole report."""
    return [
        (
            processed >= 2,
            ngettext(
                "the same report was sent twice (a producer's retry) but only {count} copy was "
                "processed: each message must be received, read from S3 and processed",
                "the same report was sent twice (a producer's retry) but only {count} copy was "
                "processed: each message must be received, read from S3 and processed",
                processed,
            ).format(count=processed),
            _("call receive_large again until the queue is empty: each call takes one message"),
        )
    ]


@expects(EXERCISE, lab=LAB, send_large=FUNCTION, receive_large=FUNCTION)
def check_claim_check(
    lab: Lab,
    send_large: Callable[..., Any] | None,
    receive_large: Callable[..., Any] | None,
) -> Check:
    """Exercise 2.3: ``send_large`` and ``receive_large`` carry a report over the SQS limit
    through S3, and delete nothing before it was processed, and everything after."""
    if send_large is None or receive_large is None:
        return hint(
            EXERCISE,
            _(
                "define send_large and receive_large in the cell above and run that cell, then "
                "run this check"
            ),
            _(
                "send_large(sqs, s3, queue_url, bucket, body) and receive_large(sqs, s3, "
                "queue_url, process): the names and parameters the check calls"
            ),
        )
    return ClaimCheckRun(lab, send_large, receive_large).verdict()
