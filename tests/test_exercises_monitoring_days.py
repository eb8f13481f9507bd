"""Chapter 6's days on fresh labs: nothing runs before an alarm exists, the server backend gives
the same verdict, and a real clock is refused with the fix."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sqslab import facts
from sqslab.emulator.clock import EPOCH
from sqslab.errors import LabConfigError
from sqslab.exercises import check_stuck_alarm, orders_day, refunds_day
from sqslab.lab import start


def test_no_day_runs_before_the_alarm_is_stored(lab):
    assert not check_stuck_alarm(lab)
    assert not lab.trace.records and lab.clock.time() == EPOCH.timestamp()
    assert not lab.sqs.list_queues().get("QueueUrls")


def test_the_stuck_check_gives_the_same_verdict_on_a_moto_server():
    lab = start("server", quiet=True)
    try:
        lab.client("cloudwatch").put_metric_alarm(
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
        )
        check = check_stuck_alarm(lab)
        assert check and "ALARM 4 minutes after the consumer hung" in check.message
    finally:
        lab.stop()


def test_the_refunds_day_starts_after_hours_of_quiet(lab):
    day = refunds_day(lab)
    quiet = facts.get("sqs_metrics_inactive_after").value
    assert day.start.timestamp() - EPOCH.timestamp() > quiet  # created, then hours untouched
    assert day.minute(day.end) == 12
    assert [what for _, what in day.events][1].startswith("a poison refund")


@pytest.mark.parametrize("run", [orders_day, refunds_day], ids=["orders", "refunds"])
def test_a_day_needs_the_virtual_clock(run):
    real = SimpleNamespace(virtual_time=False, sqs=None, trace=None, namespace=None, client=None)
    with pytest.raises(LabConfigError, match="SQSLAB_BACKEND=moto"):
        run(real)
