"""The fair-queue layer in `sqslab server` (its own process, a real clock, a thread per request)
and on the in-kernel ``server`` backend: the issue's acceptance test, and consumers that receive
at the same moment still get every message once, quiet tenants' first."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import boto3
import pytest
from test_fair_queues import noisy_neighbour

from sqslab.emulator import fair_queues
from sqslab.lab import start


def client(url: str):
    return boto3.client(
        "sqs", endpoint_url=url, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip


@pytest.fixture(scope="module")
def sqs(room: str) -> Iterator[object]:
    yield client(room)


def test_quiet_tenants_come_back_first_on_sqslab_server(sqs):
    reply = noisy_neighbour(sqs, "server-fair", grouped=True)
    assert [m["Body"] for m in reply["Messages"]] == [f"tenant{n}-0" for n in range(10)]
    assert reply["ResponseMetadata"]["HTTPHeaders"][fair_queues.HEADER] == fair_queues.HEADER_VALUE
    plain = noisy_neighbour(sqs, "server-plain", grouped=False)
    assert [m["Body"] for m in plain["Messages"]] == [f"solo-{n}" for n in range(100, 110)]


def test_consumers_receiving_at_once_get_each_message_once_quiet_first(room: str, sqs):
    noisy_neighbour(sqs, "server-together", grouped=True)  # its quiet messages are in flight
    url = sqs.get_queue_url(QueueName="server-together")["QueueUrl"]
    for n in range(10, 20):
        sqs.send_message(QueueUrl=url, MessageBody=f"tenant{n}-0", MessageGroupId=f"tenant{n}")
    clients = [client(room) for _ in range(8)]
    together, batches = threading.Barrier(len(clients)), []

    def consume(one) -> None:
        together.wait()
        got = one.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        batches.append([m["Body"] for m in got.get("Messages", [])])

    threads = [threading.Thread(target=consume, args=(one,)) for one in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    bodies = [body for batch in batches for body in batch]
    assert len(bodies) == 80 and len(set(bodies)) == 80  # nothing twice, nothing dropped
    quiet = {f"tenant{n}-0" for n in range(10, 20)}
    assert quiet <= set(bodies)
    assert any(set(batch) == quiet for batch in batches)  # the first look took them all


def test_quiet_tenants_come_back_first_on_the_server_backend():
    lab = start("server", quiet=True)
    try:
        reply = noisy_neighbour(lab.sqs, "in-kernel-fair", grouped=True)
        assert [m["Body"] for m in reply["Messages"]] == [f"tenant{n}-0" for n in range(10)]
        assert fair_queues.active()
    finally:
        lab.stop()
    assert not fair_queues.active()
