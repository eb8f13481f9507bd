"""What a first hint must not give away: the lines (and the calls in them) that the solutions
notebook adds to a chapter's exercise cells. Used by the chapter 2-3 exercise tests."""

from __future__ import annotations

import re
from functools import cache

from notebook_text import NOTEBOOKS, read, solutions_of

#: A call with its arguments, e.g. ``s3.put_object(Bucket=bucket, Key=key)``.
CALL = re.compile(r"[\w.\[\]'\"]+\([^()]*\)")


def _normal(text: str) -> str:
    """One quote style and no trailing comment, so a hint's rendering matches the code's."""
    return text.split("  #")[0].strip().replace('"', "'")


@cache
def solution_code(chapter: str) -> tuple[str, ...]:
    """The code lines and calls the solutions notebook of ``chapter`` (e.g. ``02_producers``)
    adds to the chapter's cells: what a learner writes."""
    path = NOTEBOOKS / f"{chapter}.ipynb"
    found: set[str] = set()
    for mine, theirs in zip(read(path).cells, read(solutions_of(path)).cells, strict=True):
        if theirs.cell_type != "code" or mine.source == theirs.source:
            continue
        given = {_normal(line) for line in mine.source.splitlines()}
        for line in theirs.source.splitlines():
            code = _normal(line)
            if len(code) < 12 or code in given or code.startswith(("#", '"""', "def ")):
                continue
            found.add(code)
            found.update(c for c in CALL.findall(code) if len(c) >= 12)
    return tuple(sorted(found))


def leaks(hint: str, chapter: str) -> list[str]:
    """The solution lines or calls of ``chapter`` that appear in ``hint``."""
    text = _normal(hint)
    return [code for code in solution_code(chapter) if code in text]
