"""Regression tests for the patterns under faults (issue 12 items 2-4 and the graceful stop): FIFO
order after a handler failure and a batch-send failure, the server backend's pool, crashed workers."""

from __future__ import annotations

import threading
import time

import pytest

from sqslab import faults
from sqslab.consumer import Consumer, StopPolicy, WorkerPool
from sqslab.emulator.clock import RealClock
from sqslab.faults import WorkerCrash
from sqslab.lab import start
from sqslab.messages import OutgoingMessage
from sqslab.producer import GROUP_HALTED, Producer
from sqslab.workshop import room_client


def fifo_queue(sqs, name: str = "orders.fifo") -> str:
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def fails_once(bodies: set[str], processed: list[str]):
    """A handler that fails the first time it sees one of ``bodies``; records the rest."""
    seen: set[str] = set()

    def handle(message) -> None:
        if message.body in bodies and message.body not in seen:
            seen.add(message.body)
            raise RuntimeError(f"{message.body} failed once")
        processed.append(message.body)

    return handle


@pytest.mark.parametrize("backend", ["moto", "server"])
def test_a_failure_in_a_fifo_batch_keeps_the_group_in_order(backend: str) -> None:
    lab = start(backend, quiet=True)
    try:
        url = fifo_queue(lab.sqs)
        for body in ("1", "2", "3"):
            lab.sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
        processed: list[str] = []
        result = Consumer(lab.sqs, url, fails_once({"1"}, processed), batch_size=10).run()
    finally:
        lab.stop()
    assert processed == ["1", "2", "3"]
    assert result.released == 2 and result.failures == 1
    assert any(e.kind == "released" for e in result.events)


def test_other_groups_in_the_batch_still_run(lab, sqs) -> None:
    url = fifo_queue(sqs)
    for body, group in (("a1", "a"), ("b1", "b"), ("a2", "a"), ("b2", "b")):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group)
    processed: list[str] = []
    Consumer(sqs, url, fails_once({"a1"}, processed), batch_size=10).run()
    assert [b for b in processed if b.startswith("a")] == ["a1", "a2"]
    assert processed.index("b1") < processed.index("b2")
    assert processed[:2] == ["b1", "b2"]  # group b did not wait for group a


def test_a_fifo_batch_handler_stops_a_group_at_its_first_failure(lab, sqs) -> None:
    url = fifo_queue(sqs)
    for body in ("1", "2", "3"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    calls: list[list[str]] = []

    def handle(batch):
        calls.append([m.body for m in batch])
        return [batch[0].id] if len(calls) == 1 else []

    result = Consumer(sqs, url, batch_handler=handle, batch_size=10).run()
    assert calls == [["1", "2", "3"], ["1", "2", "3"]]
    assert result.processed and result.deleted == 3 and result.released == 2


def test_a_standard_queue_batch_is_not_held_back(lab, sqs) -> None:
    url = sqs.create_queue(QueueName="plain")["QueueUrl"]
    for body in ("1", "2", "3"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    processed: list[str] = []
    result = Consumer(sqs, url, fails_once({"1"}, processed), batch_size=10).run()
    assert result.released == 0 and processed[:2] == ["2", "3"]


def test_the_producer_keeps_a_fifo_group_in_order_when_an_entry_fails(lab, sqs) -> None:
    url = fifo_queue(sqs)
    messages = [OutgoingMessage(str(n), group_id=f"g{n % 2}", id=str(n)) for n in range(8)]
    with faults.inject_batch_failures(sqs, lambda entry, attempt: entry == "0" and attempt == 1):
        result = Producer(sqs, url, seed=1).send_many(messages)
    assert result.ok and result.retries == 1
    bodies = drain(sqs, url)
    for group in ("0", "1"):
        mine = [int(b) for b in bodies if int(b) % 2 == int(group)]
        assert mine == sorted(mine)


def test_the_producer_halts_a_group_after_a_final_failure(lab, sqs) -> None:
    url = fifo_queue(sqs)
    messages = [OutgoingMessage(str(n), group_id="g", id=str(n)) for n in range(3)]
    with faults.inject_batch_failures(sqs, lambda entry, _: entry == "1", sender_fault=True):
        result = Producer(sqs, url).send_many(messages)
    assert [f.id for f in result.failed] == ["1", "2"]
    assert result.failed[1].code == GROUP_HALTED and "out of order" in result.failed[1].message
    assert drain(sqs, url) == ["0"]


def test_fifo_batches_hold_one_message_per_group(lab, sqs) -> None:
    url = fifo_queue(sqs)
    messages = [OutgoingMessage(str(n), group_id=f"g{n % 3}", id=str(n)) for n in range(9)]
    result = Producer(sqs, url).send_many(messages)
    assert result.ok and result.requests == 3
    assert lab.trace.operations()["SendMessageBatch"] == 3


def drain(sqs, url: str) -> list[str]:
    """Every body in the queue, receiving and deleting one at a time (FIFO order)."""
    bodies = []
    while msgs := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages"):
        bodies.append(msgs[0]["Body"])
        sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
    return bodies


def run_with_deadline(consumer: Consumer, seconds: float = 60):
    """Run ``consumer`` in a thread; fail (instead of hanging) if it does not stop in time."""
    box: dict = {}
    thread = threading.Thread(target=lambda: box.update(result=consumer.run()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"the pool did not stop within {seconds} real seconds"
    return box["result"]


@pytest.mark.parametrize("queue", ["jobs", "jobs.fifo"])
def test_a_pool_on_the_server_backend_stops_by_itself(queue: str) -> None:
    lab = start("server", quiet=True)
    try:
        attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
        url = lab.sqs.create_queue(
            QueueName=queue, Attributes=attributes if queue.endswith(".fifo") else {}
        )["QueueUrl"]
        for n in range(20):
            lab.sqs.send_message(QueueUrl=url, MessageBody=str(n), MessageGroupId=f"g{n % 4}")
        pool = WorkerPool(lab.sqs, url, lambda m: lab.wait(0.05), workers=4)
        result = run_with_deadline(pool)
    finally:
        lab.stop()
    assert len(result.processed) == 20 and result.stopped_by == "idle"


@pytest.mark.parametrize("heartbeat", [None, 10])
def test_a_crashed_worker_does_not_wedge_the_pool(lab, sqs, heartbeat) -> None:
    url = sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=str(n))
    crashed: list[str] = []

    def handle(message) -> None:
        if not crashed:
            crashed.append(message.body)
            raise WorkerCrash("the process died")
        lab.wait(1)

    pool = WorkerPool(sqs, url, handle, workers=2, batch_size=5, heartbeat_interval=heartbeat)
    result = run_with_deadline(pool)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert result.crashes == 1 and result.stopped_by == "idle"
    assert len(set(result.processed)) == len(result.processed) == 5
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    crash = next(e for e in result.events if e.kind == "crashed")
    assert "5 message(s) left in flight" in crash.detail
    # nothing the dead worker held was extended after the crash
    assert not [e for e in result.events if e.kind == "extended" and e.time > crash.time + 30]


def test_crashing_on_every_message_stops_after_max_restarts(lab, sqs) -> None:
    url = sqs.create_queue(QueueName="poison")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="boom")

    def handle(message) -> None:
        raise WorkerCrash("always")

    result = run_with_deadline(Consumer(sqs, url, handle, max_restarts=3))
    assert result.crashes == 4 and result.stopped_by == "crashes"


def test_an_error_outside_the_handler_stops_the_pool_and_is_raised(lab, sqs) -> None:
    url = sqs.create_queue(QueueName="gone")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="x")
    pool = WorkerPool(sqs, url, lambda m: sqs.delete_queue(QueueUrl=url), workers=3)
    with pytest.raises(Exception, match="QueueDoesNotExist|does not exist"):
        pool.run()
    assert pool.result.stopped_by == "error"


def test_a_stop_during_a_virtual_long_poll_returns_at_once(lab, sqs) -> None:
    url = sqs.create_queue(QueueName="quiet")["QueueUrl"]
    pool = WorkerPool(sqs, url, lambda m: None, workers=3, stop=StopPolicy(until=5))
    result = pool.run()
    assert result.stopped_by == "until" and result.duration == 5


def test_a_stop_during_a_real_long_poll_returns_long_before_the_poll_ends(room) -> None:
    sqs = room_client(room)
    url = sqs.create_queue(QueueName="stoptest")["QueueUrl"]
    consumer = Consumer(sqs, url, lambda m: None, wait_time=20, clock=RealClock()).start()
    time.sleep(0.5)  # real time: let the worker enter its 20 s long poll
    asked = time.monotonic()
    consumer.stop()
    consumer.join(10)
    assert time.monotonic() - asked < 5  # not the 20 s the poll was asked for
    sqs.delete_queue(QueueUrl=url)


def test_bad_consumer_settings_are_refused(lab, sqs) -> None:
    url = sqs.create_queue(QueueName="settings")["QueueUrl"]
    with pytest.raises(ValueError, match="0 to 43,200"):
        Consumer(sqs, url, lambda m: None, visibility_timeout=-5)
    with pytest.raises(TypeError, match="must be a function"):
        Consumer(sqs, url, "handler")
    assert Consumer(sqs, url, lambda m: None, visibility_timeout=0).visibility_timeout == 0
