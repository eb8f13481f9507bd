"""Scaling on backlog per instance: AWS's worked example, bounds, and a simulated run over time."""

from __future__ import annotations

import math

import pytest

from sqslab import monitor, scaling
from sqslab.emulator.clock import RealClock
from sqslab.errors import LimitError
from sqslab.scaling import ScalingPolicy


def test_the_aws_worked_example():
    # 1,500 messages on 10 instances; 10 s acceptable latency at 0.1 s per message
    assert scaling.backlog_per_instance(1500, 10) == 150
    assert scaling.target(10, 0.1) == 100
    assert scaling.desired_instances(1500, 100, 1, 20) == 15


def test_desired_rounds_up_and_stays_within_bounds():
    assert scaling.desired_instances(101, 100, 1, 20) == 2
    assert scaling.desired_instances(1500, 100, 1, 10) == 10
    assert scaling.desired_instances(0, 100, 2, 10) == 2
    assert scaling.desired_instances(0, 100, 0, 10) == 0
    assert scaling.backlog_per_instance(5, 0) == math.inf
    assert scaling.backlog_per_instance(0, 0) == 0


def test_bad_scaling_input_names_the_fix():
    with pytest.raises(ValueError, match="target\\(10, 0.1\\) = 100"):
        scaling.target(10, 0)
    with pytest.raises(LimitError, match="0 <= min <= max"):
        ScalingPolicy(60, 2, min_instances=5, max_instances=2)
    with pytest.raises(ValueError, match="cannot be negative"):
        scaling.backlog_per_instance(-1, 2)


def test_policy_describes_its_formula():
    policy = ScalingPolicy(60, 2, 1, 8)
    assert policy.target == 30 and policy.desired(95) == 4
    assert "60 s / 2 s per message = 30 messages per instance" in policy.describe()


def test_bursty_arrivals():
    assert scaling.bursty_arrivals(8, base=5, burst=50, start=2, length=2, quiet=1) == [
        5,
        5,
        50,
        50,
        5,
        5,
        5,
        0,
    ]


ARRIVALS = [10, 60, 60, 10, 0, 0]


@pytest.fixture
def run(lab):
    return scaling.simulate(lab, ScalingPolicy(60, 2, 1, 4), ARRIVALS, name="burst")


def test_every_message_is_sent_and_processed(run):
    m = run.metrics
    assert m.values(monitor.SENT) == ARRIVALS
    assert m.total(monitor.DELETED) == sum(ARRIVALS)
    assert m.total(monitor.RECEIVED) == sum(ARRIVALS)  # nothing timed out or came back
    assert m.values(monitor.VISIBLE)[-1] == 0 and m.values(monitor.NOT_VISIBLE)[-1] == 0


def test_instances_follow_the_formula_on_the_sampled_backlog(run):
    counts = run.instance_counts()
    backlog = run.metrics.values(monitor.VISIBLE)
    assert counts[0] == 1  # the minimum, before any message
    # each minute's count is ceil(backlog at the end of the previous minute / 30), within 1..4
    assert counts[1:] == [run.policy.desired(v) for v in backlog[:-1]]
    assert max(counts) > 1 and counts[-1] == 1  # scaled out for the burst, back in after
    assert run.metrics.values(monitor.EMPTY)[-1] > 0  # an idle instance long-polls in vain


def test_the_sampled_gauges_match_the_trace(run, lab):
    traced = monitor.derive(
        lab.trace.records,
        "burst",
        start=run.metrics.start,
        end=run.metrics.start + 60 * len(ARRIVALS),
    )
    for name in (monitor.VISIBLE, monitor.NOT_VISIBLE, monitor.DELAYED):
        assert run.metrics.values(name) == traced.values(name)
    assert run.metrics.values(monitor.AGE) == pytest.approx(traced.values(monitor.AGE), abs=0.01)


def test_alarms_are_evaluated_on_the_run(run):
    assert set(run.alarms) == {"burst oldest message >= 60 s", "burst backlog >= 120"}
    assert all(len(h.states) == len(ARRIVALS) for h in run.alarms.values())
    assert run.table().columns[-2:] == tuple(run.alarms)


def test_the_live_hook_sees_the_run_grow(lab):
    seen = []
    scaling.simulate(
        lab,
        ScalingPolicy(60, 2, 1, 4),
        [10, 20, 0, 0],
        name="live",
        on_minute=lambda r: seen.append((r.metrics.periods, r.finished)),
        every=2,
    )
    assert seen == [(2, False), (4, True)]


def test_the_same_run_twice_gives_the_same_series(lab):
    first = scaling.simulate(lab, ScalingPolicy(60, 2, 1, 4), [30, 0], name="again-1")
    second = scaling.simulate(lab, ScalingPolicy(60, 2, 1, 4), [30, 0], name="again-2")
    assert first.metrics.as_dict().keys() == second.metrics.as_dict().keys()
    for name in monitor.METRICS:
        assert first.metrics.values(name) == second.metrics.values(name)


def test_on_a_real_clock_the_simulation_is_skipped_with_an_empty_run(capsys):
    class RealLab:
        virtual_time = False
        sqs = trace = namespace = client = None  # what sqslab checks a lab for; no call is made
        clock = RealClock()

    policy = ScalingPolicy(60, 2)
    run = scaling.simulate(RealLab(), policy, [5, 60, 0], name="burst")  # type: ignore[arg-type]
    said = capsys.readouterr().out
    assert said.startswith("real clock: skipped scaling.simulate of 'burst' (3 minutes)")
    assert run.skipped and not run.finished and run.arrivals == [5, 60, 0]
    assert run.metrics.periods == 0 and run.metrics.source.startswith("skipped on a real clock")
    assert run.instances == [] and run.instance_counts() == []
    assert "skipped on a real clock" in repr(run.table())
    assert sorted(run.alarms) == sorted(a.name for a in scaling.default_alarms("burst", policy))
    assert all(h.states == [] for h in run.alarms.values())
    assert_a_skipped_run_still_serves_later_cells(run)


def assert_a_skipped_run_still_serves_later_cells(run: scaling.ScalingRun) -> None:
    """What chapter 6 does with a run after it: evaluate an alarm, draw it, sum it up."""
    import warnings

    from sqslab import alarms, monitor_demo, plots

    history = alarms.oldest_message_age(run.queue, 120, periods=3).evaluate(run.metrics)
    assert history.states == [] and history.transitions() == [] and len(history.table()) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning would print a kernel path into the notebook
        fig = plots.monitor_dashboard(run.metrics, run.alarms, run.instances)
    assert fig._suptitle is not None and fig._suptitle.get_text().endswith("no datapoints")
    assert any("skipped on a real clock" in t.get_text() for t in fig.texts)
    summary = monitor_demo.summary(run)
    assert summary["peak_backlog"] == summary["left"] == summary["peak_instances"] == 0
    assert summary["skipped"] == run.skipped
