"""Seeded fault runs: the course's producer and worker pool under handler errors, slow handlers
(past the visibility timeout), crashed workers, partial batch-send failures and the realism layer,
on standard and FIFO queues, with and without a heartbeat.

Each run sends numbered messages with :class:`~sqslab.producer.Producer`, consumes them with a
:class:`~sqslab.consumer.WorkerPool` and reports what was lost (accepted but never processed),
processed twice, or (FIFO) processed out of order within its group the first time. ``make faults``
runs :data:`RUNS` of them and prints the totals. The same seed gives the same run.
"""

from __future__ import annotations

import json
import random
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import faults
from sqslab.backoff import BackoffPolicy
from sqslab.consumer import Message, StopPolicy, WorkerPool
from sqslab.emulator import realism
from sqslab.faults import WorkerCrash
from sqslab.messages import OutgoingMessage
from sqslab.producer import Producer

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: How many runs ``make faults`` (and the test suite) makes.
RUNS = 200
VISIBILITY = 30
#: Handler faults strike only the first receives of a message, so every message can get through.
FAULTY_RECEIVES = 2


@dataclass(frozen=True)
class Plan:
    """What one run injects, drawn from its seed."""

    seed: int
    fifo: bool
    messages: int
    groups: int
    workers: int
    batch_size: int
    heartbeat: bool
    backoff: bool
    error_rate: float
    slow_rate: float
    crash_rate: float
    send_failure_rate: float
    realism: bool

    @classmethod
    def draw(cls, seed: int) -> Plan:
        """The plan of run ``seed``: half FIFO, every fault switched on in some runs."""
        rng = random.Random(seed)
        fifo = seed % 2 == 1
        return cls(
            seed=seed,
            fifo=fifo,
            messages=rng.randint(12, 30),
            groups=rng.randint(2, 5),
            workers=rng.randint(1, 4),
            batch_size=rng.choice([1, 3, 10, 10]),
            heartbeat=rng.random() < 0.5,
            backoff=rng.random() < 0.5,
            error_rate=rng.choice([0.0, 0.1, 0.3]),
            slow_rate=rng.choice([0.0, 0.0, 0.1]),
            crash_rate=rng.choice([0.0, 0.05, 0.1]),
            send_failure_rate=rng.choice([0.0, 0.2, 0.4]),
            realism=not fifo and rng.random() < 0.5,
        )


@dataclass
class Outcome:
    """What one run did: messages accepted, lost, processed twice, out of group order."""

    plan: Plan
    accepted: int = 0
    lost: int = 0
    duplicates: int = 0
    order_violations: int = 0
    crashes: int = 0
    stopped_by: str = ""
    not_sent: list[str] = field(default_factory=list)


class FaultyHandler:
    """A handler that fails, runs slow or crashes the worker, decided per (message, receive)."""

    def __init__(self, plan: Plan, wait: Any) -> None:
        self.plan, self.wait = plan, wait
        #: Bodies in the order their processing succeeded (a body twice = processed twice).
        self.done: list[str] = []

    def __call__(self, message: Message) -> None:
        fate = self._fate(message)
        if fate == "crash":
            raise WorkerCrash(f"worker died on {message.body}")
        if fate == "error":
            raise RuntimeError(f"handler failed on {message.body}")
        self.wait(VISIBILITY * 1.5 if fate == "slow" else 0.05)
        self.done.append(message.body)

    def _fate(self, message: Message) -> str:
        if message.receive_count > FAULTY_RECEIVES:
            return "ok"
        draw = random.Random(f"{self.plan.seed}/{message.body}/{message.receive_count}").random()
        p = self.plan
        for fate, rate in (("crash", p.crash_rate), ("error", p.error_rate), ("slow", p.slow_rate)):
            if draw < rate:
                return fate
            draw -= rate
        return "ok"


def run(lab: Lab, plan: Plan) -> Outcome:
    """Send and consume one plan's messages on ``lab``; what was lost, doubled or reordered."""
    url = _queue(lab.sqs, plan)
    accepted = _send(lab.sqs, url, plan)
    handler = FaultyHandler(plan, lab.wait)
    layer = realism.enable(lab, seed=plan.seed) if plan.realism else None
    try:
        result = _pool(lab.sqs, url, plan, handler).run()
    finally:
        if layer is not None:
            layer.disable()
    lab.sqs.delete_queue(QueueUrl=url)
    outcome = Outcome(plan, accepted=len(accepted), crashes=result.crashes)
    outcome.stopped_by = result.stopped_by
    outcome.lost = len(set(accepted) - set(handler.done))
    outcome.duplicates = len(handler.done) - len(set(handler.done))
    outcome.order_violations = order_violations(handler.done) if plan.fifo else 0
    return outcome


def _queue(sqs: Any, plan: Plan) -> str:
    name = f"faults-{plan.seed}" + (".fifo" if plan.fifo else "")
    attributes = {"VisibilityTimeout": str(VISIBILITY)}
    if plan.fifo:
        attributes |= {"FifoQueue": "true"}
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def _send(sqs: Any, url: str, plan: Plan) -> list[str]:
    """Send the plan's messages through injected batch failures; the bodies SQS accepted."""
    messages = [_message(plan, n) for n in range(plan.messages)]
    rate = plan.send_failure_rate
    with faults.inject_batch_failures(sqs, rate=rate, seed=plan.seed):
        result = Producer(sqs, url, max_attempts=8, seed=plan.seed).send_many(messages)
    sent = {s.id for s in result.sent}
    return [m.body for m in messages if m.id in sent]


def _message(plan: Plan, n: int) -> OutgoingMessage:
    group = f"g{n % plan.groups}"
    body = json.dumps({"group": group, "n": n})
    if not plan.fifo:
        return OutgoingMessage(body, id=str(n))
    return OutgoingMessage(body, group_id=group, dedup_id=str(n), id=str(n))


def _pool(sqs: Any, url: str, plan: Plan, handler: FaultyHandler) -> WorkerPool:
    return WorkerPool(
        sqs,
        url,
        handler,
        workers=plan.workers,
        batch_size=plan.batch_size,
        heartbeat_interval=VISIBILITY / 3 if plan.heartbeat else None,
        backoff=BackoffPolicy(base=1, cap=20) if plan.backoff else None,
        stop=StopPolicy(idle_timeout=VISIBILITY * 4, until=6 * 3600),
        max_restarts=plan.messages,
        seed=plan.seed,
    )


def order_violations(done: Iterable[str]) -> int:
    """First processings, per group, that came after a later message of the same group."""
    latest: dict[str, int] = {}
    seen: set[str] = set()
    violations = 0
    for body in done:
        if body in seen:
            continue
        seen.add(body)
        item = json.loads(body)
        if item["n"] < latest.get(item["group"], -1):
            violations += 1
        latest[item["group"]] = max(item["n"], latest.get(item["group"], -1))
    return violations


def main(runs: int = RUNS) -> int:
    """Run ``runs`` seeded fault runs on embedded moto; print the totals; 1 if anything broke."""
    import sqslab

    outcomes = []
    for seed in range(runs):
        lab = sqslab.start("moto", seed=seed, quiet=True)
        try:
            outcomes.append(run(lab, Plan.draw(seed)))
        finally:
            lab.stop()
    print(summary(outcomes))
    broken = [o for o in outcomes if o.lost or o.order_violations or o.stopped_by != "idle"]
    for o in broken:
        print(f"  seed {o.plan.seed}: {o}", file=sys.stderr)
    return 1 if broken else 0


def summary(outcomes: list[Outcome]) -> str:
    """One line: runs, messages, lost, duplicates, order violations, crashes, self-stopped runs."""
    total = sum(o.accepted for o in outcomes)
    return (
        f"runs={len(outcomes)} messages={total} lost={sum(o.lost for o in outcomes)} "
        f"duplicates={sum(o.duplicates for o in outcomes)} "
        f"order_violations={sum(o.order_violations for o in outcomes)} "
        f"crashes={sum(o.crashes for o in outcomes)} "
        f"stopped_by_itself={sum(o.stopped_by == 'idle' for o in outcomes)}"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS))
