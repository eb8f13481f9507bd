"""Re-execute notebooks in place, deterministically (``make notebooks``).

Every code cell runs top to bottom in a fresh kernel with the embedded moto backend; timing
metadata and widget state are not stored, and cell ids and widget view ids are numbered in order,
so running it twice leaves ``git diff`` empty (also after cells were added or moved).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def number_widget_views(nb: nbformat.NotebookNode) -> None:
    """Replace the random model ids of widget views with stable ones (views hold no state)."""
    count = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            view = output.get("data", {}).get(WIDGET_VIEW)
            if view is not None:
                count += 1
                view["model_id"] = f"sqslab-widget-{count:03d}"


#: A number the markdown quotes from a cell's output: ``13<!-- out c019 -->``.
OUT_MARKER = re.compile(r"<!-- out (\w+) -->")


def number_cells(nb: nbformat.NotebookNode) -> None:
    """Give the cells ids c000, c001, ... in order (a new cell would otherwise get a random id),
    and point each quoted-number marker in the markdown at its cell's new id."""
    new_ids = {cell.get("id"): f"c{index:03d}" for index, cell in enumerate(nb.cells)}
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"c{index:03d}"
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = OUT_MARKER.sub(
                lambda m: f"<!-- out {new_ids.get(m.group(1), m.group(1))} -->", cell.source
            )


def tag_expected_errors(nb: nbformat.NotebookNode, on: bool = True) -> None:
    """Tag cells marked ``# NBVAL_RAISES_EXCEPTION`` so the executor expects their error
    (``on=False`` removes the tag again: nbval reads the comment, and both together warn)."""
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.source.startswith("# NBVAL_RAISES_EXCEPTION"):
            tags = cell.metadata.setdefault("tags", [])
            if on and "raises-exception" not in tags:
                tags.append("raises-exception")
            if not on:
                cell.metadata["tags"] = [t for t in tags if t != "raises-exception"]
                if not cell.metadata["tags"]:
                    del cell.metadata["tags"]


def merge_streams(nb: nbformat.NotebookNode) -> None:
    """Join consecutive stdout (or stderr) outputs of a cell: the kernel may split one print."""
    for cell in nb.cells:
        merged: list[Any] = []
        for out in cell.get("outputs", []):
            last = merged[-1] if merged else None
            if (
                last is not None
                and out.output_type == last.output_type == "stream"
                and out.name == last.name
            ):
                last.text += out.text
            else:
                merged.append(out)
        if "outputs" in cell:
            cell.outputs = merged


def run(path: Path) -> None:
    """Execute one notebook in its own folder and save it with its outputs."""
    nb = nbformat.read(path, as_version=4)
    tag_expected_errors(nb)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    tag_expected_errors(nb, on=False)
    merge_streams(nb)
    number_widget_views(nb)
    number_cells(nb)
    nb.metadata.pop("widgets", None)
    nbformat.write(nb, path)


def main(args: list[str]) -> int:
    """Run every notebook named, or every notebook under the folders named."""
    os.environ["SQSLAB_BACKEND"] = "moto"
    paths: list[Path] = []
    for arg in args or ["notebooks"]:
        target = Path(arg)
        paths += sorted(target.rglob("*.ipynb")) if target.is_dir() else [target]
    for path in paths:
        if ".ipynb_checkpoints" in path.parts:
            continue
        print(f"executing {path}", flush=True)
        run(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
