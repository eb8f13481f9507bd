"""What a backend supports, asked before a learner starts (``sqslab doctor``): SQS, SNS, S3,
CloudWatch, KMS and message move tasks, each by one read-only call that creates nothing.

A service that answers the call, even with an error about the request (no such queue), supports it;
one that does not know the operation (``InvalidAction``, HTTP 5xx, ``NotImplemented``) does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: Error codes that mean the service does not have the operation at all.
UNKNOWN_OPERATION = frozenset(
    {"InvalidAction", "UnknownOperationException", "NotImplemented", "InternalFailure"}
)
#: Error codes that mean the operation exists but these credentials may not call it.
NOT_ALLOWED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"})


@dataclass(frozen=True)
class Support:
    """One capability: whether the backend has it, a detail, and the chapters that use it."""

    name: str
    ok: bool
    detail: str
    chapters: str

    def line(self) -> str:
        """``SNS          yes: 0 topics (chapter 8: fan-out)``."""
        return f"{self.name:12} {'yes' if self.ok else 'no'}: {self.detail} ({self.chapters})"


def _count(listed: dict[str, Any], key: str, what: str) -> str:
    return f"{len(listed.get(key, []))} {what} listed"


def _sqs(lab: Lab) -> str:
    return _count(lab.sqs.list_queues(), "QueueUrls", "queues")


def _sns(lab: Lab) -> str:
    return _count(lab.client("sns").list_topics(), "Topics", "topics")


def _s3(lab: Lab) -> str:
    return _count(lab.client("s3").list_buckets(), "Buckets", "buckets")


def _cloudwatch(lab: Lab) -> str:
    found = lab.client("cloudwatch").list_metrics(Namespace="AWS/SQS")
    return _count(found, "Metrics", "AWS/SQS metrics")


def _kms(lab: Lab) -> str:
    return _count(lab.client("kms").list_keys(Limit=10), "Keys", "keys")


def _move_tasks(lab: Lab) -> str:
    """Ask for the move tasks of a queue that does not exist: 'no such queue' means supported."""
    arn = f"arn:aws:sqs:{lab.region}:{lab.account_id}:{lab.namespace.prefix}sqslab-doctor-none"
    lab.sqs.list_message_move_tasks(SourceArn=arn)
    return "ListMessageMoveTasks answered"


#: Each capability: its name, the call that probes it, the chapters that use it.
PROBES: tuple[tuple[str, Callable[[Lab], str], str], ...] = (
    ("SQS", _sqs, "every chapter"),
    ("SNS", _sns, "chapter 8: fan-out"),
    ("S3", _s3, "chapter 2: claim check"),
    ("CloudWatch", _cloudwatch, "chapter 6: metrics and alarms"),
    ("KMS", _kms, "chapter 8: encryption"),
    ("move tasks", _move_tasks, "chapters 5 and 7: redrive"),
)


def probe(lab: Lab, name: str, call: Callable[[Lab], str], chapters: str) -> Support:
    """Run one probe and say what its answer means."""
    try:
        return Support(name, True, call(lab), chapters)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in NOT_ALLOWED:
            return Support(name, False, f"these credentials may not call it ({code})", chapters)
        if code in UNKNOWN_OPERATION or status >= 500:
            return Support(
                name, False, f"the service does not have it ({code or status})", chapters
            )
        return Support(name, True, f"the operation exists (it answered {code})", chapters)
    except BotoCoreError as err:
        return Support(name, False, f"no answer ({type(err).__name__})", chapters)


def clock_text(lab: Lab) -> str:
    """What the lab's clock means for the chapters."""
    if lab.virtual_time:
        return "virtual: a 12-hour timeout passes in moments, and every demo runs as written"
    return (
        "real: long demos run faster than written and say so, and the few that only a virtual "
        "clock can show in bounded time are skipped with a note (see the README's backend table)"
    )


def check(lab: Lab) -> list[Support]:
    """Every capability of the lab's backend, in :data:`PROBES` order (left out of its trace)."""
    with lab.trace.paused():
        return [probe(lab, name, call, chapters) for name, call, chapters in PROBES]
