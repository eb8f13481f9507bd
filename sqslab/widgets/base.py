"""What every panel shares: the :class:`Panel` base (its widgets as one ipywidgets box, redrawn
when a watched control changes, figures shown as PNG) and the labelled controls panels are made of."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sqslab.i18n import _

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Width of every slider, of a slider's label (chapters 2-6) and of every chart.
SLIDER_WIDTH = "520px"
LABEL_WIDTH = "170px"
CHART_WIDTH = "640px"


def int_slider(
    description: str,
    value: int,
    low: int,
    high: int,
    step: int = 1,
    *,
    label_width: str = LABEL_WIDTH,
) -> w.IntSlider:
    """A labelled integer slider that reports only when released."""
    return w.IntSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        style={"description_width": label_width},
        layout=w.Layout(width=SLIDER_WIDTH),
        continuous_update=False,
    )


def float_slider(description: str, value: float, high: float, step: float) -> w.FloatSlider:
    """A labelled 0..high slider that reports only when released."""
    return w.FloatSlider(
        value=value,
        min=0.0,
        max=high,
        step=step,
        description=description,
        style={"description_width": LABEL_WIDTH},
        layout=w.Layout(width=SLIDER_WIDTH),
        continuous_update=False,
    )


def chart_area() -> w.Image:
    """The empty PNG image a panel draws its figures into."""
    return w.Image(format="png", layout=w.Layout(width=CHART_WIDTH))


def error_html(err: Exception) -> str:
    """An error as a panel shows it (instead of raising it)."""
    return _("<b>error:</b> {error}").format(error=html.escape(str(err)))


class Panel:
    """Base of every panel: its widgets as one ipywidgets box (``ui``), redrawn by :meth:`refresh`
    whenever a watched control changes; :meth:`draw` shows a figure in the panel's ``chart``."""

    #: Runs so far; each run's number names its queue and seeds its randomness.
    runs = 0
    chart: w.Image
    ui: w.Box

    def __init__(
        self,
        children: Sequence[w.Widget],
        *,
        watch: Iterable[w.ValueWidget] = (),
        box: type[w.Box] = w.VBox,
    ) -> None:
        for control in watch:
            control.observe(self.on_change, names="value")
        self.ui = box(list(children))

    def next_run(self) -> int:
        """Count one more run; its number."""
        self.runs += 1
        return self.runs

    def refresh(self) -> None:
        """Redraw from the controls' current values (panels that watch controls override this)."""

    def on_change(self, _change: dict[str, Any]) -> None:
        """A watched control changed: redraw."""
        self.refresh()

    def draw(self, fig: Figure) -> None:
        """Show ``fig`` in the panel's chart as PNG."""
        from sqslab.plots import to_png  # matplotlib loads when a panel first draws

        self.chart.value = to_png(fig)
