"""The real-clock runner's reading of an executed notebook: its own namespace per notebook, cell
times from nbclient's timing, and every error but those of cells marked to raise."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

ROOT = Path(__file__).parents[1]
SPEC = importlib.util.spec_from_file_location("run_real", ROOT / "scripts" / "run_real.py")
assert SPEC and SPEC.loader
runner = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(runner)


def error(name: str, value: str):
    return new_output("error", ename=name, evalue=value, traceback=[])


def test_each_notebook_gets_a_namespace_of_its_own():
    names = {runner.namespace(p) for p in runner.notebooks([str(ROOT / "notebooks")])}
    assert len(names) == len(runner.notebooks([str(ROOT / "notebooks")]))
    assert runner.namespace(Path("notebooks/solutions/05_dlq_solutions.ipynb")) == "rt05s"
    assert runner.namespace(Path("notebooks/pt-BR/solutions/05_dlq_solutions.ipynb")) == "rt05sp"


def test_errors_are_reported_except_where_a_cell_is_marked_to_raise():
    nb = new_notebook(
        cells=[
            new_code_cell("x", outputs=[error("NameError", "name 'x' is not defined")]),
            new_code_cell(
                "# NBVAL_RAISES_EXCEPTION\nboom()", outputs=[error("LimitError", "too big")]
            ),
            new_code_cell("fine()", outputs=[]),
        ]
    )
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"c{n:03d}"
    assert runner.problems(nb) == ["c000: NameError: name 'x' is not defined"]


def test_an_errors_details_after_its_first_line_are_reported():
    failed = "reconciliation failed:\n  exactly once: FAIL (ORD-10013 missing)\n\n  revenue: PASS"
    nb = new_notebook(cells=[new_code_cell("check()", outputs=[error("AssertionError", failed)])])
    nb.cells[0]["id"] = "c053"
    assert runner.problems(nb) == [
        "c053: AssertionError: reconciliation failed: | exactly once: FAIL (ORD-10013 missing)"
        " | revenue: PASS"
    ]
    long = error("AssertionError", "\n".join(f"line {n} " + "x" * 200 for n in range(20)))
    nb.cells[0].outputs = [long]
    assert len(runner.problems(nb)[0]) == len("c053: AssertionError: ") + runner.ERROR_CHARS


def test_cell_time_comes_from_the_recorded_timing():
    cell = new_code_cell("wait()")
    cell.metadata["execution"] = {
        "iopub.execute_input": "2026-12-06T04:00:00.000000Z",
        "shell.execute_reply": "2026-12-06T04:00:12.500000Z",
    }
    assert runner.seconds(cell) == 12.5 and runner.seconds(new_code_cell("x")) == 0.0


def test_a_cell_marked_to_raise_that_ran_clean_is_reported_apart():
    nb = new_notebook(
        cells=[
            new_code_cell("# NBVAL_RAISES_EXCEPTION\nrefused()", outputs=[error("E", "no")]),
            new_code_cell("# NBVAL_RAISES_EXCEPTION\naccepted()", outputs=[]),
            new_code_cell("plain()", outputs=[]),
        ]
    )
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"c{n:03d}"
    assert runner.unraised(nb) == ["c001"] and runner.problems(nb) == []


def test_the_summary_counts_notebooks_cells_errors_and_both_times():
    results = [
        {"cells": 10, "errors": ["c1: E: x", "c2: E: y"], "wall_seconds": 30.0, "unraised": ["c3"]},
        {"cells": 5, "errors": [], "wall_seconds": 12.4},
    ]
    line = runner.summary(results, failing=1, wall=25.2, label="LocalStack 2026.3.0")
    assert line == (
        "LocalStack 2026.3.0: 1 of 2 notebooks clean, 15 cells, 2 errors, "
        "1 expected errors not raised; 42 s of notebook time, 25 s wall"
    )


def notebook_file(tmp_path: Path) -> Path:
    """A committed-looking notebook (cells with execution counts and outputs) under notebooks/."""
    nb = new_notebook(cells=[new_code_cell("1", execution_count=1), new_code_cell("2")])
    nb.cells[1].execution_count = 2
    for n, cell in enumerate(nb.cells):
        cell["id"] = f"c{n:03d}"
    folder = tmp_path / "notebooks"
    folder.mkdir()
    path = folder / "nb.ipynb"
    path.write_text(nbformat.writes(nb))
    return path


def fake_kernel(monkeypatch, tmp_path: Path, outcomes: list[tuple[int, str]]) -> list[int]:
    """Each start runs the first N cells and then fails with the message ('' for none)."""
    starts: list[int] = []

    def execute(nb, path, cell_timeout):
        ran, message = outcomes[len(starts)]
        starts.append(ran)
        for cell in nb.cells[:ran]:
            cell.execution_count = 1
        return [f"kernel: RuntimeError: {message}"] if message else []

    monkeypatch.setattr(runner, "execute", execute)
    monkeypatch.setattr(runner, "ROOT", tmp_path)
    return starts


def test_a_kernel_that_dies_before_the_first_cell_is_started_again(monkeypatch, tmp_path):
    died = "Kernel died before replying to kernel_info"
    starts = fake_kernel(monkeypatch, tmp_path, [(0, died), (2, "")])
    result = runner.run_one(notebook_file(tmp_path), cell_timeout=5)
    assert starts == [0, 2]
    assert result["errors"] == [] and result["kernel_starts"] == 2


def test_a_kernel_that_never_starts_is_reported_after_three_starts(monkeypatch, tmp_path):
    died = "Kernel died before replying to kernel_info"
    starts = fake_kernel(monkeypatch, tmp_path, [(0, died)] * 3)
    result = runner.run_one(notebook_file(tmp_path), cell_timeout=5)
    assert len(starts) == runner.KERNEL_STARTS == 3
    assert result["errors"] == [f"kernel: RuntimeError: {died}"]


def test_a_kernel_that_dies_after_a_cell_ran_is_a_finding_not_retried(monkeypatch, tmp_path):
    starts = fake_kernel(monkeypatch, tmp_path, [(1, "Kernel died before replying to kernel_info")])
    result = runner.run_one(notebook_file(tmp_path), cell_timeout=5)
    assert starts == [1] and result["kernel_starts"] == 1
    assert result["errors"] == ["kernel: RuntimeError: Kernel died before replying to kernel_info"]
