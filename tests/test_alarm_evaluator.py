"""The sqslab alarm evaluator: alarms stored in moto's CloudWatch are evaluated over the
published datapoints as CloudWatch would, and their state is set with a labelled reason."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from alarm_args import stuck_alarm

from sqslab import alarm_evaluator, alarms, monitor
from sqslab.alarm_evaluator import LABEL, StoredAlarm
from sqslab.alarms import ALARM, INSUFFICIENT_DATA, OK
from sqslab.emulator.clock import EPOCH
from sqslab.errors import LabConfigError

T0 = EPOCH.timestamp()


def _alarm(lab, name="old", queue="orders", **changes):
    base = {
        "Threshold": 150.0,
        "TreatMissingData": None,
    }  # no treatment given: CloudWatch's default
    lab.client("cloudwatch").put_metric_alarm(**stuck_alarm(name, queue, **{**base, **changes}))


def _described(lab, name="old"):
    return lab.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]


def _all(lab):
    return lab.client("cloudwatch").describe_alarms()["MetricAlarms"]


def _falling_behind(lab, minutes=5):
    """Chapter 6's sections 1 and 2: four orders, one delayed, two taken and never deleted; then
    three orders a minute, two taken: the oldest order gets older; a sample each minute."""
    url = lab.sqs.create_queue(QueueName="orders")["QueueUrl"]
    entries = [{"Id": str(i), "MessageBody": f"order {i}"} for i in range(1, 5)]
    lab.sqs.send_message_batch(QueueUrl=url, Entries=entries)
    lab.sqs.send_message(QueueUrl=url, MessageBody="order 5", DelaySeconds=120)
    lab.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)
    sampler = monitor.Sampler(lab, url)
    states = []
    for minute in range(minutes):
        entries = [{"Id": str(i), "MessageBody": f"order {minute}-{i}"} for i in range(3)]
        lab.sqs.send_message_batch(QueueUrl=url, Entries=entries)
        for message in lab.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]:
            lab.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        lab.wait(60)
        sampler.sample()
        if any(a["AlarmName"] == "old" for a in _all(lab)):
            states.append(_described(lab)["StateValue"])
    return url, sampler, states


def test_moto_alone_never_evaluates_a_stored_alarm(lab):
    _alarm(lab)
    stored = _described(lab)
    assert (stored["StateValue"], stored["StateReason"]) == (
        "OK",
        "Unchecked: Initial alarm creation",
    )
    assert StoredAlarm.of(stored).state == INSUFFICIENT_DATA  # what AWS says of a new alarm


def test_the_sampler_evaluates_the_alarms_on_its_queues_each_minute(lab):
    _alarm(lab)
    _alarm(lab, "elsewhere", queue="payments")
    _, _, states = _falling_behind(lab)
    # oldest 60, 120, 180, 180, 240 s: >= 150 in 2 of the last 3 once 09:03 is closed
    assert states == [OK, OK, OK, ALARM, ALARM]
    stored = _described(lab)
    assert stored["StateReason"].startswith(LABEL)
    assert "2 of the last 3 datapoints >= 150 (180 at 09:03, 180 at 09:02)" in stored["StateReason"]
    data = json.loads(stored["StateReasonData"])
    assert data["evaluator"] == LABEL and data["period"] == 60 and data["threshold"] == 150
    assert _described(lab, "elsewhere")["StateReason"].startswith("Unchecked")  # not its queue


def test_the_cloudwatch_history_matches_sqslabs_own_evaluation(lab):
    _alarm(lab)
    url, sampler, _ = _falling_behind(lab, minutes=6)
    local = alarms.Alarm(
        "same",
        monitor.AGE,
        150,
        "GreaterThanOrEqualToThreshold",
        "Maximum",
        evaluation_periods=3,
        datapoints_to_alarm=2,
        queue="orders",
    ).evaluate(sampler.metrics(url))
    stored = alarm_evaluator.history(lab, "old", T0, lab.clock.time())
    assert stored.values == local.values and stored.states == local.states
    assert [t for t, _, _ in stored.transitions()] == [t for t, _, _ in local.transitions()]


def test_an_alarm_without_data_is_insufficient_data_and_says_why(lab):
    _alarm(lab, "nowhere", queue="no-such-queue")
    _falling_behind(lab, minutes=2)
    assert alarm_evaluator.evaluate(lab, names=["nowhere"]) == {"nowhere": INSUFFICIENT_DATA}
    reason = _described(lab, "nowhere")["StateReason"]
    assert (
        reason.startswith(LABEL)
        and "0 datapoint(s)" in reason
        and "QueueName=no-such-queue" in reason
    )


@pytest.mark.parametrize(
    "changes",
    [{"Namespace": "SQS"}, {"Dimensions": None}],
    ids=["another namespace (moto would ignore it)", "no dimensions (moto would add all queues)"],
)
def test_a_metric_that_does_not_exist_has_no_datapoints(lab, changes):
    _alarm(lab, "wrong", **changes)
    _falling_behind(lab, minutes=3)
    history = alarm_evaluator.history(lab, "wrong", T0, lab.clock.time())
    assert history.values == [None, None, None] and set(history.states) == {INSUFFICIENT_DATA}


def test_treat_missing_data_decides_a_quiet_alarm(lab):
    _alarm(lab, "quiet", queue="nothing", TreatMissingData="notBreaching")
    _alarm(lab, "pessimist", queue="nothing", TreatMissingData="breaching")
    lab.wait(60)
    assert alarm_evaluator.evaluate(lab) == {"pessimist": ALARM, "quiet": OK}


def test_alarms_sqslab_cannot_evaluate_are_left_alone(lab):
    cloudwatch = lab.client("cloudwatch")
    _alarm(lab, "p99", Statistic=None, ExtendedStatistic="p99")
    assert StoredAlarm.of(_described(lab, "p99")).unsupported.startswith("statistic p99")
    assert alarm_evaluator.evaluate(lab) == {}
    assert _described(lab, "p99")["StateReason"].startswith("Unchecked")
    with pytest.raises(LabConfigError, match="does not evaluate alarm 'p99'"):
        alarm_evaluator.history(lab, "p99", T0, T0 + 60)
    with pytest.raises(LabConfigError, match="no alarm called 'gone'"):
        alarm_evaluator.history(lab, "gone", T0, T0 + 60)
    cloudwatch.delete_alarms(AlarmNames=["p99"])


def test_the_state_is_written_only_when_it_changes(lab):
    _alarm(lab)
    _falling_behind(lab, minutes=5)
    first = _described(lab)["StateReason"]
    alarm_evaluator.evaluate(lab)
    assert _described(lab)["StateReason"] == first  # still ALARM: CloudWatch keeps the reason


def test_on_aws_cloudwatch_evaluates_by_itself():
    with pytest.raises(LabConfigError, match="CloudWatch evaluates alarms itself"):
        alarm_evaluator.evaluate(SimpleNamespace(backend="aws"))


def test_describe_reads_like_the_alarm():
    stored = StoredAlarm.of(
        {
            "AlarmName": "a",
            "Namespace": "AWS/SQS",
            "MetricName": monitor.VISIBLE,
            "Dimensions": [{"Name": "QueueName", "Value": "q"}],
            "Statistic": "Maximum",
            "Period": 60,
            "EvaluationPeriods": 1,
            "Threshold": 0.0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
            "StateValue": "ALARM",
            "StateReason": "x",
        }
    )
    assert stored.describe() == (
        "a: AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=q) Maximum > 0 for 1 of 1 x "
        "60 s (missing data: notBreaching)"
    )
    assert (
        stored.queue == "q"
        and stored.state == ALARM
        and stored.breaches(1)
        and not stored.breaches(0)
    )
