"""Chapter 6 checks: 6.1 and 6.3 on alarms stored in CloudWatch over days run with the sampler
publishing, 6.2 on a scaling policy. Each passes on the solution and names each mistake; first
hints hold no line of the solution.

Every test here shares one lab (its days run once): a test puts an alarm under its own name."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from typing import Any

import pytest
from alarm_args import stuck_alarm

from sqslab import alarm_evaluator, monitor
from sqslab.exercises import (
    check_dlq_alarm,
    check_scaling_target,
    check_stuck_alarm,
    orders_day,
    refunds_day,
)
from sqslab.exercises import monitoring as ex
from sqslab.exercises import monitoring_days as days
from sqslab.lab import Lab, start
from sqslab.scaling import ScalingPolicy

#: The solutions notebook's calls, one argument a line (first hints must contain none of them).
STUCK_SOLUTION = """
AlarmName="shop-orders stuck",
Namespace="AWS/SQS",
MetricName="ApproximateAgeOfOldestMessage",
Dimensions=[{"Name": "QueueName", "Value": "shop-orders"}],
Statistic="Maximum",
Period=60,
EvaluationPeriods=3,
DatapointsToAlarm=2,
Threshold=180,
ComparisonOperator="GreaterThanOrEqualToThreshold",
TreatMissingData="missing",
"""
DLQ_SOLUTION = """
AlarmName="refunds-dlq not empty",
MetricName="ApproximateNumberOfMessagesVisible",
Dimensions=[{"Name": "QueueName", "Value": "refunds-dlq"}],
EvaluationPeriods=1,
DatapointsToAlarm=1,
Threshold=0,
ComparisonOperator="GreaterThanThreshold",
TreatMissingData="notBreaching",
"""
THUMB_SOLUTION = "thumb_policy = ScalingPolicy(acceptable_latency=60, seconds_per_message=2, min_instances=1, max_instances=10)"  # noqa: E501

_names = itertools.count(1)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text.replace('"', "'"))


def assert_no_solution_line(message: str, solution: str) -> None:
    """No line of the solution (or its argument) appears in ``message``."""
    for line in solution.strip().splitlines():
        part = _norm(line.rstrip(","))
        assert part not in _norm(message), f"first hint gives away {line!r}: {message}"


@pytest.fixture(scope="module")
def shared() -> Iterator[Lab]:
    """One lab for the whole module: the days run once on it."""
    lab = start("moto", quiet=True)
    yield lab
    lab.stop()


def put(lab: Lab, queue: str = "shop-orders", **changes: Any) -> str:
    """Store an alarm under a fresh name: the 6.1 solution with ``changes``; returns its name."""
    name = f"alarm {next(_names)}"
    lab.client("cloudwatch").put_metric_alarm(**stuck_alarm(name, queue, **changes))
    return name


def put_dlq(lab: Lab, **changes: Any) -> str:
    """The 6.3 solution with ``changes``."""
    base = {
        "MetricName": monitor.VISIBLE,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": 0.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    }
    queue = changes.pop("queue", "refunds-dlq")
    return put(lab, queue, **{**base, **changes})


#: Alarms that pass 6.1 (changes to the solution) and how many minutes after the hang they fire.
STUCK_PASSES = [
    ({}, 4),
    ({"Threshold": 240.0}, 5),
    ({"Threshold": 150.0, "EvaluationPeriods": 2}, 4),
    ({"Threshold": 121.0, "DatapointsToAlarm": 3}, 5),
    ({"ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching"}, 5),
]
STUCK_PASS_IDS = ["2 of 3 at 180", "2 of 3 at 240", "2 of 2 at 150", "3 of 3 at 121", "> 180"]


#: Alarms that fail 6.1 (changes to the solution) and their first hint.
STUCK_MISTAKES = [
    (
        {"MetricName": monitor.VISIBLE, "Threshold": 20.0},
        "watches ApproximateNumberOfMessagesVisible: it went to ALARM during the importer's",
    ),
    (
        {"MetricName": monitor.VISIBLE, "Threshold": 100.0},
        "watches ApproximateNumberOfMessagesVisible: it never went to ALARM",
    ),
    (
        {
            "MetricName": monitor.DELETED,
            "Statistic": "Sum",
            "ComparisonOperator": "LessThanThreshold",
            "Threshold": 1.0,
            "EvaluationPeriods": 2,
        },
        "during the quiet minutes",
    ),
    ({"Threshold": 300.0}, "fired 6 minutes after the consumer hung"),
    ({"Threshold": 700.0}, "never went to ALARM after the consumer hung"),
    (
        {"Threshold": 100.0, "EvaluationPeriods": 1, "DatapointsToAlarm": 1},
        "ALARM on a single breaching datapoint during the lump of 240 orders",
    ),
    (
        {"Threshold": 150.0, "EvaluationPeriods": 1, "DatapointsToAlarm": 1},
        "pages on a single breaching datapoint",
    ),
    ({"Threshold": 50.0, "EvaluationPeriods": 2}, "during the lump of 240 orders"),
    ({"ComparisonOperator": "LessThanThreshold"}, "compares with LessThanThreshold"),
    ({"Statistic": "SampleCount"}, "Statistic is SampleCount"),
    ({"Namespace": "SQS"}, "found no datapoint in the whole day"),
    ({"Dimensions": None}, "found no datapoint in the whole day"),
    ({"MetricName": "AgeOfOldestMessage"}, "found no datapoint in the whole day"),
]
STUCK_MISTAKE_IDS = [
    "depth, low",
    "depth, high",
    "no deletes",
    "too high: late",
    "far too high: never",
    "1 of 1 on the lump",
    "1 of 1 above the lump",
    "2 of 2 too low",
    "reversed comparison",
    "sample count",
    "wrong namespace",
    "no dimensions",
    "misspelt metric",
]


#: Alarms that fail 6.3 (changes to the solution) and their first hint.
DLQ_MISTAKES = [
    ({"TreatMissingData": "missing"}, "INSUFFICIENT_DATA while the DLQ was quiet"),
    ({"TreatMissingData": "ignore"}, "INSUFFICIENT_DATA while the DLQ was quiet"),
    ({"TreatMissingData": "breaching"}, "in ALARM while the DLQ was quiet"),
    ({"MetricName": monitor.SENT, "Statistic": "Sum"}, "never changes when a message moves in"),
    ({"EvaluationPeriods": 2, "DatapointsToAlarm": 2}, "minute 5; it fired in minute 6"),
    ({"EvaluationPeriods": 2}, "stayed ALARM: with 0 dead letters it should clear"),
    ({"Threshold": 1.0}, "minute 5; it fired in minute 7"),
    ({"ComparisonOperator": "GreaterThanOrEqualToThreshold"}, "stayed ALARM"),
    ({"queue": "refunds"}, "watches QueueName=refunds, not the dead-letter queue"),
    ({"Dimensions": None}, "found no datapoint"),
]
DLQ_MISTAKE_IDS = [
    "missing",
    "ignore",
    "breaching",
    "sent",
    "2 of 2",
    "1 of 2",
    "more than 1",
    ">= 0",
    "the source queue",
    "no dimensions",
]


# --- the days ------------------------------------------------------------------------------------


def test_the_orders_day_runs_once_and_leaves_its_metrics_in_cloudwatch(shared):
    day = orders_day(shared)
    assert orders_day(shared) is day
    m = monitor.from_cloudwatch(
        shared.client("cloudwatch"), day.queue, start=day.start.timestamp(), end=day.end.timestamp()
    )
    age, visible = m.values(monitor.AGE), m.values(monitor.VISIBLE)
    assert m.periods == days.ORDERS_MINUTES and None not in age
    healthy, stuck = age[: days.HANG_AT], age[days.HANG_AT :]
    assert max(healthy) == 120 and sorted(healthy)[-2] <= 60  # one slow minute in the lump
    assert all(b - a == 60 for a, b in itertools.pairwise(stuck))  # 60 s older each minute
    # depth misleads: the importer keeps more waiting than the stuck consumer does for 10 minutes
    importer = visible[days.IMPORT_FROM : days.IMPORT_FROM + days.IMPORT_MINUTES]
    assert min(importer) > visible[days.HANG_AT + 9] > 0
    assert all(d == 0 for d in m.values(monitor.DELETED)[days.QUIET[0] : days.QUIET[-1] + 1])
    assert "the consumer hangs" in repr(day) and f"{day.start:%H:%M}" in repr(day)


def test_the_refunds_day_has_no_datapoints_while_the_dlq_is_quiet(shared):
    day = refunds_day(shared)
    m = monitor.from_cloudwatch(
        shared.client("cloudwatch"), day.queue, start=day.start.timestamp(), end=day.end.timestamp()
    )
    visible = m.values(monitor.VISIBLE)
    assert visible[: days.POISON_AT] == [None] * days.POISON_AT
    assert visible[days.POISON_AT : days.CLEANED_AT + 1] == [1, 1, 2, 2, 0]
    assert m.values(monitor.SENT)[days.POISON_AT] == 0  # a move is not a send


# --- exercise 6.1 ----------------------------------------------------------------------------------


def test_stuck_check_hints_until_the_alarm_is_stored(shared):
    check = check_stuck_alarm(shared, "nobody made this")
    assert not check and "no alarm called 'nobody made this'" in check.message
    assert "put_metric_alarm" in check.message and not check.more  # one line in the notebook


@pytest.mark.parametrize("changes, late", STUCK_PASSES, ids=STUCK_PASS_IDS)
def test_stuck_check_passes_the_solutions_and_sets_the_state(shared, changes, late):
    name = put(shared, **changes)
    check = check_stuck_alarm(shared, name)
    assert check, check.message
    assert f"ALARM {late} minutes after the consumer hung" in check.message
    assert check_stuck_alarm(shared, name)  # again: same verdict, nothing re-run
    stored = shared.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert stored["StateValue"] == "ALARM"
    assert stored["StateReason"].startswith(alarm_evaluator.LABEL)


@pytest.mark.parametrize("changes, first", STUCK_MISTAKES, ids=STUCK_MISTAKE_IDS)
def test_stuck_check_names_each_mistake(shared, changes, first):
    check = check_stuck_alarm(shared, put(shared, **changes))
    assert not check and first in check.message, check.message
    assert check.more  # graded: more to say on a repeat
    assert_no_solution_line(check.message, STUCK_SOLUTION)


@pytest.mark.parametrize(
    "queue", ["orders", "http://localhost/123456789012/shop-orders"], ids=["name", "URL"]
)
def test_stuck_check_finds_no_data_for_another_queue(shared, queue):
    check = check_stuck_alarm(shared, put(shared, queue))
    assert not check and "found no datapoint" in check.message
    again = check_stuck_alarm(shared, put(shared, queue))
    assert again.level == 2 and "QueueName=shop-orders" in repr(again)


def test_stuck_check_on_a_queue_with_data_of_its_own(shared):
    url = shared.sqs.create_queue(QueueName="shop-returns")["QueueUrl"]
    day = orders_day(shared)
    shared.sqs.send_message(QueueUrl=url, MessageBody="return 1")
    at = day.start.timestamp() + 60
    shared.client("cloudwatch").put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": monitor.AGE,
                "Dimensions": [{"Name": "QueueName", "Value": "shop-returns"}],
                "Timestamp": monitor.utc(at),
                "Value": 5.0,
            }
        ],
    )
    check = check_stuck_alarm(shared, put(shared, "shop-returns"))
    assert not check and "watches QueueName=shop-returns, not the orders queue" in check.message


def test_stuck_check_shows_more_on_a_repeat_and_forgets_after_a_pass(shared):
    late = put(shared, Threshold=300.0)
    assert check_stuck_alarm(shared, late).level == 1
    second = check_stuck_alarm(shared, late)
    assert second.level == 2 and "hint 2: each minute after the hang" in repr(second)
    assert check_stuck_alarm(shared, put(shared))
    assert check_stuck_alarm(shared, late).level == 1


def test_stuck_check_takes_the_lab_not_an_alarm_object():
    from sqslab import alarms

    check = check_stuck_alarm(alarms.oldest_message_age("shop-orders", 180, periods=3))
    assert not check and "not as an Alarm object" in check.message


# --- exercise 6.2 ---------------------------------------------------------------------------------


def test_scaling_check_hints_before_a_policy_is_defined(shared):
    calls = len(shared.trace.records)
    check = check_scaling_target(shared, None)
    assert not check and "should be a ScalingPolicy" in check.message and not check.more
    assert len(shared.trace.records) == calls  # nothing simulated
    assert_no_solution_line(check.message, THUMB_SOLUTION)
    assert "min_instances=1" not in check.message


@pytest.mark.parametrize(
    "policy, first, more",
    [
        (ScalingPolicy(60, 0.5, 1, 10), "assumes 0.5 s of work", "4 times too large"),
        (ScalingPolicy(60, 8, 1, 10), "assumes 8 s of work", "4 times too small"),
        (ScalingPolicy(60, 2, 3, 10), "min_instances=3", "single instance"),
        (ScalingPolicy(60, 2, 1, 12), "max_instances=12 is over the budget", "at most 10"),
        (ScalingPolicy(60, 2, 1, 2), "clear at most 60 thumbnails a minute", "30 a minute"),
    ],
    ids=["processing time too short", "too long", "min too high", "over budget", "too small"],
)
def test_scaling_check_catches_wrong_policies_without_simulating(shared, policy, first, more):
    calls = len(shared.trace.records)
    check = check_scaling_target(shared, policy)
    assert not check and first in check.message and more in check.more[0]
    assert len(shared.trace.records) == calls
    for argument in ("acceptable_latency=60", "seconds_per_message=2", "min_instances=1"):
        assert argument not in check.message  # the first hint gives no part of the answer


def test_scaling_check_catches_a_target_at_the_promise(shared):
    check = check_scaling_target(shared, ScalingPolicy(90, 2, 1, 10))
    assert not check and "too slow" in check.message
    assert "target 45 thumbnails per instance" in check.message  # 90 s / 2 s
    assert "aim the acceptable latency below" in check.more[0]


def test_scaling_check_passes_a_target_below_the_promise(shared):
    check = check_scaling_target(shared, ScalingPolicy(60, 2, 1, 10))
    assert check, check.message
    assert "target 30 thumbnails per instance" in check.message
    assert f"for {sum(ex.thumbnail_arrivals())} thumbnails" in check.message


def test_the_thumbnail_run_meets_the_goal_with_the_right_policy(shared):
    run = ex.run_thumbnails(shared, ScalingPolicy(60, 2, 1, 10))
    m = run.metrics
    assert m.total(monitor.DELETED) == sum(ex.thumbnail_arrivals()) == 290
    assert max(m.values(monitor.AGE)) <= ex.THUMBNAIL_GOAL
    assert max(run.instance_counts()) > 1  # it had to scale out


def test_scaling_check_says_it_did_not_check_on_a_real_clock():
    class RealLab:
        virtual_time = False
        sqs = trace = namespace = client = None  # what sqslab checks a lab for; no call is made

    check = check_scaling_target(RealLab(), ScalingPolicy(60, 2, 1, 10))
    assert not check and check.message.startswith("not checked here")
    assert "target 30 thumbnails per instance" in check.message
    assert "SQSLAB_BACKEND=moto" in check.message
    wrong = check_scaling_target(RealLab(), ScalingPolicy(60, 0.5, 1, 10))
    assert not wrong and "assumes 0.5 s of work" in wrong.message  # the policy is still checked


# --- exercise 6.3 ---------------------------------------------------------------------------------


def test_dlq_check_passes_the_solution(shared):
    name = put_dlq(shared)
    check = check_dlq_alarm(shared, name)
    assert check, check.message
    assert "OK while the DLQ was quiet, ALARM in minute 5" in check.message
    history = alarm_evaluator.history(
        shared, name, refunds_day(shared).start.timestamp(), refunds_day(shared).end.timestamp()
    )
    assert history.states == ["OK"] * 5 + ["ALARM"] * 4 + ["OK"] * 3


@pytest.mark.parametrize("changes, first", DLQ_MISTAKES, ids=DLQ_MISTAKE_IDS)
def test_dlq_check_names_each_mistake(shared, changes, first):
    check = check_dlq_alarm(shared, put_dlq(shared, **changes))
    assert not check and first in check.message, check.message
    assert check.more
    assert_no_solution_line(check.message, DLQ_SOLUTION)


def test_dlq_check_hints_until_the_alarm_is_stored(shared):
    check = check_dlq_alarm(shared)
    assert not check and "no alarm called 'refunds-dlq not empty'" in check.message
