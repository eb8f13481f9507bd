"""Exercise 4.4: the group id for the shop's order queue, checked under a customer's flood. PASS for
one group per customer; a hint that names each wrong choice, with what the check measured."""

from __future__ import annotations

import json
import random
import uuid

import pytest

from sqslab.exercises import check_order_groups
from sqslab.exercises import fair_groups as ex


def sender(sqs, group):
    """A send_order that sets ``group(order)`` as the MessageGroupId (none when group is None)."""

    def send_order(queue_url, order):
        extra = {} if group is None else {"MessageGroupId": group(order)}
        sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(order), **extra)

    return send_order


@pytest.mark.parametrize(
    "group",
    [lambda o: o["customer_id"], lambda o: f"order-{o['customer_id']}"],
    ids=["customer", "the guide's order-<customer>"],
)
def test_one_group_per_customer_passes_with_the_measured_wait(lab, sqs, group):
    check = check_order_groups(lab, sender(sqs, group))
    assert check, check.message
    assert "one MessageGroupId per customer" in check.message
    assert "every order was delivered" in check.message


RNG = random.Random(7)
WRONG = {
    "no group id": (None, "no order carried a MessageGroupId"),
    "one constant id": (lambda o: "orders", "every order carried the same MessageGroupId"),
    "the order id": (lambda o: o["order_id"], "each order's group was its own order id"),
    "a random id": (
        lambda o: str(uuid.UUID(int=RNG.getrandbits(128))),
        "every order got a group of its own",
    ),
    "the product": (lambda o: o["product_id"], "the orders were grouped by product"),
}


@pytest.mark.parametrize("name", list(WRONG))
def test_each_wrong_choice_gets_its_hint_with_the_quiet_customers_wait(lab, sqs, name):
    group, says = WRONG[name]
    check = check_order_groups(lab, sender(sqs, group))
    assert not check and check.message.startswith(says)
    assert "the other 12 customers' p95 wait (send to delete) was" in check.message
    quiet = float(check.message.split("(send to delete) was ", 1)[1].split(" s")[0])
    assert quiet > 10  # the flood's backlog: no customer was protected
    assert len(check.hints) >= 2


def test_some_orders_without_a_group_id(lab, sqs):
    check = check_order_groups(lab, sender(sqs, lambda o: o["customer_id"]))
    assert check
    mixed = sender(sqs, lambda o: o["customer_id"])

    def half(queue_url, order):
        if order["customer_id"] == ex.FLOODER:
            sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps(order))
        else:
            mixed(queue_url, order)

    check = check_order_groups(lab, half)
    assert not check and check.message.startswith("some orders carried a MessageGroupId")


def test_groups_that_follow_nothing(lab, sqs):
    check = check_order_groups(lab, sender(sqs, lambda o: o["customer_id"][-1]))
    assert not check and check.message.startswith("the group ids follow neither")


def test_placeholder_none_and_unwritten_and_a_failing_send(lab, sqs):
    assert "define send_order" in check_order_groups(lab, None).message

    def unwritten(queue_url, order):
        raise NotImplementedError("write the send here")

    assert check_order_groups(lab, unwritten).message.startswith("send_order is not written")

    def wrong_queue(queue_url, order):
        sqs.send_message(
            QueueUrl=f"{queue_url}-typo",
            MessageBody=json.dumps(order),
            MessageGroupId=order["customer_id"],
        )

    check = check_order_groups(lab, wrong_queue)
    assert not check and check.message.startswith("send_order raised QueueDoesNotExist")


def test_a_body_without_the_order(lab, sqs):
    def customer_only(queue_url, order):
        sqs.send_message(
            QueueUrl=queue_url, MessageBody="new order", MessageGroupId=order["customer_id"]
        )

    check = check_order_groups(lab, customer_only)
    assert not check and "could not find its orders" in check.message


def test_the_choice_is_read_from_the_groups_alone():
    orders = {
        "ORD-0001": {"order_id": "ORD-0001", "customer_id": "C1", "product_id": "P1"},
        "ORD-0002": {"order_id": "ORD-0002", "customer_id": "C1", "product_id": "P2"},
        "ORD-0003": {"order_id": "ORD-0003", "customer_id": "C2", "product_id": "P1"},
    }
    by = {k: {"customer": o["customer_id"], "product": o["product_id"]} for k, o in orders.items()}
    assert ex.choice({k: v["customer"] for k, v in by.items()}, orders) == ex.CUSTOMER
    assert ex.choice({k: v["product"] for k, v in by.items()}, orders) == ex.PRODUCT
    assert ex.choice(dict.fromkeys(orders), orders) == ex.NONE
    assert ex.choice(dict.fromkeys(orders, "g"), orders) == ex.CONSTANT
    assert ex.choice({k: f"id-{k}" for k in orders}, orders) == ex.ORDER
    assert ex.choice({k: str(n) for n, k in enumerate(orders)}, orders) == ex.RANDOM


def test_on_a_real_clock_the_group_ids_alone_are_judged(lab, sqs, monkeypatch):
    monkeypatch.setattr(type(lab), "virtual_time", property(lambda self: False))
    check = check_order_groups(lab, sender(sqs, lambda o: o["customer_id"]))
    assert check and "judges the group ids only" in check.message
    check = check_order_groups(lab, sender(sqs, lambda o: o["product_id"]))
    assert not check and check.message.startswith("the orders were grouped by product")
    assert "p95" not in check.message  # nothing measured
