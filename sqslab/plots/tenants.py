"""Fair-queue charts (chapter 4): each tenant's p95 dwell time on the same workload sent without
and with group ids, the flood tenant apart from the quiet ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sqslab.arguments import requires
from sqslab.emulator import fair_book
from sqslab.i18n import _
from sqslab.numbers import number
from sqslab.plots.base import lazy_kind, new_figure

if TYPE_CHECKING:
    from sqslab.fairness import Comparison

#: What :func:`tenant_dwell` draws.
COMPARISON = lazy_kind("fairness", "Comparison", "fairness.compare(lab, send_plain, send_fair)")
#: The two runs' colours: without group ids, with them.
COLOURS = ("tab:red", "tab:green")


@requires(comparison=COMPARISON)
def tenant_dwell(comparison: Comparison, title: str = "") -> Figure:
    """Bars of each tenant's p95 dwell time (send -> delete), without and with group ids: the
    flood tenant on the left, past a dashed line the quiet tenants, and each run's p95 over all
    quiet tenants as a dotted line."""
    runs = (comparison.without, comparison.with_groups)
    flood = comparison.without.workload.flood
    quiet = sorted(t for t in comparison.without.dwell if t != flood)
    fig = new_figure()
    ax = fig.add_subplot()
    places = [0.0] + [1.5 + n for n in range(len(quiet))]
    for shift, run, colour, name in zip(
        (-0.2, 0.2), runs, COLOURS, (_("without group ids"), _("with group ids")), strict=True
    ):
        heights = [run.p95(t) for t in (flood, *quiet)]
        ax.bar([p + shift for p in places], heights, width=0.4, color=colour, label=name)
        ax.axhline(run.quiet_p95(), color=colour, linestyle=":", linewidth=1)
    ax.axvline(0.75, color="0.5", linestyle="--", linewidth=0.8)
    ax.set_xticks(places, [flood, *quiet], fontsize=7)
    ax.set_ylabel(_("p95 dwell time (s), send to delete"))
    ax.set_xlabel(_("tenant (the flood tenant, then the quiet ones; dotted: all quiet tenants)"))
    ax.set_title(fair_book.LABEL, fontsize=7, color="0.35")
    ratio = (
        f"{number(comparison.ratio, 1, grouping=False)}x" if comparison.ratio < 1e6 else _("far")
    )
    fig.suptitle(
        title
        or _("One tenant floods: the quiet tenants wait {ratio} less with group ids").format(
            ratio=ratio
        ),
        fontsize=10,
    )
    ax.legend(loc="upper right", fontsize="x-small")
    return fig
