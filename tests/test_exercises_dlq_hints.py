"""Chapter 5's graded hints for exercises 5.1-5.3: the first hint says what is wrong and where to
look, without a line of the solution; the last comes close to it."""

from __future__ import annotations

import contextlib
import json

from sqslab import dlq
from sqslab.consumer import StopPolicy, consume
from sqslab.exercises import check_payments_pair, check_poison_caught, check_redriven, run_invoices

SOLUTION_LINES = (
    "sqs.create_queue(",
    "json.dumps(",
    "start_message_move_task(",
    "raise",
    "lab.wait(",
)


def assert_graded(check, last_has: str) -> None:
    assert not check and len(check.hints) >= 2, check.hints
    assert not any(line in check.message for line in SOLUTION_LINES), check.message
    assert last_has in check.hints[-1]


def test_pair_hints_are_graded(sqs):
    assert_graded(check_payments_pair(sqs), "sqs.create_queue(QueueName='payments-dlq'")
    sqs.create_queue(QueueName="payments-dlq")
    assert_graded(check_payments_pair(sqs), "RedrivePolicy")
    sqs.create_queue(QueueName="payments")
    assert_graded(check_payments_pair(sqs), "'maxReceiveCount': 5")


def test_pair_retention_hint_keeps_the_number_for_later(sqs):
    dlq_url = sqs.create_queue(QueueName="payments-dlq")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": dlq.arn(sqs, dlq_url), "maxReceiveCount": 5})
    sqs.create_queue(QueueName="payments", Attributes={"RedrivePolicy": policy})
    check = check_payments_pair(sqs)
    assert_graded(check, "message_retention")
    assert "1209600" not in check.message


def swallow(message) -> None:
    with contextlib.suppress(ValueError):
        int(json.loads(message.body)["eur"])


def test_poison_hint_asks_before_it_tells(lab):
    check = check_poison_caught(lab, run_invoices(lab, swallow))
    assert_graded(check, "raise it again")


def test_redrive_hints_are_graded(lab):
    pair = dlq.create_pair(
        lab.sqs, "refunds", max_receive_count=1, source_attributes={"VisibilityTimeout": "5"}
    )
    lab.sqs.send_message(QueueUrl=pair.source_url, MessageBody="refund 1")

    def down(message) -> None:
        raise RuntimeError("down")

    consume(lab.sqs, pair.source_url, down, stop=StopPolicy(idle_timeout=20))
    assert_graded(check_redriven(lab), "start_message_move_task(SourceArn=")
    lab.sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=1)
    check = check_redriven(lab)  # one message at one per second: still RUNNING
    assert check.message.startswith("the move task is RUNNING")
    assert_graded(check, "lab.wait(1)")
