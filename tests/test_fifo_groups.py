"""The FIFO group layer: after a visibility timeout a group's messages come back in order.

The behaviour tests fail on plain moto 5.2, which returns the last message of a timed-out batch
first (and moves a group's messages into a DLQ out of order)."""

from __future__ import annotations

from typing import Any

import moto.sqs.models as sqs_models
import pytest

from sqslab import dlq
from sqslab.emulator import clock as clocks
from sqslab.emulator import fifo_groups
from sqslab.emulator.session import emulator_session
from sqslab.errors import LabConfigError
from sqslab.lab import Lab, start

FIFO = {"FifoQueue": "true"}


def send_group(sqs: Any, url: str, bodies: list[str], group: str = "g") -> None:
    for body in bodies:
        sqs.send_message(
            QueueUrl=url, MessageBody=body, MessageGroupId=group, MessageDeduplicationId=body
        )


def bodies(reply: dict[str, Any]) -> list[str]:
    return [m["Body"] for m in reply.get("Messages", [])]


def drain(sqs: Any, url: str) -> list[str]:
    """Receive and delete until the queue is empty; the bodies in receive order."""
    got: list[str] = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
            got.append(m["Body"])
    return got


def test_a_timed_out_batch_comes_back_whole_and_in_order(lab: Lab):
    sqs = lab.sqs
    url = sqs.create_queue(QueueName="orders.fifo", Attributes=FIFO)["QueueUrl"]
    send_group(sqs, url, ["p0", "p1", "p2"])
    assert bodies(
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5)
    ) == [
        "p0",
        "p1",
        "p2",
    ]
    lab.wait(6)
    assert bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["p0", "p1", "p2"]


def test_one_at_a_time_after_a_timeout_the_head_comes_first(lab: Lab):
    sqs = lab.sqs
    url = sqs.create_queue(QueueName="steps.fifo", Attributes=FIFO)["QueueUrl"]
    send_group(sqs, url, ["s1", "s2", "s3"])
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5)
    lab.wait(6)
    assert bodies(sqs.receive_message(QueueUrl=url, VisibilityTimeout=5)) == ["s1"]
    assert drain(sqs, url) == []  # s1 is in flight: its group stays held, s2 must wait
    lab.wait(6)
    assert drain(sqs, url) == ["s1", "s2", "s3"]


def test_an_invisible_message_still_holds_its_group(lab: Lab):
    sqs = lab.sqs
    url = sqs.create_queue(QueueName="held.fifo", Attributes=FIFO)["QueueUrl"]
    send_group(sqs, url, ["a1", "a2"])
    send_group(sqs, url, ["b1"], group="other")
    assert bodies(sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)) == ["a1"]
    lab.wait(10)
    assert bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["b1"]


def test_a_group_moves_to_the_dlq_in_order(lab: Lab):
    sqs = lab.sqs
    pair = dlq.create_pair(sqs, "payments", fifo=True, max_receive_count=1)
    send_group(sqs, pair.source_url, ["p0", "p1", "p2"])
    for _ in range(3):
        sqs.receive_message(QueueUrl=pair.source_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert drain(sqs, pair.dlq_url) == ["p0", "p1", "p2"]


def test_undo_restores_plain_moto_and_its_out_of_order_answer(lab: Lab):
    fifo_groups.install(lab)()
    assert not fifo_groups.active()
    assert "pending_message_groups" not in vars(sqs_models.Queue) or isinstance(
        vars(sqs_models.Queue)["pending_message_groups"], property
    )
    sqs = lab.sqs
    url = sqs.create_queue(QueueName="plain.fifo", Attributes=FIFO)["QueueUrl"]
    send_group(sqs, url, ["p0", "p1", "p2"])
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=5)
    lab.wait(6)
    assert bodies(sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)) == ["p2"]


def test_installing_twice_keeps_one_layer_and_stop_removes_it():
    lab = start("moto", quiet=True)
    assert fifo_groups.active()
    undo = fifo_groups.install(lab)
    assert fifo_groups.install(lab) is undo
    lab.stop()
    assert not fifo_groups.active()


def test_refuses_a_lab_without_a_virtual_clock():
    lab = Lab("endpoint", emulator_session(), clocks.RealClock(), endpoint_url="http://127.0.0.1:9")
    with pytest.raises(LabConfigError, match="FIFO message groups.*sqslab.start\\('moto'\\)"):
        fifo_groups.install(lab)
