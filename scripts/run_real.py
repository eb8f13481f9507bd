"""Every chapter on a real clock (``make test-real``): each notebook, solutions too, runs top to
bottom against an SQS endpoint whose clock is real, as LocalStack and AWS are, and the run reports
per notebook its wall time, its slowest cells and every error a learner did not cause.

With no ``--endpoint``, a fresh ``sqslab server`` (moto, real clock) is started for the run. Each
notebook gets its own namespace (``SQSLAB_NAMESPACE``), so notebooks running side by side never
share a queue. A cell marked ``# NBVAL_RAISES_EXCEPTION`` may raise; any other error, or a cell
that outlives ``--cell-timeout``, is a failure, as is a notebook over ``--budget`` seconds.

    python scripts/run_real.py [--endpoint URL] [--label TEXT] [--jobs N] [--budget S]
                               [--cell-timeout S] [--json FILE] [--executed DIR]
                               [notebook or folder ...]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).parents[1]
EXPECTED_ERROR = "# NBVAL_RAISES_EXCEPTION"


def notebooks(args: list[str]) -> list[Path]:
    """The notebooks named, or under the folders named (default: every one in notebooks/)."""
    paths: list[Path] = []
    for arg in args or [str(ROOT / "notebooks")]:
        target = Path(arg)
        paths += sorted(target.rglob("*.ipynb")) if target.is_dir() else [target]
    return [p for p in paths if ".ipynb_checkpoints" not in p.parts]


def namespace(path: Path) -> str:
    """A namespace of its own per notebook: ``rt05`` for chapter 5, ``rt05s`` for its solutions,
    ``rt05p``/``rt05sp`` for their Portuguese twins (notebooks/pt-BR/)."""
    solutions = "s" if "solutions" in path.stem else ""
    portuguese = "p" if "pt-BR" in path.parts else ""
    return f"rt{path.name[:2]}{solutions}{portuguese}"


def seconds(cell: nbformat.NotebookNode) -> float:
    """How long a cell ran, from the timing nbclient records."""
    timing = cell.get("metadata", {}).get("execution", {})
    start, end = timing.get("iopub.execute_input"), timing.get("shell.execute_reply")
    if not start or not end:
        return 0.0
    parse = datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


#: How much of an error's message the report keeps: its first lines, up to this many characters.
ERROR_LINES, ERROR_CHARS = 6, 600


def error_text(out: nbformat.NotebookNode) -> str:
    """An error output's message, its first lines joined by " | " (an assertion's details follow
    its first line: "reconciliation failed:" alone says nothing)."""
    lines = [line.strip() for line in str(out.get("evalue", "")).splitlines() if line.strip()]
    text = " | ".join(lines[:ERROR_LINES])
    return text if len(text) <= ERROR_CHARS else text[: ERROR_CHARS - 1] + "…"


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """Each error output of a cell not marked to raise: '<cell id>: <error name>: <message>'."""
    found = []
    for cell in nb.cells:
        if cell.cell_type != "code" or cell.source.startswith(EXPECTED_ERROR):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"{cell.get('id')}: {out.get('ename')}: {error_text(out)}")
    return found


def unraised(nb: nbformat.NotebookNode) -> list[str]:
    """The ids of cells marked to raise that ran without an error: the engine accepted what the
    lesson shows AWS refusing (reported, not counted as a failure of the notebook)."""
    return [
        str(cell.get("id"))
        for cell in nb.cells
        if cell.cell_type == "code"
        and cell.source.startswith(EXPECTED_ERROR)
        and not any(out.get("output_type") == "error" for out in cell.get("outputs", []))
    ]


# the kernel died or never answered before the first cell: with many kernels started side by side
# on a busy machine (e.g. two picking the same free port), a start can fail; nothing of the notebook
# ran, so it is started again, up to KERNEL_STARTS times, and the report says so
STARTUP_FAILURES = ("Kernel died before replying to kernel_info", "Kernel didn't respond")
KERNEL_STARTS = 3


def execute(nb: nbformat.NotebookNode, path: Path, cell_timeout: float) -> list[str]:
    """Run ``nb`` in a fresh kernel; the kernel-level failure, if any, as a one-item list."""
    client = NotebookClient(
        nb,
        timeout=cell_timeout,
        interrupt_on_timeout=True,
        allow_errors=True,
        kernel_name="python3",
        record_timing=True,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except Exception as err:  # noqa: BLE001 - a dead kernel is a finding, not a crash of the run
        return [f"kernel: {type(err).__name__}: {str(err).splitlines()[0][:160]}"]
    return []


def failed_to_start(broken: list[str], nb: nbformat.NotebookNode) -> bool:
    """Whether the kernel failed before any cell ran (a start to try again, not a finding)."""
    ran = any(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    return bool(broken) and not ran and any(f in broken[0] for f in STARTUP_FAILURES)


def unexecuted(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path`` without its committed outputs and execution counts."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.execution_count, cell.outputs = None, []
    return nb


def run_one(path: Path, cell_timeout: float, executed: Path | None = None) -> dict[str, Any]:
    """Execute one notebook (in this process's environment); what happened, as a dict. With
    ``executed``, the executed notebook is also written there (outputs and tracebacks to read)."""
    started = time.monotonic()
    nb = unexecuted(path)
    broken, starts = execute(nb, path, cell_timeout), 1
    while failed_to_start(broken, nb) and starts < KERNEL_STARTS:
        nb = unexecuted(path)
        broken, starts = execute(nb, path, cell_timeout), starts + 1
    wall = time.monotonic() - started
    if executed is not None:
        target = executed / path.relative_to(ROOT / "notebooks")
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
    timed = sorted(
        ((seconds(c), c.get("id")) for c in nb.cells if c.cell_type == "code"), reverse=True
    )
    return {
        "notebook": str(path.relative_to(ROOT / "notebooks")),
        "wall_seconds": round(wall, 1),
        "cells": sum(c.cell_type == "code" for c in nb.cells),
        "slowest": [[cell_id, round(s, 1)] for s, cell_id in timed[:3]],
        "errors": broken + problems(nb),
        "unraised": [] if broken else unraised(nb),
        "kernel_starts": starts,
    }


def run_in_child(
    path: Path, endpoint: str, cell_timeout: float, executed: Path | None = None
) -> dict[str, Any]:
    """Run one notebook in a child process whose environment points the lab at ``endpoint``."""
    env = {
        **os.environ,
        "SQSLAB_BACKEND": "endpoint",
        "SQSLAB_ENDPOINT_URL": endpoint,
        "SQSLAB_NAMESPACE": namespace(path),
    }
    command = [sys.executable, __file__, "--one", str(path), "--cell-timeout", str(cell_timeout)]
    if executed is not None:
        command += ["--executed", str(executed.resolve())]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    try:
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return {"notebook": str(path), "wall_seconds": 0.0, "cells": 0, "slowest": [],
                "errors": [f"runner: {' | '.join(tail)}"]}  # fmt: skip
    if result.get("kernel_starts", 1) > 1 or any(e.startswith("kernel:") for e in result["errors"]):
        # what the kernel itself printed on the way down (e.g. ZMQError: Address already in use)
        result["kernel_said"] = done.stderr.strip().splitlines()[-3:]
    return result


@contextlib.contextmanager
def endpoint_for(url: str | None) -> Iterator[str]:
    """``url``, or a fresh real-clock ``sqslab server`` for the run."""
    if url:
        yield url
        return
    from sqslab.emulator.server import server_process

    with server_process() as started:
        yield started


def summary(results: list[dict[str, Any]], failing: int, wall: float, label: str = "") -> str:
    """One line for the whole run: notebooks clean, cells, errors, notebook time and wall time."""
    cells, errors = sum(r["cells"] for r in results), sum(len(r["errors"]) for r in results)
    quiet = sum(len(r.get("unraised", [])) for r in results)
    busy = sum(r["wall_seconds"] for r in results)
    return (
        f"{label + ': ' if label else ''}{len(results) - failing} of {len(results)} notebooks clean, "
        f"{cells} cells, {errors} errors, {quiet} expected errors not raised; "
        f"{busy:.0f} s of notebook time, {wall:.0f} s wall"
    )


def report(results: list[dict[str, Any]], budget: float, wall: float = 0.0, label: str = "") -> int:
    """Print one line per notebook, every problem and the summary; the number failing."""
    failing = 0
    print(f"\n{'notebook':48} {'wall s':>7} {'cells':>5}  slowest cells (s)")
    for r in results:
        over = r["wall_seconds"] > budget
        failing += bool(r["errors"] or over)
        slowest = ", ".join(f"{c} {s:g}" for c, s in r["slowest"])
        mark = "  OVER BUDGET" if over else ""
        print(f"{r['notebook']:48} {r['wall_seconds']:7.1f} {r['cells']:5}  {slowest}{mark}")
        for error in r["errors"]:
            print(f"    ! {error}")
        for line in r.get("kernel_said", []):
            print(f"    | {line[:160]}")
        if r.get("kernel_starts", 1) > 1:
            print(
                f"    ~ the kernel failed to start and was started again ({r['kernel_starts']} starts)"
            )
        for cell_id in r.get("unraised", []):
            print(f"    ? {cell_id}: marked to raise, but ran without an error on this engine")
    print(f"\n{summary(results, failing, wall, label)}")
    return failing


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--endpoint", help="an SQS endpoint URL (default: start a sqslab server)")
    parser.add_argument("--jobs", type=int, default=6, help="notebooks run side by side")
    parser.add_argument("--budget", type=float, default=600, help="seconds allowed per notebook")
    parser.add_argument("--cell-timeout", type=float, default=120, help="seconds allowed per cell")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument(
        "--label", default="", help="names the engine in the report, e.g. LocalStack"
    )
    parser.add_argument("--executed", type=Path, help="write each executed notebook under here")
    parser.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(run_one(args.one.resolve(), args.cell_timeout, args.executed)))
        return 0
    paths = [p.resolve() for p in notebooks(args.paths)]
    started = time.monotonic()
    with endpoint_for(args.endpoint) as url, ThreadPoolExecutor(args.jobs) as pool:
        engine = f" ({args.label})" if args.label else ""
        print(
            f"real clock: {len(paths)} notebooks against {url}{engine}, {args.jobs} at a time",
            flush=True,
        )
        results = list(
            pool.map(lambda p: run_in_child(p, url, args.cell_timeout, args.executed), paths)
        )
    wall = time.monotonic() - started
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 1 if report(results, args.budget, wall, args.label) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
