"""Chapter 6's days on fresh labs: nothing runs before an alarm exists, the server backend gives
the same verdict, and on a real clock a day comes as recorded on moto (the shipped recording is
what moto records now)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from sqslab import facts
from sqslab.emulator.clock import EPOCH
from sqslab.exercises import check_stuck_alarm, orders_day, refunds_day
from sqslab.exercises.monitoring_recorded import DATA_FILE
from sqslab.exercises.monitoring_recording import dumps, record
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
def test_on_a_real_clock_a_day_comes_as_recorded_on_moto(lab, run):
    class RealLab:
        virtual_time = False
        sqs = trace = namespace = client = None  # what sqslab checks a lab for; no call is made

    real = RealLab()
    recorded = run(real)
    assert recorded is run(real)  # once per lab, as on moto
    ran = run(lab)
    assert recorded.recording is not None and ran.recording is None
    assert recorded.queue == ran.queue and not recorded.urls
    assert recorded.end - recorded.start == ran.end - ran.start
    assert [what for _, what in recorded.events] == [what for _, what in ran.events]
    shown = repr(recorded)
    assert "as recorded on the moto backend: on a real clock the day is not run" in shown
    assert "get_metric_data finds none of its datapoints here" in shown


def test_the_recorded_days_are_what_moto_records_now(lab):
    """Fails when a day, the sampler or the publisher changes: then run
    python -m sqslab.exercises.monitoring_recording and commit the data file."""
    shipped = json.loads(resources.files("sqslab").joinpath(DATA_FILE).read_text("utf-8"))
    assert record(lab) == shipped
    assert dumps(shipped) == resources.files("sqslab").joinpath(DATA_FILE).read_text("utf-8")
