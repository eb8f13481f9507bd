"""Every chapter's exercises: at least two per chapter, each check gives a hint in the unsolved
chapter notebook and passes in its solutions notebook.

The outputs read here are the committed ones; strict nbval re-executes every notebook and fails
when an output differs, so together they prove it on every run."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
CHECK = re.compile(r"sqslab\.exercises\.(check_\w+)\(")


def verdicts(path: Path) -> dict[str, list[str]]:
    """Check name -> the verdict each of its check cells printed (a PASS or HINT line)."""
    found: dict[str, list[str]] = {}
    for cell in nbformat.read(path, as_version=4).cells:
        match = CHECK.search(cell.source) if cell.cell_type == "code" else None
        if match is None:
            continue
        shown = "".join(
            out.get("text", "") or out.get("data", {}).get("text/plain", "")
            for out in cell.get("outputs", [])
        )
        last = shown.strip().splitlines()[-1] if shown.strip() else ""
        found.setdefault(match.group(1), []).append(last)  # the verdict is the last line
    return found


def solutions_of(chapter: Path) -> Path:
    return NOTEBOOKS / "solutions" / f"{chapter.stem}_solutions.ipynb"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_each_chapter_has_two_checked_exercises_that_hint_unsolved(chapter):
    checks = verdicts(chapter)
    assert len(checks) >= 2, f"{chapter.name} has {len(checks)} checked exercise(s); want 2+"
    for name, texts in checks.items():
        assert all(t.startswith("HINT [") for t in texts), f"{name} in {chapter.name}: {texts}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_every_check_passes_in_the_solutions(chapter):
    solved = verdicts(solutions_of(chapter))
    missing = set(verdicts(chapter)) - set(solved)
    assert not missing, f"{solutions_of(chapter).name} does not solve {sorted(missing)}"
    for name, texts in solved.items():
        assert texts and texts[-1].startswith("PASS ["), f"{name}: {texts}"
