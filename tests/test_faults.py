"""Randomized fault runs: handlers that raise, overrun the visibility timeout, or are stopped at
random moments. Invariant: nothing is lost, nothing is handled after the stop, and once a fresh
consumer drains the queue every message was processed at least once or sits in the DLQ."""

from __future__ import annotations

import json
import random
from typing import TYPE_CHECKING, Any

import pytest

from sqslab.backoff import BackoffPolicy
from sqslab.consumer import Consumer, Message, StopPolicy
from sqslab.emulator import state

if TYPE_CHECKING:
    from sqslab.lab import Lab

SCENARIOS = 220


def make_pair(sqs: Any, n: int, visibility: int, max_receives: int) -> tuple[str, str]:
    dlq = sqs.create_queue(QueueName=f"dlq-{n}")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
    policy = json.dumps(
        {"deadLetterTargetArn": arn["QueueArn"], "maxReceiveCount": str(max_receives)}
    )
    src = sqs.create_queue(
        QueueName=f"src-{n}",
        Attributes={"VisibilityTimeout": str(visibility), "RedrivePolicy": policy},
    )["QueueUrl"]
    return src, dlq


def bodies_in(lab: Lab, url: str) -> set[str]:
    """Every body still stored in a queue, read from moto without receiving (which would count)."""
    queue = state.queue(lab.account_id, lab.region, url.rsplit("/", 1)[-1])
    return {m.body for m in state.messages(queue)}


def scenario(lab: Lab, sqs: Any, seed: int) -> None:
    rng = random.Random(seed)
    n = rng.randint(1, 25)
    visibility = rng.choice([5, 10, 30])
    src, dlq = make_pair(sqs, seed, visibility, rng.randint(2, 4))
    sent = [f"s{seed}-m{i}" for i in range(n)]
    for i in range(0, n, 10):
        entries = [{"Id": str(j), "MessageBody": b} for j, b in enumerate(sent[i : i + 10])]
        sqs.send_message_batch(QueueUrl=src, Entries=entries)
    fate = {b: rng.choices(["ok", "raise", "slow", "poison"], [6, 2, 1, 1])[0] for b in sent}
    handled: list[tuple[float, str]] = []

    def handler(m: Message) -> None:
        handled.append((lab.clock.time(), m.body))
        kind = fate[m.body]
        if kind == "slow" and m.receive_count == 1:
            lab.wait(visibility * 1.5)
        if kind == "poison" or (kind == "raise" and m.receive_count == 1):
            raise RuntimeError(kind)
        lab.wait(rng.choice([0, 0.2, 1]))

    stop = rng.choice(
        [
            StopPolicy(until=rng.uniform(0.5, 40)),
            StopPolicy(max_messages=rng.randint(1, n)),
            StopPolicy(idle_timeout=rng.choice([5, 30])),
        ]
    )
    consumer = Consumer(
        sqs,
        src,
        handler,
        workers=rng.randint(1, 4),
        batch_size=rng.randint(1, 10),
        wait_time=rng.choice([0, 5, 20]),
        heartbeat_interval=rng.choice([None, visibility / 3]),
        backoff=rng.choice([None, BackoffPolicy(base=1, cap=8)]),
        stop=stop,
        seed=seed,
    )
    first = consumer.run()
    assert first.stopped_at is not None
    late = [b for t, b in handled if t > first.stopped_at]
    assert not late, f"handled after the stop: {late}"
    processed = {b for _, b in handled if fate[b] != "poison"}
    # nothing lost: every message is processed, in the DLQ, or still in the source queue
    left, dead = bodies_in(lab, src), bodies_in(lab, dlq)
    missing = set(sent) - processed - left - dead
    assert not missing, f"lost: {missing}"
    # drain with a fresh consumer: every message ends processed at least once or in the DLQ
    lab.wait(700)
    Consumer(sqs, src, handler, stop=StopPolicy(idle_timeout=60), seed=seed).run()
    processed = {b for _, b in handled if fate[b] != "poison"}
    dead = bodies_in(lab, dlq)
    assert set(sent) == processed | dead
    # a poison message always ends in the DLQ (a released one may too: a release counts as a receive)
    assert {b for b in sent if fate[b] == "poison"} <= dead


@pytest.mark.parametrize("block", range(10))
def test_random_faults_lose_nothing(lab, sqs, block: int) -> None:
    per_block = SCENARIOS // 10
    for seed in range(block * per_block, (block + 1) * per_block):
        scenario(lab, sqs, seed)
