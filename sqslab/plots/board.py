"""The classroom board's chart: the room's progress over time, and each exercise's passes and hints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sqslab.i18n import _
from sqslab.plots.base import new_figure

if TYPE_CHECKING:
    from sqslab.board import BoardState

COLOURS = {"passed": "#2e7d32", "hinted": "#f9a825"}


def board_progress(state: BoardState, title: str | None = None) -> Figure:
    """Left: exercises passed across the room over time (one step per first pass). Right: per
    exercise anyone reported, how many learners passed it and how many are still on hints."""
    title = _("the room") if title is None else title
    fig = new_figure()
    left, right = fig.subplots(1, 2, width_ratios=[3, 2])
    points = state.progress()
    start = min((r.time for r in state.reports), default=None)
    if start is not None:
        minutes = [0.0] + [(t - start).total_seconds() / 60 for t, _n in points]
        left.step(minutes, [0] + [n for _t, n in points], where="post", color=COLOURS["passed"])
    left.set(title=_("{title}: exercises passed").format(title=title),
             xlabel=_("minutes since the first report"),
             ylabel=_("passed (learner x exercise)"))  # fmt: skip
    left.set_ylim(bottom=0)
    tried = sorted({r.exercise for r in state.reports}, key=state.exercises().index)
    grid = state.grid()
    counts = {
        status: [sum(row[ex].status == status for row in grid.values()) for ex in tried]
        for status in COLOURS
    }
    positions = range(len(tried))
    right.barh(positions, counts["passed"], color=COLOURS["passed"], label=_("passed"))
    right.barh(positions, counts["hinted"], left=counts["passed"], color=COLOURS["hinted"],
               label=_("on hints"))  # fmt: skip
    right.set_yticks(list(positions), tried)
    right.invert_yaxis()
    right.set(title=_("per exercise"), xlabel=_("learners"))
    if tried:
        widest = max(p + h for p, h in zip(counts["passed"], counts["hinted"], strict=True))
        right.set_xlim(0, widest * 1.5 + 1)  # room on the right for the legend
        right.legend(loc="lower right", fontsize="small")
    return fig
