"""On a real clock, chapter 7 divides the timeouts in code it did not write (the learner's
consumer, the guide's loop) by a demo's speed-up: each duration a call carries, rounded up to a
whole second; a value out of AWS's range is left for SQS to refuse; on the virtual clock nothing
changes."""

from __future__ import annotations

import pytest

from sqslab.orders import demo_calls
from sqslab.orders.demo_calls import scaled_seconds
from sqslab.realclock import DemoTime


@pytest.mark.parametrize(
    "name, value, speedup, expected",
    [
        ("VisibilityTimeout", 30, 10, 3),
        ("VisibilityTimeout", "30", 10, "3"),
        ("VisibilityTimeout", 30, 20, 2),  # 1.5 s rounds up: a whole second for the API
        ("WaitTimeSeconds", 5, 20, 1),  # never below 1 s: a long poll stays a long poll
        ("WaitTimeSeconds", 0, 20, 0),  # a short poll stays a short poll
        ("DelaySeconds", 900, 10, 90),
        ("ReceiveMessageWaitTimeSeconds", "20", 15, "2"),
    ],
)
def test_a_duration_is_divided_and_rounded_up_to_a_whole_second(name, value, speedup, expected):
    assert scaled_seconds(name, value, speedup) == expected


@pytest.mark.parametrize(
    "name, value",
    [
        ("VisibilityTimeout", 50_000),  # over 12 h: SQS must still refuse it
        ("WaitTimeSeconds", 21),
        ("DelaySeconds", "soon"),
        ("VisibilityTimeout", True),
        ("VisibilityTimeout", 2.5),
        ("WaitTimeSeconds", -1),
    ],
)
def test_a_value_sqs_would_refuse_is_left_for_sqs_to_refuse(name, value):
    assert scaled_seconds(name, value, 10) is value


def test_on_the_virtual_clock_the_calls_go_out_as_written(lab, sqs):
    with demo_calls(sqs, lab.demo_time(10)) as hooks:
        url = sqs.create_queue(QueueName="as-written", Attributes={"VisibilityTimeout": "30"})
    attrs = sqs.get_queue_attributes(QueueUrl=url["QueueUrl"], AttributeNames=["All"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "30"
    assert hooks.shortened == 0


def test_on_a_real_clock_every_timeout_a_call_carries_is_shorter(lab, sqs):
    faster = DemoTime(10, virtual=False)  # as a real clock's lab.demo_time(10) gives it
    attributes = {"VisibilityTimeout": "30", "ReceiveMessageWaitTimeSeconds": "20"}
    with demo_calls(sqs, faster) as hooks:
        url = sqs.create_queue(QueueName="faster", Attributes=attributes)["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="m", DelaySeconds=0)
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, VisibilityTimeout=60)
        entries = [
            {
                "Id": "0",
                "ReceiptHandle": got["Messages"][0]["ReceiptHandle"],
                "VisibilityTimeout": 45,
            }
        ]
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=entries)
    assert attributes == {"VisibilityTimeout": "30", "ReceiveMessageWaitTimeSeconds": "20"}
    assert entries[0]["VisibilityTimeout"] == 45  # the caller's own dicts are left alone
    stored = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (stored["VisibilityTimeout"], stored["ReceiveMessageWaitTimeSeconds"]) == ("3", "2")
    receive = [r for r in lab.trace.records if r.operation == "ReceiveMessage"][-1]
    assert receive.params["WaitTimeSeconds"] == 2
    assert hooks.shortened == 5  # two attributes, the long poll, two visibility timeouts


def test_after_the_block_the_calls_go_out_as_written_again(lab, sqs):
    with demo_calls(sqs, DemoTime(10, virtual=False)):
        pass
    url = sqs.create_queue(QueueName="after", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "30"
