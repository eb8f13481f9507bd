"""Chapter 0's graded hints: each step's first hint says what is missing and where to look; the
boto3 line comes only with a later hint."""

from __future__ import annotations

from sqslab import exercises

SOLUTION_LINES = ("sqs.", "lab.wait(", "VisibilityTimeout=600", "ReceiptHandle=")


def assert_graded(check, last_has: str) -> None:
    assert not check and len(check.hints) >= 2, check.hints
    assert not any(line in check.message for line in SOLUTION_LINES), check.message
    assert last_has in check.hints[-1]


def test_first_roundtrip_keeps_each_call_for_a_later_hint(lab, sqs):
    assert_graded(exercises.check_first_roundtrip(lab), "sqs.create_queue(QueueName='hello')")
    url = sqs.create_queue(QueueName="hello")["QueueUrl"]
    assert_graded(exercises.check_first_roundtrip(lab), "sqs.send_message(")
    sqs.send_message(QueueUrl=url, MessageBody="ping")
    assert_graded(exercises.check_first_roundtrip(lab), "sqs.receive_message(")
    sqs.receive_message(QueueUrl=url)
    check = exercises.check_first_roundtrip(lab)
    assert_graded(check, "ReceiptHandle=reply['Messages'][0]['ReceiptHandle']")
    assert "receipt handle" in check.hints[1]


def test_comes_back_keeps_the_calls_for_later(lab, sqs):
    assert_graded(exercises.check_comes_back(lab), "sqs.create_queue(")
    url = sqs.create_queue(QueueName="second-chance")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    assert_graded(exercises.check_comes_back(lab), "VisibilityTimeout=600")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)
    assert_graded(exercises.check_comes_back(lab), "lab.wait(601)")
