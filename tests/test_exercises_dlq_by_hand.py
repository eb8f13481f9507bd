"""Exercise 5.4: a DLQ sent to by hand. The check drives the learner's on_failure under a failed
send to the DLQ and passes only a function that counts with ApproximateReceiveCount and deletes
after a successful send; the guide's version and the usual mistakes each get their own hint."""

from __future__ import annotations

import contextlib
import json

import pytest

from sqslab.exercises import check_parked_by_hand, send_faults
from sqslab.exercises.dlq_by_hand import MAX_RECEIVES

SOLUTION_LINES = ("ApproximateReceiveCount']", "MessageGroupId=message", "send_message(")


def receives(message) -> int:
    return int(message["Attributes"]["ApproximateReceiveCount"])


def copy_to(sqs, dlq_url, message, group=True) -> None:
    extra = {"MessageGroupId": message["Attributes"]["MessageGroupId"]} if group else {}
    sqs.send_message(QueueUrl=dlq_url, MessageBody=message["Body"], **extra)


def solution(sqs):
    def on_failure(message, source_url, dlq_url):
        if receives(message) < MAX_RECEIVES:
            return
        copy_to(sqs, dlq_url, message)
        sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    return on_failure


def the_guide(sqs):
    """The source guide's OrderConsumer: a counter in the parsed body, a swallowed send error."""

    def on_failure(message, source_url, dlq_url):
        order = json.loads(message["Body"])
        order["processing_attempts"] = order.get("processing_attempts", 0) + 1
        if order["processing_attempts"] >= MAX_RECEIVES:
            try:
                sqs.send_message(QueueUrl=dlq_url, MessageBody=json.dumps(order))
            except Exception as err:  # noqa: BLE001 - as the guide does
                print("error sending to the DLQ:", err)
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    return on_failure


def swallowing(sqs):
    def on_failure(message, source_url, dlq_url):
        if receives(message) >= MAX_RECEIVES:
            with contextlib.suppress(Exception):  # the mistake under test
                copy_to(sqs, dlq_url, message)
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    return on_failure


def delete_first(sqs):
    def on_failure(message, source_url, dlq_url):
        if receives(message) >= MAX_RECEIVES:
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])
            copy_to(sqs, dlq_url, message)

    return on_failure


def no_group(sqs):
    def on_failure(message, source_url, dlq_url):
        if receives(message) >= MAX_RECEIVES:
            copy_to(sqs, dlq_url, message, group=False)
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    return on_failure


def at_once(sqs):
    def on_failure(message, source_url, dlq_url):
        copy_to(sqs, dlq_url, message)
        sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    return on_failure


def never_deleted(sqs):
    def on_failure(message, source_url, dlq_url):
        if receives(message) >= MAX_RECEIVES:
            copy_to(sqs, dlq_url, message)

    return on_failure


def test_the_solution_passes_on_every_run(lab, sqs):
    for _ in range(3):
        check = check_parked_by_hand(lab, solution(sqs))
        assert check, check.message
        assert f"parked after {MAX_RECEIVES + 1} receives" in check.message


@pytest.mark.parametrize(
    ("wrong", "says", "last"),
    [
        (the_guide, "never sent it", "ApproximateReceiveCount"),
        (swallowing, "the poison order is lost", "no try/except"),
        (delete_first, "the poison order is lost", "no try/except"),
        (no_group, "SQS refused your send to the DLQ (MissingParameter)", "MessageGroupId"),
        (at_once, "went to the DLQ after 2 receive(s)", "MAX_RECEIVES"),
        (never_deleted, "still in the source too", "ReceiptHandle"),
    ],
)
def test_each_mistake_gets_its_graded_hint(lab, sqs, wrong, says, last):
    check = check_parked_by_hand(lab, wrong(sqs))
    assert not check and says in check.message, check.message
    assert not any(line in check.message for line in SOLUTION_LINES)
    assert last in check.hints[-1]


def test_a_missing_function_is_a_hint(lab):
    check = check_parked_by_hand(lab, None)
    assert not check and "define on_failure" in check.message


def test_send_faults_fail_only_the_chosen_queue_and_times(lab, sqs):
    target = sqs.create_queue(QueueName="target")["QueueUrl"]
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    with send_faults.fail_sends(sqs, target, times=2, code="ServiceUnavailable") as fault:
        for _ in range(2):
            with pytest.raises(sqs.exceptions.ClientError, match="ServiceUnavailable"):
                sqs.send_message(QueueUrl=target, MessageBody="lost?")
        sqs.send_message(QueueUrl=other, MessageBody="fine")
        sqs.send_message(QueueUrl=target, MessageBody="third time")
    assert fault.failed == 2 and "removed" in repr(fault)
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=target)["Messages"]]
    assert bodies == ["third time"]  # a failed send never reached the queue
    sqs.send_message(QueueUrl=target, MessageBody="after undo")
