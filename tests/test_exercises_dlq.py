"""Chapter 5 checks: hints before the exercise is done, PASS for a right answer, the hint for each mistake."""

from __future__ import annotations

import json

from sqslab import dlq, facts
from sqslab.consumer import StopPolicy, consume
from sqslab.exercises import check_payments_pair, check_poison_caught, check_redriven, run_invoices

LONGEST = str(int(facts.get("message_retention").value))


def make_payments(sqs, count=5, dlq_retention=LONGEST, source_retention=None):
    dlq_url = sqs.create_queue(
        QueueName="payments-dlq", Attributes={"MessageRetentionPeriod": dlq_retention}
    )["QueueUrl"]
    arn = dlq.arn(sqs, dlq_url)
    attrs = {"RedrivePolicy": json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": count})}
    if source_retention:
        attrs["MessageRetentionPeriod"] = source_retention
    sqs.create_queue(QueueName="payments", Attributes=attrs)


def test_pair_check_hints_until_both_queues_exist(sqs):
    check = check_payments_pair(sqs)
    assert not check and "create the DLQ first" in check.message
    sqs.create_queue(QueueName="payments-dlq")
    check = check_payments_pair(sqs)
    assert not check and "create the source queue" in check.message
    sqs.create_queue(QueueName="payments")
    check = check_payments_pair(sqs)
    assert not check and "no RedrivePolicy" in check.message


def test_pair_check_passes_for_a_right_answer(sqs):
    make_payments(sqs)
    check = check_payments_pair(sqs)
    assert check, check.message


def test_pair_check_catches_count_and_retention(sqs):
    make_payments(sqs, count=3)
    check = check_payments_pair(sqs)
    assert not check and "maxReceiveCount is 3" in check.message


def test_pair_check_catches_a_short_dlq_retention(sqs):
    make_payments(sqs, dlq_retention="345600")
    check = check_payments_pair(sqs)
    assert not check and "longest retention" in check.message and LONGEST in check.hints[1]


def test_pair_check_catches_a_policy_naming_another_queue(sqs):
    other = dlq.arn(sqs, sqs.create_queue(QueueName="elsewhere")["QueueUrl"])
    sqs.create_queue(QueueName="payments-dlq", Attributes={"MessageRetentionPeriod": LONGEST})
    policy = json.dumps({"deadLetterTargetArn": other, "maxReceiveCount": 5})
    sqs.create_queue(QueueName="payments", Attributes={"RedrivePolicy": policy})
    check = check_payments_pair(sqs)
    assert not check and "not the ARN" in check.message


def parse_invoice(message) -> None:
    amount = json.loads(message.body)["eur"]
    if not isinstance(amount, int):
        raise ValueError(f"amount {amount!r} is not a number")


LOGGED: list[str] = []


def swallow(message) -> None:
    try:
        parse_invoice(message)
    except ValueError as err:
        LOGGED.append(str(err))  # logged, then the handler returns: a "success"


def test_poison_check_hints_without_a_run(lab):
    check = check_poison_caught(lab, None)
    assert not check and "run_invoices" in check.message


def test_poison_check_catches_a_handler_that_swallows_errors(lab):
    run = run_invoices(lab, swallow)
    check = check_poison_caught(lab, run)
    assert not check and "after it catches the error" in check.message
    assert "raise it again" in check.hints[-1]
    assert run.outcomes(lab.sqs)["in the DLQ"] == 0


def test_poison_check_passes_when_the_handler_raises_even_after_a_bad_run(lab):
    run_invoices(lab, swallow)
    run = run_invoices(lab, parse_invoice)
    check = check_poison_caught(lab, run)
    assert check, check.message
    assert run.outcomes(lab.sqs)["in the DLQ"] == 1
    assert run.result.failures == 3


def test_poison_check_catches_good_invoices_left_undone(lab):
    def fail_all(message) -> None:
        raise RuntimeError("down")

    check = check_poison_caught(lab, run_invoices(lab, fail_all))
    assert not check and "were not processed" in check.message


def fill_refunds_dlq(lab):
    pair = dlq.create_pair(
        lab.sqs, "refunds", max_receive_count=2, source_attributes={"VisibilityTimeout": "10"}
    )
    for n in range(3):
        lab.sqs.send_message(QueueUrl=pair.source_url, MessageBody=f"refund {n}")

    def broken(message) -> None:
        raise RuntimeError("refund service down")

    consume(lab.sqs, pair.source_url, broken, stop=StopPolicy(idle_timeout=30))
    return pair


def test_redrive_check_hints_step_by_step_and_passes(lab):
    assert "set-up cell" in check_redriven(lab).message
    pair = fill_refunds_dlq(lab)
    check = check_redriven(lab)
    assert not check and "no message move task" in check.message
    assert "start_message_move_task" in check.hints[-1]
    lab.sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=1)
    check = check_redriven(lab)
    assert not check and "RUNNING" in check.message
    lab.wait(5)
    check = check_redriven(lab)
    assert not check and "consume them" in check.message
    consume(lab.sqs, pair.source_url, lambda m: None, stop=StopPolicy(idle_timeout=30))
    check = check_redriven(lab)
    assert check, check.message
