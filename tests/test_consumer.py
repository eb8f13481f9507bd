"""The consumer and worker pool on moto's virtual clock: delete after success, heartbeat, backoff,
graceful stop, idempotency."""

from __future__ import annotations

import _thread
import time
from typing import Any

import pytest

from sqslab.backoff import BackoffPolicy
from sqslab.consumer import Consumer, Message, StopPolicy, WorkerPool, consume
from sqslab.errors import LimitError
from sqslab.idempotency import ProcessedStore, idempotent


def make_queue(sqs: Any, name: str = "work", n: int = 0, **attrs: str) -> str:
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    for i in range(n):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    return url


def depth(sqs: Any, url: str) -> tuple[int, int]:
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def test_processes_everything_deletes_in_batches_and_stops_when_idle(lab, sqs) -> None:
    url = make_queue(sqs, n=25)
    bodies: list[str] = []
    lab.trace.clear()
    result = consume(sqs, url, lambda m: bodies.append(m.body), stop=StopPolicy(idle_timeout=30))
    assert sorted(bodies) == sorted(f"m{i}" for i in range(25))
    assert result.deleted == 25 and result.failures == 0
    assert result.stopped_by == "idle"
    assert depth(sqs, url) == (0, 0)
    ops = lab.trace.operations()
    assert ops["DeleteMessageBatch"] == 3 and "DeleteMessage" not in ops
    assert result.empty_receives >= 1


def test_failed_messages_are_not_deleted_and_come_back_after_backoff(lab, sqs) -> None:
    url = make_queue(sqs, n=5, VisibilityTimeout="300")
    attempts: dict[str, int] = {}

    def flaky(m: Message) -> None:
        attempts[m.body] = attempts.get(m.body, 0) + 1
        if m.receive_count < 3:
            raise RuntimeError("downstream unavailable")

    result = consume(
        sqs, url, flaky, backoff=BackoffPolicy(base=2, cap=10), stop=StopPolicy(idle_timeout=60)
    )
    assert attempts == {f"m{i}": 3 for i in range(5)}
    assert result.failures == 10 and len(result.processed) == 5
    # backoff (at most 10 s) beat the 300 s visibility timeout
    assert result.duration < 100
    backoffs = [e for e in result.events if e.kind == "backoff"]
    assert len(backoffs) == 10 and all("visible again in" in e.detail for e in backoffs)


def test_without_backoff_a_failure_waits_for_the_visibility_timeout(lab, sqs) -> None:
    url = make_queue(sqs, n=1, VisibilityTimeout="45")
    seen: list[float] = []

    def fail_once(m: Message) -> None:
        seen.append(lab.clock.time())
        if m.receive_count == 1:
            raise ValueError("bad luck")

    consume(sqs, url, fail_once, stop=StopPolicy(idle_timeout=100))
    assert len(seen) == 2 and seen[1] - seen[0] == pytest.approx(45)


def test_slow_handler_without_heartbeat_is_processed_twice(lab, sqs) -> None:
    url = make_queue(sqs, n=1, VisibilityTimeout="30")
    handled: list[str] = []

    def slow(m: Message) -> None:
        lab.wait(50)
        handled.append(m.id)

    WorkerPool(sqs, url, slow, workers=2, stop=StopPolicy(idle_timeout=60)).run()
    assert len(handled) == 2 and handled[0] == handled[1]


def test_heartbeat_keeps_a_slow_message_invisible(lab, sqs) -> None:
    url = make_queue(sqs, n=1, VisibilityTimeout="30")
    handled: list[str] = []

    def slow(m: Message) -> None:
        lab.wait(100)
        handled.append(m.id)

    pool = WorkerPool(sqs, url, slow, workers=2, heartbeat_interval=10, stop=StopPolicy(60))
    result = pool.run()
    assert len(handled) == 1
    assert result.count("received") == 1
    assert result.extended >= 9
    assert result.deleted == 1


def test_idempotent_handler_skips_the_second_delivery(lab, sqs) -> None:
    url = make_queue(sqs, n=1, VisibilityTimeout="30")
    effects: list[str] = []

    def slow(m: Message) -> None:
        lab.wait(50)
        effects.append(m.body)

    store = ProcessedStore()
    WorkerPool(sqs, url, idempotent(slow, store), workers=2, stop=StopPolicy(60)).run()
    # the second copy is received while the first is still in its handler, so both run;
    # afterwards a redelivery is skipped
    assert effects == ["m0", "m0"]
    handler = idempotent(lambda m: effects.append("again"), store)
    handler(Message(id=list(store)[0], body="m0", receipt_handle="r"))
    assert effects == ["m0", "m0"] and store.skipped


def test_idempotent_marks_only_after_success() -> None:
    calls: list[int] = []

    def boom(m: Message) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("first try fails")

    handler = idempotent(boom)
    msg = Message(id="a", body="x", receipt_handle="r")
    with pytest.raises(RuntimeError):
        handler(msg)
    handler(msg)
    handler(msg)
    assert len(calls) == 2 and handler.store.skipped == ["a"]


def test_processed_store_iterates_its_keys_oldest_first_within_capacity() -> None:
    store = ProcessedStore(capacity=2)
    for key in ("a", "b", "a", "c"):
        store.mark(key)
    assert list(store) == ["a", "c"]
    assert "b" not in store and len(store) == 2


def test_max_messages_stops_gracefully_and_releases_the_rest(lab, sqs) -> None:
    url = make_queue(sqs, n=10, VisibilityTimeout="600")
    done: list[str] = []
    result = consume(sqs, url, lambda m: done.append(m.body), stop=StopPolicy(max_messages=4))
    assert len(done) == 4 and result.stopped_by == "max_messages"
    assert result.released == 6
    assert depth(sqs, url) == (6, 0)  # released at once, not after 600 s


def test_stop_until_processes_nothing_after_the_stop(lab, sqs) -> None:
    url = make_queue(sqs, n=30)
    starts: list[float] = []

    def one_second(m: Message) -> None:
        starts.append(lab.clock.time())
        lab.wait(1)

    t0 = lab.clock.time()
    result = consume(sqs, url, one_second, workers=2, stop=StopPolicy(until=10))
    assert result.stopped_by == "until"
    assert starts and max(starts) - t0 < 10
    visible, in_flight = depth(sqs, url)
    assert visible + len(result.processed) == 30 and in_flight == 0


def test_batch_handler_partial_failures(lab, sqs) -> None:
    url = make_queue(sqs, n=6, VisibilityTimeout="20")
    rounds: list[list[str]] = []

    def handler(batch: list[Message]) -> list[str]:
        rounds.append([m.body for m in batch])
        return [m.id for m in batch if m.body in ("m1", "m4") and m.receive_count == 1]

    result = Consumer(sqs, url, batch_handler=handler, stop=StopPolicy(60)).run()
    assert sorted(result.processed) == sorted(set(result.processed))
    assert len(result.processed) == 6 and result.failures == 2
    assert sorted(rounds[-1]) == ["m1", "m4"]


def test_pool_runs_workers_in_parallel_on_virtual_time(lab, sqs) -> None:
    def run(workers: int) -> float:
        url = make_queue(sqs, name=f"pool{workers}", n=80)
        result = consume(
            sqs,
            url,
            lambda m: lab.wait(0.05),
            workers=workers,
            batch_size=1,
            stop=StopPolicy(max_messages=80),
        )
        assert len(result.processed) == 80
        assert result.duration >= result.busy_time
        return result.busy_time

    one, eight = run(1), run(8)
    assert one == pytest.approx(4.0, abs=0.01)
    assert one / eight >= 7


def test_same_scenario_same_events(lab, sqs) -> None:
    def scenario(name: str) -> list[tuple[float, str, str]]:
        url = make_queue(sqs, name=name, n=20, VisibilityTimeout="5")
        t0 = lab.clock.time()

        def handler(m: Message) -> None:
            lab.wait(0.5 + int(m.body[1:]) % 3)
            if m.body.endswith("7") and m.receive_count == 1:
                raise RuntimeError("seven")

        result = WorkerPool(sqs, url, handler, workers=4, backoff=BackoffPolicy(1, 8)).run()
        return [(round(e.time - t0, 6), e.worker, e.kind) for e in result.events]

    assert scenario("a") == scenario("b")


def test_ctrl_c_stops_gracefully(lab, sqs, ctrl_c) -> None:
    url = make_queue(sqs, n=10, VisibilityTimeout="600")
    done: list[str] = []

    def handler(m: Message) -> None:
        done.append(m.body)
        if len(done) == 3:
            _thread.interrupt_main()
            time.sleep(0.2)  # let the interrupt land while this handler runs

    result = consume(sqs, url, handler)
    assert result.stopped_by == "interrupted"
    assert len(done) == 3 and result.deleted == 3
    assert depth(sqs, url) == (7, 0)


def test_stop_button_from_another_thread(lab, sqs) -> None:
    url = make_queue(sqs, n=3)
    consumer = Consumer(sqs, url, lambda m: None, stop=StopPolicy(idle_timeout=None))
    consumer.start()
    deadline = time.time() + 5
    while len(consumer.result.processed) < 3 and time.time() < deadline:
        time.sleep(0.01)
    consumer.stop()
    result = consumer.join(5)
    assert result.stopped_by == "stop" and len(result.processed) == 3


@pytest.mark.parametrize(
    ("kwargs", "error", "text"),
    [
        ({"batch_size": 11}, LimitError, "1 to 10 messages"),
        ({"batch_size": 0}, LimitError, "1 to 10 messages"),
        ({"wait_time": 25}, LimitError, "0 to 20 s"),
        ({"workers": 0}, ValueError, "workers must be 1 or more"),
        ({"heartbeat_interval": 30}, ValueError, "cannot keep a 30 s visibility timeout"),
    ],
)
def test_bad_consumer_settings(sqs, kwargs: dict, error: type, text: str) -> None:
    url = make_queue(sqs)
    with pytest.raises(error, match=text):
        Consumer(sqs, url, lambda m: None, **kwargs).run()


def test_needs_exactly_one_handler(sqs) -> None:
    url = make_queue(sqs)
    with pytest.raises(TypeError, match="exactly one of handler= or batch_handler="):
        Consumer(sqs, url)


def test_large_payloads_are_resolved_and_their_s3_objects_deleted(lab, sqs) -> None:
    from sqslab.payloads import PayloadStore
    from sqslab.producer import Producer

    url = make_queue(sqs, name="big")
    s3 = lab.client("s3")
    store = PayloadStore(s3, "sqslab-consumer-test")
    store.ensure_bucket()
    report = "r" * (2 * 1024 * 1024)
    Producer(sqs, url, payloads=store).send_many([report, "small"])
    assert s3.list_objects_v2(Bucket="sqslab-consumer-test")["KeyCount"] == 1
    seen: list[int] = []
    result = consume(sqs, url, lambda m: seen.append(len(m.body)), payloads=store)
    assert sorted(seen) == [5, len(report)] and result.deleted == 2
    assert s3.list_objects_v2(Bucket="sqslab-consumer-test")["KeyCount"] == 0
