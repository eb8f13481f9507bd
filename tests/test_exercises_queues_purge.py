"""Chapter 1 after the content review: the complete attribute table, exercise 1.3's purge (the
learner's own purge_queue calls, the in-flight messages it deletes, the refused second purge),
and graded hints for 1.1-1.3."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sqslab import exercises, facts, queues

SETTABLE = {
    "VisibilityTimeout",
    "MessageRetentionPeriod",
    "DelaySeconds",
    "ReceiveMessageWaitTimeSeconds",
    "MaximumMessageSize",
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "Policy",
    "SqsManagedSseEnabled",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "FifoQueue",
    "ContentBasedDeduplication",
    "DeduplicationScope",
    "FifoThroughputLimit",
}


def test_the_attribute_table_has_every_settable_attribute_with_registry_figures():
    table = queues.attribute_table()
    assert set(table.column("attribute")) == SETTABLE
    rows = dict(zip(table.column("attribute"), table.rows, strict=True))
    assert facts.get("max_receive_count").text in rows["RedrivePolicy"][2]
    assert facts.get("queue_policy_size").text in rows["Policy"][2]
    assert rows["KmsDataKeyReusePeriodSeconds"][3] == facts.get("kms_data_key_reuse").default_text
    fifo_only = {r[0] for r in table.rows if r[1] == "FIFO"}
    assert fifo_only == {"ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"}


def fill(sqs) -> str:
    """Exercise 1.3's set-up: five messages, two of them in flight."""
    url = sqs.create_queue(QueueName="load-test")["QueueUrl"]
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"test message {n}")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)
    return url


def purge_twice(sqs, url) -> str:
    sqs.purge_queue(QueueUrl=url)
    try:
        sqs.purge_queue(QueueUrl=url)
    except sqs.exceptions.PurgeQueueInProgress as err:
        return err.response["Error"]["Code"]
    return "no error"


def test_purge_check_passes_on_the_answer(lab, sqs):
    assert "set-up cell" in exercises.check_purged(lab).message
    url = fill(sqs)
    assert "PurgeQueueInProgress" in purge_twice(sqs, url)
    check = exercises.check_purged(lab)
    assert check, check.message
    assert queues.depth(sqs, url) == (0, 0, 0)  # the in-flight ones too


def test_purge_check_refuses_deleting_one_by_one(lab, sqs):
    url = fill(sqs)
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in got:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    check = exercises.check_purged(lab)
    assert not check and "was not purged" in check.message
    assert "sqs.purge_queue(" not in check.message and "sqs.purge_queue(" in check.hints[-1]


def test_purge_check_wants_the_refused_second_purge(lab, sqs):
    url = fill(sqs)
    sqs.purge_queue(QueueUrl=url)
    check = exercises.check_purged(lab)
    assert not check and "a second time" in check.message
    assert "PurgeQueueInProgress" in check.hints[-1]
    lab.wait(facts.get("purge_cooldown").value + 1)
    sqs.purge_queue(QueueUrl=url)  # after the cooldown: allowed, so still no refusal seen
    assert "a second time" in exercises.check_purged(lab).message


def test_a_purge_before_the_set_up_leaves_messages(lab, sqs):
    url = sqs.create_queue(QueueName="load-test")["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    with pytest.raises(ClientError, match="PurgeQueueInProgress"):
        sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="sent after the purge")
    check = exercises.check_purged(lab)
    assert not check and "1 message(s) are in 'load-test'" in check.message


SOLUTION_LINES = ("sqs.create_queue(", "'FifoQueue': 'true'", "sqs.tag_queue(", "86400")


def test_chapter_1_first_hints_are_graded(sqs):
    for check in (exercises.check_payments_fifo(sqs), exercises.check_thumbnails_queue(sqs)):
        assert not check and len(check.hints) >= 2
        assert not any(line in check.message for line in SOLUTION_LINES), check.message
    url = sqs.create_queue(QueueName="thumbnails")["QueueUrl"]
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={"ReceiveMessageWaitTimeSeconds": "20", "MessageRetentionPeriod": "3600"},
    )
    check = exercises.check_thumbnails_queue(sqs)
    assert "one day" in check.message and "86400" in check.hints[-1]
