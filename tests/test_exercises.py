"""Exercise checks give a specific hint before the exercise is done and PASS after."""

from __future__ import annotations

from sqslab import exercises


def test_payments_fifo_hints_then_passes(sqs):
    first = exercises.check_payments_fifo(sqs)
    assert not first and "no queue named 'payments.fifo'" in repr(first)
    url = sqs.create_queue(QueueName="payments.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert "ContentBasedDeduplication" in exercises.check_payments_fifo(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    assert "120 seconds" in exercises.check_payments_fifo(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "120"})
    done = exercises.check_payments_fifo(sqs)
    assert done and repr(done).startswith("PASS [ex1.1]")


def test_thumbnails_hints_in_order_then_passes(sqs):
    assert "no queue named 'thumbnails'" in exercises.check_thumbnails_queue(sqs).message
    url = sqs.create_queue(QueueName="thumbnails")["QueueUrl"]
    assert "20 seconds" in exercises.check_thumbnails_queue(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": "20"})
    assert "86400" in exercises.check_thumbnails_queue(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "86400"})
    assert "tag_queue" in exercises.check_thumbnails_queue(sqs).message
    sqs.tag_queue(QueueUrl=url, Tags={"team": "media"})
    assert exercises.check_thumbnails_queue(sqs)


def test_first_roundtrip_hints_each_missing_step_then_passes(lab, sqs):
    assert "create the queue first" in exercises.check_first_roundtrip(lab).message
    url = sqs.create_queue(QueueName="hello")["QueueUrl"]
    assert "send a message" in exercises.check_first_roundtrip(lab).message
    sqs.send_message(QueueUrl=url, MessageBody="ping")
    assert "receive it" in exercises.check_first_roundtrip(lab).message
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.send_message(QueueUrl=url, MessageBody="extra")
    assert "delete it" in exercises.check_first_roundtrip(lab).message
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert "1 message(s) are still in 'hello'" in exercises.check_first_roundtrip(lab).message
    extra = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=extra)
    assert exercises.check_first_roundtrip(lab)
