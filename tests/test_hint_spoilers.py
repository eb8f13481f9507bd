"""A first hint never gives the solution away: no line a learner has to write (a code line of the
solutions notebook that the chapter's same cell does not have) appears in the hint the unsolved
chapter shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_text import BOTH, CHAPTERS, NOTEBOOKS, printed, read, solutions_of

#: A solution line this short ("x = 1", "return") is not a give-away.
SHORTEST = 12


def normal(text: str) -> str:
    """Text with runs of white space made one space."""
    return re.sub(r"\s+", " ", text).strip()


def solution_lines(chapter: Path) -> set[str]:
    """The code lines of the solutions notebook that the chapter does not have (comments left
    out)."""
    given = {line for c in read(chapter).cells for line in c.source.splitlines()}
    lines = set()
    for cell in read(solutions_of(chapter)).cells:
        if cell.cell_type != "code":
            continue
        for line in set(cell.source.splitlines()) - given:
            code = normal(line.split("  #")[0])
            if len(code) >= SHORTEST and not code.startswith("#"):
                lines.add(code)
    return lines


def first_hints(chapter: Path) -> list[str]:
    """The first hint of each check the unsolved chapter shows (its 'HINT [exN.M] …' line)."""
    hints = []
    for cell in read(chapter).cells:
        for line in printed(cell).splitlines() if cell.cell_type == "code" else []:
            if line.startswith("HINT [ex"):
                hints.append(normal(line))
    return hints


#: Every chapter, English and Portuguese: a first hint must not give the solution away in either.
IDS = [str(c.relative_to(NOTEBOOKS).with_suffix("")) for c in BOTH]


@pytest.mark.parametrize("chapter", BOTH, ids=IDS)
def test_no_first_hint_contains_a_line_of_the_solution(chapter):
    hints, lines = first_hints(chapter), solution_lines(chapter)
    assert hints, "the unsolved chapter shows no hint"
    spoiled = [f"{line!r} in {hint[:60]!r}…" for hint in hints for line in lines if line in hint]
    assert not spoiled, "; ".join(spoiled)


def test_the_test_sees_a_spoiler() -> None:
    lines = solution_lines(CHAPTERS[2])
    assert lines, "no solution line found in chapter 2's solutions"
    line = sorted(lines)[0]
    assert line in normal(f"HINT [ex2.1] try this: {line}")
