"""The notebook runner keeps re-execution deterministic and expects the marked errors."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

SCRIPT = Path(__file__).parents[1] / "scripts" / "run_notebooks.py"
spec = importlib.util.spec_from_file_location("run_notebooks", SCRIPT)
runner = importlib.util.module_from_spec(spec)
spec.loader.exec_module(runner)


def test_widget_views_get_stable_ids_in_order():
    view = {"version_major": 2, "version_minor": 0}
    cells = [
        new_code_cell(
            "a",
            outputs=[
                new_output("display_data", data={runner.WIDGET_VIEW: {**view, "model_id": "f3a"}})
            ],
        ),
        new_code_cell(
            "b",
            outputs=[
                new_output(
                    "execute_result",
                    data={runner.WIDGET_VIEW: {**view, "model_id": "9c1"}, "text/plain": "x"},
                    execution_count=2,
                )
            ],
        ),
    ]
    nb = new_notebook(cells=cells)
    runner.number_widget_views(nb)
    ids = [c.outputs[0].data[runner.WIDGET_VIEW]["model_id"] for c in nb.cells]
    assert ids == ["sqslab-widget-001", "sqslab-widget-002"]


def test_cells_are_numbered_in_order_whatever_ids_they_had():
    nb = new_notebook(cells=[new_code_cell("a"), new_code_cell("b"), new_code_cell("c")])
    nb.cells[1]["id"] = "c000"  # a cell moved up keeps its old id until the runner renumbers
    runner.number_cells(nb)
    assert [cell["id"] for cell in nb.cells] == ["c000", "c001", "c002"]


def test_quoted_number_markers_follow_their_cell_when_cells_are_renumbered():
    nb = new_notebook(
        cells=[
            new_markdown_cell("new"),
            new_code_cell("print(13)"),
            new_markdown_cell("13<!-- out c000 --> left"),
        ]
    )
    nb.cells[0]["id"], nb.cells[1]["id"], nb.cells[2]["id"] = "c100", "c000", "c001"
    runner.number_cells(nb)
    assert nb.cells[2].source == "13<!-- out c001 --> left"


def test_marked_error_cells_are_tagged_once():
    nb = new_notebook(cells=[new_code_cell("# NBVAL_RAISES_EXCEPTION\n1/0"), new_code_cell("1")])
    runner.tag_expected_errors(nb)
    runner.tag_expected_errors(nb)
    assert nb.cells[0].metadata["tags"] == ["raises-exception"]
    assert "tags" not in nb.cells[1].metadata
    runner.tag_expected_errors(nb, on=False)
    assert "tags" not in nb.cells[0].metadata


def test_every_committed_notebook_is_executed_in_order():
    for path in sorted((SCRIPT.parents[1] / "notebooks").rglob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        counts = [c.execution_count for c in nb.cells if c.cell_type == "code"]
        assert counts == list(range(1, len(counts) + 1)), path.name
        assert "widgets" not in nb.metadata, path.name


def test_split_prints_are_merged_into_one_stream_output():
    cell = new_code_cell(
        "print('a'); print('b')",
        outputs=[
            new_output("stream", name="stdout", text="a"),
            new_output("stream", name="stdout", text="\n"),
            new_output("stream", name="stderr", text="warn\n"),
            new_output("stream", name="stdout", text="b\n"),
        ],
    )
    nb = new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("text")])
    runner.merge_streams(nb)
    assert [(o.name, o.text) for o in nb.cells[0].outputs] == [
        ("stdout", "a\n"),
        ("stderr", "warn\n"),
        ("stdout", "b\n"),
    ]
