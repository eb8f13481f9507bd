"""Exercise 2.3, the claim check in boto3: the check passes the solution and names what a wrong
send_large or receive_large does (inline body, deletes in the wrong order or too early, objects
left behind, a key shared by two sends), with a first hint that gives no solution line."""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid

import pytest
from solution_code import leaks

from sqslab.exercises import check_claim_check
from sqslab.exercises.claim_check import (
    BUCKET,
    QUEUE,
    bucket_name,
    fresh_bucket,
    object_keys,
    read_pointer,
    report,
)

CHAPTER = "02_producers"


def put_then_send(sqs, s3, queue_url, bucket, body):
    key = f"reports/{uuid.uuid4()}"
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"bucket": bucket, "key": key}))


def receive_in_order(sqs, s3, queue_url, process):
    reply = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10)
    for message in reply.get("Messages", []):
        pointer = json.loads(message["Body"])
        stored = s3.get_object(Bucket=pointer["bucket"], Key=pointer["key"])
        process(stored["Body"].read().decode("utf-8"))
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        s3.delete_object(Bucket=pointer["bucket"], Key=pointer["key"])


# --- wrong send_large ------------------------------------------------------------------------


def inline(sqs, s3, queue_url, bucket, body):
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)


def key_from_body(sqs, s3, queue_url, bucket, body):
    key = hashlib.sha256(body.encode()).hexdigest()
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"bucket": bucket, "key": key}))


def send_first(sqs, s3, queue_url, bucket, body):
    key = f"reports/{uuid.uuid4()}"
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"bucket": bucket, "key": key}))
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))


def wrong_key(sqs, s3, queue_url, bucket, body):
    s3.put_object(Bucket=bucket, Key="reports/a", Body=body.encode("utf-8"))
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"bucket": bucket, "key": "b"}))


def not_json(sqs, s3, queue_url, bucket, body):
    s3.put_object(Bucket=bucket, Key="reports/a", Body=body.encode("utf-8"))
    sqs.send_message(QueueUrl=queue_url, MessageBody=f"s3://{bucket}/reports/a")


def half_body(sqs, s3, queue_url, bucket, body):
    key = f"reports/{uuid.uuid4()}"
    s3.put_object(Bucket=bucket, Key=key, Body=body[: len(body) // 2].encode("utf-8"))
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"bucket": bucket, "key": key}))


def store_only(sqs, s3, queue_url, bucket, body):
    s3.put_object(Bucket=bucket, Key="reports/a", Body=body.encode("utf-8"))


# --- wrong receive_large ---------------------------------------------------------------------


def _pointer(message):
    pointer = json.loads(message["Body"])
    return pointer["bucket"], pointer["key"]


def delete_first(sqs, s3, queue_url, process):
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        bucket, key = _pointer(message)
        process(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())


def object_first(sqs, s3, queue_url, process):
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        bucket, key = _pointer(message)
        process(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())
        s3.delete_object(Bucket=bucket, Key=key)
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def object_kept(sqs, s3, queue_url, process):
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        bucket, key = _pointer(message)
        process(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def message_kept(sqs, s3, queue_url, process):
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        bucket, key = _pointer(message)
        process(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())


def failure_swallowed(sqs, s3, queue_url, process):
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        bucket, key = _pointer(message)
        with contextlib.suppress(Exception):  # the mistake: a failure is swallowed
            process(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        s3.delete_object(Bucket=bucket, Key=key)


def object_deleted_on_failure(sqs, s3, queue_url, process):
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        bucket, key = _pointer(message)
        text = s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode()
        s3.delete_object(Bucket=bucket, Key=key)
        process(text)
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def pointer_processed(sqs, s3, queue_url, process):
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        process(message["Body"])
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def bytes_processed(sqs, s3, queue_url, process):
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        bucket, key = _pointer(message)
        process(s3.get_object(Bucket=bucket, Key=key)["Body"].read())


def nothing(sqs, s3, queue_url, process):
    """Your code here."""


WRONG = [
    (inline, receive_in_order, "put the check's report itself in the message"),
    (key_from_body, receive_in_order, "shared one S3 key"),
    (send_first, receive_in_order, "sent the pointer before the object was in S3"),
    (wrong_key, receive_in_order, "the pointer does not resolve"),
    (not_json, receive_in_order, "not a pointer the check can read"),
    (half_body, receive_in_order, "holds 640"),
    (store_only, receive_in_order, "sent nothing to the queue"),
    (put_then_send, delete_first, "deleted before its body was read"),
    (put_then_send, object_first, "the S3 object was deleted before the message"),
    (put_then_send, object_kept, "left in the bucket"),
    (put_then_send, message_kept, "the message is still in the queue"),
    (put_then_send, failure_swallowed, "yet the message was deleted"),
    (put_then_send, object_deleted_on_failure, "yet the S3 object was deleted"),
    (put_then_send, pointer_processed, "that are not the report"),
    (put_then_send, bytes_processed, "process got bytes"),
    (put_then_send, nothing, "made no ReceiveMessage call"),
]


def test_the_solution_passes_again_and_again(lab):
    for _ in range(3):
        check = check_claim_check(lab, put_then_send, receive_in_order)
        assert check.passed, check
    assert object_keys(lab.client("s3"), bucket_name(lab, BUCKET)) == []


def test_the_extended_client_pointer_format_passes_too(lab):
    def extended(sqs, s3, queue_url, bucket, body):
        key = f"payloads/{uuid.uuid4()}"
        s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
        pointer = ["software.amazon.payloadoffloading.PayloadS3Pointer"]
        pointer.append({"s3BucketName": bucket, "s3Key": key})
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(pointer))

    def receive(sqs, s3, queue_url, process):
        for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
            bucket, key = read_pointer(message["Body"])
            process(s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode())
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            s3.delete_object(Bucket=bucket, Key=key)

    assert check_claim_check(lab, extended, receive).passed


@pytest.mark.parametrize(
    ("send", "receive", "said"), WRONG, ids=lambda v: getattr(v, "__name__", "")
)
def test_each_mistake_gets_its_own_hint_with_no_solution_line(lab, send, receive, said):
    check = check_claim_check(lab, send, receive)
    assert not check and said in check.message, check
    assert leaks(check.message, CHAPTER) == []
    assert len(check.hints) >= 2, check.hints


def test_a_repeat_shows_more_and_the_last_hint_is_close_to_the_code(lab):
    first = check_claim_check(lab, inline, receive_in_order)
    second = check_claim_check(lab, inline, receive_in_order)
    assert first.level == 1 and second.level == 2
    assert "s3.put_object" in check_claim_check(lab, inline, receive_in_order, hint=3).hints[-1]


def test_functions_not_defined_yet_or_raising(lab):
    assert "define send_large and receive_large" in check_claim_check(lab, None, None).message
    assert "a function you defined" in check_claim_check(lab, "send", None).message

    def unwritten(*_):
        raise NotImplementedError

    assert "not written yet" in check_claim_check(lab, unwritten, receive_in_order).message


def test_the_check_runs_on_its_own_queue_and_bucket(lab, sqs):
    url = sqs.create_queue(QueueName="reports")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="the learner's own message")
    check_claim_check(lab, put_then_send, receive_in_order)
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert left["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert QUEUE != "reports" and len(report().encode()) > 1024 * 1024


def test_fresh_bucket_empties_a_bucket_and_keeps_the_workshop_prefix(lab):
    s3 = lab.client("s3")
    name = fresh_bucket(lab, "reports-payloads")
    s3.put_object(Bucket=name, Key="old", Body=b"x")
    assert fresh_bucket(lab, "reports-payloads") == name and object_keys(s3, name) == []
    lab.namespace.prefix = "alice-"
    assert bucket_name(lab, "Reports") == "alice-reports"


def test_read_pointer_accepts_the_documented_shapes_only():
    assert read_pointer('{"bucket": "b", "key": "k"}') == ("b", "k")
    assert read_pointer('{"s3BucketName": "b", "s3Key": "k"}') == ("b", "k")
    assert read_pointer('{"bucket": "b"}') is None
    assert read_pointer("s3://b/k") is None
    assert read_pointer("[1, 2]") is None


@pytest.mark.parametrize("seed", [1, 7])
def test_the_solution_passes_on_other_seeds(seed):
    from sqslab.lab import start

    lab = start("moto", seed=seed, quiet=True)
    try:
        assert check_claim_check(lab, put_then_send, receive_in_order).passed
        assert not check_claim_check(lab, key_from_body, receive_in_order)
    finally:
        lab.stop()
