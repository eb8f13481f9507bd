"""What every chart of the course shares: a figure of the fixed size, PNG bytes for a widget, and
argument checks against sqslab's types imported only when a chart is drawn."""

from __future__ import annotations

import importlib
import io
from typing import Any

from matplotlib.figure import Figure

from sqslab.arguments import Expected, is_list
from sqslab.emulator.determinism import DPI, FIGSIZE


def lazy_kind(module: str, name: str, example: str, many: bool = False) -> Expected:
    """An instance (or, with ``many``, a non-empty list) of ``sqslab.<module>.<name>``, imported
    only when a chart is drawn."""

    def test(value: Any) -> bool:
        kind = getattr(importlib.import_module(f"sqslab.{module}"), name)
        if not many:
            return isinstance(value, kind)
        return is_list(value) and bool(value) and all(isinstance(v, kind) for v in value)

    what = f"a non-empty list of {name}" if many else f"a {name}"
    return Expected(f"{what}, e.g. {example}", test)


def new_figure() -> Figure:
    """A figure of the course's fixed size, not attached to pyplot."""
    return Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (for an ipywidgets Image)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
