"""Chapter 2 exercise checks: a hint before the exercise is done, a specific hint for each wrong
attempt, and PASS when it is done right."""

from __future__ import annotations

import json

import pytest
from solution_code import leaks

from sqslab import facts
from sqslab.exercises import check_batch_orders, check_payment_events
from sqslab.exercises.producers import fresh_queue, peek, since_created
from sqslab.producer import Producer

ORDERS = [{"order_id": f"o-{i:03d}", "amount": 10 + i} for i in range(25)]
EVENTS = [
    {"customer": "c-42", "event": "PaymentAuthorized"},
    {"customer": "c-42", "event": "PaymentCaptured"},
    {"customer": "c-42", "event": "PaymentRefunded"},
]
FIFO = {"FifoQueue": "true"}
CHAPTER = "02_producers"


def _batch_size() -> int:
    return int(facts.get("batch_max_entries").value)


def _send_in_batches(sqs, url: str, orders: list, size: int) -> None:
    entries = [{"Id": str(i), "MessageBody": json.dumps(o)} for i, o in enumerate(orders)]
    for start in range(0, len(entries), size):
        sqs.send_message_batch(QueueUrl=url, Entries=entries[start : start + size])


def _send_events(sqs, url: str, events: list, group=None, dedup=None) -> None:
    for i, event in enumerate(events):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(event),
            MessageGroupId=group(i) if group else event["customer"],
            MessageDeduplicationId=dedup(i) if dedup else f"{event['customer']}-{event['event']}",
        )


# --- helpers ------------------------------------------------------------------------------------


def test_fresh_queue_starts_over_and_trace_counts_from_the_new_queue(lab, sqs):
    url = fresh_queue(lab, "orders-batch")
    sqs.send_message(QueueUrl=url, MessageBody="old attempt")
    assert [r.operation for r in since_created(lab, url)] == ["SendMessage"]
    url = fresh_queue(lab, "orders-batch")
    assert since_created(lab, url) == []
    assert (
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])[
            "Attributes"
        ]["ApproximateNumberOfMessages"]
        == "0"
    )


def test_peek_leaves_fifo_messages_in_the_queue_in_order_and_untraced(lab, sqs):
    url = fresh_queue(lab, "payments-events.fifo", FIFO)
    _send_events(sqs, url, EVENTS)
    traced = len(lab.trace)
    first = [m["Body"] for m in peek(lab, url)]
    again = [m["Body"] for m in peek(lab, url)]
    assert first == again == [json.dumps(e) for e in EVENTS]
    assert len(lab.trace) == traced


# --- 2.1 ----------------------------------------------------------------------------------------


def test_batch_orders_hints_before_setup_and_before_sending(lab, sqs):
    assert "run the set-up cell" in check_batch_orders(lab, ORDERS).message
    fresh_queue(lab, "orders-batch")
    check = check_batch_orders(lab, ORDERS)
    assert not check and "SendMessageBatch" in check.message and "section 3" in check.message
    assert "send_message_batch(" not in check.message and leaks(check.message, CHAPTER) == []
    assert "send_message_batch(" in check_batch_orders(lab, ORDERS, hint=3).hints[-1]


def test_batch_orders_passes_with_full_batches(lab, sqs):
    url = fresh_queue(lab, "orders-batch")
    _send_in_batches(sqs, url, ORDERS, _batch_size())
    check = check_batch_orders(lab, ORDERS)
    assert check.passed, check
    assert "3 SendMessageBatch calls" in check.message
    assert check_batch_orders(lab, ORDERS).passed  # the check leaves the messages in place


def test_batch_orders_passes_with_the_producer(lab, sqs):
    url = fresh_queue(lab, "orders-batch")
    Producer(sqs, url).send_many(json.dumps(o) for o in ORDERS)
    assert check_batch_orders(lab, ORDERS).passed


def test_batch_orders_rejects_send_message(lab, sqs):
    url = fresh_queue(lab, "orders-batch")
    for order in ORDERS:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(order))
    check = check_batch_orders(lab, ORDERS)
    assert not check and "SendMessage 25 time(s)" in check.message
    url = fresh_queue(lab, "orders-batch")  # re-running the set-up starts over
    _send_in_batches(sqs, url, ORDERS, _batch_size())
    assert check_batch_orders(lab, ORDERS).passed


def test_batch_orders_rejects_half_full_batches(lab, sqs):
    url = fresh_queue(lab, "orders-batch")
    _send_in_batches(sqs, url, ORDERS, 5)
    assert "5 SendMessageBatch calls" in check_batch_orders(lab, ORDERS).message


def test_batch_orders_notices_the_forgotten_last_batch(lab, sqs):
    url = fresh_queue(lab, "orders-batch")
    _send_in_batches(sqs, url, ORDERS[:20], _batch_size())
    assert "only 20 of 25 orders" in check_batch_orders(lab, ORDERS).message


def test_batch_orders_notices_duplicates_and_wrong_bodies(lab, sqs):
    url = fresh_queue(lab, "orders-batch")
    _send_in_batches(sqs, url, ORDERS[:10] + ORDERS, 10)
    assert "sent twice" in check_batch_orders(lab, ORDERS).message
    url = fresh_queue(lab, "orders-batch")
    _send_in_batches(sqs, url, [str(o) for o in ORDERS], 10)
    check = check_batch_orders(lab, ORDERS)
    assert "not the orders as JSON" in check.message and "json.dumps" not in check.message
    assert "json.dumps(order)" in check.hints[1]


# --- 2.2 ----------------------------------------------------------------------------------------


def test_payment_events_hints_before_setup_and_before_sending(lab, sqs):
    assert "run the set-up cell" in check_payment_events(lab, EVENTS).message
    fresh_queue(lab, "payments-events.fifo", FIFO)
    check = check_payment_events(lab, EVENTS)
    assert not check and "two ids on every send" in check.message
    assert leaks(check.message, CHAPTER) == [] and "MessageGroupId" in check.hints[1]


def test_payment_events_passes_in_order_in_one_group(lab, sqs):
    url = fresh_queue(lab, "payments-events.fifo", FIFO)
    _send_events(sqs, url, EVENTS)
    check = check_payment_events(lab, EVENTS)
    assert check.passed, check
    assert "'c-42'" in check.message
    assert check_payment_events(lab, EVENTS).passed


def test_payment_events_explains_a_shared_deduplication_id(lab, sqs):
    url = fresh_queue(lab, "payments-events.fifo", FIFO)
    _send_events(sqs, url, EVENTS, dedup=lambda i: "payment")
    check = check_payment_events(lab, EVENTS)
    assert not check and "dropped them as duplicates" in check.message
    url = fresh_queue(lab, "payments-events.fifo", FIFO)
    _send_events(sqs, url, EVENTS)
    assert check_payment_events(lab, EVENTS).passed


def test_payment_events_rejects_one_group_per_event(lab, sqs):
    url = fresh_queue(lab, "payments-events.fifo", FIFO)
    _send_events(sqs, url, EVENTS, group=lambda i: f"event-{i}")
    assert "3 message groups" in check_payment_events(lab, EVENTS).message


def test_payment_events_rejects_the_wrong_order(lab, sqs):
    url = fresh_queue(lab, "payments-events.fifo", FIFO)
    _send_events(sqs, url, EVENTS[::-1])
    message = check_payment_events(lab, EVENTS).message
    assert "arrive as PaymentRefunded -> PaymentCaptured -> PaymentAuthorized" in message


def test_payment_events_counts_missing_and_extra_events(lab, sqs):
    url = fresh_queue(lab, "payments-events.fifo", FIFO)
    _send_events(sqs, url, EVENTS[:2])
    assert "only 2 of 3 events" in check_payment_events(lab, EVENTS).message
    _send_events(sqs, url, EVENTS[2:] + EVENTS[:1], dedup=lambda i: f"again-{i}")
    assert "4 messages are in the queue" in check_payment_events(lab, EVENTS).message


def test_fresh_queue_explains_the_wait_after_a_delete_on_aws(lab, sqs, monkeypatch):
    from botocore.exceptions import ClientError

    fresh_queue(lab, "orders-batch")

    def recently_deleted(**_):
        raise ClientError({"Error": {"Code": "QueueDeletedRecently"}}, "CreateQueue")

    monkeypatch.setattr(sqs, "create_queue", recently_deleted)
    with pytest.raises(RuntimeError, match="re-run this set-up cell"):
        fresh_queue(lab, "orders-batch")


@pytest.mark.parametrize(
    "mistake",
    [
        lambda sqs, url: [
            sqs.send_message(QueueUrl=url, MessageBody=json.dumps(o)) for o in ORDERS
        ],
        lambda sqs, url: _send_in_batches(sqs, url, ORDERS, 5),
        lambda sqs, url: _send_in_batches(sqs, url, ORDERS[:20], 10),
        lambda sqs, url: _send_in_batches(sqs, url, ORDERS[:10] + ORDERS, 10),
    ],
)
def test_batch_orders_first_hints_give_no_solution_line_and_grade_up(lab, sqs, mistake):
    mistake(sqs, fresh_queue(lab, "orders-batch"))
    check = check_batch_orders(lab, ORDERS)
    assert not check and leaks(check.message, CHAPTER) == [] and len(check.hints) >= 2


@pytest.mark.parametrize(
    "mistake",
    [
        lambda sqs, url: _send_events(sqs, url, EVENTS, dedup=lambda i: "payment"),
        lambda sqs, url: _send_events(sqs, url, EVENTS, group=lambda i: f"event-{i}"),
        lambda sqs, url: _send_events(sqs, url, EVENTS[::-1]),
        lambda sqs, url: _send_events(sqs, url, EVENTS[:2]),
    ],
)
def test_payment_events_first_hints_give_no_solution_line_and_grade_up(lab, sqs, mistake):
    mistake(sqs, fresh_queue(lab, "payments-events.fifo", FIFO))
    check = check_payment_events(lab, EVENTS)
    assert not check and leaks(check.message, CHAPTER) == [] and len(check.hints) >= 2
