"""Chapter 4 checks: hints before the exercise is done, PASS for a right answer, the hint for each mistake."""

from __future__ import annotations

import json
import uuid

from sqslab import fifo
from sqslab.consumer import StopPolicy, WorkerPool
from sqslab.exercises import check_customer_groups, check_high_throughput, check_resend_safe

FIFO = {"FifoQueue": "true"}


def make_publish(sqs, url, dedup=lambda customer, event: f"{customer}:{event}", group=None):
    def publish(customer: str, event: str) -> None:
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"customer": customer, "event": event}),
            MessageGroupId=group or customer,
            MessageDeduplicationId=dedup(customer, event),
        )

    return publish


def test_resend_check_hints_until_queue_and_function_exist(lab, sqs):
    check = check_resend_safe(lab, None)
    assert not check and "no queue named 'customer-events.fifo'" in check.message
    sqs.create_queue(QueueName="customer-events.fifo", Attributes=FIFO)
    check = check_resend_safe(lab, None)
    assert not check and "define publish" in check.message


def test_resend_check_passes_with_event_based_dedup_ids_even_when_run_twice(lab, sqs):
    url = sqs.create_queue(QueueName="customer-events.fifo", Attributes=FIFO)["QueueUrl"]
    publish = make_publish(sqs, url)
    assert check_resend_safe(lab, publish), check_resend_safe(lab, publish).message
    assert check_resend_safe(lab, publish)  # a second run uses new event names


def test_resend_check_passes_with_content_based_dedup(lab, sqs):
    attrs = {**FIFO, "ContentBasedDeduplication": "true"}
    url = sqs.create_queue(QueueName="customer-events.fifo", Attributes=attrs)["QueueUrl"]

    def publish(customer: str, event: str) -> None:
        body = json.dumps({"customer": customer, "event": event})
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=customer)

    assert check_resend_safe(lab, publish)


def test_resend_check_catches_random_dedup_ids(lab, sqs):
    url = sqs.create_queue(QueueName="customer-events.fifo", Attributes=FIFO)["QueueUrl"]
    check = check_resend_safe(lab, make_publish(sqs, url, dedup=lambda c, e: str(uuid.uuid4())))
    assert not check and "delivered again" in check.message


def test_resend_check_catches_one_global_group_and_sqs_errors(lab, sqs):
    url = sqs.create_queue(QueueName="customer-events.fifo", Attributes=FIFO)["QueueUrl"]
    check = check_resend_safe(lab, make_publish(sqs, url, group="all"))
    assert not check and "a message group of their own" in check.message

    def no_dedup(customer: str, event: str) -> None:
        sqs.send_message(QueueUrl=url, MessageBody=event, MessageGroupId=customer)

    check = check_resend_safe(lab, no_dedup)
    assert not check and "SQS refused" in check.message


def test_resend_check_rejects_a_standard_queue(lab, sqs):
    sqs.create_queue(QueueName="customer-events-standard")
    check = check_resend_safe(lab, lambda c, e: None, queue="customer-events-standard")
    assert not check and "is a standard queue" in check.message


ORDERS = [(c, n) for n in (1, 2, 3) for c in ("acme", "bolt", "cora")]
SLOW = ("acme", 1)


def run_shop(lab, sqs, name: str, group) -> list:
    url = sqs.create_queue(QueueName=name, Attributes=FIFO)["QueueUrl"]
    for customer, n in ORDERS:
        sqs.send_message(
            QueueUrl=url,
            MessageBody=fifo.body(customer, n),
            MessageGroupId=group(customer, n),
            MessageDeduplicationId=f"{customer}-{n}",
        )
    handler, deliveries = fifo.recorder(lab, lambda c, n, r: 120.0 if (c, n) == SLOW else 1.0)
    pool = WorkerPool(sqs, url, handler, workers=3, batch_size=1, heartbeat_interval=10)
    pool.stop_policy = StopPolicy(idle_timeout=60)
    pool.run()
    return deliveries


def test_customer_groups_check_hints_then_catches_one_group_then_passes(lab, sqs):
    assert "run the cell" in check_customer_groups([], ORDERS, SLOW).message
    stuck = run_shop(lab, sqs, "shop-1.fifo", lambda c, n: "orders")
    check = check_customer_groups(stuck, ORDERS, SLOW)
    assert not check and "held back behind it" in check.message
    fixed = run_shop(lab, sqs, "shop-2.fifo", lambda c, n: c)
    check = check_customer_groups(fixed, ORDERS, SLOW)
    assert check, check.message


def test_customer_groups_check_wants_every_order(lab, sqs):
    fixed = run_shop(lab, sqs, "shop-3.fifo", lambda c, n: c)
    check = check_customer_groups(fixed[:-1], ORDERS, SLOW)
    assert not check and "8 of 9 orders" in check.message


def test_high_throughput_check(sqs):
    assert "no queue" in check_high_throughput(sqs).message
    url = sqs.create_queue(QueueName="clicks.fifo", Attributes=FIFO)["QueueUrl"]
    assert "DeduplicationScope" in check_high_throughput(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup"})
    assert "FifoThroughputLimit" in check_high_throughput(sqs).message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoThroughputLimit": "perMessageGroupId"})
    assert check_high_throughput(sqs)


def test_high_throughput_check_refuses_the_limit_without_group_scope(sqs):
    attrs = {**FIFO, "FifoThroughputLimit": "perMessageGroupId"}
    url = sqs.create_queue(QueueName="clicks.fifo", Attributes=attrs)["QueueUrl"]
    check = check_high_throughput(sqs)
    assert not check and "allowed only when DeduplicationScope is messageGroup" in check.message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup"})
    assert check_high_throughput(sqs)
