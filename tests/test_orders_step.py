"""orders.OrderStep, the processing step a hand-written consumer calls: the pipeline's failures,
scripted faults for the checks, heartbeats on a slow order, a log of every attempt."""

from __future__ import annotations

import pytest

from sqslab import orders
from sqslab.errors import WrongTypeError
from sqslab.faults import WorkerCrash
from sqslab.orders import OrderStep, StepFaults, TransientError
from sqslab.orders.order_step import BUG, CRASH, OK, TRANSIENT

DATA = orders.load()
HEALTHY = next(o for o in DATA if not o.poison)
POISON = next(o for o in DATA if o.poison)


def test_a_healthy_order_is_processed_once_into_the_ledger(lab):
    step = OrderStep(lab, failure_rate=0.0)
    entry = step(HEALTHY.record)
    assert entry.order_id == HEALTHY.order_id and entry.total_cents == HEALTHY.total_cents
    assert [e.order_id for e in step.ledger] == [HEALTHY.order_id]
    assert [(a.order_id, a.attempt, a.outcome) for a in step.log] == [(HEALTHY.order_id, 1, OK)]


def test_it_takes_a_body_or_an_order_and_refuses_anything_else(lab):
    step = OrderStep(lab, failure_rate=0.0)
    step(HEALTHY.body)
    step(HEALTHY)
    assert len(step.ledger) == 2
    with pytest.raises(WrongTypeError, match="json.loads"):
        step({"Body": HEALTHY.body, "MessageId": "m-1"})  # the raw message, not the order
    with pytest.raises(WrongTypeError):
        step("not json")
    assert len(step.refused) == 2 and not any(a.outcome != OK for a in step.log)


def test_a_poison_order_fails_until_the_fix_then_after_redrive_is_marked(lab):
    step = OrderStep(lab, failure_rate=0.0)
    with pytest.raises(TypeError):
        step(POISON.record)
    step.fix()
    step.after_redrive()
    entry = step(POISON.record)
    assert entry.phase == f"{orders.AFTER_REDRIVE} 1" and step.phase == entry.phase
    assert [a.outcome for a in step.log] == [BUG, OK]


def test_scripted_transient_failures_and_a_crash_strike_their_attempts_only(lab):
    oid = HEALTHY.order_id
    step = OrderStep(lab, failure_rate=0.0, faults=StepFaults(transient={oid: 2}, crash={oid: 3}))
    for _ in range(2):
        with pytest.raises(TransientError):
            step(HEALTHY.record)
    with pytest.raises(WorkerCrash):  # a BaseException: `except Exception` cannot swallow it
        step(HEALTHY.record)
    step(HEALTHY.record)
    assert [a.outcome for a in step.log] == [TRANSIENT, TRANSIENT, CRASH, OK]
    assert [a.attempt for a in step.log] == [1, 2, 3, 4] and len(step.ledger) == 1


def test_a_slow_order_calls_the_heartbeat_every_interval_then_the_hook(lab):
    beats, hooked = [], []
    faults = StepFaults(slow={HEALTHY.order_id: 45.0}, while_slow=hooked.append)
    step = OrderStep(lab, failure_rate=0.0, faults=faults, heartbeat_every=10.0)
    started = lab.clock.time()
    step(HEALTHY.record, lambda: beats.append(lab.clock.time() - started))
    assert beats == [10.0, 20.0, 30.0, 40.0] and step.heartbeats[HEALTHY.order_id] == 4
    assert hooked == [HEALTHY.order_id]
    assert lab.clock.time() - started == pytest.approx(45.0 + step.processor.work_seconds)


def test_a_slow_order_without_a_heartbeat_still_takes_its_time(lab):
    step = OrderStep(lab, failure_rate=0.0, faults=StepFaults(slow={HEALTHY.order_id: 45.0}))
    started = lab.clock.time()
    step(HEALTHY.record)
    assert lab.clock.time() - started >= 45.0 and not step.heartbeats


def test_the_seeded_failures_are_the_pipelines(lab):
    """Same seed, same transient failures as OrderProcessor: retried in place twice."""
    step = OrderStep(lab, seed=3, failure_rate=0.5)
    processor = orders.OrderProcessor(lab, seed=3, failure_rate=0.5)
    outcomes = []
    for order in [o for o in DATA[:30] if not o.poison]:
        for run in (step, processor.run):
            try:
                run(order.record)
                outcomes.append("ok")
            except TransientError:
                outcomes.append("failed")
    assert outcomes[0::2] == outcomes[1::2] and "failed" in outcomes
