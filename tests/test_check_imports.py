"""`make lint`'s import-cycle check: it finds a cycle, lazy imports included, and ignores imports
made only for type hints."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import check_imports  # noqa: E402


def package(tmp_path: Path, files: dict[str, str]) -> Path:
    """A throw-away ``sqslab`` package with these modules under ``tmp_path``."""
    for name, text in {"__init__.py": "", **files}.items():
        path = tmp_path / "sqslab" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_a_lazy_import_that_closes_a_circle_is_a_cycle(tmp_path):
    root = package(
        tmp_path,
        {
            "lab.py": "from sqslab import workshop\n",
            "workshop.py": "def f():\n    from sqslab.lab import active\n",
        },
    )
    assert check_imports.cycles(check_imports.graph(root)) == [["sqslab.lab", "sqslab.workshop"]]


def test_type_hint_imports_and_downward_imports_are_fine(tmp_path):
    root = package(
        tmp_path,
        {
            "lab.py": "from sqslab.emulator import clock\n",
            "emulator/__init__.py": "",
            "emulator/clock.py": (
                "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sqslab.lab import Lab\n"
            ),
        },
    )
    edges = check_imports.graph(root)
    assert edges["sqslab.lab"] == {"sqslab.emulator.clock"}
    assert check_imports.cycles(edges) == []


def test_a_submodule_importing_its_package_init_back_is_a_cycle(tmp_path):
    root = package(
        tmp_path,
        {
            "exercises/__init__.py": "from sqslab.exercises.fifo import check\nhelper = 1\n",
            "exercises/fifo.py": "from sqslab.exercises import helper\n",
        },
    )
    assert check_imports.cycles(check_imports.graph(root)) == [
        ["sqslab.exercises", "sqslab.exercises.fifo"]
    ]
