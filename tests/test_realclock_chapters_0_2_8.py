"""Chapters 0, 2 and 8 on a real clock (a `sqslab server` on loopback, as LocalStack or AWS would
be): the clock panel turns its buttons off instead of sleeping for hours, exercise 0.2 accepts a
sped-up timeout, Lambda-style runs wait for failed messages to come back, SNS deliveries are
waited for, and the chapter 8 checks run scaled, in seconds."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator

import pytest
from lambda_answers import raising_receipts, reporting_receipts

from sqslab import dlq, exercises, fanout, lambda_batches, queues, widgets
from sqslab.exercises import beyond
from sqslab.lab import Lab, start


@pytest.fixture
def real_lab(room: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """A lab on the endpoint backend: a `sqslab server` with a real clock."""
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", room)
    lab = start("endpoint", quiet=True)
    yield lab
    lab.stop()


def test_the_clock_panel_turns_its_buttons_off_on_a_real_clock(real_lab: Lab) -> None:
    url = real_lab.sqs.create_queue(QueueName="clocked")["QueueUrl"]
    real_lab.sqs.send_message(QueueUrl=url, MessageBody="hi")
    panel = widgets.clock_panel(real_lab, url)
    assert all(button.disabled for button in panel.buttons)
    assert "cannot jump" in panel.note.value and panel.reload in panel.ui.children[0].children
    before = time.monotonic()
    panel.advance(43200)  # what "+12 hours" would do: it must not sleep for 12 hours
    assert time.monotonic() - before < 5
    real_lab.sqs.send_message(QueueUrl=url, MessageBody="another")
    panel.reload.click()
    assert "visible <b>2</b>" in panel.state.value


def test_the_clock_panel_is_unchanged_on_the_virtual_clock(lab: Lab, sqs) -> None:
    url = sqs.create_queue(QueueName="clocked")["QueueUrl"]
    panel = widgets.clock_panel(lab, url)
    assert not any(button.disabled for button in panel.buttons)
    assert panel.note.value == "" and len(panel.ui.children) == 2


def test_exercise_0_2_passes_with_a_sped_up_timeout_on_a_real_clock(real_lab: Lab) -> None:
    sqs, check = real_lab.sqs, exercises.check_comes_back
    demo = real_lab.demo_time(300)  # ten minutes last two seconds
    url = sqs.create_queue(QueueName="second-chance")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=demo(600))
    waiting = check(real_lab)
    assert not waiting and "only once" in waiting.message
    assert "lab.wait(demo(600) + 1)" in check(real_lab, hint=2).shown()[-1]
    real_lab.wait(demo(600) + 1)
    sqs.receive_message(QueueUrl=url)
    passed = check(real_lab)
    assert passed, passed.message
    assert "(2 s on this real clock)" in passed.message


def test_exercise_0_2_still_wants_the_message_hidden_on_a_real_clock(real_lab: Lab) -> None:
    sqs = real_lab.sqs
    url = sqs.create_queue(QueueName="second-chance")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)  # not hidden at all
    sqs.receive_message(QueueUrl=url)
    check = exercises.check_comes_back(real_lab)
    assert not check and "did not hide" in check.message
    assert "demo(600)" in check.hints[-1]


def test_a_lambda_run_waits_for_failed_messages_on_a_real_clock(real_lab: Lab) -> None:
    sqs = real_lab.sqs
    pair = dlq.create_pair(
        sqs, "trigger", max_receive_count=2, source_attributes={"VisibilityTimeout": "1"}
    )
    for body in ("good", "bad", "fine"):
        sqs.send_message(QueueUrl=pair.source_url, MessageBody=body)
    assert lambda_batches.idle_seconds(real_lab, pair.source_url) == 1 + 2

    def handler(event, context):
        failed = [r["messageId"] for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": i} for i in failed]}

    before = time.monotonic()
    result = lambda_batches.run(real_lab, pair.source_url, handler)
    assert time.monotonic() - before < 20
    assert [m["Body"] for m in queues.peek(real_lab, pair.dlq_url)] == ["bad"]  # came back, parked
    assert len(set(result.processed)) == 2 and sum(queues.depth(sqs, pair.source_url)) == 0


def test_a_lambda_run_on_the_virtual_clock_idles_a_minute(lab: Lab, sqs) -> None:
    url = sqs.create_queue(QueueName="trigger", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    assert lambda_batches.idle_seconds(lab, url) == lambda_batches.IDLE_SECONDS == 60


def test_waiting_for_delivery_sees_a_message_that_arrives_late(real_lab: Lab) -> None:
    sqs = real_lab.sqs
    url = sqs.create_queue(QueueName="late")["QueueUrl"]
    late = threading.Timer(0.7, lambda: sqs.send_message(QueueUrl=url, MessageBody="late"))
    late.start()  # as SNS on AWS does: the message lands a moment after the publish returned
    before = time.monotonic()
    fanout.wait_for_delivery(real_lab, [url], quiet=1.5)
    late.join()
    assert time.monotonic() - before >= 0.7 + 1.5
    assert queues.depth(sqs, url)[0] == 1


def test_waiting_for_delivery_gives_up_after_its_limit(real_lab: Lab) -> None:
    sqs = real_lab.sqs
    url = sqs.create_queue(QueueName="busy")["QueueUrl"]
    stop = threading.Event()

    def keep_sending() -> None:
        while not stop.wait(0.2):
            sqs.send_message(QueueUrl=url, MessageBody="more")

    sender = threading.Thread(target=keep_sending)
    sender.start()
    before = time.monotonic()
    try:
        fanout.wait_for_delivery(real_lab, [url], quiet=1.0, limit=2.0)
    finally:
        stop.set()
        sender.join()
    assert 2.0 <= time.monotonic() - before < 8.0  # a sender that never stops: it gave up


def test_waiting_for_delivery_takes_no_time_on_the_virtual_clock(lab: Lab, sqs) -> None:
    url = sqs.create_queue(QueueName="now")["QueueUrl"]
    before = lab.now()
    fanout.wait_for_delivery(lab, [url])
    assert lab.now() == before and len(lab.trace.records) == 1  # only the CreateQueue


def test_exercise_8_1_passes_on_a_real_clock(real_lab: Lab) -> None:
    sqs, sns = real_lab.sqs, real_lab.client("sns")
    topic = sns.create_topic(Name="shop-events")["TopicArn"]
    for name, attributes in {
        "invoices": {"RawMessageDelivery": "true"},
        "shipping": {
            "RawMessageDelivery": "true",
            "FilterPolicy": json.dumps({"event": ["order_placed"]}),
        },
    }.items():
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = dlq.arn(sqs, url)
        policy = json.dumps(fanout.delivery_policy(arn, topic))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    check = exercises.check_shop_fanout(real_lab)
    assert check, check.message


def test_exercise_8_2_runs_scaled_on_a_real_clock(real_lab: Lab) -> None:
    assert beyond.receipt_visibility(real_lab) == beyond.REAL_CLOCK_VISIBILITY

    before = time.monotonic()
    passed = exercises.check_partial_batch(real_lab, reporting_receipts)
    assert passed, passed.message
    failed = exercises.check_partial_batch(real_lab, raising_receipts)
    # how many good receipts share the bad one's batch varies on a real clock (none, under load)
    assert not failed
    assert re.search(
        r"[1-9]\d* good receipt\(s\) ended in the DLQ|your handler raised", failed.message
    )
    assert time.monotonic() - before < 60


def test_exercise_8_2_keeps_its_timeout_on_the_virtual_clock(lab: Lab) -> None:
    assert beyond.receipt_visibility(lab) == beyond.RECEIPT_VISIBILITY == 30
