"""The trace records every SQS call with sizes, ids, results and virtual timestamps."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

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
