"""Every chapter's exercises: at least two per chapter, each check gives a hint in the unsolved
chapter notebook and passes in its solutions notebook (the verdict is the check's PASS or HINT
line; graded hints may follow it).

The outputs read here are the committed ones; strict nbval re-executes every notebook and fails
when an output differs, so together they prove it on every run."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_text import BOTH, NOTEBOOKS, printed, read, solutions_of

CHECK = re.compile(r"sqslab\.exercises\.(check_\w+)\(")


def verdicts(path: Path) -> dict[str, list[str]]:
    """Check name -> the verdict each of its check cells printed (a PASS or HINT line)."""
    found: dict[str, list[str]] = {}
    for cell in read(path).cells:
        match = CHECK.search(cell.source) if cell.cell_type == "code" else None
        if match is None:
            continue
        lines = [
            line for line in printed(cell).splitlines() if line.startswith(("PASS [", "HINT ["))
        ]
        found.setdefault(match.group(1), []).append(lines[-1] if lines else "")
    return found


#: Every chapter, English and Portuguese (a check's PASS/HINT verdict is the same in both).
IDS = [str(c.relative_to(NOTEBOOKS).with_suffix("")) for c in BOTH]


@pytest.mark.parametrize("chapter", BOTH, ids=IDS)
def test_each_chapter_has_two_checked_exercises_that_hint_unsolved(chapter):
    checks = verdicts(chapter)
    assert len(checks) >= 2, f"{chapter.name} has {len(checks)} checked exercise(s); want 2+"
    for name, texts in checks.items():
        assert all(t.startswith("HINT [") for t in texts), f"{name} in {chapter.name}: {texts}"


@pytest.mark.parametrize("chapter", BOTH, ids=IDS)
def test_every_check_passes_in_the_solutions(chapter):
    solved = verdicts(solutions_of(chapter))
    missing = set(verdicts(chapter)) - set(solved)
    assert not missing, f"{solutions_of(chapter).name} does not solve {sorted(missing)}"
    for name, texts in solved.items():
        assert texts and texts[-1].startswith("PASS ["), f"{name}: {texts}"
