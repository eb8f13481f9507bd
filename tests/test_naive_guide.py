"""The guide's pieces as sqslab.naive.guide rewrites them: its queues, its producer's group and
timestamp deduplication ids, its consumer's DLQ branch and malformed-message branch; and the naive
run's bound, determinism and what SQS's retention does to the orders left in its queue."""

from __future__ import annotations

import json

import pytest

from sqslab import naive, orders, queues
from sqslab.errors import LimitError, WrongTypeError
from sqslab.naive.guide import (
    RETENTION,
    GuideConsumer,
    GuideLog,
    GuideProducer,
    get_or_create_queue,
    guide_attributes,
)

SUBSET = 60
BUDGET = 600.0


@pytest.fixture(scope="module")
def data() -> list[orders.Order]:
    chosen = orders.load()[:SUBSET]
    assert any(o.poison for o in chosen)
    return chosen


def queue(lab, name: str = "pedidos-ecommerce.fifo") -> tuple[str, GuideLog]:
    log = GuideLog(lab.clock.time)
    return get_or_create_queue(lab.sqs, name, log), log


def test_get_or_create_makes_the_guides_fifo_queue_once(lab):
    url, log = queue(lab)
    again = get_or_create_queue(lab.sqs, "pedidos-ecommerce.fifo", log)
    assert again == url
    assert [line.text for line in log.lines] == [
        "queue pedidos-ecommerce.fifo created",
        "queue pedidos-ecommerce.fifo found",
    ]
    attrs = lab.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    wanted = guide_attributes("pedidos-ecommerce.fifo")
    assert wanted["FifoQueue"] == wanted["ContentBasedDeduplication"] == "true"
    assert {k: attrs[k] for k in wanted if k != "DelaySeconds"} == {
        k: v for k, v in wanted.items() if k != "DelaySeconds"
    }
    assert guide_attributes("pedidos")["FifoQueue"] == "false"


def test_the_producer_groups_by_customer_and_puts_a_timestamp_in_the_dedup_id(lab, data):
    url, log = queue(lab)
    producer = GuideProducer(lab.sqs, url, "pedidos-ecommerce.fifo", lab.now, log)
    order = dict(data[0].record)
    assert producer.send_order(order)
    sent = [r for r in lab.trace.records if r.operation == "SendMessage"][-1].params
    stamp = lab.now().isoformat()
    assert sent["MessageGroupId"] == f"order-{data[0].customer_id}"
    assert sent["MessageDeduplicationId"] == f"order-{data[0].order_id}-{stamp}"
    message = lab.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    body = json.loads(message["Body"])
    assert (body["processing_attempts"], body["timestamp"]) == (0, stamp)
    assert message["MessageAttributes"]["order_type"]["StringValue"] == data[0].type
    assert message["MessageAttributes"]["priority"]["StringValue"] == data[0].priority
    assert "timestamp" not in data[0].record  # the run sends copies of the orders


def test_the_same_order_sent_again_a_second_later_is_a_new_message(lab, data):
    url, log = queue(lab)
    producer = GuideProducer(lab.sqs, url, "pedidos-ecommerce.fifo", lab.now, log)
    producer.send_order(dict(data[0].record))
    producer.send_order(dict(data[0].record))  # same instant: same timestamp, deduplicated
    lab.wait(1)
    producer.send_order(dict(data[0].record))  # a caller's resend: a new id, a second order
    attrs = lab.sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"]
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "2"


def consumer_on(lab, url: str, log: GuideLog, step, dlq_url: str | None) -> GuideConsumer:
    return GuideConsumer(lab.sqs, url, "pedidos-ecommerce.fifo", step, log, dlq_url)


def test_had_the_counter_reached_three_the_dlq_send_would_fail_and_the_order_be_deleted(lab, data):
    url, log = queue(lab)
    dlq_url = get_or_create_queue(lab.sqs, "pedidos-ecommerce-dlq.fifo", log)
    record = dict(data[0].record, processing_attempts=2)  # as if the counter had been saved
    lab.sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record), MessageGroupId="order-x")
    consumer = consumer_on(lab, url, log, lambda order: False, dlq_url)
    assert consumer.process_orders(max_messages=5, wait_time=0) == 1
    assert consumer.dlq_sends == 1
    errors = [line.text for line in log.lines if line.level == "ERROR"]
    assert len(errors) == 1 and "MessageGroupId" in errors[0]  # a FIFO queue needs a group
    for where in (url, dlq_url):  # deleted from the queue, never in the DLQ: lost
        assert queues.depth(lab.sqs, where) == (0, 0, 0)


def test_a_failed_order_stays_and_its_counter_is_one_every_time(lab, data):
    url, log = queue(lab)
    producer = GuideProducer(lab.sqs, url, "pedidos-ecommerce.fifo", lab.now, log)
    producer.send_order(dict(data[0].record))
    consumer = consumer_on(lab, url, log, lambda order: False, None)
    for _ in range(4):
        assert consumer.process_orders(max_messages=5, wait_time=0) == 1
        lab.wait(60)
    retried = [line.text for line in log.lines if "will be retried" in line.text]
    assert retried == [f"order {data[0].order_id} will be retried (attempt 1)"] * 4
    assert consumer.dlq_sends == 0


def test_a_malformed_message_is_deleted(lab):
    url, log = queue(lab)
    lab.sqs.send_message(QueueUrl=url, MessageBody="{not json", MessageGroupId="g")
    consumer = consumer_on(lab, url, log, lambda order: True, None)
    assert consumer.process_orders(max_messages=5, wait_time=0) == 1
    assert log.counts()["ERROR"] == 1 and "malformed" in log.lines[-1].text
    lab.wait(60)
    assert consumer.process_orders(max_messages=5, wait_time=0) == 0


def test_same_seed_same_run_and_the_budget_bounds_it(data):
    from sqslab.lab import start

    seen = []
    for seed in (3, 3, 4):
        lab = start("moto", quiet=True)
        try:
            run = naive.run_naive(lab, data, seed=seed, budget=BUDGET)
        finally:
            lab.stop()
        assert BUDGET <= run.stopped - run.started < BUDGET + 10
        seen.append(
            (
                [(e.order_id, e.time - run.started) for e in run.ledger],
                [(line.time - run.started, line.text) for line in run.log.lines],
            )
        )
    assert seen[0] == seen[1]
    assert seen[0][0] != seen[2][0]  # another seed fails other attempts


def test_a_budget_must_be_positive(lab, data):
    with pytest.raises(LimitError, match="budget"):
        naive.run_naive(lab, data, budget=0)
    with pytest.raises(WrongTypeError, match="budget must be a number"):
        naive.run_naive(lab, data, budget="1h")


def test_sqs_deletes_the_stuck_orders_after_the_guides_retention(lab, data):
    run = naive.run_naive(lab, data, seed=0, budget=BUDGET)
    assert naive.queue_left(lab, run) == len(run.unprocessed()) > 0
    lab.wait(RETENTION)
    assert naive.queue_left(lab, run) == 0  # never processed, now gone


def test_a_second_run_in_the_same_lab_finds_the_first_ones_queue(lab, data):
    first = naive.run_naive(lab, data[:20], seed=0, budget=BUDGET)
    second = naive.run_naive(lab, data[20:40], seed=0, budget=BUDGET)
    assert second.queue_url == first.queue_url
    assert [line.text for line in second.log.lines[:2]] == [
        "queue pedidos-ecommerce.fifo found",
        "queue pedidos-ecommerce-dlq.fifo found",
    ]
