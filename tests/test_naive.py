"""The guide's pipeline (sqslab.naive) on the capstone's 300 orders: poison orders come back
forever and hold their customer's group, nothing reaches the guide's DLQ, orders overtake each
other, the loop stops only at the lab's bound; and the comparison with the capstone pipeline."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

import pytest

from sqslab import naive, orders, plots
from sqslab.lab import Lab, start
from sqslab.naive.guide import VISIBILITY_TIMEOUT, LogLine

SEED = 0
PAUSE, WAIT, MAX_MESSAGES, WORK = 2.0, 5.0, 5, 0.5  # the guide's demo loop and work per order


@pytest.fixture(scope="module")
def runs() -> Iterator[tuple[Lab, naive.NaiveRun, orders.OrderPipeline]]:
    """One lab: the capstone pipeline, then the guide's, on the same 300 orders."""
    lab = start("moto", quiet=True)
    data = orders.load()
    right = orders.run(lab, data, seed=SEED)
    nv = naive.run_naive(lab, data, seed=SEED)
    try:
        yield lab, nv, right
    finally:
        lab.stop()


def deliveries(nv: naive.NaiveRun) -> dict[str, list[LogLine]]:
    """Per order, the guide's "processing order" log lines: one per delivery."""
    found: dict[str, list[LogLine]] = defaultdict(list)
    for line in nv.log.lines:
        if line.text.startswith("processing order "):
            found[line.order_id].append(line)
    return found


def batch_of(nv: naive.NaiveRun) -> dict[int, int]:
    """Log line index -> the number of the receive whose batch it belongs to."""
    batch, found = 0, {}
    for index, line in enumerate(nv.log.lines):
        if line.text.startswith("processing ") and line.text.endswith(" messages"):
            batch += 1
        found[index] = batch
    return found


def receive_times(nv: naive.NaiveRun) -> dict[int, float]:
    """id of each log line -> lab time of the receive whose batch it belongs to."""
    found, when = {}, 0.0
    for line in nv.log.lines:
        if line.text.startswith("processing ") and line.text.endswith(" messages"):
            when = line.time
        found[id(line)] = when
    return found


def test_the_orders_never_processed_are_exactly_the_poison_orders(runs):
    lab, nv, _ = runs
    poison = [o.order_id for o in nv.order_list if o.poison]
    assert nv.unprocessed() == poison == nv.lost()
    assert len({e.order_id for e in nv.ledger}) == len(nv.order_list) - len(poison)
    assert nv.duplicates() == 0  # one consumer, delete after success: nothing twice
    assert naive.queue_left(lab, nv) == len(poison)  # still queued


def test_each_poison_order_comes_back_after_every_visibility_timeout_until_the_stop(runs):
    _, nv, _ = runs
    seen = deliveries(nv)
    received_at = receive_times(nv)
    for customer, head in nv.holding().items():
        times = [received_at[id(line)] for line in seen[head]]
        gaps = [(a, b - a) for a, b in zip(times, times[1:], strict=False)]
        # visible again 60 s after each receive (never sooner); once nothing else is left, the
        # loop's next receive takes it at once (while others are queued, they may come first)
        assert gaps and all(g >= VISIBILITY_TIMEOUT for _, g in gaps), (head, gaps)
        idle = [g for a, g in gaps if a > nv.drained_at()]
        assert idle and all(g <= VISIBILITY_TIMEOUT + PAUSE + MAX_MESSAGES * WORK for g in idle), (
            customer,
            head,
            idle,
        )
        assert nv.stopped - times[-1] <= VISIBILITY_TIMEOUT + WAIT + PAUSE
        assert nv.received[head] == len(times) > (nv.budget - nv.drained_at()) / 70
    for order in nv.order_list:
        if order.poison:
            assert nv.processor.attempts[order.order_id] == nv.received[order.order_id] > 1


def test_the_retry_counter_stays_at_one_and_nothing_reaches_the_guides_dlq(runs):
    lab, nv, _ = runs
    retried = [line.text for line in nv.log.lines if "will be retried" in line.text]
    assert len(retried) == len(nv.processor.failures)  # every failure logged as a retry...
    assert all(text.endswith("(attempt 1)") for text in retried)  # ...and always the first
    assert nv.dlq_sends == 0 and nv.dlq_stats["messages_available"] == 0
    dlq = nv.dlq_url.rsplit("/", 1)[-1]
    assert not [r for r in nv.records if r.queue == dlq and r.operation == "SendMessage"]
    with lab.trace.paused():
        attrs = lab.sqs.get_queue_attributes(QueueUrl=nv.queue_url, AttributeNames=["All"])
    assert "RedrivePolicy" not in attrs["Attributes"]  # the guide's DLQ is just another queue


def test_a_poison_order_holds_its_customers_group_and_the_orders_behind_it_overtake_it(runs):
    _, nv, _ = runs
    poison_customers = {o.customer_id for o in nv.order_list if o.poison}
    first_poison = {}
    for order in nv.order_list:
        if order.poison:
            first_poison.setdefault(order.customer_id, order.order_id)
    assert nv.holding() == first_poison and set(nv.holding()) == poison_customers
    seen, batches = deliveries(nv), batch_of(nv)
    index = {id(line): i for i, line in enumerate(nv.log.lines)}
    done = {e.order_id: e for e in nv.ledger}
    created = {o.order_id: o.created_at for o in nv.order_list}
    behind = [
        o
        for o in nv.order_list
        if o.customer_id in first_poison
        and not o.poison
        and o.created_at > created[first_poison[o.customer_id]]
    ]
    assert behind, "the data has healthy orders behind a poison order"
    for order in behind:
        head = first_poison[order.customer_id]
        assert order.order_id in done  # not stuck for ever: processed...
        last = seen[order.order_id][-1]
        head_batches = {batches[index[id(line)]] for line in seen[head]}
        # ...in the same receive as the poison order that holds the group, which still failed
        assert batches[index[id(last)]] in head_batches
        assert done[order.order_id].time > seen[head][0].time
    assert sorted(nv.overtook()) == sorted(o.order_id for o in behind)
    assert nv.stuck() == {
        c: [o.order_id for o in nv.order_list if o.customer_id == c and o.poison][1:]
        for c in first_poison
    }


def test_a_failed_order_is_overtaken_by_its_customers_next_order_in_the_same_batch(runs):
    _, nv, _ = runs
    late = nv.out_of_order()
    assert late  # the guide processes the rest of a batch after a failure
    failed = {f.order_id for f in nv.processor.failures if f.kind == "transient"}
    assert set(late) <= failed  # each late order had failed once and came back later
    assert not orders.reconcile(nv.order_list, nv.ledger, []).check(orders.IN_ORDER).passed


def test_the_loop_sleeps_and_stops_only_at_the_labs_bound(runs):
    _, nv, _ = runs
    ran = nv.stopped - nv.started
    assert nv.budget <= ran < nv.budget + WAIT + PAUSE + MAX_MESSAGES * WORK
    assert nv.drained_at() - nv.started < nv.budget / 2  # the bound cuts no progress short
    ops = nv.bill().operations
    assert ops["ReceiveMessage"].calls == nv.cycles
    assert ops["GetQueueAttributes"].calls == nv.cycles + 2  # + before the loop, + the DLQ's
    assert ops["SendMessage"].calls == len(nv.order_list)
    assert ops["DeleteMessage"].calls == len(nv.ledger)
    assert nv.cycles * PAUSE < ran < nv.cycles * (PAUSE + WAIT + MAX_MESSAGES * WORK)
    assert [s.available + s.in_flight for s in nv.samples][-1] == len(nv.unprocessed())


def test_the_idle_loop_bills_every_cycle(runs):
    _, nv, _ = runs
    idle = nv.stopped - nv.drained_at()
    cycles = [
        r for r in nv.records if r.operation == "ReceiveMessage" and r.started > nv.drained_at()
    ]
    # each idle cycle: one receive and one statistics call, at most one every pause + long poll
    assert (
        nv.idle_bill().requests
        >= 2 * len(cycles)
        >= 2 * idle / (PAUSE + WAIT + MAX_MESSAGES * WORK)
    )
    assert nv.idle_requests_per_hour() == pytest.approx(nv.idle_bill().requests / idle * 3600)


def test_comparison_rows_match_both_runs(runs):
    _, nv, right = runs
    comparison = naive.compare(nv, right)
    n, r = comparison.naive, comparison.right
    assert (n.processed, n.lost, n.in_dlq, n.duplicates) == (
        len(nv.order_list) - len(nv.unprocessed()),
        len(nv.unprocessed()),
        0,
        0,
    )
    assert n.requests == nv.bill(until=nv.drained_at()).requests < nv.bill().requests
    assert n.seconds == nv.drained_at() - nv.started
    assert n.blocked_customers == len(nv.holding())
    assert n.overtook == len(nv.overtook()) > 0 and r.overtook == 0
    assert n.poison_attempts == sum(nv.received[o.order_id] for o in nv.order_list if o.poison)
    assert n.out_of_order == len(nv.out_of_order()) > 0
    assert r.processed == len(right.orders) and r.lost == r.in_dlq == r.duplicates == 0
    assert r.idle_requests_per_hour == 0 < n.idle_requests_per_hour
    assert n.requests > r.requests and n.seconds > r.seconds
    rows = {row[0]: row[1:] for row in comparison.table().rows}
    assert rows["never processed, in no DLQ"] == (str(n.lost), "0")
    assert rows["billed requests"] == (str(n.requests), str(r.requests))
    assert rows["orders processed"] == (str(n.processed), str(r.processed))
    assert rows["processed after a later order of the customer"][0] == str(n.out_of_order)
    assert (
        f"{n.idle_requests_per_hour:,.0f}" == rows["requests per hour once nothing can progress"][0]
    )
    assert n.idle_dollars_per_day == pytest.approx(n.idle_requests_per_hour * 24 * 0.5e-6)
    fig = plots.naive_vs_right(comparison)
    assert [p.get_height() for p in fig.axes[0].patches] == [n.requests, r.requests]


def test_compare_needs_the_same_orders(runs):
    lab, nv, right = runs
    shorter = orders.OrderPipeline(lab, right.orders[:10])  # not run: compare refuses first
    with pytest.raises(ValueError, match="same orders"):
        naive.compare(nv, shorter)


def test_every_deviation_is_listed_and_the_run_returns_them(runs):
    _, nv, _ = runs
    assert nv.deviations == naive.DEVIATIONS == naive.deviations(nv.budget)
    assert "600 s of lab time" in naive.deviations(600)[0]
    assert "a quarter of an hour where the lab clock is real" in nv.deviations[0]


def test_a_demo_on_the_virtual_clock_says_what_a_real_clock_would_do(lab):
    """Chapter 7 passes ``demo=lab.demo_time(20)``: the bound's text names that run, not the
    quarter of an hour of a run without a demo."""
    nv = naive.run_naive(lab, orders.load()[:5], demo=lab.demo_time(20), budget=60)
    assert (nv.speedup, nv.asked) == (1, 20)
    first = nv.deviations[0]
    assert "on a real clock 20 min as written, run 20 times faster" in first
    assert "quarter of an hour" not in first and "On this real clock" not in " ".join(nv.deviations)
    text = " ".join(naive.DEVIATIONS)
    for named in ("while True", "time.sleep", "datetime.now", "random", "logger", "region_name"):
        assert named in text, named
