"""Reading the committed notebooks for the tests of their text: chapters, their solutions, markdown
and the text each code cell printed."""

from __future__ import annotations

from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ALL = sorted(NOTEBOOKS.rglob("*.ipynb"))


def read(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``."""
    return nbformat.read(path, as_version=4)


def solutions_of(chapter: Path) -> Path:
    """The solutions notebook of a chapter."""
    return NOTEBOOKS / "solutions" / f"{chapter.stem}_solutions.ipynb"


def printed(cell: nbformat.NotebookNode) -> str:
    """Everything a code cell shows as text: streams, text/plain and text/html results."""
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        data = out.get("data", {})
        parts += [data[kind] for kind in ("text/plain", "text/html") if kind in data]
    return "\n".join(p if isinstance(p, str) else "".join(p) for p in parts)


def markdown(path: Path) -> list[nbformat.NotebookNode]:
    """The markdown cells of a notebook."""
    return [c for c in read(path).cells if c.cell_type == "markdown"]
