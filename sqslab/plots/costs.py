"""Cost charts (chapters 2, 3 and 8): requests and price against the batch size, empty receives
per polling style, and a month of messages in dollars."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sqslab.arguments import MAPPING, requires
from sqslab.i18n import _
from sqslab.numbers import money, tick
from sqslab.plots.base import lazy_kind, new_figure

if TYPE_CHECKING:
    from sqslab.cost import BatchPoint, MonthlyCost, PollingCost


@requires(rows=lazy_kind("cost", "BatchPoint", "cost.batch_size_curve(1000, 1024)", many=True))
def cost_vs_batch_size(rows: Sequence[BatchPoint]) -> Figure:
    """Billed requests (left) and dollars per million messages (right) against the batch size."""
    fig = new_figure()
    left, right = fig.subplots(1, 2)
    sizes = [row.batch_size for row in rows]
    left.bar(sizes, [row.requests for row in rows], color="tab:blue")
    left.set_xlabel(_("messages per batch"))
    left.set_ylabel(_("billed requests"))
    left.set_title(_("Requests to send the messages"))
    left.yaxis.set_major_formatter(FuncFormatter(tick))  # 1,000,000 rather than 1e6
    right.plot(sizes, [row.dollars_per_million for row in rows], "o-", color="tab:orange")
    right.set_xlabel(_("messages per batch"))
    right.set_ylabel(_("$ per million messages (list price)"))
    right.set_ylim(bottom=0)
    right.set_title(_("Price of sending"))
    for ax in (left, right):
        ax.set_xticks(sizes)
    return fig


@requires(rows=lazy_kind("cost", "PollingCost", "cost.polling_cost()", many=True))
def polling_comparison(rows: Sequence[PollingCost]) -> Figure:
    """Receives per polling style, split into empty receives and receives that got a message."""
    fig = new_figure()
    ax = fig.add_subplot()
    modes = [_(row.mode) for row in rows]
    empty = [row.empty_receives for row in rows]
    full = [row.receives - row.empty_receives for row in rows]
    ax.bar(modes, empty, color="0.7", label=_("empty receives"))
    ax.bar(modes, full, bottom=empty, color="tab:green", label=_("receives with a message"))
    ax.set_ylabel(_("ReceiveMessage calls (each billed)"))
    ax.set_title(_("Short vs long polling on a quiet queue"))
    ax.legend(loc="upper right")
    return fig


@requires(curves=MAPPING)
def monthly_cost(curves: Mapping[str, Sequence[MonthlyCost]]) -> Figure:
    """Dollars per month against messages per month, one line per way of using SQS (log axes)."""
    fig = new_figure()
    ax = fig.add_subplot()
    for name, rows in curves.items():
        points = [(row.messages, row.dollars) for row in rows if row.dollars > 0]
        if points:  # a curve wholly inside the free tier has nothing to draw on log axes
            ax.plot(*zip(*points, strict=True), "o-", label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(_("messages per month"))
    ax.set_ylabel(_("$ per month (list price, after the free tier)"))
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_title(_("What a month of messages costs"))
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def _dollars(value: float, _position: int) -> str:
    """A dollar tick: whole dollars from $1 up, cents below."""
    return money(value, 0) if value >= 1 else money(value, 2)
