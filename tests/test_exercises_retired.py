"""The retired checks of exercises 2.3, 3.2 and 3.3 (``sqslab.exercises.retired``): no notebook
calls them any more; they keep working while ``tests/test_bad_input_lab.py`` names them."""

from __future__ import annotations

import json

import pytest

from sqslab import facts
from sqslab.consumer import StopPolicy, WorkerPool
from sqslab.exercises import check_idempotent, check_large_report, check_no_double_processing
from sqslab.exercises.producers import fresh_queue, peek
from sqslab.payloads import PayloadStore, parse_pointer
from sqslab.producer import Producer


def _report() -> str:
    line = "2026-01-05,store-07,sku-000123,19.90\n"
    return line * (2 * int(facts.get("max_message_size").value) // len(line))


def _store(lab) -> PayloadStore:
    store = PayloadStore(lab.client("s3"), "reports-payloads")
    store.ensure_bucket()
    return store


def test_large_report_hints_before_setup_and_before_sending(lab, sqs):
    report = _report()
    assert "run the set-up cell" in check_large_report(lab, report).message
    fresh_queue(lab, "reports")
    check = check_large_report(lab, report)
    assert not check and "PayloadStore" in check.message


def test_large_report_passes_through_s3(lab, sqs):
    report = _report()
    url = fresh_queue(lab, "reports")
    Producer(sqs, url, payloads=_store(lab)).send(report)
    check = check_large_report(lab, report)
    assert check.passed, check
    assert "s3://reports-payloads/" in check.message
    assert check_large_report(lab, report).passed


def test_large_report_rejects_a_plain_message(lab, sqs):
    report = _report()
    url = fresh_queue(lab, "reports")
    sqs.send_message(QueueUrl=url, MessageBody=report[:1000])
    assert "not an S3 pointer" in check_large_report(lab, report).message


def test_large_report_notices_a_deleted_object(lab, sqs):
    report = _report()
    url = fresh_queue(lab, "reports")
    store = _store(lab)
    Producer(sqs, url, payloads=store).send(report)
    store.delete(peek(lab, url)[0]["Body"])
    assert "is gone" in check_large_report(lab, report).message


def test_large_report_notices_other_content_and_repeats(lab, sqs):
    report = _report()
    url = fresh_queue(lab, "reports")
    producer = Producer(sqs, url, payloads=PayloadStore(lab.client("s3"), "reports-payloads"))
    producer.payloads.ensure_bucket()
    producer.send(report[: len(report) * 3 // 4])
    message = check_large_report(lab, report).message
    assert "differ from `report`" in message
    assert parse_pointer(peek(lab, url)[0]["Body"]) is not None
    producer.send(report)
    assert "2 messages are in 'reports'" in check_large_report(lab, report).message


def test_large_report_notices_a_missing_bucket(lab, sqs):
    report = _report()
    url = fresh_queue(lab, "reports")
    store = PayloadStore(lab.client("s3"), "no-such-bucket")
    with pytest.raises(Exception, match="NoSuchBucket"):
        Producer(sqs, url, payloads=store).send(report)
    pointer = json.dumps(
        [
            "software.amazon.payloadoffloading.PayloadS3Pointer",
            {"s3BucketName": "no-such-bucket", "s3Key": "k"},
        ]
    )
    sqs.send_message(QueueUrl=url, MessageBody=pointer)
    assert "ensure_bucket" in check_large_report(lab, report).message


def test_double_processing_lab_hints_then_passes(lab, sqs):

    url = sqs.create_queue(QueueName="slow", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))

    def slow(m):
        lab.wait(45)

    broken = WorkerPool(sqs, url, slow, workers=2, stop=StopPolicy(idle_timeout=60)).run()
    assert "processed twice" in check_no_double_processing(broken, 4).message
    assert not check_no_double_processing(None, 4)
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=str(i))
    fixed = WorkerPool(sqs, url, slow, workers=2, heartbeat_interval=10).run()
    assert check_no_double_processing(fixed, 4).passed


def test_idempotency_check():

    assert "no duplicate" in check_idempotent(["a", "b"], ["a", "b"], 0).message
    assert "charged twice" in check_idempotent(["a", "a", "b"], ["a", "b"], 1).message
    assert "never charged" in check_idempotent(["a"], ["a", "b"], 1).message
    assert check_idempotent(["a", "b"], ["a", "b"], 2).passed
