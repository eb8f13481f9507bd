"""Benchmarks for chapters 2-3, measured side by side in one run against one moto server over HTTP
(``sqslab server``, in a process of its own).

Prints one ``name: value`` line per ratio (goals in brackets are not asserted: machines differ):

- ``batch_vs_single``: a one-message-per-call loop's time / the sqslab batch producer's time (>= 4)
- ``sqslab_overhead``: the sqslab producer's time / a raw ``send_message_batch`` loop's time (<= 1.10)
- ``pool_speedup``: 1 worker's time / an 8-worker pool's time, handler waiting 50 ms (>= 6)
- ``stop_during_20s_poll``: seconds from ``Consumer.stop()`` to the end of its run while its worker
  is inside a 20 s long poll on a real clock (<= 1; whatever that poll still brings is released)

Each ratio is the median of ``--repeat`` rounds; every round uses fresh queues so the queue depth
(which slows moto down) is the same for both sides.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

from sqslab.consumer import Consumer, StopPolicy
from sqslab.emulator.clock import RealClock
from sqslab.emulator.server import server_process
from sqslab.emulator.session import DUMMY_CREDENTIALS
from sqslab.producer import Producer

BODY = '{"order": %d, "item": "book", "qty": 1}'


def client(url: str) -> Any:
    """A boto3 SQS client for the benchmark server (dummy credentials, no retries)."""
    config = Config(retries={"max_attempts": 1}, max_pool_connections=20)
    return boto3.client(
        "sqs", endpoint_url=url, region_name="us-east-1", config=config, **DUMMY_CREDENTIALS
    )


class Bench:
    """Fresh queues on one server, and timers for each side of a comparison."""

    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs
        self.count = 0

    def queue(self) -> str:
        """A new, empty queue."""
        self.count += 1
        return self.sqs.create_queue(QueueName=f"bench-{self.count}")["QueueUrl"]

    def timed(self, run: Callable[[str], Any]) -> float:
        """Seconds ``run`` takes on a fresh queue (the queue is deleted afterwards)."""
        url = self.queue()
        began = time.perf_counter()
        run(url)
        took = time.perf_counter() - began
        self.sqs.delete_queue(QueueUrl=url)
        return took


def single_loop(sqs: Any, messages: int) -> Callable[[str], None]:
    """The common tutorial code: one SendMessage call per message."""

    def run(url: str) -> None:
        for i in range(messages):
            sqs.send_message(QueueUrl=url, MessageBody=BODY % i)

    return run


def raw_batches(sqs: Any, messages: int) -> Callable[[str], None]:
    """Plain boto3 send_message_batch in chunks of 10, no validation and no retries."""

    def run(url: str) -> None:
        for start in range(0, messages, 10):
            entries = [
                {"Id": str(i), "MessageBody": BODY % i}
                for i in range(start, min(start + 10, messages))
            ]
            sqs.send_message_batch(QueueUrl=url, Entries=entries)

    return run


def sqslab_producer(sqs: Any, messages: int) -> Callable[[str], None]:
    """sqslab's Producer: validated, batched, retrying failed entries."""

    def run(url: str) -> None:
        result = Producer(sqs, url, progress=False).send_many(BODY % i for i in range(messages))
        assert result.ok and len(result.sent) == messages

    return run


def pool(sqs: Any, workers: int, messages: int) -> Callable[[str], None]:
    """A consumer pool whose handler waits 50 ms like an I/O call; stops after ``messages``."""

    def run(url: str) -> None:
        raw_batches(sqs, messages)(url)
        began = time.perf_counter()
        result = Consumer(
            sqs,
            url,
            lambda m: time.sleep(0.05),
            workers=workers,
            wait_time=1,
            clock=RealClock(),
            stop=StopPolicy(max_messages=messages, idle_timeout=5),
        ).run()
        assert len(result.processed) == messages
        run.busy = result.busy_time or time.perf_counter() - began  # type: ignore[attr-defined]

    return run


def ratio(bench: Bench, top: Callable[[str], Any], bottom: Callable[[str], Any], n: int) -> float:
    """Median of n rounds of time(top) / time(bottom), the two measured back to back."""
    return statistics.median(bench.timed(top) / bench.timed(bottom) for _ in range(n))


def pool_ratio(bench: Bench, sqs: Any, messages: int, n: int) -> float:
    """Median of n rounds of busy time with 1 worker / with 8 workers."""
    rounds = []
    for _ in range(n):
        one, eight = pool(sqs, 1, messages), pool(sqs, 8, messages)
        bench.timed(one)
        bench.timed(eight)
        rounds.append(one.busy / eight.busy)  # type: ignore[attr-defined]
    return statistics.median(rounds)


def stop_latency(sqs: Any, url: str) -> float:
    """Seconds a stop takes while the only worker sits in a real 20 s long poll."""
    consumer = Consumer(sqs, url, lambda m: None, wait_time=20, clock=RealClock()).start()
    time.sleep(0.5)  # real time: let the worker enter its long poll
    asked = time.perf_counter()
    consumer.stop()
    consumer.join(25)
    return time.perf_counter() - asked


def stop_seconds(bench: Bench, n: int) -> float:
    """Median of n stops during a real 20 s long poll, in seconds (a fresh queue each)."""
    rounds = []
    for _ in range(n):
        url = bench.queue()
        rounds.append(stop_latency(bench.sqs, url))
        bench.sqs.delete_queue(QueueUrl=url)
    return statistics.median(rounds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="messages per producer round")
    parser.add_argument("--pool-messages", type=int, default=160, help="messages per pool round")
    parser.add_argument("--repeat", type=int, default=3, help="rounds per ratio (median)")
    args = parser.parse_args(argv)
    with server_process() as url:
        sqs = client(url)
        bench = Bench(sqs)
        bench.timed(raw_batches(sqs, 50))  # warm up the connection pool and the server
        n, r = args.messages, args.repeat
        single = ratio(bench, single_loop(sqs, n), sqslab_producer(sqs, n), r)
        overhead = ratio(bench, sqslab_producer(sqs, n), raw_batches(sqs, n), r)
        speedup = pool_ratio(bench, sqs, args.pool_messages, r)
        stop = stop_seconds(bench, r)
    print(f"batch_vs_single: {single:.2f}")
    print(f"sqslab_overhead: {overhead:.2f}")
    print(f"pool_speedup: {speedup:.2f}")
    print(f"stop_during_20s_poll: {stop:.2f} s")


if __name__ == "__main__":
    main()
