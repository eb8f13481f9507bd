"""Exercise checks give a specific hint before the exercise is done and PASS after."""

from __future__ import annotations

from sqslab import exercises


def test_payments_fifo_hints_then_passes(sqs):
    first = exercises.check_payments_fifo(sqs)
    assert not first and "no queue named 'payments.fifo'" in repr(first)
    url = sqs.create_queue(QueueName="payments.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    assert "content-based deduplication" in exercises.check_payments_fifo(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ContentBasedDeduplication": "true"})
    assert "2 minutes" in exercises.check_payments_fifo(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "120"})
    done = exercises.check_payments_fifo(sqs)
    assert done and repr(done).startswith("PASS [ex1.1]")


def test_thumbnails_hints_in_order_then_passes(sqs):
    assert "no queue named 'thumbnails'" in exercises.check_thumbnails_queue(sqs).message
    url = sqs.create_queue(QueueName="thumbnails")["QueueUrl"]
    assert "longest wait" in exercises.check_thumbnails_queue(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": "20"})
    assert "one day" in exercises.check_thumbnails_queue(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "86400"})
    assert "team=media" in exercises.check_thumbnails_queue(sqs).message
    sqs.tag_queue(QueueUrl=url, Tags={"team": "media"})
    assert exercises.check_thumbnails_queue(sqs)


def test_first_roundtrip_hints_each_missing_step_then_passes(lab, sqs):
    assert "no queue named 'hello'" in exercises.check_first_roundtrip(lab).message
    url = sqs.create_queue(QueueName="hello")["QueueUrl"]
    assert "nothing was sent" in exercises.check_first_roundtrip(lab).message
    sqs.send_message(QueueUrl=url, MessageBody="ping")
    assert "not received yet" in exercises.check_first_roundtrip(lab).message
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.send_message(QueueUrl=url, MessageBody="extra")
    assert "never deleted" in exercises.check_first_roundtrip(lab).message
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    assert "1 message(s) are still in 'hello'" in exercises.check_first_roundtrip(lab).message
    extra = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=extra)
    assert exercises.check_first_roundtrip(lab)


def test_comes_back_hints_each_step_then_passes(lab, sqs):
    check = exercises.check_comes_back
    assert "no queue named 'second-chance'" in check(lab).message
    url = sqs.create_queue(QueueName="second-chance")["QueueUrl"]
    assert "send one message" in check(lab).message
    sqs.send_message(QueueUrl=url, MessageBody="again")
    assert "receive the message" in check(lab).message
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)
    assert "ten minutes" in check(lab).message  # too short a timeout
    assert "VisibilityTimeout=600" in check(lab, hint=2).shown()[1]
    lab.wait(31)
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)
    assert "did not hide" in check(lab).message  # the first receive still was not 600


def test_comes_back_passes_only_after_the_wait(lab, sqs):
    check = exercises.check_comes_back
    url = sqs.create_queue(QueueName="second-chance")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)
    assert not sqs.receive_message(QueueUrl=url).get("Messages")  # still hidden
    assert "only once" in check(lab).message and "lab.wait(601)" in check(lab).hints[-1]
    lab.wait(601)
    sqs.receive_message(QueueUrl=url)
    assert check(lab), check(lab).message


def test_checks_find_a_learners_queue_under_a_workshop_namespace(monkeypatch):
    monkeypatch.setenv("SQSLAB_NAMESPACE", "alice")
    from sqslab.lab import start

    lab = start("moto", quiet=True)
    try:
        url = lab.sqs.create_queue(QueueName="hello")["QueueUrl"]
        assert url.endswith("/alice-hello")
        lab.sqs.send_message(QueueUrl=url, MessageBody="ping")
        got = lab.sqs.receive_message(QueueUrl=url)["Messages"][0]
        lab.sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
        assert exercises.check_first_roundtrip(lab)
    finally:
        lab.stop()
