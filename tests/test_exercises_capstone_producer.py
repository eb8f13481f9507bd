"""Exercise 7.2's check: the worked answer passes on repeated runs; producers a learner gets wrong
(failed entries ignored, whole batches resent, a timestamp deduplication id, one message group,
two orders of a customer in one batch) each get a hint that names what was lost, duplicated or
out of order, and gives no line of the answer away."""

from __future__ import annotations

import itertools

from capstone_answers import answers, leaked

from sqslab.exercises import check_order_producer
from sqslab.exercises.capstone_producer import check_orders

_clock = itertools.count()


def entry(order, **overrides):
    fields = {
        "Id": order.order_id,
        "MessageBody": order.body,
        "MessageGroupId": order.customer_id,
        "MessageDeduplicationId": order.order_id,
    }
    return {**fields, **overrides}


def ignores_failed(sqs, queue_url, order_list):
    """Sends each batch once and never reads Failed."""
    for start in range(0, len(order_list), 10):
        batch = order_list[start : start + 10]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=[entry(o) for o in batch])


def resends_the_whole_batch(sqs, queue_url, order_list):
    """Retries a batch as a whole until nothing in it failed."""
    for start in range(0, len(order_list), 10):
        batch = [entry(o) for o in order_list[start : start + 10]]
        while sqs.send_message_batch(QueueUrl=queue_url, Entries=batch).get("Failed"):
            pass


def consecutive_batches(sqs, queue_url, order_list):
    """Resends only the failed entries, but batches ten orders in a row: a customer's later order
    in the same batch can go through before the earlier one's retry."""
    for start in range(0, len(order_list), 10):
        batch = order_list[start : start + 10]
        while batch:
            reply = sqs.send_message_batch(QueueUrl=queue_url, Entries=[entry(o) for o in batch])
            failed = {f["Id"] for f in reply.get("Failed", [])}
            batch = [o for o in batch if o.order_id in failed]


def one_per_customer(sqs, queue_url, order_list, **overrides):
    """The answer's batching, with entry fields overridden per order."""
    waiting = list(order_list)
    while waiting:
        batch, customers = [], set()
        for order in waiting:
            if order.customer_id not in customers and len(batch) < 10:
                batch.append(order)
                customers.add(order.customer_id)
        entries = [entry(o, **{k: f(o) for k, f in overrides.items()}) for o in batch]
        reply = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        sent = {s["Id"] for s in reply.get("Successful", [])}
        waiting = [o for o in waiting if o.order_id not in sent]


def timestamp_dedup(sqs, queue_url, order_list):
    """The guide's deduplication id: the order id and the time of sending."""
    one_per_customer(
        sqs,
        queue_url,
        order_list,
        MessageDeduplicationId=lambda o: f"{o.order_id}-{next(_clock)}",
    )


def one_group(sqs, queue_url, order_list):
    """Every order in the group 'orders'."""
    one_per_customer(sqs, queue_url, order_list, MessageGroupId=lambda o: "orders")


def single_sends(sqs, queue_url, order_list):
    """One SendMessage per order, as the guide did."""
    for o in order_list:
        sqs.send_message(
            QueueUrl=queue_url,
            MessageBody=o.body,
            MessageGroupId=o.customer_id,
            MessageDeduplicationId=o.order_id,
        )


def no_dedup_id(sqs, queue_url, order_list):
    """Leaves the deduplication id out (the queue has no content-based deduplication)."""
    for start in range(0, len(order_list), 10):
        batch = order_list[start : start + 10]
        entries = [
            {k: v for k, v in entry(o).items() if k != "MessageDeduplicationId"} for o in batch
        ]
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)


def never_done(sqs, queue_url, order_list):
    """Keeps every order waiting, even those in Successful."""
    waiting = list(order_list)
    while waiting:
        sqs.send_message_batch(QueueUrl=queue_url, Entries=[entry(o) for o in waiting[:10]])


def unfinished(sqs, queue_url, order_list):  # the chapter's empty cell
    ...


def hinted(lab, fn, *phrases):
    check = check_order_producer(lab, fn)
    assert not check, check.message
    for phrase in phrases:
        assert phrase in check.message, check.message
    assert not leaked(check.message), leaked(check.message)
    return check


def test_the_answer_passes_every_time(lab):
    send = answers(lab).send_orders
    for _ in range(3):
        check = check_order_producer(lab, send)
        assert check, check.message
    assert f"all {len(check_orders())} orders reached the queue once" in check.message


def test_before_it_is_written(lab):
    assert "define send_orders" in check_order_producer(lab, None).message
    hinted(lab, unfinished, "sent nothing")


def test_ignoring_failed_loses_orders(lab):
    hinted(lab, ignores_failed, "never reached the queue", "answered them in Failed")
    assert "Successful and Failed" in repr(check_order_producer(lab, ignores_failed))


def test_resending_the_whole_batch_is_caught(lab):
    hinted(lab, resends_the_whole_batch, "sent again although SQS had already accepted them")


def test_two_orders_of_a_customer_in_a_batch_come_out_of_order(lab):
    hinted(lab, consecutive_batches, "out of order in the queue", "placed later")


def test_a_timestamp_deduplication_id_duplicates_after_a_restart(lab):
    hinted(lab, timestamp_dedup, "after the producer crashed", "in the queue twice")


def test_one_message_group_for_all(lab):
    hinted(lab, one_group, "share one message group")


def test_single_sends_and_a_missing_deduplication_id(lab):
    hinted(lab, single_sends, "called SendMessage")
    hinted(lab, no_dedup_id, "stopped with an error", "MessageDeduplicationId")


def test_a_producer_that_never_stops_is_stopped(lab):
    check = hinted(lab, never_done, "does not stop", "SendMessageBatch most often")
    assert check.more and "Successful is done" in check.more[0]
