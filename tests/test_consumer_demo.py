"""Chapter 3's experiment without widgets: processing time against the visibility timeout."""

from __future__ import annotations

from sqslab import consumer_demo
from sqslab.consumer import ConsumeResult


def run(lab, name: str, **kw):
    settings = {"work": 20, "visibility": 30, "failure_rate": 0.0, "heartbeat": False, "seed": 1}
    return consumer_demo.work_vs_timeout(lab, name, **{**settings, **kw})


def test_work_within_the_timeout_handles_each_message_once(lab, sqs):
    result = run(lab, "quick")
    assert result.summary() == {
        "messages": 5,
        "processed": 5,
        "duplicates": 0,
        "failures": 0,
        "left": 0,
        "seconds": result.summary()["seconds"],
    }
    assert len(result.timeline) == 5
    attrs = sqs.get_queue_attributes(
        QueueUrl=sqs.get_queue_url(QueueName="quick")["QueueUrl"],
        AttributeNames=["VisibilityTimeout"],
    )["Attributes"]
    assert attrs["VisibilityTimeout"] == "30"


def test_work_past_the_timeout_duplicates_unless_a_heartbeat_extends_it(lab):
    late = run(lab, "slow", work=45).summary()
    assert late["duplicates"] > 0 and late["processed"] == 5
    beating = run(lab, "beating", work=45, heartbeat=True).summary()
    assert beating["duplicates"] == 0 and beating["processed"] == 5
    assert beating["seconds"] < late["seconds"]


def test_failures_are_retried_and_every_message_is_accounted_for(lab):
    result = run(lab, "flaky", failure_rate=0.5, messages=4)
    summary = result.summary()
    assert summary["failures"] > 0 and summary["messages"] == 4
    assert summary["processed"] + summary["left"] == 4
    assert summary["failures"] == result.result.failures


def test_outcome_counts_distinct_and_repeated_messages():
    result = ConsumeResult(processed=["a", "a", "b"], failures=2)
    assert consumer_demo.outcome(result, 3) == {
        "messages": 3,
        "processed": 2,
        "duplicates": 1,
        "failures": 2,
        "left": 1,
        "seconds": 0.0,
    }
