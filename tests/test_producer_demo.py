"""Chapter 2's experiment without widgets: what a workload's sends took and cost."""

from __future__ import annotations

import math

import pytest

from sqslab import cost, producer_demo, queues


def test_send_and_price_counts_batches_and_prices_only_the_sends(lab, sqs):
    run = producer_demo.send_and_price(lab, "bulk", messages=50, batch_size=10, payload_kib=1)
    assert (run.queue, run.sent, run.calls, run.billed_requests) == ("bulk", 50, 5, 5)
    assert run.dollars == pytest.approx(5 * cost.price_per_million() / 1_000_000)
    assert run.per_million == pytest.approx(run.dollars / 50 * 1_000_000)
    url = sqs.get_queue_url(QueueName="bulk")["QueueUrl"]
    assert queues.depth(sqs, url) == (50, 0, 0)
    assert list(run.summary()) == [
        "queue",
        "sent",
        "calls",
        "billed_requests",
        "dollars",
        "per_million",
    ]


def test_send_and_price_bills_each_64_kib_chunk(lab, sqs):
    run = producer_demo.send_and_price(lab, "big", messages=4, batch_size=1, payload_kib=100)
    assert run.calls == 4
    body = 6 + 100 * 1024 - producer_demo.OVERHEAD
    assert run.billed_requests == 4 * math.ceil(body / cost.chunk_bytes()) == 8
    url = sqs.get_queue_url(QueueName="big")["QueueUrl"]
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"]
    assert len(got) == body and got.startswith("00000")
