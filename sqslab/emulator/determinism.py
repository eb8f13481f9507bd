"""Same notebook, same outputs: seeds and plot settings owned in one place."""

from __future__ import annotations

import random

#: Fixed figure size (inches) and resolution, so charts look the same on every machine.
FIGSIZE = (8.0, 4.0)
DPI = 80


def seed(value: int = 0) -> None:
    """Seed Python's ``random`` (used by sqslab's own simulations)."""
    random.seed(value)


def seed_moto(value: int = 0) -> None:
    """Seed moto's id generator, so message ids and receipt handles repeat run after run."""
    from moto.moto_api._internal import mock_random

    mock_random.seed(value)


def configure_notebook() -> None:
    """Fix matplotlib's figure size, resolution and inline format (PNG, no random SVG ids), and
    show errors as one line in a notebook (the lesson is the message; ``%xmode Context`` for more)."""
    import matplotlib

    matplotlib.rcParams.update(
        {"figure.figsize": FIGSIZE, "figure.dpi": DPI, "savefig.dpi": DPI, "svg.hashsalt": "sqslab"}
    )
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with jupyterlab
        return
    shell = get_ipython()
    if shell is not None and "IPKernelApp" in shell.config:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
        shell.InteractiveTB.set_mode(mode="Minimal")
