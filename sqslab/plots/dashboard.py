"""The monitoring dashboard (chapters 6 and 7): a queue's AWS/SQS metrics per minute, the consumer
instances and the alarms' states, in CloudWatch's manner."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sqslab.arguments import requires
from sqslab.emulator.determinism import FIGSIZE
from sqslab.i18n import N_, NC_, _, translated
from sqslab.metric_series import (
    AGE,
    DELAYED,
    DELETED,
    EMPTY,
    NOT_VISIBLE,
    RECEIVED,
    SENT,
    SHORT,
    VISIBLE,
)
from sqslab.plots.base import lazy_kind, new_figure

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from sqslab.alarms import AlarmHistory
    from sqslab.metric_series import Metrics

#: Face colours of alarm states in :func:`monitor_dashboard` (CloudWatch's: red ALARM, grey no data).
ALARM_COLOURS = {"OK": "tab:green", "ALARM": "tab:red", "INSUFFICIENT_DATA": "0.75"}
#: Panels of :func:`monitor_dashboard`, in reading order (two per row).
DASHBOARD_PANELS = (
    N_("backlog (visible)"),
    N_("in flight (not visible)"),
    N_("age of oldest message (s)"),
    N_("throughput (messages / min)"),
    N_("empty receives / min"),
    N_("consumer instances"),
    N_("alarm state (green OK, red ALARM, grey no data)"),
    NC_("metric", "delayed"),
)


@requires(metrics=lazy_kind("metric_series", "Metrics", "monitor.metrics(lab, url)"))
def monitor_dashboard(
    metrics: Metrics,
    alarms: Mapping[str, AlarmHistory] | None = None,
    instances: Sequence[tuple[datetime, int]] | None = None,
    title: str = "",
) -> Figure:
    """A CloudWatch-style dashboard of one queue: backlog, in flight, age of oldest, throughput,
    empty receives, instances, alarm state and delayed, against minutes since the first period.

    Gauges are drawn at the instant they were sampled (each period's end), counts as one step per
    period and instances from the minute they were set; ``axes[i].get_title()`` names each panel."""
    fig = new_figure()
    fig.set_size_inches(FIGSIZE[0], FIGSIZE[1] * 2)
    fig.set_layout_engine("none")  # fixed margins: constrained layout costs a second per frame
    axes = _panels(fig)
    ends = _draw_series(axes, metrics)
    _instances(axes[5], metrics, instances or ())
    _alarm_rows(axes[6], alarms or {}, metrics.period / 60)
    _threshold_lines(axes, alarms or {})
    axes[0].set_xlim(0, max(ends[-1] if ends else 1, 1))
    source = "; ".join(_(part) for part in metrics.source.split("; "))
    heading = _("Queue {queue}: AWS/SQS metrics per minute ({source})").format(
        queue=metrics.queue, source=source
    )
    if not metrics.periods:  # e.g. a scaling run skipped on a real clock: say why on the chart
        heading = _("Queue {queue}: no datapoints").format(queue=metrics.queue)
        note = textwrap.fill(source or _("no datapoints"), 60)
        box = {"facecolor": "white", "edgecolor": "0.5", "boxstyle": "round"}
        fig.text(0.5, 0.5, note, ha="center", va="center", fontsize=9, bbox=box, zorder=10)
    fig.suptitle(title or heading, fontsize=10)
    return fig


def _panels(fig: Figure) -> list[Axes]:
    """The eight panels, two per row with a shared x axis, titled from :data:`DASHBOARD_PANELS`."""
    margins = {
        "left": 0.2,
        "right": 0.97,
        "top": 0.93,
        "bottom": 0.07,
        "hspace": 0.45,
        "wspace": 0.25,
    }
    axes = list(fig.subplots(4, 2, sharex=True, gridspec_kw=margins).flatten())
    for ax, name in zip(axes, DASHBOARD_PANELS, strict=True):
        ax.set_title(translated(name), fontsize=9)
        ax.tick_params(labelsize=8)
    for ax in axes[-2:]:
        ax.set_xlabel(_("minutes (lab clock)"), fontsize=8)
    return axes


def _draw_series(axes: Sequence[Axes], metrics: Metrics) -> list[float]:
    """The gauges at each period's end and the counts per period; returns the periods' ends."""
    ends = [m + metrics.period / 60 for m in metrics.minutes()]
    starts = metrics.minutes()
    for ax, name in ((axes[0], VISIBLE), (axes[1], NOT_VISIBLE), (axes[7], DELAYED)):
        _gauge(ax, ends, metrics.values(name))
    _gauge(axes[2], ends, metrics.values(AGE), colour="tab:purple")
    for name, colour in ((SENT, "tab:blue"), (RECEIVED, "tab:orange"), (DELETED, "tab:green")):
        _counts(axes[3], starts, metrics, name, colour, label=translated(SHORT[name]))
    if starts:
        axes[3].legend(loc="upper right", fontsize=7)
    _counts(axes[4], starts, metrics, EMPTY, "0.5")
    return ends


def _gauge(
    ax: Axes, xs: Sequence[float], values: Sequence[float | None], colour: str = "tab:blue"
) -> None:
    """One sampled gauge as points joined by lines (missing samples left out)."""
    pairs = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
    ax.plot([x for x, _ in pairs], [v for _, v in pairs], ".-", color=colour)
    ax.set_ylim(bottom=0)


def _counts(
    ax: Axes,
    starts: Sequence[float],
    metrics: Metrics,
    name: str,
    colour: str,
    label: str | None = None,
) -> None:
    """A per-period sum as a step that holds for its period."""
    values = [v or 0.0 for v in metrics.values(name, "Sum")]
    if starts:
        ax.step(
            [*starts, starts[-1] + metrics.period / 60],
            [*values, values[-1]],
            where="post",
            color=colour,
            label=label,
        )
    ax.set_ylim(bottom=0)


def _instances(ax: Axes, metrics: Metrics, instances: Sequence[tuple[datetime, int]]) -> None:
    """Instances running, from the minute each count was set to the end of the chart."""
    if not instances and metrics.periods:
        ax.text(
            0.5,
            0.5,
            _("no scaling in this run"),
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=8,
        )
    if not instances:
        return
    xs = [(when.timestamp() - metrics.start) / 60 for when, _ in instances]
    counts = [n for _, n in instances]
    end = metrics.periods * metrics.period / 60
    ax.step([*xs, end], [*counts, counts[-1]], where="post", color="tab:brown")
    ax.set_ylim(0, max(counts) + 1)


def _alarm_rows(ax: Axes, alarms: Mapping[str, AlarmHistory], width: float) -> None:
    """One row per alarm: a coloured bar per period by the state after that period."""
    for row, (name, history) in enumerate(alarms.items()):
        for i, state in enumerate(history.states):
            bar = ax.broken_barh(
                [(i * width, width)], (row - 0.4, 0.8), facecolors=ALARM_COLOURS[state]
            )
            bar.set_gid(f"{name} {i} {state}")
    labels = [_short(name, history.alarm.queue) for name, history in alarms.items()]
    ax.set_yticks(range(len(alarms)), labels, fontsize=7)
    ax.set_ylim(len(alarms) - 0.5 if alarms else 0.5, -0.5)


def _short(name: str, queue: str | None, width: int = 22) -> str:
    """An alarm's name without its queue's name, cut to ``width`` characters."""
    if queue and name.startswith(f"{queue} "):
        name = name[len(queue) + 1 :]
    return name if len(name) <= width else name[: width - 1] + "…"


def _threshold_lines(axes: Sequence[Axes], alarms: Mapping[str, AlarmHistory]) -> None:
    """Dashed threshold lines of the alarms on the backlog and age panels."""
    panel = {VISIBLE: axes[0], AGE: axes[2]}
    for history in alarms.values():
        ax = panel.get(history.alarm.metric)
        if ax is not None:
            ax.axhline(history.alarm.threshold, color="tab:red", linestyle="--", linewidth=1)
