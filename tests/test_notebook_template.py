"""One template for every chapter: title, objectives and time up front, Setup, numbered sections,
`## Exercise N.M` headings each with its check, a summary, a link to the solutions and a "Next" line
to the following chapter; and the README's times are the notebooks' times. A Portuguese chapter
(notebooks/pt-BR/) follows the same template in its own words ("## Preparação",
"## Exercício N.M · …", "## Resumo", "**Próximo:**")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_text import BOTH, CHAPTERS, NOTEBOOKS, markdown, printed, read, words

README = (NOTEBOOKS.parent / "README.md").read_text()
PT_README = (NOTEBOOKS.parent / "README.pt-BR.md").read_text()
SECTION = re.compile(r"^## (\d+)\. \S", re.M)
IDS = [str(c.relative_to(NOTEBOOKS).with_suffix("")) for c in BOTH]


def number(chapter: Path) -> int:
    return int(chapter.stem[:2])


def text(chapter: Path) -> str:
    return "\n\n".join(c.source for c in markdown(chapter))


def time_line(chapter: Path) -> re.Pattern[str]:
    """'*Time: about N minutes.*' in the chapter's language."""
    return re.compile(rf"^\*{words(chapter).time}\*$", re.M)


def exercise(chapter: Path) -> re.Pattern[str]:
    """Any exercise heading: '## Exercise N.M…' in the chapter's language."""
    return re.compile(rf"^#+ {words(chapter).exercise} (\d+)\.(\d+)\b(.*)$", re.M)


def exercise_heading(chapter: Path) -> re.Pattern[str]:
    """A well-formed one: '## Exercise N.M · Title' (or '(optional) · Title')."""
    said = words(chapter)
    optional = re.escape(said.optional)
    return re.compile(rf"^## {said.exercise} \d+\.\d+ ({optional} )?· \S")


@pytest.mark.parametrize("chapter", BOTH, ids=IDS)
def test_the_first_cell_has_title_objectives_and_time(chapter):
    first, said = read(chapter).cells[0].source, words(chapter)
    assert first.startswith(f"# {said.chapter} {number(chapter)} · "), first.splitlines()[0]
    assert re.search(rf"^\*\*{said.learn}\*\*\n- ", first, re.M), f"no '**{said.learn}**' list"
    assert time_line(chapter).search(first), f"no line '*{said.time}*' in the first cell"


@pytest.mark.parametrize("chapter", BOTH, ids=IDS)
def test_setup_then_numbered_sections(chapter):
    headings = [c.source.splitlines()[0] for c in markdown(chapter) if c.source.startswith("#")]
    setup = words(chapter).setup
    assert setup in headings, f"no '{setup}' heading"
    numbers = [int(n) for n in SECTION.findall(text(chapter))]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers, f"sections {numbers}"


@pytest.mark.parametrize("chapter", BOTH, ids=IDS)
def test_exercises_are_numbered_headings_each_with_its_check(chapter):
    cells, any_heading, heading_form = (
        read(chapter).cells,
        exercise(chapter),
        exercise_heading(chapter),
    )
    starts = [
        i for i, c in enumerate(cells) if c.cell_type == "markdown" and any_heading.match(c.source)
    ]
    assert starts, f"no '## {words(chapter).exercise} N.M · …' heading"
    found = []
    for k, start in enumerate(starts):
        heading = cells[start].source.splitlines()[0]
        assert heading_form.match(heading), f"not '## Exercise N.M · Title': {heading!r}"
        chapter_no, exercise_no, _ = any_heading.match(heading).groups()
        found.append((int(chapter_no), int(exercise_no)))
        end = starts[k + 1] if k + 1 < len(starts) else len(cells)
        shown = "\n".join(printed(c) for c in cells[start:end] if c.cell_type == "code")
        assert f"[ex{chapter_no}.{exercise_no}]" in shown, f"{heading!r}: no check output"
    assert found == [(number(chapter), m) for m in range(1, len(found) + 1)], found


@pytest.mark.parametrize("chapter", BOTH, ids=IDS)
def test_summary_solutions_link_and_next_line(chapter):
    body, said = text(chapter), words(chapter)
    assert re.search(rf"^{said.summary}", body, re.M), f"no '{said.summary}' heading"
    solutions = f"(solutions/{chapter.stem}_solutions.ipynb)"
    assert solutions in body, f"no link to {solutions}"
    # the next chapter by file name: a Portuguese chapter links to its Portuguese twin
    names = [c.name for c in CHAPTERS]
    following = names[names.index(chapter.name) + 1 :]
    if following:
        line = re.search(rf"^\*\*{said.next}\*\* .*$", body, re.M)
        assert line and f"]({following[0]})" in line.group(0), f"no '**{said.next}** [..](next)'"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_the_readme_gives_the_notebooks_time(chapter):
    minutes = time_line(chapter).search(read(chapter).cells[0].source)
    row = re.search(rf"^\| {number(chapter)} \| \[{chapter.stem}\].*\| (\d+) min \|", README, re.M)
    assert minutes and row, "time missing in the notebook or the README's chapter table"
    assert row.group(1) == minutes.group(1), (
        f"README {row.group(1)} min, notebook {minutes.group(1)}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS, ids=[c.stem for c in CHAPTERS])
def test_the_portuguese_readme_gives_the_same_time_and_links_the_portuguese_twins(chapter):
    minutes = time_line(chapter).search(read(chapter).cells[0].source)
    twin, solutions = f"notebooks/pt-BR/{chapter.name}", f"notebooks/pt-BR/solutions/{chapter.stem}"
    row = re.search(
        rf"^\| {number(chapter)} \| \[{chapter.stem}\]\({re.escape(twin)}\) \|.*\| (\d+) min \| "
        rf"\[soluções\]\({re.escape(solutions)}_solutions\.ipynb\) \|$",
        PT_README,
        re.M,
    )
    assert minutes and row, "no row for the chapter in README.pt-BR.md's chapter table"
    assert row.group(1) == minutes.group(1), (
        f"README.pt-BR.md {row.group(1)} min, notebook {minutes.group(1)}"
    )
