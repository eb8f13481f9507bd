"""Chapter 7 on a real clock (a `sqslab server`, keeping time as LocalStack and AWS do): the
reference pipeline, the guide's loop and the step checks run faster than written, say so, and
still show what they show on the virtual clock (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from capstone_answers import answers
from test_exercises_capstone_consumer import no_heartbeat
from test_orders import slowed

from sqslab import naive, orders
from sqslab.exercises import (
    capstone_consumer,
    check_guide_stuck,
    check_order_consumer,
    check_order_redrive,
)
from sqslab.exercises.capstone_scenarios import SCENARIOS
from sqslab.lab import Lab, start

#: The first 40 orders: a poison one among them (ORD-10013), and its customer's later orders.
SOME = 40


@pytest.fixture(scope="module")
def real_lab(room: str) -> Iterator[Lab]:
    """A lab on the endpoint backend, against a `sqslab server` on loopback: a real clock."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SQSLAB_ENDPOINT_URL", room)
        env.setenv("SQSLAB_NAMESPACE", "ch7")
        the_lab = start("endpoint", quiet=True)
        yield the_lab
        the_lab.stop()


@pytest.fixture(scope="module")
def some() -> list[orders.Order]:
    return orders.load()[:SOME]


@pytest.fixture(scope="module")
def pipeline(real_lab: Lab, some: list[orders.Order]) -> orders.OrderPipeline:
    """The reference pipeline, every step, ten times faster than written."""
    return orders.run(real_lab, some, demo=real_lab.demo_time(10), name="rc-shop")


@pytest.fixture(scope="module")
def guide(real_lab: Lab, some: list[orders.Order]) -> naive.NaiveRun:
    """The guide's loop on the same orders, twenty times faster, for 15 s."""
    return naive.run_naive(real_lab, some, demo=real_lab.demo_time(20), budget=15)


def test_the_pipeline_goes_ten_times_faster_and_its_books_still_balance(pipeline):
    assert not pipeline.lab.virtual_time and pipeline.speedup == 10
    # the visibility timeout is a deadline, not a wait: it stays as written (30 s)
    assert (pipeline.visibility_timeout, pipeline.wait_time, pipeline.idle_timeout) == (30, 2, 6)
    result = pipeline.reconcile()
    assert result.ok, result.table()
    assert pipeline.dead_lettered and len(pipeline.task_handles) >= 1  # the DLQ and redrive ran
    first = pipeline.passes[orders.FIRST_PASS]
    assert first.deleted == len(first.processed)  # eight threads count each delete once


def test_the_guides_loop_goes_faster_with_its_own_timeouts_shortened(guide, some):
    assert guide.speedup == 20 and "run 20 times faster" in guide.deviations[0]
    assert "20 times shorter" in guide.deviations[1]
    receives = [r for r in guide.records if r.operation == "ReceiveMessage"]
    assert receives, "the run's calls are found under the lab's prefixed queue names"
    assert {(r.params["WaitTimeSeconds"], r.params["VisibilityTimeout"]) for r in receives} == {
        (1, 3)  # the guide's 5 s long poll and 60 s visibility timeout, twenty times shorter
    }
    assert sorted(guide.unprocessed()) == sorted(o.order_id for o in some if o.poison)
    assert guide.dlq_sends == 0 and guide.idle_requests_per_hour() > 0


def test_the_comparison_gives_both_runs_times_as_written(guide, pipeline):
    comparison = naive.compare(guide, pipeline)
    label = dict((row[0], row) for row in comparison.rows())
    assert "time as written (real time x speed-up) to the last order processed" in " ".join(label)
    assert comparison.right.stops == "by itself after 60 s idle (stop policy)"
    assert comparison.naive.seconds == pytest.approx((guide.drained_at() - guide.started) * 20)


def test_the_guide_exercise_names_the_shorter_wait(guide):
    check = check_guide_stuck(guide, guide.unprocessed(), None)
    assert not check and "lab.wait(3) first" in check.more[-1]


def test_the_consumer_check_runs_its_scenarios_faster_and_passes_the_answer(
    real_lab, monkeypatch, capsys
):
    monkeypatch.setattr(capstone_consumer, "SCENARIOS", SCENARIOS[2:3] + SCENARIOS[5:])
    check = check_order_consumer(real_lab, answers(real_lab).consume_orders)
    assert check, check.message
    said = capsys.readouterr().out
    assert "real clock: this check runs its 3 scenarios 10 times faster" in said
    assert "the 30 s visibility timeout lasts 3 s" in said and "in your calls" in said


def test_the_faster_slow_order_still_catches_a_missing_heartbeat(real_lab, monkeypatch):
    monkeypatch.setattr(capstone_consumer, "SCENARIOS", SCENARIOS[5:6])
    check = check_order_consumer(real_lab, no_heartbeat)
    assert not check and "processed twice" in check.message and "45 s" in check.message


def test_the_redrive_check_runs_its_consumers_faster_and_passes_the_answer(real_lab, capsys):
    check = check_order_redrive(real_lab, answers(real_lab).redrive_after_fix)
    assert check, check.message
    said = capsys.readouterr().out
    assert "the consumers around your redrive 10 times faster" in said
    assert "your calls" not in said  # the learner's redrive carries no timeout to shorten


def test_a_pass_returns_only_when_the_polls_its_stop_left_open_have_returned(real_lab, some):
    """After a pass, a redrive's messages must reach the next pass untouched: a poll the idle
    stop left open would receive them first (each receive counts toward maxReceiveCount), and
    under load they went straight back to the DLQ (a real-clock CI run lost orders that way)."""
    shop = orders.OrderPipeline(real_lab, some[:10], demo=real_lab.demo_time(10), name="rc-settle")
    shop.create_queues()
    shop.send()
    shop.process()
    assert open_polls(real_lab) == 0  # every receive of the pass has returned
    sqs, url = real_lab.sqs, shop.pair.source_url
    sqs.send_message(
        QueueUrl=url, MessageBody="{}", MessageGroupId="late", MessageDeduplicationId="x"
    )
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2, MessageSystemAttributeNames=["All"])
    counts = [m["Attributes"]["ApproximateReceiveCount"] for m in got.get("Messages", [])]
    assert counts == ["1"], counts  # this receive is its first: no earlier poll took it


def test_a_batch_slower_than_a_tenth_of_the_visibility_timeout_stays_with_its_worker(
    real_lab, some
):
    """Ten times faster made the 30 s timeout 3 s, which a loaded server's calls alone could
    outlast: a second worker got the batch while its first still held it, and processed a
    customer's orders twice or out of order (real-clock CI). Here one order takes 4 real s."""
    clean = [o for o in some if not o.poison][:10]
    shop = orders.OrderPipeline(
        real_lab, clean, failure_rate=0.0, demo=real_lab.demo_time(10), name="rc-slow"
    )
    slowed(shop, clean[2].order_id, 4)
    result = shop.run()
    assert result.ok, result.table()
    assert shop.store.skipped == []  # no second worker got the slow order's batch


def open_polls(lab: Lab) -> int:
    """ReceiveMessage calls sent and not yet returned (the trace sets ``ended`` when one does)."""
    return sum(r.operation == "ReceiveMessage" and r.ended is None for r in lab.trace.records)
