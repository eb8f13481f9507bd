"""Reading the committed notebooks for the tests of their text: chapters (English, and their
Portuguese twins under notebooks/pt-BR/), their solutions, markdown, the text each code cell
printed, and the template's fixed words in each notebook's language."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).parents[1] / "notebooks"
CHAPTERS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
ALL = sorted(NOTEBOOKS.rglob("*.ipynb"))
#: The Portuguese edition: same file names, under notebooks/pt-BR/.
PORTUGUESE = NOTEBOOKS / "pt-BR"
PT_CHAPTERS = sorted(PORTUGUESE.glob("[0-9][0-9]_*.ipynb"))
#: Every chapter, English first, then the Portuguese ones translated so far.
BOTH = [*CHAPTERS, *PT_CHAPTERS]


@dataclass(frozen=True)
class Words:
    """The template's fixed words in one language (headings, labels, the time line)."""

    chapter: str
    learn: str
    time: str  # a regex with one group: the minutes
    setup: str
    exercise: str
    optional: str
    summary: str
    next: str
    #: How a markdown cell that reads the outputs before it starts ("**What to notice.**").
    reads_outputs: str


WORDS = {
    "en": Words(
        "Chapter", "You will learn", r"Time: about (\d+) minutes\.", "## Setup", "Exercise",
        "(optional)", "## Summary", "Next:", "**What",
    ),
    "pt-BR": Words(
        "Capítulo", "Você vai aprender", r"Tempo: cerca de (\d+) minutos\.", "## Preparação",
        "Exercício", "(opcional)", "## Resumo", "Próximo:", "**O que",
    ),
}  # fmt: skip


def language(path: Path) -> str:
    """The language of the notebook at ``path``: "pt-BR" under notebooks/pt-BR/, else "en"."""
    return "pt-BR" if PORTUGUESE in path.parents else "en"


def words(path: Path) -> Words:
    """The template's words in the language of the notebook at ``path``."""
    return WORDS[language(path)]


def read(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``."""
    return nbformat.read(path, as_version=4)


def solutions_of(chapter: Path) -> Path:
    """The solutions notebook of a chapter (in the chapter's language)."""
    return chapter.parent / "solutions" / f"{chapter.stem}_solutions.ipynb"


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
