"""Charts: check the data they draw, not pixels."""

from __future__ import annotations

from datetime import timedelta

from sqslab import facts, plots
from sqslab.clock import EPOCH


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
