"""The two pipeline hooks chapter 7's reference run relies on: receive_batch (one message per
receive never holds an order back) and redriven (a plain boto3 redrive noted in the ledger)."""

from __future__ import annotations

import pytest

from sqslab import orders
from sqslab.orders import Order


def record(oid: str, created: str, quantity: int | str) -> Order:
    item = {"sku": "S", "name": "x", "quantity": quantity, "unit_price_cents": 100}
    return Order.from_record(
        {
            "order_id": oid,
            "customer_id": "ann",
            "created_at": created,
            "type": "standard",
            "priority": "normal",
            "items": [item],
            "total_cents": 100 * int(quantity),
        }
    )


# one customer: a poison order first, then two healthy ones behind it
ANN = [
    record("A1", "2026-11-02T08:00:00Z", "1"),
    record("A2", "2026-11-02T08:01:00Z", 2),
    record("A3", "2026-11-02T08:02:00Z", 3),
]


def test_receive_batch_one_never_holds_an_order_back(lab):
    batched = orders.OrderPipeline(lab, ANN, name="ann-10", failure_rate=0.0)
    batched.create_queues()
    batched.send()
    batched.process()
    assert {"A2", "A3"} <= set(batched.held_back)  # received with A1, returned unprocessed
    single = orders.OrderPipeline(lab, ANN, name="ann-1", failure_rate=0.0, receive_batch=1)
    single.create_queues()
    single.send()
    single.process()
    assert single.dead_lettered == ["A1"] and single.held_back == []
    with pytest.raises(ValueError, match="1 to 10"):
        orders.OrderPipeline(lab, ANN, receive_batch=11)


def test_a_plain_boto3_redrive_is_noted_with_redriven(lab):
    pipeline = orders.OrderPipeline(lab, ANN, failure_rate=0.0, receive_batch=1)
    pair = pipeline.create_queues()
    pipeline.send()
    pipeline.process()
    pipeline.fix()
    handle = lab.sqs.start_message_move_task(SourceArn=pair.dlq_arn)["TaskHandle"]
    with pytest.raises(RuntimeError, match="is RUNNING"):
        pipeline.redriven(handle)
    while lab.sqs.list_message_move_tasks(SourceArn=pair.dlq_arn)["Results"][0]["Status"] != (
        "COMPLETED"
    ):
        lab.wait(1)
    pipeline.redriven(handle)
    with pytest.raises(RuntimeError, match="already noted"):
        pipeline.redriven(handle)
    pipeline.process()
    assert [(e.order_id, e.phase) for e in pipeline.ledger] == [
        ("A2", orders.FIRST_PASS),
        ("A3", orders.FIRST_PASS),
        ("A1", f"{orders.AFTER_REDRIVE} 1"),
    ]
    result = pipeline.reconcile()
    assert result.ok and "A1" in result.notes[0]  # processed after A2, A3: noted, not failed
    ops = pipeline.bill().operations
    assert ops["StartMessageMoveTask"].calls == 1 and ops["ListMessageMoveTasks"].calls >= 1
