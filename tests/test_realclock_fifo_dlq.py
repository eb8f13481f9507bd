"""Chapters 4 and 5 on a real clock (a lab on the endpoint backend against a `sqslab server` on
loopback): the panels' runs, the failure lab and the exercise checks run scaled down, say so, and
still test the learner's code; nothing raises."""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterator

import pytest

from sqslab import dlq, fifo, widgets
from sqslab.exercises import (
    check_parked_by_hand,
    check_poison_caught,
    check_resend_safe,
    dlq_by_hand,
    run_invoices,
)
from sqslab.exercises import dlq as dlq_checks
from sqslab.exercises import fifo as fifo_checks
from sqslab.lab import Lab, start


@pytest.fixture
def real(room: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """A lab on a real clock: the endpoint backend, pointed at the module's `sqslab server`."""
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", room)
    lab = start("endpoint", quiet=True)
    assert not lab.virtual_time
    yield lab
    lab.stop()


def visibility(lab: Lab, url: str) -> str:
    attrs = lab.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    return attrs["Attributes"]["VisibilityTimeout"]


def test_the_fifo_panel_runs_ten_times_faster_and_says_so(real):
    before = time.monotonic()
    panel = widgets.fifo_panel(real)  # one run: 3 groups of 5 one-second steps, then idle
    assert time.monotonic() - before < 30  # written: 5 s of work and a 60 s idle stop
    assert panel.last["in_order"] and "10x faster on a real clock" in panel.report.value
    url = real.sqs.get_queue_url(QueueName="fifo-panel-1.fifo")["QueueUrl"]
    assert visibility(real, url) == "2"  # 20 s as written


def test_order_run_retries_failures_within_the_scaled_visibility(real):
    run = fifo.order_run(
        real, "faults", fifo=True, groups=2, workers=2, failure_rate=0.5, seed=3, per_group=3
    )
    assert run.failures > 0 and run.order.in_order()
    assert sorted((d.group, d.seq) for d in run.deliveries) == sorted(fifo.streams(2, 3))
    assert run.seconds < 20  # each failure came back after 2 s, not 20 s


def test_failure_run_is_five_times_faster_and_loses_nothing(real):
    before = time.monotonic()
    counts = dlq.failure_run(
        real, "doomed", failure_rate=1.0, max_receive_count=2, seed=1, messages=4
    )
    assert counts == {"processed": 0, "in the DLQ": 4, "still in the source": 0}
    assert time.monotonic() - before < 45  # written: 5 s timeouts and a 60 s idle stop
    url = real.sqs.get_queue_url(QueueName="doomed")["QueueUrl"]
    assert visibility(real, url) == "1"


def publish_to(lab: Lab, dedup):
    url = lab.sqs.create_queue(QueueName="customer-events.fifo", Attributes={"FifoQueue": "true"})[
        "QueueUrl"
    ]

    def publish(customer: str, event: str) -> None:
        lab.sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"customer": customer, "event": event}),
            MessageGroupId=customer,
            MessageDeduplicationId=dedup(customer, event),
        )

    return publish


def test_the_resend_check_waits_six_seconds_and_still_catches_random_ids(real):
    pause = 60 // fifo_checks.REAL_CLOCK_SPEEDUP
    before = time.monotonic()
    check = check_resend_safe(real, publish_to(real, lambda c, e: f"{c}:{e}"))
    assert time.monotonic() - before >= pause
    assert check and f"the resend {pause} s later" in check.message
    check = check_resend_safe(real, publish_to(real, lambda c, e: uuid.uuid4().hex))
    assert not check and f"the resend {pause} s later was delivered again" in check.message


def test_the_invoice_lab_says_it_is_faster_and_still_tells_swallowed_errors(real, capsys):
    def swallow(message) -> None:
        with contextlib.suppress(ValueError):
            int(json.loads(message.body)["eur"])

    def raise_it(message) -> None:
        int(json.loads(message.body)["eur"])

    before = time.monotonic()
    check = check_poison_caught(real, run_invoices(real, swallow))
    assert not check and "counted as processed" in check.message
    assert "runs 10 times faster than written" in capsys.readouterr().out
    run = run_invoices(real, raise_it)
    assert check_poison_caught(real, run)
    assert run.result.failures == dlq_checks.INVOICE_RETRIES
    assert time.monotonic() - before < 60  # written: 30 s timeouts and a 60 s idle stop, twice


def test_the_by_hand_check_runs_with_a_three_second_timeout(real):
    def on_failure(message, source_url, dlq_url) -> None:
        if int(message["Attributes"]["ApproximateReceiveCount"]) < dlq_by_hand.MAX_RECEIVES:
            return
        real.sqs.send_message(
            QueueUrl=dlq_url,
            MessageBody=message["Body"],
            MessageGroupId=message["Attributes"]["MessageGroupId"],
        )
        real.sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    def lose_it(message, source_url, dlq_url) -> None:
        with contextlib.suppress(Exception):  # the guide's mistake: log it and go on
            real.sqs.send_message(QueueUrl=dlq_url, MessageBody=message["Body"])
        real.sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    before = time.monotonic()
    check = check_parked_by_hand(real, on_failure)
    assert check, check.message
    assert time.monotonic() - before < 120  # written: 7 rounds of 31 s (217 s); ~55 s here
    urls = real.sqs.list_queues()["QueueUrls"]
    assert {visibility(real, u) for u in urls if "by-hand" in u} == {"3"}  # 30 s as written
    assert not check_parked_by_hand(real, lose_it)
