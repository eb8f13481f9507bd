"""One exercise-check report, as it travels from a learner's kernel to the classroom board.

A report says who (the learner's namespace), which exercise, the outcome (``pass``, or ``hint``
with the hint's first line, its quoted values blanked), which attempt and when (lab time). Nothing
else leaves the kernel: no code, no outputs, no data the learner typed. The board queue is FIFO:
one message group per learner, and the deduplication id names learner, exercise and attempt, so a
check run again with the same outcome is sent with the same id and counted once.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqslab import workshop

#: Environment variable naming the board queue; ``off`` opts this kernel out of reporting.
ENV = "SQSLAB_CLASSROOM"
#: The board queue's name when SQSLAB_CLASSROOM is not set.
DEFAULT_BOARD = "sqslab-classroom.fifo"
OFF = ("off", "no", "0", "false")
OUTCOMES = ("pass", "hint")
#: The report format's version, in every body.
VERSION = 1
MAX_HINT = 120
_EXERCISE = re.compile(r"ex\d{1,2}\.\d{1,2}")
_SESSION = re.compile(r"[0-9a-f]{4,16}")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")


class MalformedReport(ValueError):
    """A board message that is not a report this version of sqslab writes."""


def board_name(environ: dict[str, str] | None = None) -> str | None:
    """The board queue's name (SQSLAB_CLASSROOM, else the default), or None when opted out."""
    env = os.environ if environ is None else environ
    chosen = env.get(ENV, "").strip()
    if chosen.lower() in OFF:
        return None
    return chosen or DEFAULT_BOARD


def dlq_name(board: str) -> str:
    """The board's dead-letter queue: ``<board>-dlq.fifo``."""
    return f"{board.removesuffix('.fifo')}-dlq.fifo"


def blank_quotes(text: str) -> str:
    """The hint's first line, quoted values (which may be the learner's) replaced by '…'."""
    first = text.strip().splitlines()[0] if text.strip() else ""
    short = _QUOTED.sub("'…'", first)
    return short if len(short) <= MAX_HINT else short[: MAX_HINT - 1] + "…"


@dataclass(frozen=True)
class Report:
    """One check's outcome for the board."""

    learner: str
    exercise: str
    outcome: str
    attempt: int
    session: str
    at: str
    hint: str = ""
    v: int = VERSION

    @property
    def key(self) -> str:
        """What makes the report unique: learner, exercise, kernel session and attempt."""
        return f"{self.learner}:{self.exercise}:{self.session}:{self.attempt}"

    @property
    def time(self) -> datetime:
        """When the check ran (lab time), as a datetime."""
        return datetime.fromisoformat(self.at)

    def body(self) -> str:
        """The message body: compact JSON."""
        return json.dumps(asdict(self), separators=(",", ":"), sort_keys=True, ensure_ascii=False)

    def send_args(self) -> dict[str, str]:
        """SendMessage's parameters besides the queue URL: body, group id, deduplication id."""
        return {
            "MessageBody": self.body(),
            "MessageGroupId": self.learner,
            "MessageDeduplicationId": self.key.replace(":", "-"),
        }


def parse(body: str) -> Report:
    """The report in a message body; :class:`MalformedReport` saying what is wrong otherwise."""
    try:
        data = json.loads(body)
    except ValueError:
        raise MalformedReport("the body is not JSON") from None
    if not isinstance(data, dict):
        raise MalformedReport("the body is not a JSON object")
    expected = set(Report.__dataclass_fields__)
    if set(data) != expected:
        raise MalformedReport(f"the fields are {sorted(data)}, not {sorted(expected)}")
    report = Report(**data)
    problem = report_problem(report)
    if problem:
        raise MalformedReport(problem)
    return report


def report_problem(report: Report) -> str | None:
    """What is wrong with ``report``'s fields, or None."""
    checks: list[tuple[bool, str]] = [
        (report.v == VERSION, f"version {report.v!r} is not {VERSION}"),
        (_is_text(report.learner) and not workshop.namespace_problem(report.learner), "learner"),
        (_is_text(report.exercise) and bool(_EXERCISE.fullmatch(report.exercise)), "exercise"),
        (report.outcome in OUTCOMES, f"outcome is one of {OUTCOMES}"),
        (_is_count(report.attempt), "attempt is a whole number from 1"),
        (_is_text(report.session) and bool(_SESSION.fullmatch(report.session)), "session"),
        (_is_text(report.hint) and len(report.hint) <= MAX_HINT, "hint"),
        (_is_time(report.at), "at is an ISO 8601 time with its UTC offset"),
    ]
    bad = [what for ok, what in checks if not ok]
    return f"bad field(s): {'; '.join(bad)}" if bad else None


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _is_time(value: Any) -> bool:
    try:
        return isinstance(value, str) and datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False
