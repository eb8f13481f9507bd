"""The message lifecycle chart (chapters 3 and 5): one row per message, its delayed, visible and
in-flight spans as bars, and its sends, deletes, time-outs and heartbeats as markers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sqslab.arguments import requires
from sqslab.errors import LimitError
from sqslab.i18n import N_, _
from sqslab.plots.base import lazy_kind, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

    from sqslab.timeline import MessageLife, Span, Timeline

#: Bar colours of :func:`message_timeline`: waiting spans, and in-flight spans by how they ended.
SPAN_COLOURS = {
    "delayed": "0.7",
    "visible": "#c6dbef",
    "deleted": "tab:green",
    "timed out": "tab:orange",
    "released": "tab:purple",
    "in flight": "tab:blue",
}
#: Legend of each bar colour (marked here, drawn in the lab's language).
SPAN_LABELS = {
    "delayed": N_("delayed"),
    "visible": N_("visible, waiting"),
    "deleted": N_("in flight, then deleted"),
    "timed out": N_("in flight, timed out"),
    "released": N_("in flight, released"),
    "in flight": N_("in flight now"),
}
TIMED_OUT_HATCH = "//"
BAR_HEIGHT = 0.6
#: Room left of zero and right of the end, as a share of the x range, so end markers show whole.
MARGIN = 0.02


def span_style(span: Span) -> str:
    """The colour key of a span: its kind, or for an in-flight span how it ended."""
    return span.ending if span.kind == "in flight" and span.ending else span.kind


@requires(timeline=lazy_kind("timeline", "Timeline", "timeline.of(lab, url)"))
def message_timeline(timeline: Timeline, until: float | None = None) -> Figure:
    """One row per message: delayed, visible and in-flight bars, with sent, deleted, timed-out
    and heartbeat markers; x is seconds since the first send (``until`` sets the right edge)."""
    if not len(timeline):
        raise LimitError(
            _(
                "this timeline has no messages: build it after sending or receiving some "
                "(timeline.of(lab, queue_url) follows the calls lab.trace recorded for that queue)"
            )
        )
    fig = new_figure()
    ax = fig.add_subplot()
    zero = timeline.start
    styles: list[str] = []
    for row, life in enumerate(timeline):
        styles += _draw_spans(ax, row, life, timeline.until, zero)
    markers = _draw_markers(ax, timeline, zero)
    ax.set_yticks(range(len(timeline)), [life.label for life in timeline])
    ax.set_ylim(len(timeline) - 0.5, -0.5)
    right = until if until is not None else max(timeline.until - zero, 1.0)
    ax.set_xlim(-right * MARGIN, right * (1 + MARGIN))
    ax.set_xlabel(_("seconds since the first send (lab clock)"))
    ax.set_title(_("Message lifecycle"))
    bars = [_legend_patch(style) for style in SPAN_COLOURS if style in styles]
    fig.legend(handles=bars + markers, loc="outside right upper", fontsize=8)
    return fig


def _draw_spans(ax: Axes, row: int, life: MessageLife, until: float, zero: float) -> list[str]:
    """Draw one message's spans as bars on ``row``; returns the colour keys used."""
    styles = []
    for span in life.spans(until):
        style = span_style(span)
        (bar,) = ax.barh(
            row,
            span.end - span.start,
            left=span.start - zero,
            height=BAR_HEIGHT,
            color=SPAN_COLOURS[style],
            hatch=TIMED_OUT_HATCH if style == "timed out" else None,
            edgecolor="white" if style == "timed out" else None,
        )
        bar.set_gid(f"{life.label} {span.kind}")
        styles.append(style)
    return styles


#: Marker and colour of each event drawn by :func:`message_timeline` (legend in the lab's language).
MARKERS = {
    N_("sent"): ("o", "black"),
    N_("deleted"): ("x", "tab:red"),
    N_("timed out, back in queue"): ("^", "tab:red"),
    N_("heartbeat"): ("|", "black"),
}


def _draw_markers(ax: Axes, timeline: Timeline, zero: float) -> list[Line2D]:
    """Sent (dot), deleted (x), timed-out return (triangle) and heartbeat (tick) markers."""
    rows = list(enumerate(timeline))
    points = {
        "sent": [(life.sent_at, row) for row, life in rows if life.sent_at is not None],
        "deleted": [(life.deleted_at, row) for row, life in rows if life.deleted_at is not None],
        "timed out, back in queue": [(t, row) for row, life in rows for t in life.timed_out_at],
        "heartbeat": [(t, row) for row, life in rows for r in life.receives for t in r.extensions],
    }
    handles = []
    for label, found in points.items():
        if found:
            marker, colour = MARKERS[label]
            xs = [when - zero for when, _ in found]
            ys = [row for _, row in found]
            handles += ax.plot(
                xs, ys, marker, color=colour, linestyle="none", ms=10, mew=2, label=_(label)
            )
    return handles


def _legend_patch(style: str) -> Patch:
    """A legend entry for one bar colour."""
    hatch = TIMED_OUT_HATCH if style == "timed out" else None
    return Patch(facecolor=SPAN_COLOURS[style], hatch=hatch, label=_(SPAN_LABELS[style]))
