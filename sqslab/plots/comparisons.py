"""Charts that compare ways of doing it (chapters 7 and 8): the naive pipeline against the right
one, and which AWS service meets the needs chosen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sqslab.arguments import WHOLE, requires
from sqslab.i18n import N_, pgettext
from sqslab.i18n import translate as _
from sqslab.numbers import number, tick
from sqslab.plots.base import lazy_kind, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sqslab.naive import Comparison, Measures
    from sqslab.services import Fit


#: Colours of the two pipelines in :func:`naive_vs_right`.
PIPELINE_COLOURS = ("tab:red", "tab:green")
#: Panels of :func:`naive_vs_right`: (title, Measures attribute or property).
COMPARISON_PANELS = (
    (N_("billed requests"), "requests"),
    (N_("$ per million orders"), "dollars_per_million_orders"),
    (N_("seconds of processing (lab clock)"), "seconds"),
)
#: Problems counted per order in the last panel of :func:`naive_vs_right`.
COMPARISON_PROBLEMS = (
    (N_("lost"), "lost"),
    (N_("twice"), "duplicates"),
    (N_("late"), "out_of_order"),
)


@requires(comparison=lazy_kind("naive", "Comparison", "naive.compare(nv, pipeline)"))
def naive_vs_right(comparison: Comparison) -> Figure:
    """The naive and the right pipeline on the same orders: requests, price per million orders,
    lab time to the last order processed (the right one's first pass), and orders lost (never
    processed, in no DLQ), processed twice or processed late (one bar per pipeline; a hatched part
    of "late" is orders redriven from the DLQ after their customer's later ones)."""
    fig = new_figure()
    axes = fig.subplots(1, len(COMPARISON_PANELS) + 1)
    runs = (comparison.naive, comparison.right)
    names = [_("naive"), _("right")]
    for ax, (title, attr) in zip(axes, COMPARISON_PANELS, strict=False):
        bars = ax.bar(names, [getattr(m, attr) for m in runs], color=PIPELINE_COLOURS)
        ax.bar_label(bars, fmt=cents if attr.startswith("dollars") else tick, fontsize=8)
        ax.set_title(_(title), fontsize=9)
    for offset, m, name, colour in zip((-0.2, 0.2), runs, names, PIPELINE_COLOURS, strict=True):
        _problem_bars(axes[-1], offset, m, name, colour)
    axes[-1].set_xticks(range(len(COMPARISON_PROBLEMS)), [_(p) for p, _attr in COMPARISON_PROBLEMS])
    axes[-1].set_title(pgettext("chart", "orders"), fontsize=9)
    axes[-1].legend(loc="upper left", fontsize=7)
    for ax in axes:
        ax.tick_params(labelsize=8)
        ax.margins(y=0.15)
    fig.suptitle(
        _("The same {count} orders, naive vs right").format(count=comparison.naive.orders),
        fontsize=10,
    )
    return fig


def _problem_bars(ax: Axes, offset: float, measures: Measures, name: str, colour: str) -> None:
    """One pipeline's lost, twice and late bars; orders late via the DLQ stacked, hatched."""
    xs = [x + offset for x in range(len(COMPARISON_PROBLEMS))]
    values = [getattr(measures, attr) for _label, attr in COMPARISON_PROBLEMS]
    bars = ax.bar(xs, values, width=0.4, color=colour, label=name)
    redriven = measures.out_of_order_redriven
    if redriven:
        late = ax.bar(
            xs[-1], redriven, width=0.4, bottom=values[-1], color=colour, hatch="//", alpha=0.5
        )
        late[0].set_gid(_("{name} late via the DLQ").format(name=name))
    labels = [f"{v}" for v in values[:-1]] + [f"{values[-1] + redriven}"]
    ax.bar_label(bars, labels=labels if not redriven else [*labels[:-1], ""], fontsize=8)
    if redriven:
        ax.bar_label(late, labels=[labels[-1]], fontsize=8)


@requires(
    fits=lazy_kind("services", "Fit", "services.recommend(['order'])", many=True), asked=WHOLE
)
def service_fit(fits: Sequence[Fit], asked: int) -> Figure:
    """Needs met per service, out of ``asked``; services meeting all of them in green."""
    fig = new_figure()
    ax = fig.add_subplot()
    names = [_(f.service.name) for f in fits][::-1]
    met = [len(f.met) for f in fits][::-1]
    colours = ["tab:green" if f.complete else "0.6" for f in fits][::-1]
    ax.barh(names, met, color=colours)
    ax.set_xlim(0, max(asked, 1))
    ax.set_xticks(range(max(asked, 1) + 1))
    ax.set_xlabel(_("needs met (of {asked} chosen)").format(asked=asked))
    ax.set_title(_("Which service fits"))
    return fig


def cents(value: float) -> str:
    """A bar label in dollars, to the cent (no sign: the panel's title says dollars)."""
    return number(value, 2)
