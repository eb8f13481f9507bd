"""The naive pipeline (the guide's way) on the same orders: what it loses, duplicates and costs,
measured next to the capstone's pipeline."""

from __future__ import annotations

import math

import pytest

from sqslab import naive, orders
from sqslab.orders import EXACTLY_ONCE, transient_failure

SEED = 4


@pytest.fixture(scope="module")
def subset() -> list[orders.Order]:
    """The first 60 orders: a few poison ones among them."""
    chosen = orders.load()[:60]
    assert any(o.poison for o in chosen)
    return chosen


def test_delete_then_forget_loses_exactly_the_orders_whose_processing_failed(lab, subset):
    run = naive.run_naive(lab, subset, seed=SEED, duplicates=0, reorder=0)
    # without the realism layer each order is received once, so it gets one attempt: it is lost
    # when that attempt fails (the seeded 20 %) or when it is poison (the unfixed bug)
    expected = [
        o.order_id for o in subset if o.poison or transient_failure(SEED, o.order_id, 1, 0.2)
    ]
    assert run.lost() == expected
    assert 0 < len(expected) < len(subset)
    assert run.duplicates() == 0
    assert naive.queue_left(lab, run) == 0  # deleted before processing: nothing left to retry
    result = run.reconcile()
    assert not result.check(EXACTLY_ONCE).passed
    assert f"missing: {expected[0]}" in result.check(EXACTLY_ONCE).detail


def test_one_request_per_send_and_per_delete(lab, subset):
    run = naive.run_naive(lab, subset, seed=SEED, duplicates=0, reorder=0)
    ops = run.bill().operations
    n = len(subset)
    assert ops["SendMessage"].calls == n
    assert ops["DeleteMessage"].calls == n
    assert ops["ReceiveMessage"].calls >= math.ceil(n / 5)  # at most 5 per receive
    assert ops["GetQueueAttributes"].calls == run.loops  # the guide's stats call, every loop


def test_the_loop_sleeps_and_runs_until_the_demo_stops_it(lab, subset):
    run = naive.run_naive(lab, subset, seed=SEED, duplicates=0, reorder=0, idle_stop=100)
    work = len(subset) * 0.5  # one worker, 0.5 s of work per order
    pauses = (math.ceil(len(subset) / 5) - 1) * 2.0  # 2 s between loops while messages flow
    assert run.drained_at() - run.started >= work + pauses
    assert run.stopped - run.drained_at() >= 100
    assert run.empty_receives >= 100 // (5 + 2)  # 5 s long poll + 2 s sleep per idle loop


def test_lost_deletes_make_the_naive_consumer_process_orders_twice(lab, subset):
    few = subset[:20]
    run = naive.run_naive(lab, few, seed=SEED, duplicates=1.0, reorder=0)
    # every delete is lost once, so every order is delivered twice: attempts 1 and 2
    ok = {
        o.order_id: [
            not transient_failure(SEED, o.order_id, a, 0.2) and not o.poison for a in (1, 2)
        ]
        for o in few
    }
    assert run.duplicates() == sum(all(v) for v in ok.values())
    assert run.lost() == [oid for oid, v in ok.items() if not any(v)]
    assert run.layer is not None and run.layer.stats.duplicates == len(few)
    assert not run.layer.active  # switched off after the naive run


def test_side_by_side_on_the_same_orders(lab, subset):
    right = orders.run(lab, subset, seed=SEED)
    nv = naive.run_naive(lab, subset, seed=SEED)
    comparison = naive.compare(nv, right)
    n, r = comparison.naive, comparison.right
    assert n.requests > r.requests  # one send and one delete per order vs batches of 10
    assert n.lost > 0 and r.lost == 0
    assert r.processed + r.in_dlq == len(subset)
    assert r.duplicates == 0
    assert n.dollars_per_million_orders > r.dollars_per_million_orders
    assert n.seconds > r.seconds  # one sleeping worker vs a pool of 8
    table = comparison.table()
    assert table.columns == ("measure", "naive (the guide)", "right (the capstone)")
    rows = {row[0]: row[1:] for row in table.rows}
    assert rows["lost (neither processed nor in a DLQ)"] == (str(n.lost), "0")
    assert rows["billed requests"] == (str(n.requests), str(r.requests))


def test_compare_needs_the_same_orders(lab, subset):
    right = orders.run(lab, subset[:10], seed=SEED)
    nv = naive.run_naive(lab, subset[:12], seed=SEED, duplicates=0, reorder=0)
    with pytest.raises(ValueError, match="same orders"):
        naive.compare(nv, right)
