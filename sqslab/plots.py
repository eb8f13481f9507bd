"""Charts of the course. Each function returns a matplotlib Figure (no pyplot state), so it can be
shown in a notebook, embedded in a widget or inspected in a test."""

from __future__ import annotations

import importlib
import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, StrMethodFormatter

from sqslab import facts
from sqslab.arguments import MAPPING, WHOLE, Expected, check_count, is_list, is_number, requires
from sqslab.emulator.determinism import DPI, FIGSIZE
from sqslab.errors import LimitError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.lines import Line2D

    from sqslab.alarms import AlarmHistory
    from sqslab.backoff import BackoffPolicy
    from sqslab.cost import BatchPoint, MonthlyCost, PollingCost
    from sqslab.fifo import Delivery
    from sqslab.monitor import Metrics
    from sqslab.naive import Comparison, Measures
    from sqslab.services import Fit
    from sqslab.timeline import MessageLife, Span, Timeline

#: Time attributes drawn on one logarithmic axis by :func:`attribute_ranges`.
TIME_ATTRIBUTES = (
    ("ReceiveMessageWaitTimeSeconds", "long_poll_max_wait"),
    ("DelaySeconds", "delivery_delay"),
    ("VisibilityTimeout", "visibility_timeout"),
    ("MessageRetentionPeriod", "message_retention"),
)
TIME_TICKS = ((1, "1 s"), (60, "1 min"), (3600, "1 h"), (86400, "1 day"), (1209600, "14 days"))


def _kind(module: str, name: str, example: str, many: bool = False) -> Expected:
    """An instance (or, with ``many``, a non-empty list) of ``sqslab.<module>.<name>``, imported
    only when a chart is drawn."""

    def test(value: object) -> bool:
        kind = getattr(importlib.import_module(f"sqslab.{module}"), name)
        if not many:
            return isinstance(value, kind)
        return is_list(value) and bool(value) and all(isinstance(v, kind) for v in value)

    what = f"a non-empty list of {name}" if many else f"a {name}"
    return Expected(f"{what}, e.g. {example}", test)


SAMPLES = Expected(
    "a non-empty list of (time, visible, in flight) tuples", lambda v: is_list(v) and bool(v)
)
DELIVERIES = Expected(
    "a list of Delivery, e.g. the list fifo.recorder(lab) filled",
    lambda v: is_list(v) and all(type(d).__name__ == "Delivery" for d in v),
)
COUNTS = Expected(
    "a dict of counts, e.g. {'processed': 9, 'in the DLQ': 1}",
    lambda v: isinstance(v, Mapping) and all(is_number(n) and n >= 0 for n in v.values()),
)


def new_figure() -> Figure:
    """A figure of the course's fixed size, not attached to pyplot."""
    return Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")


def attribute_ranges() -> Figure:
    """Each time attribute's allowed range (bar) and default (dot) on one log-scale time axis."""
    fig = new_figure()
    ax = fig.add_subplot()
    for row, (_name, key) in enumerate(TIME_ATTRIBUTES):
        fact = facts.get(key)
        low = max(fact.min, 1)
        ax.barh(row, fact.value - low, left=low, height=0.5, color="tab:blue", alpha=0.6)
        if fact.default:
            ax.plot([fact.default], [row], "o", color="tab:orange")
        ax.annotate(
            f"max {fact.text}",
            (fact.value, row),
            xytext=(4, -3),
            textcoords="offset points",
            fontsize=8,
        )
    ax.plot([], [], "o", color="tab:orange", label="default")
    ax.set_xscale("log")
    ax.set_xlim(1, 1209600 * 8)
    ax.set_xticks([t for t, _ in TIME_TICKS], [label for _, label in TIME_TICKS])
    ax.set_yticks(range(len(TIME_ATTRIBUTES)), [name for name, _ in TIME_ATTRIBUTES])
    ax.set_title("Allowed range of each time attribute (log scale)")
    ax.legend(loc="lower right")
    return fig


@requires(samples=SAMPLES)
def queue_depth(samples: Sequence[tuple[datetime, int, int]], title: str = "") -> Figure:
    """Visible and in-flight message counts over (virtual) time, as steps."""
    fig = new_figure()
    ax = fig.add_subplot()
    start = samples[0][0]
    hours = [(when - start).total_seconds() / 3600 for when, _, _ in samples]
    ax.step(hours, [v for _, v, _ in samples], where="post", label="visible")
    ax.step(hours, [f for _, _, f in samples], where="post", label="in flight (not visible)")
    ax.set_xlabel(f"hours since {start:%H:%M} (lab clock)")
    ax.set_ylabel("messages")
    ax.set_yticks(range(max(max(v, f) for _, v, f in samples) + 2))
    ax.set_title(title or "What the queue holds over time")
    ax.legend(loc="upper right")
    return fig


#: Bar colours of :func:`message_timeline`: waiting spans, and in-flight spans by how they ended.
SPAN_COLOURS = {
    "delayed": "0.7",
    "visible": "#c6dbef",
    "deleted": "tab:green",
    "timed out": "tab:orange",
    "released": "tab:purple",
    "in flight": "tab:blue",
}
SPAN_LABELS = {
    "delayed": "delayed",
    "visible": "visible, waiting",
    "deleted": "in flight, then deleted",
    "timed out": "in flight, timed out",
    "released": "in flight, released",
    "in flight": "in flight now",
}
TIMED_OUT_HATCH = "//"
BAR_HEIGHT = 0.6
#: Room left of zero and right of the end, as a share of the x range, so end markers show whole.
MARGIN = 0.02


def span_style(span: Span) -> str:
    """The colour key of a span: its kind, or for an in-flight span how it ended."""
    return span.ending if span.kind == "in flight" and span.ending else span.kind


@requires(timeline=_kind("timeline", "Timeline", "timeline.of(lab, url)"))
def message_timeline(timeline: Timeline, until: float | None = None) -> Figure:
    """One row per message: delayed, visible and in-flight bars, with sent, deleted, timed-out
    and heartbeat markers; x is seconds since the first send (``until`` sets the right edge)."""
    if not len(timeline):
        raise LimitError(
            "this timeline has no messages: build it after sending or receiving some "
            "(timeline.of(lab, queue_url) follows the calls lab.trace recorded for that queue)"
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
    ax.set_xlabel("seconds since the first send (lab clock)")
    ax.set_title("Message lifecycle")
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


#: Marker and colour of each event drawn by :func:`message_timeline`.
MARKERS = {
    "sent": ("o", "black"),
    "deleted": ("x", "tab:red"),
    "timed out, back in queue": ("^", "tab:red"),
    "heartbeat": ("|", "black"),
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
                xs, ys, marker, color=colour, linestyle="none", ms=10, mew=2, label=label
            )
    return handles


def _legend_patch(style: str) -> Patch:
    """A legend entry for one bar colour."""
    hatch = TIMED_OUT_HATCH if style == "timed out" else None
    return Patch(facecolor=SPAN_COLOURS[style], hatch=hatch, label=SPAN_LABELS[style])


@requires(rows=_kind("cost", "BatchPoint", "cost.batch_size_curve(1000, 1024)", many=True))
def cost_vs_batch_size(rows: Sequence[BatchPoint]) -> Figure:
    """Billed requests (left) and dollars per million messages (right) against the batch size."""
    fig = new_figure()
    left, right = fig.subplots(1, 2)
    sizes = [row.batch_size for row in rows]
    left.bar(sizes, [row.requests for row in rows], color="tab:blue")
    left.set_xlabel("messages per batch")
    left.set_ylabel("billed requests")
    left.set_title("Requests to send the messages")
    left.yaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))  # 1,000,000 rather than 1e6
    right.plot(sizes, [row.dollars_per_million for row in rows], "o-", color="tab:orange")
    right.set_xlabel("messages per batch")
    right.set_ylabel("$ per million messages (list price)")
    right.set_ylim(bottom=0)
    right.set_title("Price of sending")
    for ax in (left, right):
        ax.set_xticks(sizes)
    return fig


@requires(rows=_kind("cost", "PollingCost", "cost.polling_cost()", many=True))
def polling_comparison(rows: Sequence[PollingCost]) -> Figure:
    """Receives per polling style, split into empty receives and receives that got a message."""
    fig = new_figure()
    ax = fig.add_subplot()
    modes = [row.mode for row in rows]
    empty = [row.empty_receives for row in rows]
    full = [row.receives - row.empty_receives for row in rows]
    ax.bar(modes, empty, color="0.7", label="empty receives")
    ax.bar(modes, full, bottom=empty, color="tab:green", label="receives with a message")
    ax.set_ylabel("ReceiveMessage calls (each billed)")
    ax.set_title("Short vs long polling on a quiet queue")
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
    ax.set_xlabel("messages per month")
    ax.set_ylabel("$ per month (list price, after the free tier)")
    ax.yaxis.set_major_formatter(FuncFormatter(_dollars))
    ax.set_title("What a month of messages costs")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def _dollars(value: float, _position: int) -> str:
    """A dollar tick: whole dollars from $1 up, cents below."""
    return f"${value:,.0f}" if value >= 1 else f"${value:.2f}"


@requires(fits=_kind("services", "Fit", "services.recommend(['order'])", many=True), asked=WHOLE)
def service_fit(fits: Sequence[Fit], asked: int) -> Figure:
    """Needs met per service, out of ``asked``; services meeting all of them in green."""
    fig = new_figure()
    ax = fig.add_subplot()
    names = [f.service.name for f in fits][::-1]
    met = [len(f.met) for f in fits][::-1]
    colours = ["tab:green" if f.complete else "0.6" for f in fits][::-1]
    ax.barh(names, met, color=colours)
    ax.set_xlim(0, max(asked, 1))
    ax.set_xticks(range(max(asked, 1) + 1))
    ax.set_xlabel(f"needs met (of {asked} chosen)")
    ax.set_title("Which service fits")
    return fig


def to_png(fig: Figure) -> bytes:
    """The figure as PNG bytes (for an ipywidgets Image)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


@requires(deliveries=DELIVERIES)
def group_order(deliveries: Sequence[Delivery], title: str = "") -> Figure:
    """Each group's step number against the time it was processed: rising lines mean in order."""
    if not deliveries:
        raise LimitError("no deliveries to draw: run a consumer with sqslab.fifo.recorder first")
    fig = new_figure()
    ax = fig.add_subplot()
    zero = min(d.time for d in deliveries)
    for group in sorted({d.group for d in deliveries}):
        mine = sorted((d for d in deliveries if d.group == group), key=lambda d: d.time)
        ax.plot([d.time - zero for d in mine], [d.seq for d in mine], "o-", label=group)
    ax.set_xlabel("seconds since the first message was processed")
    ax.set_ylabel("step in its group (seq)")
    ax.set_title(title or "Processing order per message group")
    ax.legend(loc="upper left", fontsize="small")
    return fig


@requires(counts=COUNTS)
def message_outcomes(counts: dict[str, int], title: str = "") -> Figure:
    """Where a workload's messages ended up (processed, in the DLQ, still queued): one bar each."""
    fig = new_figure()
    ax = fig.add_subplot()
    names = list(counts)
    bars = ax.bar(names, [counts[n] for n in names], color=["tab:green", "tab:red", "tab:gray"])
    ax.bar_label(bars)
    ax.set_ylabel("messages")
    ax.set_title(title or "Where the messages ended up")
    return fig


@requires(policy=_kind("backoff", "BackoffPolicy", "BackoffPolicy(base=1, cap=300)"))
def backoff_by_receive(policy: BackoffPolicy, receives: int, seed: int = 0) -> Figure:
    """The longest wait (line) and one seeded jittered draw (bars) before each retry."""
    import random

    most = int(facts.get("max_receive_count").value)
    if check_count("receives", receives, minimum=1, example="receives=6") > most:
        raise LimitError(f"receives={receives}: a message is received at most {most} times")
    fig = new_figure()
    ax = fig.add_subplot()
    attempts = list(range(1, receives + 1))
    rng = random.Random(seed)
    ax.bar(
        attempts,
        [policy.delay(n, rng) for n in attempts],
        color="tab:blue",
        alpha=0.6,
        label=f"wait drawn ({policy.jitter} jitter)",
    )
    ax.plot(
        attempts,
        [policy.ceiling(n) for n in attempts],
        "o-",
        color="tab:orange",
        label="longest wait (ceiling)",
    )
    ax.set_xlabel("receive count of the failed message")
    ax.set_ylabel("seconds until it is visible again")
    ax.set_xticks(attempts)
    ax.set_title("Exponential backoff with jitter, per receive")
    ax.legend(loc="upper left", fontsize="small")
    return fig


#: Face colours of alarm states in :func:`monitor_dashboard` (CloudWatch's: red ALARM, grey no data).
ALARM_COLOURS = {"OK": "tab:green", "ALARM": "tab:red", "INSUFFICIENT_DATA": "0.75"}
#: Panels of :func:`monitor_dashboard`, in reading order (two per row).
DASHBOARD_PANELS = (
    "backlog (visible)",
    "in flight (not visible)",
    "age of oldest message (s)",
    "throughput (messages / min)",
    "empty receives / min",
    "consumer instances",
    "alarm state (green OK, red ALARM, grey no data)",
    "delayed",
)


@requires(metrics=_kind("monitor", "Metrics", "monitor.metrics(lab, url)"))
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
    from sqslab import monitor

    fig = new_figure()
    fig.set_size_inches(FIGSIZE[0], FIGSIZE[1] * 2)
    fig.set_layout_engine("none")  # fixed margins: constrained layout costs a second per frame
    margins = {
        "left": 0.2,
        "right": 0.97,
        "top": 0.93,
        "bottom": 0.07,
        "hspace": 0.45,
        "wspace": 0.25,
    }
    axes = fig.subplots(4, 2, sharex=True, gridspec_kw=margins).flatten()
    for ax, name in zip(axes, DASHBOARD_PANELS, strict=True):
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=8)
    ends = [m + metrics.period / 60 for m in metrics.minutes()]
    starts = metrics.minutes()
    for ax, name in (
        (axes[0], monitor.VISIBLE),
        (axes[1], monitor.NOT_VISIBLE),
        (axes[7], monitor.DELAYED),
    ):
        _gauge(ax, ends, metrics.values(name))
    _gauge(axes[2], ends, metrics.values(monitor.AGE), colour="tab:purple")
    for name, colour in (
        (monitor.SENT, "tab:blue"),
        (monitor.RECEIVED, "tab:orange"),
        (monitor.DELETED, "tab:green"),
    ):
        _counts(axes[3], starts, metrics, name, colour, label=monitor.SHORT[name])
    axes[3].legend(loc="upper right", fontsize=7)
    _counts(axes[4], starts, metrics, monitor.EMPTY, "0.5")
    _instances(axes[5], metrics, instances or ())
    _alarm_rows(axes[6], alarms or {}, metrics.period / 60)
    _threshold_lines(axes, alarms or {})
    for ax in axes[-2:]:
        ax.set_xlabel("minutes (lab clock)", fontsize=8)
    axes[0].set_xlim(0, max(ends[-1] if ends else 1, 1))
    fig.suptitle(
        title or f"Queue {metrics.queue}: AWS/SQS metrics per minute ({metrics.source})",
        fontsize=10,
    )
    return fig


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
    if not instances:
        ax.text(
            0.5,
            0.5,
            "no scaling in this run",
            ha="center",
            va="center",
            transform=ax.transAxes,
            fontsize=8,
        )
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
    from sqslab import monitor

    panel = {monitor.VISIBLE: axes[0], monitor.AGE: axes[2]}
    for history in alarms.values():
        ax = panel.get(history.alarm.metric)
        if ax is not None:
            ax.axhline(history.alarm.threshold, color="tab:red", linestyle="--", linewidth=1)


#: Colours of the two pipelines in :func:`naive_vs_right`.
PIPELINE_COLOURS = ("tab:red", "tab:green")
#: Panels of :func:`naive_vs_right`: (title, Measures attribute or property).
COMPARISON_PANELS = (
    ("billed requests", "requests"),
    ("$ per million orders", "dollars_per_million_orders"),
    ("seconds to drain (lab clock)", "seconds"),
)
#: Problems counted per order in the last panel of :func:`naive_vs_right`.
COMPARISON_PROBLEMS = (("lost", "lost"), ("twice", "duplicates"), ("late", "out_of_order"))


@requires(comparison=_kind("naive", "Comparison", "naive.compare(nv, pipeline)"))
def naive_vs_right(comparison: Comparison) -> Figure:
    """The naive and the right pipeline on the same orders: requests, price per million orders,
    time to drain, and orders lost, processed twice or processed late (one bar per pipeline; a
    hatched part of "late" is orders redriven from the DLQ after their customer's later ones)."""
    fig = new_figure()
    axes = fig.subplots(1, len(COMPARISON_PANELS) + 1)
    runs = (comparison.naive, comparison.right)
    names = ["naive", "right"]
    for ax, (title, attr) in zip(axes, COMPARISON_PANELS, strict=False):
        bars = ax.bar(names, [getattr(m, attr) for m in runs], color=PIPELINE_COLOURS)
        ax.bar_label(bars, fmt="{:,.2f}" if attr.startswith("dollars") else "{:,.0f}", fontsize=8)
        ax.set_title(title, fontsize=9)
    for offset, m, name, colour in zip((-0.2, 0.2), runs, names, PIPELINE_COLOURS, strict=True):
        _problem_bars(axes[-1], offset, m, name, colour)
    axes[-1].set_xticks(range(len(COMPARISON_PROBLEMS)), [p for p, _ in COMPARISON_PROBLEMS])
    axes[-1].set_title("orders", fontsize=9)
    axes[-1].legend(loc="upper right", fontsize=7)
    for ax in axes:
        ax.tick_params(labelsize=8)
        ax.margins(y=0.15)
    fig.suptitle(f"The same {comparison.naive.orders} orders, naive vs right", fontsize=10)
    return fig


def _problem_bars(ax: Axes, offset: float, measures: Measures, name: str, colour: str) -> None:
    """One pipeline's lost, twice and late bars; orders late via the DLQ stacked, hatched."""
    xs = [x + offset for x in range(len(COMPARISON_PROBLEMS))]
    values = [getattr(measures, attr) for _, attr in COMPARISON_PROBLEMS]
    bars = ax.bar(xs, values, width=0.4, color=colour, label=name)
    redriven = measures.out_of_order_redriven
    if redriven:
        late = ax.bar(
            xs[-1], redriven, width=0.4, bottom=values[-1], color=colour, hatch="//", alpha=0.5
        )
        late[0].set_gid(f"{name} late via the DLQ")
    labels = [f"{v}" for v in values[:-1]] + [f"{values[-1] + redriven}"]
    ax.bar_label(bars, labels=labels if not redriven else [*labels[:-1], ""], fontsize=8)
    if redriven:
        ax.bar_label(late, labels=[labels[-1]], fontsize=8)
