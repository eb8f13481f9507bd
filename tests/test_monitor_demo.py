"""Chapter 6's experiment without widgets: a burst through a consumer group that scales."""

from __future__ import annotations

from sqslab import monitor_demo
from sqslab.scaling import ScalingPolicy


def test_burst_policy_keeps_the_acceptable_latency_and_the_bounds():
    assert monitor_demo.burst_policy(2, 8) == ScalingPolicy(60, 2, 1, 8)


def test_burst_run_calls_back_live_and_drains_with_enough_consumers(lab):
    frames = []
    run = monitor_demo.burst_run(
        lab, "calm", burst=60, most_consumers=8, processing=2, on_minute=frames.append, every=6
    )
    assert len(frames) == 2 and run.queue.endswith("calm")
    summary = monitor_demo.summary(run)
    assert summary["messages"] == sum(run.arrivals) == 3 * 5 + 3 * 60 + 4 * 5
    assert summary["left"] == 0 and 1 < summary["peak_instances"] <= 8


def test_one_consumer_falls_behind_and_fires_the_age_alarm(lab):
    enough = monitor_demo.summary(
        monitor_demo.burst_run(lab, "enough", burst=60, most_consumers=8, processing=2)
    )
    one = monitor_demo.summary(
        monitor_demo.burst_run(lab, "one", burst=60, most_consumers=1, processing=2)
    )
    assert one["peak_instances"] == 1
    assert one["peak_backlog"] > enough["peak_backlog"]
    assert one["oldest_age"] > monitor_demo.ACCEPTABLE_LATENCY
    assert any("oldest message" in name for name in one["alarms_fired"])
