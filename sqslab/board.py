"""The classroom board's state: every report applied once, and what the instructor reads off it, a
grid of learners x exercises, who looks stuck, and progress over time.

Applying is idempotent: a report whose key (learner, exercise, session, attempt) was applied before
is counted as a duplicate and changes nothing, so a message delivered twice, or a crash between
applying and deleting, never counts a check twice.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqslab.classroom_report import Report
from sqslab.i18n import _, ngettext

#: "Stuck": the same exercise hinted this many times or more within STUCK_WINDOW, not passed since.
STUCK_HINTS = 3
STUCK_WINDOW = timedelta(minutes=10)
#: "Stuck": no report at all for this long.
SILENT = timedelta(minutes=15)
PASSED, HINTED, NOT_TRIED = "passed", "hinted", "not tried"


@dataclass(frozen=True)
class Cell:
    """One learner's state on one exercise."""

    status: str
    hints: int = 0
    last_hint: str = ""

    def label(self) -> str:
        """How the grid shows it, in the lab's language: ``passed``, ``hinted 2x`` or ``·``."""
        if self.status == HINTED:
            return ngettext("hinted {count}x", "hinted {count}x", self.hints).format(
                count=self.hints
            )
        return "·" if self.status == NOT_TRIED else _("passed")


@dataclass(frozen=True)
class Stuck:
    """A learner who may need the instructor, and why."""

    learner: str
    reason: str


@dataclass
class BoardState:
    """Everything the board has applied, and what it dropped."""

    reports: list[Report] = field(default_factory=list)
    duplicates: int = 0
    learners: set[str] = field(default_factory=set)
    #: Ids of the messages that were not reports (each counted once, however often received).
    malformed_ids: set[str] = field(default_factory=set)
    _keys: set[str] = field(default_factory=set, repr=False)

    @property
    def malformed(self) -> int:
        """Messages that were not reports (they end in the board's DLQ)."""
        return len(self.malformed_ids)

    def note_malformed(self, message_id: str) -> None:
        """Count a message that is not a report, once per message id."""
        self.malformed_ids.add(message_id)

    def apply(self, report: Report) -> bool:
        """Add ``report`` unless its key was applied before (then count a duplicate)."""
        if report.key in self._keys:
            self.duplicates += 1
            return False
        self._keys.add(report.key)
        self.reports.append(report)
        self.learners.add(report.learner)
        return True

    def of(self, learner: str, exercise: str) -> list[Report]:
        """One learner's reports on one exercise, oldest first."""
        found = [r for r in self.reports if r.learner == learner and r.exercise == exercise]
        return sorted(found, key=lambda r: r.time)

    def cell(self, learner: str, exercise: str) -> Cell:
        """Passed (any pass), hinted n times, or not tried."""
        reports = self.of(learner, exercise)
        if any(r.outcome == "pass" for r in reports):
            return Cell(PASSED, sum(r.outcome == "hint" for r in reports))
        hints = [r for r in reports if r.outcome == "hint"]
        if not hints:
            return Cell(NOT_TRIED)
        return Cell(HINTED, len(hints), hints[-1].hint)

    def exercises(self) -> list[str]:
        """Every exercise of the course, then any other reported, in course order."""
        known = set(course_exercises()) | {r.exercise for r in self.reports}
        return sorted(known, key=exercise_order)

    def grid(self) -> dict[str, dict[str, Cell]]:
        """learner -> exercise -> cell, learners in name order."""
        return {
            learner: {ex: self.cell(learner, ex) for ex in self.exercises()}
            for learner in sorted(self.learners)
        }

    def stuck(self, now: datetime) -> list[Stuck]:
        """Who hinted the same exercise 3+ times in the last 10 minutes without passing it since,
        and who sent nothing for 15 minutes (a learner who never reported is not listed)."""
        found = []
        for learner in sorted(self.learners):
            mine = [r for r in self.reports if r.learner == learner]
            for exercise, count in self._recent_hints(mine, now).items():
                reason = _("{exercise}: {count} hints in 10 min, no pass")
                found.append(Stuck(learner, reason.format(exercise=exercise, count=count)))
            last = max((r.time for r in mine), default=None)
            if last is not None and now - last >= SILENT:
                minutes = int((now - last).total_seconds() // 60)
                silent = _("no report for {minutes} min").format(minutes=minutes)
                found.append(Stuck(learner, silent))
        return found

    def _recent_hints(self, mine: list[Report], now: datetime) -> Counter[str]:
        """Exercise -> hints within the window, for exercises not passed after those hints."""
        counts: Counter[str] = Counter()
        for exercise in {r.exercise for r in mine}:
            reports = [r for r in mine if r.exercise == exercise]
            passes = [r.time for r in reports if r.outcome == "pass"]
            recent = [
                r
                for r in reports
                if r.outcome == "hint"
                and now - r.time <= STUCK_WINDOW
                and not any(p >= r.time for p in passes)
            ]
            if len(recent) >= STUCK_HINTS:
                counts[exercise] = len(recent)
        return counts

    def progress(self) -> list[tuple[datetime, int]]:
        """(time, exercises passed so far across the room), one point per first pass."""
        firsts: dict[tuple[str, str], datetime] = {}
        for r in sorted(self.reports, key=lambda r: r.time):
            if r.outcome == "pass":
                firsts.setdefault((r.learner, r.exercise), r.time)
        return [(t, n) for n, t in enumerate(sorted(firsts.values()), start=1)]

    def summary(self, now: datetime) -> dict[str, Any]:
        """The whole state as plain data (``sqslab classroom status --json``)."""
        grid = self.grid()
        return {
            "learners": sorted(self.learners),
            "reports_applied": len(self.reports),
            "duplicates_dropped": self.duplicates,
            "malformed": self.malformed,
            "passed": {
                learner: [ex for ex, c in row.items() if c.status == PASSED]
                for learner, row in grid.items()
            },
            "hinted": {
                learner: {ex: c.hints for ex, c in row.items() if c.status == HINTED}
                for learner, row in grid.items()
            },
            "stuck": [asdict(s) for s in self.stuck(now)],
        }

    def to_data(self) -> dict[str, Any]:
        """What the store keeps on disk."""
        return {
            "reports": [asdict(r) for r in self.reports],
            "duplicates": self.duplicates,
            "malformed_ids": sorted(self.malformed_ids),
            "learners": sorted(self.learners),
        }

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> BoardState:
        """The state :meth:`to_data` wrote."""
        state = cls(duplicates=data["duplicates"], malformed_ids=set(data["malformed_ids"]))
        for item in data["reports"]:
            state.apply(Report(**item))
        state.learners |= set(data["learners"])
        return state


def exercise_order(exercise: str) -> tuple[int, int]:
    """``ex4.10`` sorts after ``ex4.9``."""
    chapter, number = exercise.removeprefix("ex").split(".")
    return int(chapter), int(number)


def course_exercises() -> list[str]:
    """The id of every exercise check the course has, in course order."""
    from sqslab import exercises

    ids = {getattr(getattr(exercises, name), "exercise", None) for name in exercises.__all__}
    return sorted((i for i in ids if isinstance(i, str)), key=exercise_order)
