"""The capstone pipeline: processing step, FIFO-order batch handler, the whole run on moto, and a
reconciliation whose every check fails when it should."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from types import SimpleNamespace

import pytest

from sqslab import orders, producer
from sqslab.consumer import Message, StopPolicy, WorkerPool
from sqslab.orders import (
    AFTER_REDRIVE,
    EXACTLY_ONCE,
    FIRST_PASS,
    IN_ORDER,
    REVENUE,
    Ledger,
    Order,
    Processed,
    reconcile,
)


def record(oid: str, customer: str, created: str, *lines: tuple[int | str, int]) -> dict:
    items = [
        {"sku": f"S{i}", "name": "x", "quantity": q, "unit_price_cents": p}
        for i, (q, p) in enumerate(lines)
    ]
    total = sum(int(q) * p for q, p in lines)
    return {
        "order_id": oid,
        "customer_id": customer,
        "created_at": created,
        "type": "standard",
        "priority": "normal",
        "items": items,
        "total_cents": total,
    }


# three orders, two customers; totals by hand: 2*1290+590 = 3170, 1450, 3*2200 = 6600
A1 = Order.from_record(record("A1", "ann", "2026-11-02T08:00:00Z", (2, 1290), (1, 590)))
B1 = Order.from_record(record("B1", "bob", "2026-11-02T08:01:00Z", (1, 1450)))
A2 = Order.from_record(record("A2", "ann", "2026-11-02T08:02:00Z", (3, 2200)))
SMALL = [A1, B1, A2]


def entry(seq: int, order: Order, phase: str = FIRST_PASS, total: int | None = None) -> Processed:
    return Processed(
        seq,
        order.order_id,
        order.customer_id,
        order.created_at,
        order.total_cents if total is None else total,
        phase=phase,
    )


def green() -> Ledger:
    return Ledger([entry(1, A1), entry(2, B1), entry(3, A2)])


# --- the processing step ------------------------------------------------------------------------


def test_totals_by_hand_and_the_quantity_bug():
    assert A1.total_cents == 3170 and A2.total_cents == 6600
    assert orders.total_v1(A1.record) == orders.total_v2(A1.record) == 3170
    legacy = record("P1", "ann", "2026-11-02T09:00:00Z", ("2", 1290), ("1", 590))
    assert Order.from_record(legacy).poison and not A1.poison
    with pytest.raises(TypeError):
        orders.total_v1(legacy)
    assert orders.total_v2(legacy) == 3170


def test_money_is_integer_cents():
    assert orders.money(741484) == "$7,414.84"
    assert orders.money(5) == "$0.05"
    assert orders.money(-150) == "-$1.50"


def test_transient_failures_are_keyed_not_drawn_in_turn():
    draws = [(f"ORD-{i}", a) for i in range(2000) for a in (1, 2, 3)]
    forward = [orders.transient_failure(7, oid, a, 0.2) for oid, a in draws]
    backward = [orders.transient_failure(7, oid, a, 0.2) for oid, a in reversed(draws)]
    assert forward == backward[::-1]  # no hidden state: order of calls does not matter
    assert 0.18 < sum(forward) / len(forward) < 0.22
    assert not any(orders.transient_failure(7, oid, a, 0.0) for oid, a in draws[:100])
    assert forward != [orders.transient_failure(8, oid, a, 0.2) for oid, a in draws]


def test_processor_fails_poison_until_fixed_and_writes_the_ledger(lab):
    proc = orders.OrderProcessor(lab, failure_rate=0.0, work_seconds=0.5)
    legacy = record("P1", "ann", "2026-11-02T09:00:00Z", ("2", 1290))
    start = lab.clock.time()
    with pytest.raises(TypeError):
        proc.process(legacy)
    proc.fix()
    done = proc.process(legacy)
    assert (done.order_id, done.total_cents, done.attempt, done.seq) == ("P1", 2580, 2, 1)
    assert lab.clock.time() - start == pytest.approx(1.0)  # two attempts of 0.5 s
    assert [f.kind for f in proc.failures] == ["bug"]
    with pytest.raises(ValueError, match="failure_rate"):
        orders.OrderProcessor(lab, failure_rate=1.0)


def msg(mid: str, group: str) -> Message:
    return Message(id=mid, body=json.dumps({"order_id": mid}), receipt_handle=mid, group_id=group)


def test_batch_handler_holds_back_the_rest_of_a_failed_group():
    ran, held = [], []

    def handler(m: Message) -> None:
        ran.append(m.id)
        if m.id == "a1":
            raise RuntimeError("boom")

    handle = orders.in_group_order(handler, held, key=orders.order_key)
    batch = [msg("a1", "g1"), msg("b1", "g2"), msg("a2", "g1"), msg("b2", "g2"), msg("a3", "g1")]
    assert handle(batch) == ["a1", "a2", "a3"]
    assert ran == ["a1", "b1", "b2"]
    assert held == ["a2", "a3"]


# --- reconciliation: each check passes, and fails when it should ---------------------------------


def test_a_correct_ledger_reconciles():
    result = reconcile(SMALL, green(), [])
    assert result.ok, result
    assert [c.name for c in result.checks] == [EXACTLY_ONCE, IN_ORDER, REVENUE]
    assert "$112.20 ordered, $112.20 processed + $0.00 in the DLQ" in result.check(REVENUE).detail
    result.assert_ok()
    table = result.table()
    assert table.columns == ("check", "result", "detail")
    assert table.column("result") == ["PASS", "PASS", "PASS"]


def test_an_order_in_the_dlq_is_accounted_for():
    ledger = Ledger([entry(1, A1), entry(2, B1)])
    result = reconcile(SMALL, ledger, [A2.body])
    assert result.ok, result
    assert "2 processed once, 1 in the DLQ" in result.check(EXACTLY_ONCE).detail
    assert "+ $66.00 in the DLQ" in result.check(REVENUE).detail


def test_a_duplicate_fails_exactly_once_and_revenue():
    ledger = Ledger([*green().entries, entry(4, B1)])
    result = reconcile(SMALL, ledger, [])
    assert not result.ok
    assert not result.check(EXACTLY_ONCE).passed
    assert "processed more than once: B1" in result.check(EXACTLY_ONCE).detail
    assert not result.check(REVENUE).passed
    assert "off by $14.50" in result.check(REVENUE).detail
    with pytest.raises(AssertionError, match="FAIL  every order processed exactly once"):
        result.assert_ok()


def test_a_swapped_pair_for_one_customer_fails_only_the_order_check():
    ledger = Ledger([entry(1, A2), entry(2, B1), entry(3, A1)])
    result = reconcile(SMALL, ledger, [])
    assert [c.passed for c in result.checks] == [True, False, True]
    assert (
        "ann: A1 (created 2026-11-02T08:00:00Z) processed after A2" in result.check(IN_ORDER).detail
    )
    assert str(result.check(IN_ORDER)).startswith("FAIL  per-customer order preserved")


def test_an_engine_flaw_excuses_only_the_check_it_explains():
    """An order check an engine broke stays FAIL in the table and is said in the notes;
    assert_ok lets it pass, but still raises for any other failed check."""
    swapped = reconcile(SMALL, Ledger([entry(1, A2), entry(2, B1), entry(3, A1)]), [])
    swapped.excuse(IN_ORDER, "the engine does not hold a group")
    swapped.assert_ok()
    assert "FAIL" in str(swapped.check(IN_ORDER)) and swapped.notes[-1].startswith("the engine")
    missing = reconcile(SMALL, Ledger([entry(1, A1), entry(2, B1)]), [])
    missing.excuse(IN_ORDER, "not failed, so not excused")
    assert missing.excused == {}
    with pytest.raises(AssertionError, match="exactly once"):
        missing.assert_ok()


def test_a_missing_order_fails_exactly_once_and_revenue():
    ledger = Ledger([entry(1, A1), entry(2, B1)])
    result = reconcile(SMALL, ledger, [])
    assert "missing: A2" in result.check(EXACTLY_ONCE).detail
    assert not result.check(REVENUE).passed and result.check(IN_ORDER).passed


def test_processed_and_still_in_the_dlq_fails():
    result = reconcile(SMALL, green(), [A2.record])
    assert "processed and still in the DLQ: A2" in result.check(EXACTLY_ONCE).detail
    assert not result.check(REVENUE).passed


def test_a_wrong_total_fails_revenue_even_when_the_sum_matches():
    ledger = Ledger([entry(1, A1, total=3170 + 100), entry(2, B1, total=1450 - 100), entry(3, A2)])
    result = reconcile(SMALL, ledger, [])
    check = result.check(REVENUE)
    assert not check.passed
    assert "A1 charged $32.70, ordered $31.70" in check.detail


def test_an_unknown_order_fails():
    stranger = Order.from_record(record("Z9", "zed", "2026-11-02T08:03:00Z", (1, 100)))
    result = reconcile(SMALL, Ledger([*green().entries, entry(4, stranger)]), [])
    assert "not in the input: Z9" in result.check(EXACTLY_ONCE).detail


def test_a_redriven_order_may_come_after_later_ones_but_is_reported():
    redriven = f"{AFTER_REDRIVE} 1"
    ledger = Ledger([entry(1, B1), entry(2, A2), entry(3, A1, phase=redriven)])
    result = reconcile(SMALL, ledger, [])
    assert result.ok, result
    assert len(result.notes) == 1 and "A1" in result.notes[0]
    assert orders.overtaken_via_dlq(SMALL, list(ledger)) == ["A1"]
    # ...but two redriven orders of one customer must still be in order among themselves
    both = Ledger([entry(1, B1), entry(2, A2, phase=redriven), entry(3, A1, phase=redriven)])
    assert not reconcile(SMALL, both, []).check(IN_ORDER).passed


def test_unknown_check_name_lists_the_checks():
    with pytest.raises(KeyError, match="per-customer order preserved"):
        reconcile(SMALL, green(), []).check("speed")


def test_pipeline_refuses_repeated_order_ids(lab):
    with pytest.raises(ValueError, match="repeated: A1"):
        orders.OrderPipeline(lab, [A1, B1, A1])


# --- the whole run on the moto lab ---------------------------------------------------------------


def test_the_whole_capstone_reconciles_on_moto(lab):
    data = orders.load()
    pipeline = orders.OrderPipeline(lab, data)
    result = pipeline.run()
    result.assert_ok()  # every order once or in the DLQ, per-customer order, revenue

    poison = {o.order_id for o in data if o.poison}
    assert len(poison) >= 5
    assert poison <= set(pipeline.dead_lettered)  # every poison order went to the DLQ...
    after = {e.order_id: e for e in pipeline.ledger if e.phase.startswith(AFTER_REDRIVE)}
    assert poison <= set(after)  # ...and was processed after the fix and redrive
    by_id = {o.order_id: o for o in data}
    assert all(after[p].total_cents == orders.total_v2(by_id[p].record) for p in poison)
    assert set(after) == set(pipeline.dead_lettered)  # the redrive brought back exactly those
    # the run met what the chapter describes: transient failures, held-back orders, no duplicates
    counts = pipeline.processor.failure_counts()
    assert counts["transient"] > 0 and counts["bug"] >= len(poison)
    assert pipeline.held_back
    assert len(pipeline.ledger) == len({e.order_id for e in pipeline.ledger})
    assert pipeline.dlq_depth() == 0

    bill = pipeline.bill()
    # one message per customer per FIFO batch, so a retried entry never overtakes its group
    batches = list(producer.batches(pipeline.messages(), one_per_group=True))
    assert bill.operations["SendMessageBatch"].calls == len(batches) >= math.ceil(len(data) / 10)
    assert all(len({m.group_id for m in b}) == len(b) for b in batches)
    assert bill.operations["SendMessageBatch"].messages == len(data)
    assert bill.operations["DeleteMessageBatch"].messages == len(data)
    assert bill.operations["StartMessageMoveTask"].calls == len(pipeline.task_handles) >= 1
    summary = dict(pipeline.summary().rows)
    assert summary["moved to the DLQ in the first pass"] == str(len(pipeline.dead_lettered))
    reasons = pipeline.dead_letter_reasons()
    assert set(reasons.column("order")) == set(pipeline.dead_lettered)
    why = dict(zip(reasons.column("order"), reasons.column("reason"), strict=True))
    bug = "poison: the quantity bug"
    assert {o for o, r in why.items() if r == bug} <= poison  # only poison orders hit the bug
    # a poison order can also be held back all three times behind its customer's failing order
    assert {why[p] for p in poison} <= {bug, "held back behind its customer's failing order"}


def test_the_run_is_deterministic(lab):
    subset = orders.load()[:60]
    first = orders.run(lab, subset, name="det-a", seed=3)
    second = orders.run(lab, subset, name="det-b", seed=3)

    def strip(p: orders.OrderPipeline) -> list[tuple]:
        return [(e.order_id, e.attempt, e.phase, e.worker, e.time - p.started) for e in p.ledger]

    assert strip(first) == strip(second)
    assert first.held_back == second.held_back


def test_without_failures_every_order_goes_through_once_in_the_first_pass(lab):
    clean = [o for o in orders.load()[:80] if not o.poison]
    pipeline = orders.OrderPipeline(lab, clean, failure_rate=0.0)
    assert pipeline.run().ok
    assert [e.phase for e in pipeline.ledger] == [FIRST_PASS] * len(clean)
    assert all(e.attempt == 1 for e in pipeline.ledger)
    assert pipeline.dead_lettered == [] and pipeline.task_handles == []
    assert pipeline.held_back == []


def test_a_consumer_that_ignores_group_failures_breaks_customer_order(lab):
    """The order check is not decorative: a consumer that carries on with a failed order's
    group-mates fails it; the course's consumer with a plain per-message handler passes it."""
    for careless in (True, False):
        subset = orders.load()[:150]
        pipeline = orders.OrderPipeline(lab, subset, seed=2, name=f"careless{careless:d}")

        def plain_pool(pipeline=pipeline, careless=careless) -> WorkerPool:
            pool = WorkerPool(
                lab.sqs,
                pipeline.pair.source_url,
                pipeline.handler,
                workers=8,
                backoff=pipeline.backoff,
                stop=StopPolicy(idle_timeout=60),
                clock=lab.clock,
            )
            pool.fifo = not careless  # careless: forget that the queue is FIFO
            return pool

        pipeline.pool = plain_pool
        result = pipeline.run()
        assert result.check(IN_ORDER).passed is not careless
        assert result.check(EXACTLY_ONCE).passed  # still once each: only the order broke


def test_process_uses_a_monitoring_sampler_when_given(lab):
    class Sampler:
        watched = 0

        def watch(self, consumer):
            Sampler.watched += 1
            return consumer.run()

    clean = [o for o in orders.load()[:20] if not o.poison]
    pipeline = orders.OrderPipeline(lab, clean, failure_rate=0.0)
    assert pipeline.run(sampler=Sampler()).ok
    assert Sampler.watched == 1


def test_reconcile_refuses_to_guess_when_the_dlq_cannot_be_read(lab):
    pipeline = orders.OrderPipeline(lab, SMALL)
    pipeline.create_queues()
    for o in (A1, A2):  # one group: the second stays hidden while the first is in flight
        lab.sqs.send_message(
            QueueUrl=pipeline.pair.dlq_url,
            MessageBody=o.body,
            MessageGroupId="ann",
            MessageDeduplicationId=o.order_id,
        )
    lab.sqs.receive_message(
        QueueUrl=pipeline.pair.dlq_url, MaxNumberOfMessages=1, VisibilityTimeout=300
    )
    with pytest.raises(RuntimeError, match="holds 2 messages but only 0 could be read"):
        pipeline.reconcile()


def test_steps_in_the_wrong_order_say_what_to_do(lab):
    with pytest.raises(RuntimeError, match="call create_queues"):
        orders.OrderPipeline(lab, SMALL).send()


def test_order_needs_its_fields():
    with pytest.raises(ValueError, match="lacks total_cents"):
        Order.from_record({k: v for k, v in A1.record.items() if k != "total_cents"})
    assert replace(A1, total_cents=1) == replace(A1, total_cents=1)


def test_a_transient_failure_is_retried_in_place_before_the_queue_sees_it(lab):
    record = {"order_id": "", "customer_id": "CUST-001", "created_at": "2026-11-02T08:00:00Z"}
    record |= {"items": [], "total_cents": 0}
    ids = (f"ORD-{n}" for n in range(10_000))
    flaky = next(
        i
        for i in ids
        if orders.transient_failure(0, i, 1, 0.2)
        and orders.transient_failure(0, i, 2, 0.2)
        and not orders.transient_failure(0, i, 3, 0.2)
    )
    message = SimpleNamespace(body=json.dumps({**record, "order_id": flaky}))
    patient = orders.OrderProcessor(lab, seed=0, failure_rate=0.2, retries=2, retry_wait=1.0)
    started = lab.clock.time()
    assert patient(message).attempt == 3  # two retries, one receive
    assert lab.clock.time() - started == 3 * patient.work_seconds + 1.0 + 2.0  # waits of 1 s, 2 s
    hasty = orders.OrderProcessor(lab, seed=0, failure_rate=0.2, retries=0)
    with pytest.raises(orders.TransientError):
        hasty(message)


def slowed(pipeline: orders.OrderPipeline, order_id: str, seconds: float) -> None:
    """Make processing ``order_id`` take ``seconds`` more of lab time (a slow payment call)."""
    process = pipeline.processor.process

    def slow(record: dict) -> Processed:
        if record["order_id"] == order_id:
            pipeline.lab.wait(seconds)
        return process(record)

    pipeline.processor.process = slow


@pytest.mark.parametrize("heartbeat", [10.0, None])
def test_the_heartbeat_keeps_a_batch_slower_than_the_visibility_timeout_to_one_worker(
    lab, heartbeat
):
    """The table's promise: a heartbeat for the rare order that outlasts the 30 s timeout. An
    order that takes 45 s more is processed once with it; without it a second worker gets the
    batch again when the timeout ends and processes the slow order a second time."""
    subset = [o for o in orders.load()[:40] if not o.poison]
    pipeline = orders.OrderPipeline(
        lab, subset, failure_rate=0.0, heartbeat_interval=heartbeat, name=f"hb-{bool(heartbeat):d}"
    )
    slowed(pipeline, subset[3].order_id, 45)
    result = pipeline.run()
    extended = pipeline.passes[FIRST_PASS].extended
    if heartbeat:
        assert result.ok, result.table()
        assert extended >= 1 and pipeline.store.skipped == []
    else:
        assert not result.check(EXACTLY_ONCE).passed and extended == 0
        assert subset[3].order_id in result.check(EXACTLY_ONCE).detail
