"""Chapter 7's worked answers, read from the committed solutions notebook (so the tests check the
code learners see), and the test that a hint gives none of it away."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace
from typing import Any

from notebook_text import NOTEBOOKS, printed, read

import sqslab
from sqslab import orders

SOLUTIONS = NOTEBOOKS / "solutions" / "07_capstone_orders_solutions.ipynb"
CHAPTER = NOTEBOOKS / "07_capstone_orders.ipynb"
FUNCTIONS = (
    "create_order_queues",
    "send_orders",
    "consume_orders",
    "redrive_after_fix",
    "reconcile_books",
)
#: Solution lines shorter than this (``fix()``, ``return``, brackets) prove nothing in a hint.
SHORTEST = 12


def cell_defining(path: Any, name: str) -> str:
    """The source of the code cell of ``path`` that defines ``name``."""
    for cell in read(path).cells:
        if cell.cell_type == "code" and cell.source.startswith(f"def {name}("):
            return cell.source
    raise LookupError(f"no cell defines {name} in {path}")


def answers(lab: Any) -> SimpleNamespace:
    """The five worked answers, defined against ``lab`` (as the notebook's globals would be)."""
    scope: dict[str, Any] = {
        "lab": lab,
        "sqs": lab.sqs,
        "json": json,
        "Counter": Counter,
        "sqslab": sqslab,
        "orders": orders,
    }
    for name in FUNCTIONS:
        exec(cell_defining(SOLUTIONS, name), scope)  # noqa: S102 - the committed solutions
    return SimpleNamespace(**{name: scope[name] for name in FUNCTIONS})


def solution_lines() -> list[str]:
    """Every line of code of the five answers that the chapter's empty cells do not already show
    (the signature, the docstring), comments left out."""
    found = []
    for name in FUNCTIONS:
        given = cell_defining(CHAPTER, name)
        for line in cell_defining(SOLUTIONS, name).splitlines():
            code = line.split("  #")[0].strip()
            if len(code) >= SHORTEST and code not in given and '"""' not in code:
                found.append(code)
    return found


def leaked(text: str) -> list[str]:
    """The solution lines that appear in ``text``."""
    return [line for line in solution_lines() if line in text]


def learner_hints() -> dict[str, str]:
    """Check name -> what its cell printed in the unsolved chapter notebook."""
    shown = {}
    for cell in read(CHAPTER).cells:
        if cell.cell_type == "code" and cell.source.startswith("sqslab.exercises.check_order_"):
            shown[cell.source.split("(")[0].rsplit(".", 1)[-1]] = printed(cell)
    return shown
