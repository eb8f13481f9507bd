"""DLQ tools on moto: pairs with a redrive policy, a look inside that keeps the messages, outcomes."""

from __future__ import annotations

import json

import pytest

from sqslab import dlq, queues
from sqslab.consumer import StopPolicy, consume
from sqslab.errors import LimitError


def poison_run(lab, sqs, pair: dlq.QueuePair, bodies: list[str], poison: set[str]):
    for b in bodies:
        sqs.send_message(QueueUrl=pair.source_url, MessageBody=b)

    def handler(m) -> None:
        if m.body in poison:
            raise ValueError("cannot parse")

    return consume(sqs, pair.source_url, handler, stop=StopPolicy(idle_timeout=120))


def test_create_pair_sets_the_redrive_policy(lab, sqs):
    pair = dlq.create_pair(sqs, "orders", max_receive_count=4)
    attrs = sqs.get_queue_attributes(QueueUrl=pair.source_url, AttributeNames=["All"])
    policy = json.loads(attrs["Attributes"]["RedrivePolicy"])
    assert policy["deadLetterTargetArn"] == pair.dlq_arn
    assert int(policy["maxReceiveCount"]) == 4
    assert pair.dlq_url.endswith("/orders-dlq")


def test_fifo_pair_names_both_queues_fifo(lab, sqs):
    pair = dlq.create_pair(sqs, "payments.fifo", fifo=True)
    assert pair.source_url.endswith("/payments.fifo")
    assert pair.dlq_url.endswith("/payments-dlq.fifo")


@pytest.mark.parametrize("count", [0, 1001, 2.5, True])
def test_max_receive_count_out_of_range(sqs, count):
    with pytest.raises(LimitError, match="SQS allows 1 to 1000"):
        dlq.create_pair(sqs, "bad", max_receive_count=count)


def test_poison_messages_land_in_the_dlq_and_can_be_inspected_without_loss(lab, sqs):
    pair = dlq.create_pair(
        sqs, "work", max_receive_count=3, source_attributes={"VisibilityTimeout": "10"}
    )
    result = poison_run(lab, sqs, pair, [f"job {i}" for i in range(6)], {"job 2", "job 4"})
    assert len(result.processed) == 4
    letters = dlq.inspect(lab, pair.dlq_url)
    assert sorted(d.body for d in letters) == ["job 2", "job 4"]
    assert all(d.sources == ("work",) and d.receive_count >= 3 for d in letters)
    again = dlq.inspect(lab, pair.dlq_url)  # still there after a look
    assert sorted(d.body for d in again) == ["job 2", "job 4"]
    assert dlq.outcomes(sqs, pair, len(result.processed)) == {
        "processed": 4,
        "in the DLQ": 2,
        "still in the source": 0,
    }
    assert "job 2" in repr(dlq.table(letters))


def test_retention_problem_for_a_short_lived_standard_dlq(lab, sqs):
    pair = dlq.create_pair(
        sqs,
        "short",
        source_attributes={"MessageRetentionPeriod": "345600"},
        dlq_attributes={"MessageRetentionPeriod": "86400"},
    )
    assert "longer than the source's" in dlq.retention_problem(sqs, pair)
    good = dlq.create_pair(sqs, "long", dlq_attributes={"MessageRetentionPeriod": "1209600"})
    assert dlq.retention_problem(sqs, good) is None
    assert dlq.retention_problem(sqs, dlq.create_pair(sqs, "f.fifo", fifo=True)) is None


def test_peek_is_a_receive(lab, sqs):
    url = sqs.create_queue(QueueName="peeked")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    first = queues.peek(lab, url)[0]["Attributes"]["ApproximateReceiveCount"]
    second = queues.peek(lab, url)[0]["Attributes"]["ApproximateReceiveCount"]
    assert (first, second) == ("1", "2")


def test_redrive_moves_dead_letters_back_with_plain_boto3_on_moto(lab, sqs):
    pair = dlq.create_pair(
        sqs, "flow", max_receive_count=2, source_attributes={"VisibilityTimeout": "5"}
    )
    poison_run(lab, sqs, pair, ["a", "b", "c"], {"b"})
    assert dlq.outcomes(sqs, pair, 2)["in the DLQ"] == 1
    handle = dlq.redrive(sqs, pair, rate=1)
    lab.wait(2)
    tasks = sqs.list_message_move_tasks(SourceArn=pair.dlq_arn)["Results"]
    assert handle and tasks[0]["Status"] == "COMPLETED"  # a handle is listed only while RUNNING
    assert tasks[0]["ApproximateNumberOfMessagesMoved"] == 1
    assert dlq.outcomes(sqs, pair, 2) == {"processed": 2, "in the DLQ": 0, "still in the source": 1}


def test_failure_run_ends_each_message_processed_or_in_the_dlq(lab, sqs):
    always = dlq.failure_run(lab, "doomed", failure_rate=1.0, max_receive_count=3, seed=1)
    assert always == {"processed": 0, "in the DLQ": 20, "still in the source": 0}
    dlq_url = sqs.get_queue_url(QueueName="doomed-dlq")["QueueUrl"]
    assert sum(queues.depth(sqs, dlq_url)) == 20
    never = dlq.failure_run(lab, "fine", failure_rate=0.0, max_receive_count=3, seed=1, messages=7)
    assert never == {"processed": 7, "in the DLQ": 0, "still in the source": 0}


def test_failure_run_more_receives_save_more_messages(lab):
    few = dlq.failure_run(lab, "strict", failure_rate=0.5, max_receive_count=1, seed=2)
    many = dlq.failure_run(lab, "patient", failure_rate=0.5, max_receive_count=10, seed=2)
    assert sum(few.values()) == sum(many.values()) == 20
    assert many["in the DLQ"] < few["in the DLQ"] and many["processed"] > few["processed"]
