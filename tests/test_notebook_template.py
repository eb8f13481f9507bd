"""One template for every chapter: title, objectives and time up front, Setup, numbered sections,
`## Exercise N.M` headings each with its check, a summary, a link to the solutions and a "Next" line
to the following chapter; and the README's times are the notebooks' times."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_text import CHAPTERS, NOTEBOOKS, markdown, printed, read

README = (NOTEBOOKS.parent / "README.md").read_text()
TIME = re.compile(r"^\*Time: about (\d+) minutes\.\*$", re.M)
SECTION = re.compile(r"^## (\d+)\. \S", re.M)
EXERCISE = re.compile(r"^#+ Exercise (\d+)\.(\d+)\b(.*)$", re.M)
EXERCISE_HEADING = re.compile(r"^## Exercise \d+\.\d+ (\(optional\) )?· \S")
IDS = [c.stem for c in CHAPTERS]


def number(chapter: Path) -> int:
    return int(chapter.stem[:2])


def text(chapter: Path) -> str:
    return "\n\n".join(c.source for c in markdown(chapter))


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_first_cell_has_title_objectives_and_time(chapter):
    first = read(chapter).cells[0].source
    assert first.startswith(f"# Chapter {number(chapter)} · "), first.splitlines()[0]
    assert re.search(r"^\*\*You will learn\*\*\n- ", first, re.M), "no '**You will learn**' list"
    assert TIME.search(first), "no line '*Time: about N minutes.*' in the first cell"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_setup_then_numbered_sections(chapter):
    headings = [c.source.splitlines()[0] for c in markdown(chapter) if c.source.startswith("#")]
    assert "## Setup" in headings, "no '## Setup' heading"
    numbers = [int(n) for n in SECTION.findall(text(chapter))]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers, f"sections {numbers}"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_exercises_are_numbered_headings_each_with_its_check(chapter):
    cells = read(chapter).cells
    starts = [
        i for i, c in enumerate(cells) if c.cell_type == "markdown" and EXERCISE.match(c.source)
    ]
    assert starts, "no '## Exercise N.M · …' heading"
    found = []
    for k, start in enumerate(starts):
        heading = cells[start].source.splitlines()[0]
        assert EXERCISE_HEADING.match(heading), f"not '## Exercise N.M · Title': {heading!r}"
        chapter_no, exercise_no, _ = EXERCISE.match(heading).groups()
        found.append((int(chapter_no), int(exercise_no)))
        end = starts[k + 1] if k + 1 < len(starts) else len(cells)
        shown = "\n".join(printed(c) for c in cells[start:end] if c.cell_type == "code")
        assert f"[ex{chapter_no}.{exercise_no}]" in shown, f"{heading!r}: no check output"
    assert found == [(number(chapter), m) for m in range(1, len(found) + 1)], found


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_summary_solutions_link_and_next_line(chapter):
    body = text(chapter)
    assert re.search(r"^## Summary", body, re.M), "no '## Summary' heading"
    solutions = f"(solutions/{chapter.stem}_solutions.ipynb)"
    assert solutions in body, f"no link to {solutions}"
    following = CHAPTERS[CHAPTERS.index(chapter) + 1 :]
    if following:
        line = re.search(r"^\*\*Next:\*\* .*$", body, re.M)
        assert line and f"]({following[0].name})" in line.group(0), "no '**Next:** [..](next)'"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_the_readme_gives_the_notebooks_time(chapter):
    minutes = TIME.search(read(chapter).cells[0].source)
    row = re.search(rf"^\| {number(chapter)} \| \[{chapter.stem}\].*\| (\d+) min \|", README, re.M)
    assert minutes and row, "time missing in the notebook or the README's chapter table"
    assert row.group(1) == minutes.group(1), (
        f"README {row.group(1)} min, notebook {minutes.group(1)}"
    )
