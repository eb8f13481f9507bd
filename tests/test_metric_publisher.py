"""The sampler plays SQS's part on moto: what it publishes into CloudWatch is what sqslab derives,
stamped on the lab's clock, and nothing while a queue is inactive."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from sqslab import facts, monitor
from sqslab.emulator.clock import EPOCH
from sqslab.lab import start
from sqslab.metric_publisher import LABEL, closed_period, publishes

T0 = EPOCH.timestamp()  # 09:00:00


def _busy_minutes(lab, url, minutes=4):
    """Section 2's workload: three orders a minute, two taken and deleted, a sample each minute."""
    sqs, sampler = lab.sqs, monitor.Sampler(lab, url)
    for minute in range(minutes):
        entries = [{"Id": str(i), "MessageBody": f"order {minute}-{i}"} for i in range(3)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
        for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)["Messages"]:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        lab.wait(60)
        sampler.sample()
    return sampler


def _cloudwatch(lab, queue, start, end):
    return monitor.from_cloudwatch(lab.client("cloudwatch"), queue, start=start, end=end)


@pytest.mark.parametrize("backend", ["moto", "server"])
def test_cloudwatch_holds_what_the_sampler_derives(backend):
    lab = start(backend, quiet=True)
    try:
        url = lab.sqs.create_queue(QueueName="orders")["QueueUrl"]
        sampler = _busy_minutes(lab, url)
        derived = sampler.metrics(url)
        published = _cloudwatch(lab, "orders", T0, lab.clock.time())
        assert published.table().rows == derived.table().rows
        assert published.values(monitor.VISIBLE) == [1, 2, 3, 4]
        assert published.values(monitor.SENT) == [3, 3, 3, 3]
        assert published.values(monitor.AGE) == [60, 60, 60, 120]
    finally:
        lab.stop()


def test_a_sample_is_stamped_with_the_minute_it_closes():
    assert closed_period(T0 + 300, 60) == T0 + 240  # 09:05:00 describes 09:04
    assert closed_period(T0 + 320, 60) == T0 + 300  # 09:05:20 is inside 09:05


def test_two_samples_in_one_minute_do_not_count_twice(lab):
    url = lab.sqs.create_queue(QueueName="twice")["QueueUrl"]
    sampler = monitor.Sampler(lab, url)
    lab.sqs.send_message(QueueUrl=url, MessageBody="a")
    lab.wait(20)
    sampler.sample()
    lab.sqs.send_message(QueueUrl=url, MessageBody="b")
    lab.wait(40)
    sampler.sample()
    m = _cloudwatch(lab, "twice", T0, lab.clock.time())
    assert m.values(monitor.SENT) == [2]
    assert m.values(monitor.VISIBLE) == [2]  # Maximum of the two samples (1, then 2)


def test_an_inactive_queue_publishes_nothing_until_used(lab):
    idle = lab.sqs.create_queue(QueueName="idle")["QueueUrl"]
    holding = lab.sqs.create_queue(QueueName="holding")["QueueUrl"]
    lab.sqs.send_message(QueueUrl=holding, MessageBody="still here")
    lab.wait(facts.get("sqs_metrics_inactive_after").value + 60)
    sampler = monitor.Sampler(lab, idle, holding)
    sampler.sample()
    start = lab.clock.time() - 60
    assert not _cloudwatch(lab, "idle", start, lab.clock.time()).data
    assert _cloudwatch(lab, "holding", start, lab.clock.time()).values(monitor.VISIBLE) == [1]
    lab.sqs.receive_message(QueueUrl=idle)  # any call makes it active again
    lab.wait(60)
    sampler.sample()
    again = _cloudwatch(lab, "idle", start, lab.clock.time())
    assert again.values(monitor.VISIBLE) == [None, 0] and again.values(monitor.EMPTY) == [None, 1]


def test_a_queue_used_within_the_last_hours_stays_active(lab):
    url = lab.sqs.create_queue(QueueName="recent")["QueueUrl"]
    lab.wait(facts.get("sqs_metrics_inactive_after").value - 120)
    monitor.Sampler(lab, url).sample()
    now = lab.clock.time()
    assert _cloudwatch(lab, "recent", now - 60, now).values(monitor.VISIBLE) == [0]


def test_a_cleared_trace_does_not_break_publishing(lab):
    url = lab.sqs.create_queue(QueueName="cleared")["QueueUrl"]
    sampler = _busy_minutes(lab, url, minutes=2)
    lab.trace.clear()
    lab.sqs.send_message(QueueUrl=url, MessageBody="after")
    lab.wait(60)
    sampler.sample()
    m = _cloudwatch(lab, "cleared", T0, lab.clock.time())
    assert m.values(monitor.SENT) == [3, 3, 1]


def test_only_the_moto_backends_publish():
    assert publishes(SimpleNamespace(backend="moto")) and publishes(
        SimpleNamespace(backend="server")
    )
    assert not publishes(SimpleNamespace(backend="aws"))
    assert not publishes(SimpleNamespace(backend="endpoint"))
    assert "sqslab" in LABEL and "moto" in LABEL
