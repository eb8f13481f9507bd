"""The Portuguese notebooks against their English originals: same cells (ids, types, order), code
that does the same thing (syntax trees equal once strings, comments and lang= are set aside), and
no cell whose English original changed since it was translated. Each check is also shown to fail
when a translation is broken on purpose."""

from __future__ import annotations

import copy
import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).parents[1]
SPEC = importlib.util.spec_from_file_location("translations", ROOT / "scripts" / "translations.py")
assert SPEC and SPEC.loader
tr = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(tr)
PORTUGUESE = tr.portuguese_notebooks()
IDS = [str(p.relative_to(tr.PORTUGUESE)) for p in PORTUGUESE]


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


@pytest.mark.parametrize("path", PORTUGUESE, ids=IDS)
def test_a_portuguese_notebook_has_its_originals_cells_in_order(path):
    english, portuguese = read(tr.english_of(path)), read(path)
    assert [(c.id, c.cell_type) for c in portuguese.cells] == [
        (c.id, c.cell_type) for c in english.cells
    ]


@pytest.mark.parametrize("path", PORTUGUESE, ids=IDS)
def test_portuguese_code_does_what_the_english_code_does(path):
    assert tr.different_code(read(tr.english_of(path)), read(path)) == []


@pytest.mark.parametrize("path", PORTUGUESE, ids=IDS)
def test_no_portuguese_cell_is_stale(path):
    stale = tr.stale(read(tr.english_of(path)), read(path))
    assert stale == [], f"the English changed: run python scripts/translations.py stale {path}"


def pair() -> tuple[nbformat.NotebookNode, nbformat.NotebookNode]:
    english = new_notebook(cells=[
        new_markdown_cell("## Setup", id="c000"),
        new_code_cell('import sqslab\n\nlab = sqslab.start()  # the lab\nprint(f"queue {lab}")', id="c001"),
    ])  # fmt: skip
    portuguese = copy.deepcopy(english)
    portuguese.cells[0].source = "## Preparação"
    portuguese.cells[
        1
    ].source = (
        'import sqslab\n\nlab = sqslab.start(lang="pt-BR")  # o laboratório\nprint(f"fila {lab}")'
    )
    tr.stamp(english, portuguese, set())
    return english, portuguese


def test_translated_prose_comments_strings_and_lang_are_not_differences():
    english, portuguese = pair()
    assert tr.different_code(english, portuguese) == [] and tr.stale(english, portuguese) == []


def test_portuguese_code_that_does_something_else_is_caught():
    english, portuguese = pair()
    portuguese.cells[1].source = portuguese.cells[1].source.replace("print(", "repr(")
    assert tr.different_code(english, portuguese) == ["c001"]
    portuguese.cells[1].source = 'import sqslab\n\nlab = sqslab.start(seed=2, lang="pt-BR")'
    assert tr.different_code(english, portuguese) == ["c001"]


def test_an_english_edit_makes_its_translation_stale_until_stamped_again():
    english, portuguese = pair()
    english.cells[0].source = "## Setup (5 minutes)"
    assert tr.stale(english, portuguese) == ["c000"]
    tr.stamp(english, portuguese, {"c000"})
    assert tr.stale(english, portuguese) == []
    portuguese.cells.append(new_markdown_cell("extra", id="c009"))  # no English original
    assert tr.stale(english, portuguese) == ["c009"]


def test_the_stale_report_shows_both_versions_side_by_side():
    shown = tr.side_by_side("The English\ntext", "O texto\nem português", width=12)
    assert shown.splitlines() == ["The English  | O texto", "text         | em português"]


def test_a_notebook_in_a_subfolder_is_paired_with_the_english_one_at_the_same_path():
    portuguese = tr.PORTUGUESE / "instructor" / "classroom.ipynb"
    assert tr.english_of(portuguese) == tr.ENGLISH / "instructor" / "classroom.ipynb"
    assert portuguese in tr.portuguese_notebooks()


def english_notebooks() -> list[Path]:
    """Every notebook of the English edition: chapters, solutions, the instructor's."""
    return sorted(p for p in tr.ENGLISH.rglob("*.ipynb") if tr.PORTUGUESE not in p.parents)


def test_every_english_notebook_has_its_portuguese_twin():
    english = english_notebooks()
    assert {"instructor", "solutions"} <= {p.parent.name for p in english}
    missing = [str(p.relative_to(tr.ENGLISH)) for p in english
               if not (tr.PORTUGUESE / p.relative_to(tr.ENGLISH)).exists()]  # fmt: skip
    assert missing == [], f"translate into notebooks/pt-BR/: {missing}"
    # and no Portuguese notebook without an English original
    assert {tr.english_of(p) for p in PORTUGUESE} == set(english)
