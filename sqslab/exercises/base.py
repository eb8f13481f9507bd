"""What every exercise check shares: the :class:`Check` it returns, and the reads of SQS and of the
lab's trace that the chapters' checks build on."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.trace import CallRecord

#: The SQS operations that send messages, and those that delete them.
SEND_OPERATIONS = ("SendMessage", "SendMessageBatch")
DELETE_OPERATIONS = ("DeleteMessage", "DeleteMessageBatch")


@dataclass(frozen=True)
class Check:
    """The outcome of an exercise check: passed or not, and what to do next."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        verdict = "PASS" if self.passed else "HINT"
        return f"{verdict} [{self.exercise}] {self.message}"


def queue_url(sqs: Any, name: str) -> str | None:
    """The URL of the queue called ``name``, or None when there is no such queue."""
    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError:
        return None


def attributes(sqs: Any, url: str) -> dict[str, str]:
    """Every attribute of the queue at ``url``, as SQS returns them (text values)."""
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def messages_left(sqs: Any, url: str) -> int:
    """Messages still in the queue at ``url``: the visible ones plus those in flight."""
    attrs = attributes(sqs, url)
    return int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )


def traced_calls(lab: Lab, queue: str) -> list[CallRecord]:
    """The lab's successful traced calls on ``queue`` (a name as the learner wrote it; a workshop
    namespace prefix is added the way the lab adds it)."""
    full = lab.namespace.full_name(queue)
    return [r for r in lab.trace if r.queue == full and r.ok]


def first_problem(exercise: str, checks: list[tuple[bool, str]], success: str) -> Check:
    """PASS with ``success`` if every check holds, else a HINT with the first failing one's text."""
    for ok, hint in checks:
        if not ok:
            return Check(exercise, False, hint)
    return Check(exercise, True, success)
