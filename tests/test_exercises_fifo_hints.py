"""Chapter 4's graded hints: the first says what is wrong and where to look without a line of the
solution; repeating the check (or hint=N) shows more, and the last comes close to the answer."""

from __future__ import annotations

import json

from sqslab import fifo
from sqslab.consumer import StopPolicy, WorkerPool
from sqslab.exercises import check_customer_groups, check_high_throughput, check_resend_safe

FIFO = {"FifoQueue": "true"}
#: Pieces of the exercises' solutions that no first hint may contain.
SOLUTION_LINES = (
    "sqs.create_queue(",
    "MessageGroupId=customer",
    "'FifoQueue': 'true'",
    "'messageGroup'",
    "'perMessageGroupId'",
    "f'{customer}:{event}'",
)


def assert_graded(check, *, last_has: str) -> None:
    """A failing check whose first hint holds no solution line and whose last one names it."""
    assert not check and len(check.hints) >= 2, check.hints
    assert not any(line in check.message for line in SOLUTION_LINES), check.message
    assert last_has in check.hints[-1]


def test_resend_check_grades_the_missing_queue_and_a_standard_queue(lab, sqs):
    assert_graded(check_resend_safe(lab, None), last_has="sqs.create_queue(")
    sqs.create_queue(QueueName="customer-events-std")
    check = check_resend_safe(lab, None, queue="customer-events-std")
    assert_graded(check, last_has="'FifoQueue': 'true'")


def test_resend_check_grades_the_group_and_dedup_mistakes(lab, sqs):
    url = sqs.create_queue(QueueName="customer-events.fifo", Attributes=FIFO)["QueueUrl"]

    def one_group(customer: str, event: str) -> None:
        body = json.dumps({"customer": customer, "event": event})
        sqs.send_message(
            QueueUrl=url,
            MessageBody=body,
            MessageGroupId="all",
            MessageDeduplicationId=f"{customer}-{event}",
        )

    assert_graded(check_resend_safe(lab, one_group), last_has="MessageGroupId=customer")
    assert check_resend_safe(lab, one_group, hint=2).shown()[1].startswith("order is kept")

    sent = iter(range(1000))

    def counter_dedup(customer: str, event: str) -> None:
        body = json.dumps({"customer": customer, "event": event})
        sqs.send_message(
            QueueUrl=url,
            MessageBody=body,
            MessageGroupId=customer,
            MessageDeduplicationId=str(next(sent)),  # a new id on every send, like a uuid
        )

    check = check_resend_safe(lab, counter_dedup)
    assert_graded(check, last_has="f'{customer}:{event}'")
    assert "delivered again" in check.message


def test_a_refused_send_names_what_a_fifo_send_needs(lab, sqs):
    url = sqs.create_queue(QueueName="customer-events.fifo", Attributes=FIFO)["QueueUrl"]

    def no_group(customer: str, event: str) -> None:
        sqs.send_message(QueueUrl=url, MessageBody=event)

    check = check_resend_safe(lab, no_group)
    assert not check and check.message.startswith("SQS refused a send")
    assert "message group" in check.hints[1]


def test_head_of_line_hints_do_not_give_the_group_away_first(lab, sqs):
    url = sqs.create_queue(QueueName="shop-h.fifo", Attributes=FIFO)["QueueUrl"]
    orders = [(c, n) for n in (1, 2) for c in ("acme", "bolt")]
    for customer, n in orders:
        sqs.send_message(
            QueueUrl=url,
            MessageBody=fifo.body(customer, n),
            MessageGroupId="orders",
            MessageDeduplicationId=f"{customer}-{n}",
        )
    handler, deliveries = fifo.recorder(lab, lambda c, n, r: 120.0 if (c, n) == ("acme", 1) else 1)
    pool = WorkerPool(sqs, url, handler, workers=2, batch_size=1, heartbeat_interval=10)
    pool.stop_policy = StopPolicy(idle_timeout=60)
    pool.run()
    first = check_customer_groups(deliveries, orders, ("acme", 1))
    assert_graded(first, last_has="MessageGroupId=customer")
    again = check_customer_groups(deliveries, orders, ("acme", 1))
    assert again.level == 2 and "in flight" in again.shown()[1]


def test_high_throughput_hints_name_the_attribute_before_its_value(sqs):
    assert_graded(check_high_throughput(sqs), last_has="'perMessageGroupId'")
    url = sqs.create_queue(QueueName="clicks.fifo", Attributes=FIFO)["QueueUrl"]
    check = check_high_throughput(sqs)
    assert_graded(check, last_has="'messageGroup'")
    assert "DeduplicationScope" in check.message
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DeduplicationScope": "messageGroup"})
    check = check_high_throughput(sqs)
    assert_graded(check, last_has="'perMessageGroupId'")
    sqs.create_queue(QueueName="clicks-std")
    assert_graded(check_high_throughput(sqs, queue="clicks-std"), last_has="'FifoQueue'")


def test_high_throughput_hint_names_the_rule_a_wrong_combination_breaks(sqs):
    limit_only = {**FIFO, "FifoThroughputLimit": "perMessageGroupId"}
    sqs.create_queue(QueueName="clicks.fifo", Attributes=limit_only)
    check = check_high_throughput(sqs)
    assert_graded(check, last_has="'messageGroup'")
    rule = "perMessageGroupId is allowed only when DeduplicationScope is messageGroup"
    assert rule in check.message and "DeduplicationScope is 'queue'" in check.message


def test_high_throughput_hint_says_what_the_scope_alone_gives(sqs):
    scope_only = {**FIFO, "DeduplicationScope": "messageGroup"}
    sqs.create_queue(QueueName="clicks.fifo", Attributes=scope_only)
    check = check_high_throughput(sqs)
    assert_graded(check, last_has="'perMessageGroupId'")
    assert "FifoThroughputLimit is 'perQueue'" in check.message
    assert "normal throughput is in effect" in check.message


def test_high_throughput_hint_for_the_defaults_says_the_queue_has_normal_throughput(sqs):
    sqs.create_queue(QueueName="clicks.fifo", Attributes=FIFO)
    check = check_high_throughput(sqs)
    assert "normal throughput (300 API calls/s per action)" in check.message
    assert "deduplication across the queue" in check.message
