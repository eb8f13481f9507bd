"""What every exercise check shares: the :class:`Check` it returns (with graded hints), and the reads
of SQS and of the lab's trace that the chapters' checks build on.

A failing check carries its hints from the least to the most telling. The first says what is wrong
and where to look, never a line of the solution; each later one says more. A check shows the first
hint; calling it again with the same problem (or with ``hint=2``) shows the next as well."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.trace import CallRecord

#: The SQS operations that send messages, and those that delete them.
SEND_OPERATIONS = ("SendMessage", "SendMessageBatch")
DELETE_OPERATIONS = ("DeleteMessage", "DeleteMessageBatch")


#: One failing condition: (holds, first hint) or (holds, first hint, more telling hints...).
Problem = tuple[Any, ...]


@dataclass(frozen=True)
class Check:
    """The outcome of an exercise check: passed or not, and what to do next.

    ``message`` is the success text or the first hint; ``more`` holds the further hints, and
    ``level`` says how many hints are shown."""

    exercise: str
    passed: bool
    message: str
    more: tuple[str, ...] = ()
    level: int = 1
    #: One quiet line in workshop mode: whether the outcome reached the classroom board.
    board: str = ""

    def __bool__(self) -> bool:
        return self.passed

    @property
    def hints(self) -> tuple[str, ...]:
        """Every hint of a failing check, least telling first (empty when it passed)."""
        return () if self.passed else (self.message, *self.more)

    def at_level(self, level: int) -> Check:
        """This check showing its first ``level`` hints (clamped to the hints it has)."""
        return replace(self, level=max(1, min(level, 1 + len(self.more))))

    def shown(self) -> tuple[str, ...]:
        """The hints this check shows at its level."""
        return self.hints[: self.level]

    def __repr__(self) -> str:
        # PASS and HINT stay as they are in every language: learners grep for them
        if self.passed:
            lines = [f"PASS [{self.exercise}] {self.message}"]
        else:
            lines = [f"HINT [{self.exercise}] {self.message}"]
            lines += [
                "  " + _("hint {n}: {text}").format(n=n, text=text)
                for n, text in enumerate(self.shown()[1:], start=2)
            ]
            if self.level <= len(self.more):
                more = _("(more help: run the check again, or pass hint={level})")
                lines.append("  " + more.format(level=self.level + 1))
        if self.board:
            lines.append(f"  {self.board}")
        return "\n".join(lines)


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


def hint(exercise: str, first: str, *more: str) -> Check:
    """A failing check: ``first`` says what is wrong and where to look; ``more`` says more."""
    return Check(exercise, False, first, tuple(more))


def first_problem(exercise: str, checks: list[Problem], success: str) -> Check:
    """PASS with ``success`` if every check holds, else a HINT with the first failing one's hints:
    each check is (holds, first hint, more telling hints...)."""
    for ok, *hints in checks:
        if not ok:
            return hint(exercise, *hints)
    return Check(exercise, True, success)


class HintLevels:
    """How often each exercise failed in a row with the same first hint: a repeat shows more."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, int]] = {}

    def level(self, check: Check, asked: int | None) -> Check:
        """``check`` at the asked level, or one level further per repeat of the same problem."""
        if check.passed:
            self._last.pop(check.exercise, None)
            return check
        message, count = self._last.get(check.exercise, ("", 0))
        count = count + 1 if message == check.message else 1
        self._last[check.exercise] = (check.message, count)
        return check.at_level(asked if asked is not None else count)

    def reset(self) -> None:
        """Forget every repeat (a fresh kernel starts this way)."""
        self._last.clear()


#: The kernel's hint levels, used by every check.
HINT_LEVELS = HintLevels()
