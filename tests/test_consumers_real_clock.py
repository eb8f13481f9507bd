"""Chapter 3 on a real clock (an endpoint lab against a moto server on loopback): a pool's
heartbeat and stop policies work on real threads, the heartbeat check runs its jobs faster and
still tells a heartbeat from none, the consumer panel waits to be asked and runs scaled, and the
idempotency check needs no waiting at all."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from sqslab import consumer_demo, widgets
from sqslab.consumer import StopPolicy, WorkerPool, consume
from sqslab.emulator import realism
from sqslab.emulator.server import start_server
from sqslab.exercises import check_heartbeat, check_idempotent_handler, heartbeat
from sqslab.exercises.heartbeat import VISIBILITY, pace
from sqslab.lab import Lab, start


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    """A moto server on loopback: a service whose clock is real, as LocalStack's or AWS's."""
    server, url = start_server("127.0.0.1", 0)
    yield url
    server.stop()


@pytest.fixture
def real_lab(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", endpoint)
    lab = start("endpoint", quiet=True)
    assert not lab.virtual_time
    yield lab
    lab.stop()


def test_a_pool_heartbeat_beats_on_a_real_clock(real_lab):
    """The heartbeat thread starts before the workers do; it must not take that for the end."""

    url = real_lab.sqs.create_queue(QueueName="beats", Attributes={"VisibilityTimeout": "1"})
    real_lab.sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody="report")
    pool = WorkerPool(
        real_lab.sqs, url["QueueUrl"], lambda m: real_lab.wait(2.5), workers=2,
        heartbeat_interval=0.4, wait_time=1, stop=StopPolicy(idle_timeout=1),
    )  # fmt: skip
    result = pool.run()
    assert result.extended >= 3 and len(result.processed) == 1


def test_an_until_policy_stops_a_consumer_on_a_real_clock(real_lab):

    url = real_lab.sqs.create_queue(QueueName="until")["QueueUrl"]
    began = time.monotonic()
    result = consume(real_lab.sqs, url, lambda m: None, wait_time=1, stop=StopPolicy(until=1.5))
    assert result.stopped_by == "until" and time.monotonic() - began < 4


def test_the_realism_layer_stays_off_on_a_real_clock_and_a_consumer_still_runs(real_lab, capsys):

    url = real_lab.sqs.create_queue(QueueName="orders")["QueueUrl"]
    real_lab.sqs.send_message(QueueUrl=url, MessageBody="A-001")
    layer = realism.enable(real_lab, duplicates=0.2, reorder=0.0, seed=3)
    assert not layer.active and "off on the 'endpoint' backend" in capsys.readouterr().out
    result = consume(
        real_lab.sqs, url, lambda m: None, stop=StopPolicy(idle_timeout=1), wait_time=1
    )
    assert len(result.processed) == 1 and layer.stats.duplicates == 0
    layer.disable()


def beating(lab: Lab):
    """The exercise's solution: a beat of the queue's timeout (on the check's clock) per step."""
    timeout = pace(lab)(VISIBILITY)

    def process_job(sqs, url, message, steps):
        for step in steps:
            step()
            sqs.change_message_visibility(
                QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=timeout
            )
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    return process_job


def no_beat(sqs, url, message, steps):
    for step in steps:
        step()
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_the_check_scales_its_clock_only_off_moto(lab, real_lab):
    assert pace(lab)(VISIBILITY) == 30
    assert pace(real_lab)(VISIBILITY) == VISIBILITY // heartbeat.SPEEDUP
    assert isinstance(pace(real_lab)(VISIBILITY), int)  # a VisibilityTimeout takes whole seconds


def test_a_heartbeat_passes_on_a_real_clock_in_seconds_and_says_it_ran_faster(
    real_lab, monkeypatch
):
    monkeypatch.setattr(heartbeat, "SPEEDUP", 10)  # a 3 s timeout: the whole check in ~20 s
    began = time.monotonic()
    check = check_heartbeat(real_lab, beating(real_lab))
    took = time.monotonic() - began
    assert check.passed, check
    assert "on a 3 s timeout" in check.message and "10 times faster" in check.message
    assert took < 90  # as written (a 30 s timeout) about 200 s; ~20 s here, loose for a busy CI


def test_no_heartbeat_is_caught_on_a_real_clock_when_the_message_shows_again(real_lab):
    began = time.monotonic()
    check = check_heartbeat(real_lab, no_beat)
    assert not check.passed
    assert "the end of step 4 of the slow job" in check.message
    assert "Nothing extended its visibility" in check.message
    assert time.monotonic() - began < 60  # the slow job's 100 s of work as written: ~20 s here
    assert f"VisibilityTimeout={VISIBILITY // heartbeat.SPEEDUP}" in check.hints[-1]


def test_the_idempotency_check_passes_on_a_real_clock_without_waiting(real_lab):
    def handle_payment(message, processed, charge):
        payment = json.loads(message["Body"])
        if payment["payment_id"] not in processed:
            charge(payment["payment_id"], payment["amount"])
            processed.add(payment["payment_id"])

    began = time.monotonic()
    assert check_idempotent_handler(real_lab, handle_payment).passed
    assert time.monotonic() - began < 10


def test_the_timeout_experiment_runs_scaled_on_a_real_clock(real_lab):
    began = time.monotonic()
    run = consumer_demo.work_vs_timeout(
        real_lab, "scaled", work=6, visibility=60, failure_rate=0.0, heartbeat=True, seed=1,
        messages=2, speedup=60,
    )  # fmt: skip
    assert time.monotonic() - began < 10  # 1 min idle timeout as written: 1 s here
    assert run.summary()["processed"] == 2 and run.summary()["duplicates"] == 0
    url = real_lab.sqs.get_queue_url(QueueName="scaled")["QueueUrl"]
    attrs = real_lab.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["VisibilityTimeout"])
    assert attrs["Attributes"]["VisibilityTimeout"] == "1"


def test_the_consumer_panel_waits_to_be_asked_on_a_real_clock(real_lab):
    panel = widgets.consumer_panel(real_lab)
    assert panel.last == {} and panel.runs == 0  # nothing ran when the panel appeared
    assert "real clock" in panel.report.value and "press <b>run</b>" in panel.report.value
    panel.SPEEDUP = 30  # the test's own pace: a 1 s timeout, 0.67 s of work per message
    began = time.monotonic()
    panel.run_button.click()
    assert time.monotonic() - began < 15
    assert panel.last["processed"] == 5 and panel.last["duplicates"] == 0
    assert "30 times faster than set" in panel.report.value


def test_the_consumer_panel_runs_at_once_and_as_set_on_moto(lab):
    panel = widgets.consumer_panel(lab)
    assert panel.last["processed"] == 5 and "real clock" not in panel.report.value
    assert not hasattr(panel, "run_button")
