"""What a backend supports, asked before a learner starts (``sqslab doctor``): SQS, SNS, S3,
CloudWatch, KMS and message move tasks, each by one read-only call that creates nothing.

A service that answers the call, even with an error about the request (no such queue), supports it;
one that does not know the operation (``InvalidAction``, HTTP 5xx, ``NotImplemented``) does not."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from sqslab.i18n import N_, _, ngettext, plural_count, translated

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

    def line(self, width: int = 12) -> str:
        """``SNS          yes: 0 topics (chapter 8: fan-out)``, in the current language, the name
        in a column ``width`` wide."""
        text = _("yes: {detail} ({chapters})") if self.ok else _("no: {detail} ({chapters})")
        shown = text.format(detail=self.detail, chapters=translated(self.chapters))
        return f"{translated(self.name):{width}} {shown}"


def _count(listed: dict[str, Any], key: str) -> int:
    return len(listed.get(key, []))


def _sqs(lab: Lab) -> str:
    count = _count(lab.sqs.list_queues(), "QueueUrls")
    text = ngettext("{count} queues listed", "{count} queues listed", plural_count(count))
    return text.format(count=count)


def _sns(lab: Lab) -> str:
    count = _count(lab.client("sns").list_topics(), "Topics")
    text = ngettext("{count} topics listed", "{count} topics listed", plural_count(count))
    return text.format(count=count)


def _s3(lab: Lab) -> str:
    count = _count(lab.client("s3").list_buckets(), "Buckets")
    text = ngettext("{count} buckets listed", "{count} buckets listed", plural_count(count))
    return text.format(count=count)


def _cloudwatch(lab: Lab) -> str:
    count = _count(lab.client("cloudwatch").list_metrics(Namespace="AWS/SQS"), "Metrics")
    text = ngettext(
        "{count} AWS/SQS metrics listed", "{count} AWS/SQS metrics listed", plural_count(count)
    )
    return text.format(count=count)


def _kms(lab: Lab) -> str:
    count = _count(lab.client("kms").list_keys(Limit=10), "Keys")
    text = ngettext("{count} keys listed", "{count} keys listed", plural_count(count))
    return text.format(count=count)


def _move_tasks(lab: Lab) -> str:
    """Ask for the move tasks of a queue that does not exist: 'no such queue' means supported."""
    arn = f"arn:aws:sqs:{lab.region}:{lab.account_id}:{lab.namespace.prefix}sqslab-doctor-none"
    lab.sqs.list_message_move_tasks(SourceArn=arn)
    return _("ListMessageMoveTasks answered")


#: Each capability: its name, the call that probes it, the chapters that use it (marked texts,
#: shown in the current language by :meth:`Support.line`).
PROBES: tuple[tuple[str, Callable[[Lab], str], str], ...] = (
    ("SQS", _sqs, N_("every chapter")),
    ("SNS", _sns, N_("chapter 8: fan-out")),
    ("S3", _s3, N_("chapter 2: claim check")),
    ("CloudWatch", _cloudwatch, N_("chapter 6: metrics and alarms")),
    ("KMS", _kms, N_("chapter 8: encryption")),
    (N_("move tasks"), _move_tasks, N_("chapters 5 and 7: redrive")),
)


def probe(lab: Lab, name: str, call: Callable[[Lab], str], chapters: str) -> Support:
    """Run one probe and say what its answer means."""
    try:
        return Support(name, True, call(lab), chapters)
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "")
        status = err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        if code in NOT_ALLOWED:
            denied = _("these credentials may not call it ({code})").format(code=code)
            return Support(name, False, denied, chapters)
        if code in UNKNOWN_OPERATION or status >= 500:
            missing = _("the service does not have it ({code})").format(code=code or status)
            return Support(name, False, missing, chapters)
        exists = _("the operation exists (it answered {code})").format(code=code)
        return Support(name, True, exists, chapters)
    except BotoCoreError as err:
        silent = _("no answer ({error})").format(error=type(err).__name__)
        return Support(name, False, silent, chapters)


def clock_text(lab: Lab) -> str:
    """What the lab's clock means for the chapters."""
    if lab.virtual_time:
        return _("virtual: a 12-hour timeout passes in moments, and every demo runs as written")
    return _(
        "real: long demos run faster than written and say so, and the few that only a virtual "
        "clock can show in bounded time are skipped with a note (see the README's backend table)"
    )


def check(lab: Lab) -> list[Support]:
    """Every capability of the lab's backend, in :data:`PROBES` order (left out of its trace)."""
    with lab.trace.paused():
        return [probe(lab, name, call, chapters) for name, call, chapters in PROBES]
