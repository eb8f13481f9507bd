"""Charts: check the data they draw, not pixels."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sqslab import cost, facts, plots, timeline
from sqslab.emulator.clock import EPOCH
from sqslab.emulator.determinism import FIGSIZE


def test_attribute_ranges_draws_each_range_and_default():
    fig = plots.attribute_ranges()
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == len(plots.TIME_ATTRIBUTES)
    for bar, (_, key) in zip(bars, plots.TIME_ATTRIBUTES, strict=True):
        fact = facts.get(key)
        assert bar.get_x() == max(fact.min, 1)
        assert bar.get_x() + bar.get_width() == fact.value
    defaults = [line.get_xdata()[0] for line in ax.lines if len(line.get_xdata())]
    assert defaults == [
        facts.get(k).default for _, k in plots.TIME_ATTRIBUTES if facts.get(k).default
    ]
    assert ax.get_xscale() == "log"
    assert tuple(fig.get_size_inches()) == (8.0, 4.0)


def test_queue_depth_plots_visible_and_in_flight_over_hours():
    samples = [
        (EPOCH, 1, 0),
        (EPOCH + timedelta(hours=1), 0, 1),
        (EPOCH + timedelta(hours=13), 1, 0),
    ]
    fig = plots.queue_depth(samples, title="demo")
    visible, in_flight = fig.axes[0].lines
    assert list(visible.get_xdata()) == [0, 1, 13]
    assert list(visible.get_ydata()) == [1, 0, 1]
    assert list(in_flight.get_ydata()) == [0, 1, 0]
    assert fig.axes[0].get_title() == "demo"
    assert plots.to_png(fig).startswith(b"\x89PNG")


@pytest.fixture
def lifecycle(lab, sqs):
    """A timeline with a delay, a time-out, a heartbeat and deletes, ending 70 s after the first send."""
    url = sqs.create_queue(QueueName="drawn", Attributes={"VisibilityTimeout": "20"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="first")
    sqs.send_message(QueueUrl=url, MessageBody="late", DelaySeconds=15)
    lab.wait(2)
    sqs.receive_message(QueueUrl=url)
    lab.wait(28)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=30
    )
    lab.wait(25)
    for m in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    lab.wait(15)
    return timeline.of(lab, url)


def test_message_timeline_bars_are_the_spans(lifecycle):
    fig = plots.message_timeline(lifecycle)
    ax = fig.axes[0]
    zero = lifecycle.start
    bars = {}
    for bar in ax.patches:
        bars.setdefault(bar.get_gid(), []).append(bar)
    for row, life in enumerate(lifecycle):
        for kind in ("delayed", "visible", "in flight"):
            spans = [s for s in life.spans(lifecycle.until) if s.kind == kind]
            drawn = bars.get(f"{life.label} {kind}", [])
            assert [(b.get_x(), b.get_width()) for b in drawn] == [
                (s.start - zero, s.end - s.start) for s in spans
            ]
            assert all(b.get_y() + b.get_height() / 2 == pytest.approx(row) for b in drawn)
            for bar, span in zip(drawn, spans, strict=True):
                assert bool(bar.get_hatch()) == (span.ending == "timed out")
    assert [t.get_text() for t in ax.get_yticklabels()] == [life.label for life in lifecycle]
    assert tuple(fig.get_size_inches()) == FIGSIZE


def test_message_timeline_marks_events(lifecycle):
    ax = plots.message_timeline(lifecycle).axes[0]
    zero = lifecycle.start
    lines = {line.get_label(): line for line in ax.lines}
    assert list(lines["sent"].get_xdata()) == [life.sent_at - zero for life in lifecycle]
    assert list(lines["deleted"].get_xdata()) == [life.deleted_at - zero for life in lifecycle]
    timed_out = [t - zero for life in lifecycle for t in life.timed_out_at]
    assert timed_out and list(lines["timed out, back in queue"].get_xdata()) == timed_out
    beats = [t - zero for life in lifecycle for r in life.receives for t in r.extensions]
    assert beats and list(lines["heartbeat"].get_xdata()) == beats
    assert lines["timed out, back in queue"].get_marker() == "^"


def test_message_timeline_axis_and_legend(lifecycle):
    fig = plots.message_timeline(lifecycle)
    ax = fig.axes[0]
    left, right = ax.get_xlim()
    assert left < 0 < lifecycle.until - lifecycle.start <= right
    assert "seconds since the first send" in ax.get_xlabel()
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    for label in ("delayed", "visible, waiting", "in flight, timed out", "sent", "deleted"):
        assert label in labels
    assert "in flight, released" not in labels  # nothing was released
    narrow = plots.message_timeline(lifecycle, until=10).axes[0]
    assert 10 <= narrow.get_xlim()[1] < 11


def test_cost_vs_batch_size_draws_both_series():
    rows = cost.batch_size_curve(1000, 20_000)
    fig = plots.cost_vs_batch_size(rows)
    requests_ax, dollars_ax = fig.axes
    assert [bar.get_height() for bar in requests_ax.patches] == [r.requests for r in rows]
    assert [bar.get_x() + bar.get_width() / 2 for bar in requests_ax.patches] == [
        r.batch_size for r in rows
    ]
    (line,) = dollars_ax.lines
    assert list(line.get_xdata()) == [r.batch_size for r in rows]
    assert list(line.get_ydata()) == [r.dollars_per_million for r in rows]


def test_polling_comparison_stacks_empty_and_full_receives():
    rows = cost.polling_cost(hours=1, messages_per_hour=30, short_poll_every=5)
    ax = plots.polling_comparison(rows).axes[0]
    empty, full = ax.patches[: len(rows)], ax.patches[len(rows) :]
    assert [b.get_height() for b in empty] == [r.empty_receives for r in rows]
    assert [b.get_y() + b.get_height() for b in full] == [r.receives for r in rows]


def test_message_timeline_of_no_messages_says_why():
    with pytest.raises(ValueError, match="no messages"):
        plots.message_timeline(timeline.build([], until=0.0))


def test_message_outcomes_draws_one_bar_per_place():
    fig = plots.message_outcomes({"processed": 8, "in the DLQ": 2, "still in the source": 0})
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == [8, 2, 0]


def test_backoff_by_receive_draws_ceilings_and_draws():
    from sqslab.backoff import BackoffPolicy

    policy = BackoffPolicy(base=2, cap=20)
    fig = plots.backoff_by_receive(policy, 5, seed=1)
    ax = fig.axes[0]
    assert list(ax.lines[0].get_ydata()) == [2, 4, 8, 16, 20]
    assert all(0 <= p.get_height() <= c for p, c in zip(ax.patches, [2, 4, 8, 16, 20], strict=True))


def _monitored_run():
    from sqslab import alarms, monitor

    t0 = EPOCH.timestamp()
    starts = [t0 + 60 * i for i in range(4)]
    visible = [0, 40, 90, 10]
    data = {
        monitor.VISIBLE: {t: monitor.Stat.total(v) for t, v in zip(starts, visible, strict=True)},
        monitor.SENT: {
            t: monitor.Stat.total(v) for t, v in zip(starts, [40, 60, 0, 0], strict=True)
        },
        monitor.EMPTY: {
            t: monitor.Stat.total(v) for t, v in zip(starts, [0, 0, 0, 3], strict=True)
        },
    }
    metrics = monitor.Metrics("orders", t0, 4, 60, data, source="hand-made")
    histories = {"backlog": alarms.backlog("orders", 50, periods=1).evaluate(metrics)}
    instances = [(EPOCH, 1), (EPOCH + timedelta(minutes=2), 3)]
    return metrics, histories, instances


def test_monitor_dashboard_draws_each_panel_from_the_series():
    from sqslab import monitor

    metrics, histories, instances = _monitored_run()
    fig = plots.monitor_dashboard(metrics, histories, instances)
    axes = fig.axes
    assert [ax.get_title() for ax in axes][:6] == list(plots.DASHBOARD_PANELS[:6])
    backlog = axes[0].lines[0]
    assert list(backlog.get_xdata()) == [1, 2, 3, 4]  # sampled at each minute's end
    assert list(backlog.get_ydata()) == [0, 40, 90, 10]
    assert [line.get_ydata()[0] for line in axes[0].lines[1:]] == [50]  # the alarm threshold
    sent = axes[3].lines[0]
    assert list(sent.get_ydata()) == [40, 60, 0, 0, 0] and sent.get_label() == "sent"
    assert list(axes[4].lines[0].get_ydata()) == [0, 0, 0, 3, 3]
    steps = axes[5].lines[0]
    assert list(steps.get_xdata()) == [0, 2, 4] and list(steps.get_ydata()) == [1, 3, 3]
    colours = [c.get_facecolor()[0][:3] for c in axes[6].collections]
    from matplotlib.colors import to_rgb

    states = histories["backlog"].states
    assert states == ["OK", "OK", "ALARM", "OK"]
    assert colours == [pytest.approx(to_rgb(plots.ALARM_COLOURS[s])) for s in states]
    assert metrics.values(monitor.AGE) == [None] * 4 and not axes[2].lines[0].get_xdata().size
    assert plots.to_png(fig).startswith(b"\x89PNG")


def test_monitor_dashboard_without_scaling_says_so():
    metrics, _, _ = _monitored_run()
    fig = plots.monitor_dashboard(metrics)
    assert fig.axes[5].texts[0].get_text() == "no scaling in this run"
    assert not fig.axes[6].collections


def _measures(label: str, **kw):
    from sqslab.naive import Measures

    base = dict(orders=100, calls=0, requests=0, empty_receives=0, dollars=0.0, seconds=0.0)
    base |= dict(processed=100, duplicates=0, lost=0, in_dlq=0, out_of_order=0)
    return Measures(label=label, **(base | kw))


def test_naive_vs_right_draws_each_measure_of_both_pipelines():
    from sqslab.naive import Comparison

    # 100 orders: naive 260 requests for $0.000104 -> $1.04 per million orders; right $0.40
    naive = _measures("n", requests=260, dollars=0.000104, seconds=320.0, lost=20, duplicates=3)
    naive = replace(naive, out_of_order=2)
    right = _measures("r", requests=80, dollars=0.00004, seconds=80.0, out_of_order_redriven=5)
    fig = plots.naive_vs_right(Comparison(naive, right))
    requests, price, drain, problems = fig.axes
    assert [ax.get_title() for ax in fig.axes[:3]] == [t for t, _ in plots.COMPARISON_PANELS]
    assert [p.get_height() for p in requests.patches] == [260, 80]
    assert [p.get_height() for p in price.patches] == pytest.approx([1.04, 0.40])
    assert [p.get_height() for p in drain.patches] == [320.0, 80.0]
    bars = problems.patches
    assert [p.get_height() for p in bars[:3]] == [20, 3, 2]  # naive: lost, twice, late
    assert [p.get_height() for p in bars[3:6]] == [0, 0, 0]  # right: nothing lost, no duplicate
    via_dlq = bars[6]  # right's orders redriven after later ones: stacked on its "late" bar
    assert via_dlq.get_gid() == "right late via the DLQ"
    assert (via_dlq.get_y(), via_dlq.get_height()) == (0, 5)
    assert via_dlq.get_x() == pytest.approx(bars[5].get_x())
    shown = [t.get_text() for t in problems.texts]
    assert shown.count("5") == 1 and "20" in shown  # labels give each bar's total
    assert [t.get_text() for t in problems.get_xticklabels()] == ["lost", "twice", "late"]


def test_monthly_cost_draws_one_line_per_way_on_log_axes():
    volumes = [10_000_000, 100_000_000, 1_000_000_000]
    curves = {
        "one at a time": [cost.monthly(m, batch_size=1) for m in volumes],
        "batches of 10": [cost.monthly(m) for m in volumes],
    }
    ax = plots.monthly_cost(curves).axes[0]
    assert [line.get_label() for line in ax.lines] == list(curves)
    for line, rows in zip(ax.lines, curves.values(), strict=True):
        assert list(line.get_xdata()) == volumes
        assert list(line.get_ydata()) == pytest.approx([r.dollars for r in rows])
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == list(curves)


def test_monthly_cost_leaves_out_free_months_on_the_log_axis():
    rows = [cost.monthly(m) for m in (1_000, 10_000_000, 100_000_000)]
    assert rows[0].dollars == 0
    (line,) = plots.monthly_cost({"batched": rows}).axes[0].lines
    assert list(line.get_xdata()) == [r.messages for r in rows[1:]]


def test_monthly_cost_draws_nothing_for_a_curve_inside_the_free_tier():
    free = [cost.monthly(m) for m in (1_000, 10_000)]
    paid = [cost.monthly(m) for m in (10_000_000, 100_000_000)]
    ax = plots.monthly_cost({"free": free, "paid": paid}).axes[0]
    assert [line.get_label() for line in ax.lines] == ["paid"]


def test_monthly_cost_ticks_show_cents_below_a_dollar():
    fig = plots.monthly_cost({"paid": [cost.monthly(m) for m in (2_000_000, 10_000_000)]})
    tick = fig.axes[0].yaxis.get_major_formatter()
    assert tick(0.1, 0) == "$0.10" and tick(1000, 0) == "$1,000"


def test_service_fit_bars_are_needs_met_and_complete_fits_are_green():
    from matplotlib.colors import to_rgba

    from sqslab import services

    asked = ["order", "dedup", "fan_out"]
    fits = services.recommend(asked)
    ax = plots.service_fit(fits, len(asked)).axes[0]
    bars = ax.patches[::-1]  # drawn bottom-up: the best fit is the top bar
    assert [b.get_width() for b in bars] == [len(f.met) for f in fits]
    labels = [t.get_text() for t in ax.get_yticklabels()][::-1]
    assert labels == [f.service.name for f in fits]
    green, grey = to_rgba("tab:green"), to_rgba("0.6")
    assert [b.get_facecolor() for b in bars] == [green if f.complete else grey for f in fits]
    assert any(f.complete for f in fits) and not all(f.complete for f in fits)
    assert ax.get_xlim() == (0, len(asked))
    assert f"of {len(asked)} chosen" in ax.get_xlabel()


def test_service_fit_with_no_needs_keeps_a_usable_axis():
    from sqslab import services

    ax = plots.service_fit(services.recommend([]), 0).axes[0]
    assert ax.get_xlim() == (0, 1)
    assert all(b.get_width() == 0 for b in ax.patches)


def test_service_fit_draws_without_layout_warnings():
    import warnings

    from sqslab import services

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plots.service_fit(services.recommend(["order"]), 1)


def test_a_chart_given_the_wrong_kind_names_the_kind_it_takes():
    from sqslab.errors import WrongTypeError

    with pytest.raises(WrongTypeError, match=r"a Metrics, e\.g\. monitor\.metrics\(lab, url\)"):
        plots.monitor_dashboard({"visible": [1, 2]})
    with pytest.raises(WrongTypeError, match="a non-empty list of BatchPoint"):
        plots.cost_vs_batch_size([])
