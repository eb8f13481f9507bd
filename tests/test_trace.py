"""The trace records every SQS call with sizes, ids, results and virtual timestamps."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sqslab.lab import start
from sqslab.trace import message_size


def test_records_operations_sizes_ids_and_virtual_times(lab, sqs):
    url = sqs.create_queue(QueueName="traced")["QueueUrl"]
    sent = sqs.send_message(
        QueueUrl=url,
        MessageBody="héllo",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
    )
    batch = sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x" * 10} for i in range(3)]
    )
    lab.wait(60)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=20)
    ops = [r.operation for r in lab.trace]
    assert ops == ["CreateQueue", "SendMessage", "SendMessageBatch", "ReceiveMessage"]
    create, single, multi, receive = lab.trace.records
    assert create.queue == "traced" and receive.queue == "traced"
    assert single.payload_bytes == len("héllo".encode()) + len("kind") + len("String") + len(
        "greeting"
    )
    assert single.message_ids == [sent["MessageId"]]
    assert multi.entries == 3 and multi.payload_bytes == 30
    assert multi.message_ids == [e["MessageId"] for e in batch["Successful"]]
    assert receive.received == len(got["Messages"]) == 4
    assert receive.params == {"MaxNumberOfMessages": 10, "WaitTimeSeconds": 20}
    assert receive.started - single.started == 60
    assert all(r.ok for r in lab.trace)


def test_long_poll_record_spans_the_virtual_wait(lab, sqs):
    url = sqs.create_queue(QueueName="quiet")["QueueUrl"]
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    rec = lab.trace[-1]
    assert rec.received == 0
    assert rec.ended - rec.started == pytest.approx(20)


def test_failed_calls_are_recorded_with_their_error(lab, sqs):
    with pytest.raises(ClientError):
        sqs.get_queue_url(QueueName="missing")
    assert lab.trace[-1].operation == "GetQueueUrl"
    assert lab.trace[-1].error in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")
    assert not lab.trace[-1].ok


def test_batch_failures_are_counted(lab, sqs):
    url = sqs.create_queue(QueueName="partial")["QueueUrl"]
    sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": "a", "ReceiptHandle": "not-a-handle"}])
    assert lab.trace[-1].failed == 1
    assert lab.trace[-1].entries == 1


def test_table_and_counts(lab, sqs):
    url = sqs.create_queue(QueueName="t")["QueueUrl"]
    for _ in range(2):
        sqs.send_message(QueueUrl=url, MessageBody="b")
    assert lab.trace.operations() == {"CreateQueue": 1, "SendMessage": 2}
    table = lab.trace.table(last=2)
    assert len(table) == 2
    assert table.column("operation") == ["SendMessage", "SendMessage"]
    assert table.column("time") == ["01-05 09:00:00.000", "01-05 09:00:00.000"]
    assert "<td>SendMessage</td>" in table._repr_html_()
    lab.trace.clear()
    assert len(lab.trace) == 0


def test_message_size_counts_binary_attributes():
    attrs = {"blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\x02"}}
    assert message_size("ab", attrs) == 2 + 4 + 6 + 3


def test_table_columns_are_unchanged(lab, sqs):
    sqs.create_queue(QueueName="cols")
    assert lab.trace.table().columns == (
        "seq",
        "time",
        "operation",
        "queue",
        "entries",
        "bytes",
        "received",
        "failed",
        "error",
    )


def test_sends_keep_each_message_delay(lab, sqs):
    url = sqs.create_queue(QueueName="delays")["QueueUrl"]
    single = sqs.send_message(QueueUrl=url, MessageBody="a", DelaySeconds=5)
    batch = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "x", "MessageBody": "b", "DelaySeconds": 7},
            {"Id": "y", "MessageBody": "c"},
        ],
    )
    one, many = lab.trace.for_queue("delays")[1:]
    assert [(m.message_id, m.delay_seconds, m.ok) for m in one.messages] == [
        (single["MessageId"], 5, True)
    ]
    ids = {e["Id"]: e["MessageId"] for e in batch["Successful"]}
    assert [(m.entry_id, m.message_id, m.delay_seconds) for m in many.messages] == [
        ("x", ids["x"], 7),
        ("y", ids["y"], None),
    ]


def test_receive_keeps_ids_handles_and_the_timeout_asked_for(lab, sqs):
    url = sqs.create_queue(QueueName="pairs")["QueueUrl"]
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(2)]
    )
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=45)
    rec = lab.trace[-1]
    assert rec.receipts == [(m["MessageId"], m["ReceiptHandle"]) for m in got["Messages"]]
    assert rec.visibility_timeout == 45
    assert {m.visibility_timeout for m in rec.messages} == {45}
    sqs.receive_message(QueueUrl=url)
    assert lab.trace[-1].visibility_timeout is None and lab.trace[-1].messages == []


def test_batch_delete_and_visibility_change_keep_handles_and_which_succeeded(lab, sqs):
    url = sqs.create_queue(QueueName="handles")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    sqs.change_message_visibility_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "good", "ReceiptHandle": handle, "VisibilityTimeout": 90},
            {"Id": "bad", "ReceiptHandle": "bogus", "VisibilityTimeout": 10},
        ],
    )
    change = lab.trace[-1]
    assert [(m.receipt_handle, m.visibility_timeout, m.ok) for m in change.messages] == [
        (handle, 90, True),
        ("bogus", 10, False),
    ]
    sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": "a", "ReceiptHandle": "bogus"}, {"Id": "b", "ReceiptHandle": handle}],
    )
    assert [(m.receipt_handle, m.ok) for m in lab.trace[-1].messages] == [
        ("bogus", False),
        (handle, True),
    ]


def test_a_failed_call_marks_its_message_failed(lab, sqs):
    url = sqs.create_queue(QueueName="fails")["QueueUrl"]
    with pytest.raises(ClientError):
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle="bogus", VisibilityTimeout=5)
    rec = lab.trace[-1]
    assert not rec.ok
    assert [(m.receipt_handle, m.visibility_timeout, m.ok) for m in rec.messages] == [
        ("bogus", 5, False)
    ]


def test_for_queue_selects_one_queue_by_name_or_url(lab, sqs):
    first = sqs.create_queue(QueueName="first")["QueueUrl"]
    second = sqs.create_queue(QueueName="second")["QueueUrl"]
    sqs.send_message(QueueUrl=first, MessageBody="1")
    sqs.send_message(QueueUrl=second, MessageBody="2")
    by_name = lab.trace.for_queue("first")
    assert [r.operation for r in by_name] == ["CreateQueue", "SendMessage"]
    assert lab.trace.for_queue(second) == lab.trace.for_queue("second")
    assert all(r.queue == "second" for r in lab.trace.for_queue(second))


def test_for_queue_finds_a_queue_by_its_lesson_name_when_the_lab_prefixes_names(monkeypatch):
    monkeypatch.setenv("SQSLAB_NAMESPACE", "alice")
    lab = start("moto", quiet=True)
    try:
        url = lab.sqs.create_queue(QueueName="first")["QueueUrl"]
        lab.sqs.send_message(QueueUrl=url, MessageBody="1")
        assert url.endswith("/alice-first")
        assert [r.operation for r in lab.trace.for_queue("first")] == ["CreateQueue", "SendMessage"]
        assert lab.trace.for_queue("first") == lab.trace.for_queue(url)
        assert lab.trace.for_queue("alice-first") == lab.trace.for_queue(url)
    finally:
        lab.stop()


def test_create_queue_attributes_are_kept(lab, sqs):
    sqs.create_queue(QueueName="attrs", Attributes={"VisibilityTimeout": "12"})
    assert lab.trace[-1].params["Attributes"] == {"VisibilityTimeout": "12"}


def test_paused_leaves_calls_out_and_restores_recording(lab, sqs):
    url = sqs.create_queue(QueueName="quietly")["QueueUrl"]
    with pytest.raises(RuntimeError), lab.trace.paused():
        sqs.get_queue_attributes(QueueUrl=url)
        raise RuntimeError("boom")
    assert lab.trace.operations() == {"CreateQueue": 1}
    sqs.get_queue_attributes(QueueUrl=url)
    assert lab.trace.operations() == {"CreateQueue": 1, "GetQueueAttributes": 1}
