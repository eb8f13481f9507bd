"""Exercise 3.1, draining a queue: a graded hint for each step still missing, none of whose first
hints gives a solution line, then PASS."""

from __future__ import annotations

from solution_code import leaks

from sqslab.exercises import check_drain

CHAPTER = "03_consumers"


def _inbox(sqs, n: int = 12) -> str:
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    for i in range(n):
        sqs.send_message(QueueUrl=url, MessageBody=f"task {i}")
    return url


def _first(lab) -> str:
    check = check_drain(lab)
    assert not check and len(check.hints) >= 2, check
    assert leaks(check.message, CHAPTER) == []
    return check.message


def test_drain_hints_until_the_queue_is_emptied_with_long_polling(lab, sqs):
    assert "set-up cell" in repr(check_drain(lab))
    url = _inbox(sqs)
    assert "nothing was received from 'inbox'" in _first(lab)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    assert "short polling" in _first(lab)
    lab.wait(30)  # the short poll's messages become visible again
    lab.trace.clear()
    while msgs := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=20).get(
        "Messages"
    ):
        for m in msgs:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    check = check_drain(lab)
    assert check.passed, check
    lab.trace.clear()
    sqs.send_message(QueueUrl=url, MessageBody="late")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=20)
    assert "none was deleted" in _first(lab)


def test_drain_notices_small_batches_and_an_unfinished_drain(lab, sqs):
    url = _inbox(sqs)
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)["Messages"]
    assert "fewer than 10 messages" in _first(lab)
    lab.trace.clear()
    for m in (
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=20)["Messages"]
        + got
    ):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert "1 message(s) are still in 'inbox'" in _first(lab)
    assert "MaxNumberOfMessages" not in check_drain(lab, hint=1).message
