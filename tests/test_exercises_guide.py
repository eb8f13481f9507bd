"""Exercise 7.6 (sqslab.exercises.guide): the orders the guide's loop never processed and how
often SQS delivered each. The check passes on the solution (two seeds), hints on the mistakes a
learner makes, and its first hints give away no line of the solution."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from typing import Any

import pytest

import sqslab.exercises as exercises
from sqslab import naive, orders
from sqslab.exercises import check_guide_stuck
from sqslab.lab import Lab, start


@pytest.fixture(scope="module", params=[(0, 300), (1, 120)], ids=["seed0-300", "seed1-120"])
def run(request) -> Iterator[tuple[Lab, naive.NaiveRun, list[orders.Order]]]:
    """A naive run (on all orders, then on the first 120 with another seed) and its lab."""
    seed, count = request.param
    lab = start("moto", quiet=True)
    data = orders.load()[:count]
    try:
        yield lab, naive.run_naive(lab, data, seed=seed), data
    finally:
        lab.stop()


def never_processed(nv: naive.NaiveRun, data: list[orders.Order]) -> list[str]:
    """The solution's first part: the orders with no ledger entry."""
    processed = {e.order_id for e in nv.ledger}
    return [o.order_id for o in data if o.order_id not in processed]


def look(lab: Lab, nv: naive.NaiveRun, **kw: Any) -> list[dict[str, Any]]:
    """A learner's receive on the naive queue, after waiting for the loop's last receives."""
    lab.wait(60)
    params = {"MaxNumberOfMessages": 10, "MessageSystemAttributeNames": ["ApproximateReceiveCount"]}
    return lab.sqs.receive_message(QueueUrl=nv.queue_url, **(params | kw)).get("Messages", [])


def counts_of(messages: list[dict[str, Any]]) -> dict[str, int]:
    """The solution's second part: order id -> ApproximateReceiveCount."""
    return {
        json.loads(m["Body"])["order_id"]: int(m["Attributes"]["ApproximateReceiveCount"])
        for m in messages
    }


def solution(lab: Lab, nv: naive.NaiveRun, data: list[orders.Order]) -> tuple[list[str], dict]:
    return never_processed(nv, data), counts_of(look(lab, nv))


def test_the_solution_passes_and_again_after_another_look(run):
    lab, nv, data = run
    for _ in range(2):
        stuck, counts = solution(lab, nv, data)
        check = check_guide_stuck(nv, stuck, counts)
        assert check, check.message
    assert "never processed: every one is a poison order" in check.message
    assert "processing_attempts 0" in check.message and "max_retries = 3" in check.message
    assert all(counts[k] > nv.received[k] for k in stuck)
    assert set(stuck) == {o.order_id for o in data if o.poison}


def test_hints_before_any_answer(run):
    _, nv, data = run
    assert "run the guide's pipeline first" in check_guide_stuck(None, None, None).message
    assert "never_processed" in check_guide_stuck(nv, None, None).message
    assert "a list (or set)" in check_guide_stuck(nv, "ORD-10013", None).message
    check = check_guide_stuck(nv, never_processed(nv, data), None)
    assert "the list is right" in check.message and "receive" in check.message


def test_the_failure_log_is_not_the_list_of_orders_never_processed(run):
    _, nv, _ = run
    failed = sorted({line.split(":")[0] for line in nv.failed})
    check = check_guide_stuck(nv, failed, None)
    assert not check and "every order with a failed attempt" in check.message


def test_only_the_heads_of_the_groups_miss_the_orders_behind_them(run):
    _, nv, data = run
    heads = list(nv.holding().values())
    if heads == never_processed(nv, data):
        pytest.skip("no customer with two poison orders in this subset")
    check = check_guide_stuck(nv, heads, None)
    assert not check and "the second waits behind the first" in check.message


def test_a_processed_order_or_an_unknown_id_in_the_list(run):
    _, nv, data = run
    stuck = never_processed(nv, data)
    processed = nv.ledger.entries[0].order_id
    assert "were processed" in check_guide_stuck(nv, [*stuck, processed], None).message
    assert "not order ids" in check_guide_stuck(nv, [*stuck, "ORD-1"], None).message
    assert "missing" in check_guide_stuck(nv, stuck[1:], None).message


def test_the_counter_in_the_body_is_not_the_count_of_deliveries(run):
    lab, nv, data = run
    in_body = {
        json.loads(m["Body"])["order_id"]: json.loads(m["Body"])["processing_attempts"]
        for m in look(lab, nv)
    }
    check = check_guide_stuck(nv, never_processed(nv, data), in_body)
    assert not check and "processing_attempts written in the bodies" in check.message
    assert (
        "ApproximateReceiveCount"
        in check_guide_stuck(nv, never_processed(nv, data), in_body).more[0]
    )


def test_counts_keyed_by_message_id(run):
    lab, nv, data = run
    by_id = {m["MessageId"]: int(m["Attributes"]["ApproximateReceiveCount"]) for m in look(lab, nv)}
    check = check_guide_stuck(nv, never_processed(nv, data), by_id)
    assert not check and "should be order ids" in check.message


def test_a_look_without_waiting_or_for_one_message_misses_orders(run):
    lab, nv, data = run
    one = counts_of(look(lab, nv, MaxNumberOfMessages=1))
    check = check_guide_stuck(nv, never_processed(nv, data), one)
    assert not check and "lacks" in check.message


def test_the_loops_own_count_is_not_what_sqs_says(run):
    _, nv, data = run
    stuck = never_processed(nv, data)
    check = check_guide_stuck(nv, stuck, {k: nv.received[k] for k in stuck})
    assert not check and "nv.received" in check.message
    text = {k: str(v + 1) for k, v in nv.received.items() if k in stuck}
    assert check_guide_stuck(nv, stuck, text)  # counts as SQS's text are fine


def test_a_repeat_shows_the_next_hint(run):
    _, nv, data = run
    first = check_guide_stuck(nv, never_processed(nv, data), None)
    second = check_guide_stuck(nv, never_processed(nv, data), None)
    assert (first.level, second.level) == (1, 2)
    assert "ApproximateReceiveCount" not in first.message
    assert "ApproximateReceiveCount" in repr(second)


def test_no_first_hint_contains_a_line_of_the_solution(run):
    lab, nv, data = run
    stuck = never_processed(nv, data)
    answers = [
        (None, None),
        (sorted({line.split(":")[0] for line in nv.failed}), None),
        (stuck[1:], None),
        (stuck, None),
        (stuck, {k: 0 for k in stuck}),
        (stuck, counts_of(look(lab, nv, MaxNumberOfMessages=1))),
        (stuck, {k: nv.received[k] for k in stuck}),
    ]
    lines = [
        line.strip().removeprefix("return ")
        for fn in (never_processed, counts_of, look)
        for line in inspect.getsource(fn).splitlines()[2:]
        if line.strip() and not line.strip().startswith(('"""', "#", ")", "}"))
    ]
    assert "processed = {e.order_id for e in nv.ledger}" in lines
    for given, counts in answers:
        first = check_guide_stuck(nv, given, counts).message
        assert not [line for line in lines if line in first], first


def test_the_check_is_exported_and_graded():
    assert exercises.check_guide_stuck is check_guide_stuck
    assert check_guide_stuck.exercise == "ex7.6"
