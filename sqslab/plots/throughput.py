"""Throughput charts (chapter 4): how far a high-throughput FIFO queue can go with N message
groups, in sqslab's model of AWS's documented quotas (not a measurement)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sqslab import facts, partitions
from sqslab.arguments import requires
from sqslab.i18n import _
from sqslab.numbers import tick
from sqslab.partitions import region_name
from sqslab.plots.base import lazy_kind, new_figure

if TYPE_CHECKING:
    from sqslab.partitions import Ceiling

#: What :func:`partition_scaling` draws.
CEILINGS = lazy_kind("partitions", "Ceiling", "partitions.scaling([1, 10, 100], tier)", many=True)


@requires(rows=CEILINGS)
def partition_scaling(rows: Sequence[Ceiling], title: str = "") -> Figure:
    """API calls per second per action against the number of busy groups (log axes): one line
    per Region tier in ``rows``, and the default FIFO mode's quota as a dashed line."""
    fig = new_figure()
    ax = fig.add_subplot()
    for tier in dict.fromkeys(row.tier for row in rows):
        mine = sorted((r for r in rows if r.tier == tier), key=lambda r: r.groups)
        ax.plot(
            [r.groups for r in mine],
            [r.calls_per_second for r in mine],
            "o-",
            markersize=3,
            label=region_name(tier),
        )
    default = facts.get("fifo_throughput")
    label = _("default mode: {quota}").format(quota=default.translated("text"))
    ax.axhline(default.value, color="0.4", linestyle="--", label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(_("distinct message groups, all busy"))
    ax.set_ylabel(_("API calls/s per action"))
    ax.yaxis.set_major_formatter(FuncFormatter(tick))
    ax.xaxis.set_major_formatter(FuncFormatter(tick))
    ax.grid(True, which="major", alpha=0.3)
    ax.set_title(partitions.LABEL, fontsize=7, color="0.35")
    suptitle = title or _("High-throughput FIFO: the ceiling grows with the groups")
    fig.suptitle(suptitle, fontsize=10)
    ax.legend(loc="upper left", fontsize="x-small")
    return fig
