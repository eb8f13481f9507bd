"""Numbers the text quotes from an output stay true: a number written `13<!-- out c019 -->` in
markdown must be printed by code cell c019 of the same notebook, so a change in the library or the
data that moves it fails here instead of leaving the text stale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from notebook_text import ALL, NOTEBOOKS, printed, read, words

MARKER = re.compile(r"(\d[\d,.]*?)(\**)<!-- out (\w+) -->")
IDS = [str(p.relative_to(NOTEBOOKS)) for p in ALL]


def quoted(path: Path) -> list[tuple[str, str]]:
    """(number, cell id) of every marked number in the notebook's markdown."""
    return [
        (number, cell_id)
        for cell in read(path).cells
        if cell.cell_type == "markdown"
        for number, _, cell_id in MARKER.findall(cell.source)
    ]


def appears(number: str, text: str) -> bool:
    """True when ``number`` is printed in ``text`` as a whole number (not part of a longer one)."""
    return re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", text) is not None


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_each_quoted_number_is_in_the_output_it_names(path):
    cells = {c.get("id"): c for c in read(path).cells}
    wrong = []
    for number, cell_id in quoted(path):
        cell = cells.get(cell_id)
        if cell is None or cell.cell_type != "code":
            wrong.append(f"{number}: no code cell {cell_id}")
        elif not appears(number, printed(cell)):
            wrong.append(f"{number}: not in the output of {cell_id}")
    assert not wrong, "; ".join(wrong)


def test_the_chapters_quote_their_numbers() -> None:
    assert sum(len(quoted(p)) for p in ALL) >= 20


def test_a_number_must_match_exactly() -> None:
    assert appears("13", "13 orders") and appears("81", "in 81.0 s") is False
    assert not appears("13", "113 orders") and not appears("1.5", "1.55 s")
    assert appears("74,148.40", "revenue $74,148.40")


#: A number in running text (two digits or more, or with decimals), outside code spans and links;
#: never the whole part of a Portuguese decimal (``11`` of ``11,4``).
NUMBER = re.compile(r"(?<![\w.,$`#/:-])(\d[\d,]*\d(?:\.\d+)?|\d\.\d+)(?![\w`:]|<!--|[.,]\d)")


def unmarked_quotes(path: Path) -> list[str]:
    """Numbers in a cell that reads the outputs before it ("**What to notice.**", "**What
    happened.**"; in Portuguese "**O que observar.**"…) that the three code cells before it print,
    written unmarked."""
    cells, found, reads_outputs = read(path).cells, [], words(path).reads_outputs
    for i, cell in enumerate(cells):
        if cell.cell_type != "markdown" or not cell.source.startswith(reads_outputs):
            continue
        before = [c for c in cells[:i] if c.cell_type == "code"][-3:]
        shown = "\n".join(printed(c) for c in before)
        prose = re.sub(r"`[^`]*`|\]\([^)]*\)", " ", cell.source)
        found += [f"{cell.get('id')}: {n}" for n in NUMBER.findall(prose) if appears(n, shown)]
    return found


def test_a_portuguese_decimal_is_read_whole() -> None:
    assert NUMBER.findall("p95 de 1,8<!-- out c070 --> s, 11,4<!-- out c070 -->x menor") == []
    assert NUMBER.findall("p95 de 20,8 s e 1.500 mensagens") == ["20,8", "1.500"]
    assert NUMBER.findall("from 2,400 calls/s, p95 20.8 s") == ["2,400", "20.8"]


@pytest.mark.parametrize("path", ALL, ids=IDS)
def test_numbers_read_off_an_output_are_marked(path):
    assert unmarked_quotes(path) == [], "mark each as N<!-- out <cell id> -->"
