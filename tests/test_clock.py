"""The virtual clock: long AWS time spans pass instantly and deterministically on moto."""

from __future__ import annotations

import time

import pytest

from sqslab import facts
from sqslab.emulator import clock as clocks
from sqslab.emulator import timepatch
from sqslab.errors import LimitError
from sqslab.lab import start

HALF_DAY = int(facts.get("visibility_timeout").value)


def _visible(sqs, url: str) -> list[dict]:
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])


def test_twelve_hour_visibility_timeout_passes_instantly(lab, sqs):
    url = sqs.create_queue(QueueName="hidden")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="come back")
    t0 = time.perf_counter()
    assert len(sqs.receive_message(QueueUrl=url, VisibilityTimeout=HALF_DAY)["Messages"]) == 1
    lab.wait(HALF_DAY - 1)
    assert _visible(sqs, url) == []
    lab.wait(1)
    again = _visible(sqs, url)
    assert [m["Body"] for m in again] == ["come back"]
    assert time.perf_counter() - t0 < 1.0


def test_retention_of_fourteen_days_removes_the_message(lab, sqs):
    days14 = int(facts.get("message_retention").value)
    url = sqs.create_queue(
        QueueName="short-lived", Attributes={"MessageRetentionPeriod": str(days14)}
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old news")
    t0 = time.perf_counter()
    lab.wait(days14 - 60)
    assert (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "1"
    )
    lab.wait(60)
    assert _visible(sqs, url) == []
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert counts["ApproximateNumberOfMessages"] == "0"
    assert counts["ApproximateNumberOfMessagesNotVisible"] == "0"
    assert time.perf_counter() - t0 < 1.0


def test_fifteen_minute_delay(lab, sqs):
    delay = int(facts.get("delivery_delay").value)
    url = sqs.create_queue(QueueName="later")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="soon", DelaySeconds=delay)
    t0 = time.perf_counter()
    lab.wait(delay - 1)
    assert _visible(sqs, url) == []
    lab.wait(2)
    assert len(_visible(sqs, url)) == 1
    assert time.perf_counter() - t0 < 1.0


def test_fifo_dedup_window_of_five_minutes(lab, sqs):
    window = int(facts.get("fifo_dedup_window").value)
    url = sqs.create_queue(
        QueueName="dedup.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]

    def send() -> None:
        sqs.send_message(QueueUrl=url, MessageBody="same", MessageGroupId="g")

    def depth() -> int:
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
        )
        return int(attrs["Attributes"]["ApproximateNumberOfMessages"])

    t0 = time.perf_counter()
    send()
    lab.wait(window - 1)
    send()
    assert depth() == 1
    lab.wait(2)
    send()
    assert depth() == 2
    assert time.perf_counter() - t0 < 1.0


def test_long_poll_on_empty_queue_advances_by_the_wait_without_real_waiting(lab, sqs):
    url = sqs.create_queue(QueueName="empty")["QueueUrl"]
    before = lab.clock.time()
    t0 = time.perf_counter()
    reply = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    assert reply.get("Messages", []) == []
    assert lab.clock.time() - before == pytest.approx(20)
    assert time.perf_counter() - t0 < 0.5


def test_long_poll_returns_a_message_that_becomes_visible_inside_the_wait(lab, sqs):
    url = sqs.create_queue(QueueName="delayed")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="in 7 s", DelaySeconds=7)
    before = lab.clock.time()
    reply = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    assert [m["Body"] for m in reply["Messages"]] == ["in 7 s"]
    assert 7 <= lab.clock.time() - before < 7.01


def test_long_poll_stops_at_the_wait_when_the_message_comes_later(lab, sqs):
    url = sqs.create_queue(QueueName="too-late")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="in 30 s", DelaySeconds=30)
    before = lab.clock.time()
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages", []) == []
    assert lab.clock.time() - before == pytest.approx(5)


def test_queue_default_wait_is_a_long_poll_too(lab, sqs):
    url = sqs.create_queue(
        QueueName="default-wait", Attributes={"ReceiveMessageWaitTimeSeconds": "20"}
    )["QueueUrl"]
    before = lab.clock.time()
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []
    assert lab.clock.time() - before == pytest.approx(20)


def test_short_poll_does_not_move_the_clock(lab, sqs):
    url = sqs.create_queue(QueueName="short")["QueueUrl"]
    before = lab.clock.time()
    sqs.receive_message(QueueUrl=url)
    assert lab.clock.time() == before


def test_clock_starts_at_the_fixed_epoch_and_moves_only_on_wait(lab):
    assert lab.now() == clocks.EPOCH
    time.sleep(0.01)  # real: proves real time does not leak into the virtual clock
    assert lab.now() == clocks.EPOCH
    lab.wait(90)
    assert (lab.now() - clocks.EPOCH).total_seconds() == 90


@pytest.mark.parametrize("bad", [-1, -0.001])
def test_wait_rejects_negative_time(lab, bad):
    with pytest.raises(ValueError, match="only moves forward"):
        lab.wait(bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_wait_rejects_non_finite_time_and_the_lab_still_works(lab, bad):
    with pytest.raises(LimitError, match="finite number of seconds"):
        lab.wait(bad)
    assert lab.now() == clocks.EPOCH
    lab.wait(60)
    assert (lab.now() - clocks.EPOCH).total_seconds() == 60


def test_one_wait_is_capped_at_a_hundred_years(lab):
    with pytest.raises(LimitError, match="at most 100 years"):
        lab.wait(1e12)
    assert lab.now() == clocks.EPOCH


def test_the_clock_stops_before_datetime_runs_out(lab):
    with pytest.raises(LimitError, match="9999-12-31") as err:
        for _ in range(100):
            lab.wait(clocks.MAX_WAIT)
    assert "sqslab.start()" in str(err.value)
    assert lab.now().year > 9800  # the waits before the refused one happened
    lab.wait(1)  # still answers


@pytest.mark.parametrize("bad", ["10", None, True])
def test_wait_rejects_non_numbers(lab, bad):
    with pytest.raises(TypeError, match="number of seconds"):
        lab.wait(bad)


def test_stop_gives_moto_its_real_clock_back():
    import moto.sqs.models as models

    original = models.unix_time
    lab = start("moto", quiet=True)
    assert models.unix_time is not original
    lab.stop()
    assert models.unix_time is original
    assert timepatch.installed() is None and not timepatch.active()


def test_server_backend_long_poll_runs_on_the_virtual_clock():
    lab = start("server", quiet=True)
    try:
        url = lab.sqs.create_queue(QueueName="over-http")["QueueUrl"]
        lab.sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=600)
        t0 = time.perf_counter()
        reply = lab.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        assert reply.get("Messages", []) == []
        lab.wait(600)
        assert len(lab.sqs.receive_message(QueueUrl=url)["Messages"]) == 1
        assert time.perf_counter() - t0 < 2.0
        assert lab.endpoint_url.startswith("http://127.0.0.1:")
    finally:
        lab.stop()


def test_real_clock_sleeps_for_real():
    real = clocks.RealClock()
    t0 = time.perf_counter()
    real.sleep(0.05)
    assert time.perf_counter() - t0 >= 0.05
    with pytest.raises(ValueError):
        real.sleep(-1)


def test_installing_a_real_clock_keeps_real_time_and_real_long_polls() -> None:
    import time as real_time

    import boto3
    from moto import mock_aws

    with mock_aws():
        timepatch.use(clocks.RealClock())
        try:
            sqs = boto3.client("sqs", region_name="us-east-1")
            url = sqs.create_queue(QueueName="real")["QueueUrl"]
            sqs.send_message(QueueUrl=url, MessageBody="x")
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            assert abs(float(attrs["CreatedTimestamp"]) - real_time.time()) < 60
            began = real_time.perf_counter()
            sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)
            assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages") is None
            assert real_time.perf_counter() - began >= 0.9
        finally:
            timepatch.uninstall()
