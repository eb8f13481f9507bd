"""`sqslab server` runs the emulator's layers on its real clock, as the in-process backends do on
their virtual one: a message move task runs (plain moto 5.2 has none and answers HTTP 500), a
FIFO deduplication id outlives the delete of its message, and receives that arrive together
never hand one message group to two consumers."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import boto3
import pytest

from sqslab.emulator.clock import RealClock
from sqslab.emulator.host import ServerHost


@pytest.fixture(scope="module")
def sqs(room: str) -> Iterator[object]:
    yield boto3.client(
        "sqs", endpoint_url=room, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip


def arn(sqs, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def test_a_message_move_task_runs_on_the_real_clock(sqs) -> None:
    dlq = sqs.create_queue(QueueName="layers-dlq")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn(sqs, dlq), "maxReceiveCount": "1"})
    source = sqs.create_queue(QueueName="layers-src", Attributes={"RedrivePolicy": policy})[
        "QueueUrl"
    ]
    sqs.send_message(QueueUrl=source, MessageBody="parked")
    sqs.receive_message(QueueUrl=source, VisibilityTimeout=1)  # receive 1 of maxReceiveCount 1
    time.sleep(1.2)  # real time on purpose: the server's clock is real
    assert sqs.receive_message(QueueUrl=source).get("Messages", []) == []  # moved to the DLQ
    assert sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0)["Messages"][0]["Body"] == "parked"
    sqs.start_message_move_task(SourceArn=arn(sqs, dlq))
    deadline = time.monotonic() + 30
    status = "RUNNING"
    while status == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.5)  # real time on purpose: the server's clock is real
        status = sqs.list_message_move_tasks(SourceArn=arn(sqs, dlq))["Results"][0]["Status"]
    assert status == "COMPLETED"
    got = sqs.receive_message(QueueUrl=source, WaitTimeSeconds=2).get("Messages", [])
    assert [m["Body"] for m in got] == ["parked"]


def test_a_fifo_dedup_id_outlives_the_delete(sqs) -> None:
    url = sqs.create_queue(QueueName="layers.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    send = {
        "QueueUrl": url,
        "MessageBody": "once",
        "MessageGroupId": "g",
        "MessageDeduplicationId": "d1",
    }
    sqs.send_message(**send)
    first = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    sqs.send_message(**send)  # within the 5-minute window: dropped, as on AWS
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []


def test_the_server_host_undoes_its_layers_last_first() -> None:
    host, done = ServerHost(RealClock()), []
    host.on_stop(lambda: done.append("first"))
    second = lambda: done.append("second")  # noqa: E731
    host.on_stop(second)
    host.on_stop(second)  # registered twice, run once
    host.stop()
    assert done == ["second", "first"] and host.in_process


def test_receives_at_the_same_moment_never_share_a_message_group(room: str) -> None:
    """moto 5.2 notes a FIFO queue's held groups as a receive begins; eight consumers long-polling
    at once each got messages of the same group (a pipeline then processed a customer's orders
    out of order) until the server took one receive's look at a time."""
    clients = [
        boto3.client(
            "sqs",
            endpoint_url=room,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )  # fmt: skip
        for _ in range(8)
    ]
    dlq = clients[0].create_queue(QueueName="layers-shared-dlq.fifo", Attributes=FIFO)["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": arn(clients[0], dlq), "maxReceiveCount": 3})
    for round_ in range(6):  # a race: each round met it about every other time before
        url = clients[0].create_queue(
            QueueName=f"layers-shared-{round_}.fifo", Attributes={**FIFO, "RedrivePolicy": policy}
        )["QueueUrl"]
        fill(clients[0], url, 300, groups=39)
        groups = [g for batch in receive_together(clients, url) for g in batch]
        assert len(groups) > 10  # several consumers got messages
        assert len(groups) == len(set(groups)), sorted(groups)


FIFO = {"FifoQueue": "true", "VisibilityTimeout": "30"}


def fill(sqs, url: str, count: int, groups: int) -> None:
    """``count`` messages over ``groups`` message groups, the body naming the group."""
    for start in range(0, count, 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(n), "MessageBody": f"g{n % groups}", "MessageGroupId": f"g{n % groups}",
                 "MessageDeduplicationId": str(n)}
                for n in range(start, start + 10)
            ],
        )  # fmt: skip


def receive_together(clients: list, url: str) -> list[set[str]]:
    """One long-polling receive per client, all let go at once; the groups each one got."""
    together, batches = threading.Barrier(len(clients)), []

    def consume(sqs) -> None:
        together.wait()
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2)
        batches.append({m["Body"] for m in got.get("Messages", [])})

    threads = [threading.Thread(target=consume, args=(sqs,)) for sqs in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return batches
