"""Chapter 6 checks: a hint before the exercise is done, PASS for a right answer, the hint for each mistake."""

from __future__ import annotations

import dataclasses
from itertools import accumulate

import pytest

from sqslab import alarms, monitor
from sqslab.alarms import Alarm
from sqslab.exercises import (
    check_dlq_alarm,
    check_scaling_target,
    check_stuck_alarm,
    quiet_dlq,
    stuck_or_burst,
)
from sqslab.exercises import monitoring as ex
from sqslab.scaling import ScalingPolicy

# --- the prepared series ------------------------------------------------------------------------


@pytest.mark.parametrize("day", [ex.BURST, ex.STUCK], ids=["burst", "stuck"])
def test_prepared_days_add_up(day):
    """Every minute, all sent minus all deleted is what is left: visible plus in flight."""
    sent = list(accumulate(day[monitor.SENT]))
    deleted = list(accumulate(day[monitor.DELETED]))
    left = [v + f for v, f in zip(day[monitor.VISIBLE], day[monitor.NOT_VISIBLE], strict=True)]
    assert [s - d for s, d in zip(sent, deleted, strict=True)] == left


def test_the_stuck_age_grows_a_minute_per_minute_and_the_burst_clears():
    stuck = ex.STUCK[monitor.AGE][ex.STUCK_AT :]
    assert all(b - a == 60 for a, b in zip(stuck, stuck[1:], strict=False))
    burst = ex.BURST[monitor.AGE]
    assert max(burst) == 115 and sum(age >= 60 for age in burst) == 1
    assert max(ex.STUCK[monitor.VISIBLE]) < max(ex.BURST[monitor.VISIBLE])  # depth misleads


def test_prepared_metrics_and_side_by_side():
    days = stuck_or_burst("shop")
    assert days["stuck"].queue == "shop" and days["stuck"].periods == 12
    assert days["burst"].values(monitor.AGE)[3] == 115
    dlq = quiet_dlq()
    assert dlq.values(monitor.VISIBLE)[:6] == [None] * 5 + [1]  # no datapoints while quiet
    table = ex.side_by_side(days)
    assert table.columns == (
        "minute",
        "burst: visible",
        "burst: oldest (s)",
        "stuck: visible",
        "stuck: oldest (s)",
    )
    assert table.column("stuck: oldest (s)")[5] == "125"
    assert ex.side_by_side({"dlq": dlq}).column("dlq: visible")[0] == "missing"


# --- exercise 6.1 ---------------------------------------------------------------------------------


def age(seconds, n=2, m=None, **kw):
    return alarms.oldest_message_age("orders", seconds, periods=n, datapoints=m, **kw)


def test_stuck_check_hints_before_an_alarm_is_defined():
    check = check_stuck_alarm(None)
    assert not check and "define stuck_alarm" in check.message


def test_stuck_check_passes_two_of_two_at_a_minute():
    # stuck: 65 s at the end of 09:04, 125 s at the end of 09:05 -> ALARM when 09:05 completes
    check = check_stuck_alarm(age(60))
    assert check, check.message
    assert "fires at 09:06, 2 minutes after" in check.message


@pytest.mark.parametrize(
    "alarm",
    [age(60, n=3), age(100, n=3, m=2), age(200, n=2)],
    ids=["3 of 3 at 60", "2 of 3 at 100", "2 of 2 at 200"],
)
def test_stuck_check_passes_other_right_answers(alarm):
    assert check_stuck_alarm(alarm), check_stuck_alarm(alarm).message


def test_stuck_check_catches_an_alarm_on_depth():
    check = check_stuck_alarm(alarms.backlog("orders", 100, periods=1))
    assert not check
    assert (
        "depth alone" in check.message and "1 of 12 minutes of the healthy burst" in check.message
    )


def test_stuck_check_catches_a_single_datapoint():
    check = check_stuck_alarm(age(120, n=1))
    assert not check and "single breaching datapoint (1 of 1)" in check.message


def test_stuck_check_catches_an_alarm_that_fires_on_the_burst():
    # burst ages 55 and 115 in 09:02 and 09:03 both reach 50 s: 2 of 2 fires at 09:04
    check = check_stuck_alarm(age(50))
    assert not check and "fired at 09:04 during the healthy burst" in check.message


def test_stuck_check_catches_an_alarm_that_fires_too_late():
    # 305 s at the end of 09:08 and 365 s at the end of 09:09: ALARM at 09:10, 6 minutes late
    check = check_stuck_alarm(age(300))
    assert not check and "fired at 09:10, 6 minutes after" in check.message


def test_stuck_check_catches_an_alarm_that_never_fires_and_a_reversed_comparison():
    check = check_stuck_alarm(age(600))
    assert not check and "never fired" in check.message
    young = Alarm("young", monitor.AGE, 60, "LessThanThreshold", evaluation_periods=2)
    check = check_stuck_alarm(young)
    assert not check and "GreaterThanOrEqualToThreshold" in check.message


# --- exercise 6.2 ---------------------------------------------------------------------------------


def test_scaling_check_hints_before_a_policy_is_defined(lab):
    check = check_scaling_target(lab, None)
    assert not check and "define thumb_policy" in check.message
    assert not lab.trace.records  # nothing simulated


@pytest.mark.parametrize(
    "policy, hint",
    [
        (ScalingPolicy(60, 0.5, 1, 10), "4 times too large: too few instances"),
        (ScalingPolicy(60, 8, 1, 10), "4 times too small: too many instances"),
        (ScalingPolicy(60, 2, 3, 10), "min_instances=3"),
        (ScalingPolicy(60, 2, 1, 12), "at most 10 instances"),
        # 2 instances x 30 thumbnails a minute (2 s each) < the burst's 90 a minute
        (ScalingPolicy(60, 2, 1, 2), "clear at most 60 thumbnails a minute, the burst brings 90"),
    ],
    ids=["processing time too short", "too long", "min too high", "over budget", "too small"],
)
def test_scaling_check_catches_wrong_policies_without_simulating(lab, policy, hint):
    check = check_scaling_target(lab, policy)
    assert not check and hint in check.message
    assert not lab.trace.records


def test_scaling_check_catches_a_target_at_the_promise(lab):
    check = check_scaling_target(lab, ScalingPolicy(90, 2, 1, 10))
    assert not check
    assert "too slow" in check.message and "aim the acceptable latency below" in check.message
    assert "target 45 thumbnails per instance" in check.message  # 90 s / 2 s


def test_scaling_check_passes_a_target_below_the_promise(lab):
    check = check_scaling_target(lab, ScalingPolicy(60, 2, 1, 10))
    assert check, check.message
    assert "target 30 thumbnails per instance" in check.message
    assert f"for {sum(ex.thumbnail_arrivals())} thumbnails" in check.message


def test_the_thumbnail_run_meets_the_goal_with_the_right_policy(lab):
    run = ex.run_thumbnails(lab, ScalingPolicy(60, 2, 1, 10))
    m = run.metrics
    assert m.total(monitor.DELETED) == sum(ex.thumbnail_arrivals()) == 290
    assert max(m.values(monitor.AGE)) <= ex.THUMBNAIL_GOAL
    assert max(run.instance_counts()) > 1  # it had to scale out


def test_scaling_check_needs_the_virtual_clock():
    class RealLab:
        virtual_time = False
        sqs = trace = namespace = client = None  # what sqslab checks a lab for

    check = check_scaling_target(RealLab(), ScalingPolicy(60, 2, 1, 10))
    assert not check and "SQSLAB_BACKEND=moto" in check.message


# --- exercise 6.3 ---------------------------------------------------------------------------------

PRESET = alarms.dlq_not_empty("payments-dlq")


def test_dlq_check_hints_before_an_alarm_is_defined():
    check = check_dlq_alarm(None)
    assert not check and "define dlq_alarm" in check.message


def test_dlq_check_passes_the_preset_with_not_breaching():
    alarm = dataclasses.replace(PRESET, treat_missing_data="notBreaching")
    check = check_dlq_alarm(alarm)
    assert check, check.message
    states = alarm.evaluate(quiet_dlq()).states
    assert states == ["OK"] * 5 + ["ALARM"] * 4 + ["OK"] * 3


def test_dlq_check_catches_the_default_missing_data():
    check = check_dlq_alarm(PRESET)
    assert not check and "INSUFFICIENT_DATA while the DLQ is quiet" in check.message
    assert "notBreaching" in check.message


@pytest.mark.parametrize(
    "changes, hint",
    [
        ({"metric": monitor.SENT}, "a move into a DLQ is not a send"),
        ({"treat_missing_data": "breaching"}, "before any message reached the DLQ"),
        # 1 then 1 visible in 09:05 and 09:06: 2 of 2 fires at the end of 09:06
        ({"treat_missing_data": "notBreaching", "evaluation_periods": 2}, "fired at 09:07"),
        ({"treat_missing_data": "notBreaching", "threshold": 1}, "fired at 09:08"),
        (
            {"treat_missing_data": "notBreaching", "comparison": "GreaterThanOrEqualToThreshold"},
            "stayed ALARM",
        ),
    ],
    ids=["sent", "breaching", "2 of 2", "more than 1", ">= 0"],
)
def test_dlq_check_catches_each_mistake(changes, hint):
    check = check_dlq_alarm(dataclasses.replace(PRESET, **changes))
    assert not check and hint in check.message
