"""Exercise 7.4's check: the worked answer passes on repeated runs; a redrive before the fix, one
that does not wait, one that waits without letting time pass, one of the wrong queue and a manual
one each get their own hint, with no line of the answer in it."""

from __future__ import annotations

import json

import pytest
from capstone_answers import answers, leaked

from sqslab import engines
from sqslab.exercises import check_order_redrive
from sqslab.exercises.capstone_redrive import dead_lettered


def dlq_arn(sqs, url):
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


@pytest.fixture
def wrong(lab):
    """Redrives a learner might write, on the test's lab clock."""

    def before_the_fix(sqs, dlq_url, fix):
        arn = dlq_arn(sqs, dlq_url)
        sqs.start_message_move_task(SourceArn=arn)
        while sqs.list_message_move_tasks(SourceArn=arn)["Results"][0]["Status"] == "RUNNING":
            lab.wait(1)
        fix()

    def without_the_fix(sqs, dlq_url, fix):
        arn = dlq_arn(sqs, dlq_url)
        sqs.start_message_move_task(SourceArn=arn)
        while sqs.list_message_move_tasks(SourceArn=arn)["Results"][0]["Status"] == "RUNNING":
            lab.wait(1)

    def no_wait(sqs, dlq_url, fix):
        fix()
        sqs.start_message_move_task(SourceArn=dlq_arn(sqs, dlq_url))

    def busy_wait(sqs, dlq_url, fix):
        fix()
        arn = dlq_arn(sqs, dlq_url)
        sqs.start_message_move_task(SourceArn=arn)
        while sqs.list_message_move_tasks(SourceArn=arn)["Results"][0]["Status"] == "RUNNING":
            pass  # the lab clock never moves

    def the_source_queue(sqs, dlq_url, fix):
        fix()
        sqs.start_message_move_task(SourceArn=dlq_arn(sqs, dlq_url.replace("-dlq", "")))

    def by_hand(sqs, dlq_url, fix):
        fix()
        source = dlq_url.replace("-dlq", "")
        while batch := sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in batch:
                order = json.loads(message["Body"])
                sqs.send_message(
                    QueueUrl=source,
                    MessageBody=message["Body"],
                    MessageGroupId=order["customer_id"],
                    MessageDeduplicationId=f"{order['order_id']}-redriven",
                )
                sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=message["ReceiptHandle"])

    return locals()


def hinted(lab, fn, *phrases):
    check = check_order_redrive(lab, fn)
    assert not check, check.message
    for phrase in phrases:
        assert phrase in check.message, check.message
    assert not leaked(check.message), leaked(check.message)
    return check


def test_the_dead_letter_queue_it_builds(lab):
    pipeline = dead_lettered(lab)
    parked = {r["order_id"] for r in pipeline.dlq_records()}
    assert {"ORD-10013", "ORD-10047"} <= parked  # the two poison orders, and one held back
    assert "ORD-10001" not in parked


def test_the_answer_passes_every_time(lab):
    redrive = answers(lab).redrive_after_fix
    for _ in range(3):
        check = check_order_redrive(lab, redrive)
        assert check, check.message
    assert "the DLQ is empty" in check.message


def test_before_it_is_written(lab):
    assert "define redrive_after_fix" in check_order_redrive(lab, None).message
    hinted(lab, lambda sqs, dlq_url, fix: None, "started no message move task")


def test_redriving_before_the_fix_refills_the_dlq(lab, wrong):
    hinted(lab, wrong["before_the_fix"], "before the fix was deployed", "back to the DLQ")
    hinted(lab, wrong["without_the_fix"], "never deployed", "back in the DLQ")


def test_returning_while_the_task_runs(lab, wrong):
    hinted(lab, wrong["no_wait"], "still RUNNING", "still in the DLQ")
    assert "lab.wait(1)" in check_order_redrive(lab, wrong["no_wait"], hint=3).more[-1]


def test_waiting_without_letting_time_pass(lab, wrong):
    check = hinted(lab, wrong["busy_wait"], "does not stop", "ListMessageMoveTasks")
    assert "lab.wait(1)" in check.more[0]


def test_the_wrong_queue_and_a_redrive_by_hand(lab, wrong):
    check = hinted(lab, wrong["the_source_queue"], "Dead Letter Queue")
    assert "names the DLQ" in check.more[0]
    hinted(lab, wrong["by_hand"], "started no message move task")


def elsewhere(lab):
    """A redrive that deploys the fix, then moves the orders into another queue and waits."""

    def redrive(sqs, dlq_url, fix):
        fix()
        other = sqs.create_queue(
            QueueName=f"{lab.namespace.prefix}elsewhere.fifo", Attributes={"FifoQueue": "true"}
        )["QueueUrl"]
        arn = dlq_arn(sqs, dlq_url)
        sqs.start_message_move_task(SourceArn=arn, DestinationArn=dlq_arn(sqs, other))
        while sqs.list_message_move_tasks(SourceArn=arn)["Results"][0]["Status"] == "RUNNING":
            lab.wait(1)

    return redrive


def test_orders_moved_somewhere_else_are_not_a_pass(lab):
    hinted(lab, elsewhere(lab), "never reached the consumers", "somewhere else")
    assert "DestinationArn" in check_order_redrive(lab, elsewhere(lab), hint=2).more[0]


def test_orders_an_engine_drops_on_redrive_are_said_not_hidden(lab, wrong):
    """On an engine that keeps the dedup id on a FIFO move task (LocalStack), the orders it drops
    are named and their processing is not judged; on any other engine they are the learner's."""
    lab._engine = engines.Engine("LocalStack 2026.3.0", engines.LOCALSTACK_FLAWS)
    check = check_order_redrive(lab, elsewhere(lab))  # stands in for the engine losing them
    assert check, check.message
    assert "LocalStack 2026.3.0 then dropped" in check.message
    assert "docs/localstack.md, 5.2" in check.message
    hinted(lab, wrong["before_the_fix"], "before the fix was deployed")  # still judged there
