"""Chapter 7, the capstone: an e-commerce order pipeline done right, end to end, and reconciled.

Orders (``data/orders.jsonl``) go through a FIFO queue, one message group per customer, with a DLQ
(maxReceiveCount 3). A :class:`~sqslab.producer.Producer` sends them in batches (group id = customer,
deduplication id = order id); a :class:`~sqslab.consumer.WorkerPool` processes them with a step that
fails transiently ~20 % of attempts (seeded per order and attempt, so thread interleaving cannot
change the outcome) and crashes on "poison" orders until the bug is fixed. Processing is idempotent
(:mod:`sqslab.idempotency`, keyed by order id) and every success is written to a :class:`Ledger`.
After the fix the DLQ is redriven with ``StartMessageMoveTask`` and processed again; then
:func:`reconcile` checks that every order was processed exactly once or is accounted for in the
DLQ, that each customer's orders were processed in order, and that the revenue adds up.

Per-customer order, honestly: FIFO keeps a group in order while its messages are in the queue, and a
failing order blocks its customer's later orders (the consumer returns them unprocessed). Once an
order moves to the DLQ its customer's later orders go ahead, so a redriven order is processed after
them. The check therefore requires created_at order among the orders processed in line (first
pass) and among the redriven ones, and reports separately how many redriven orders were overtaken.

The modules: :mod:`~sqslab.orders.data` (the orders file, :class:`Order`, :func:`money`),
:mod:`~sqslab.orders.ledger` (:class:`Ledger`), :mod:`~sqslab.orders.step` (the processing step,
:class:`OrderProcessor`), :mod:`~sqslab.orders.order_step` (:class:`OrderStep`, the same step for a
consumer the learner writes, with the exercise checks' scripted faults),
:mod:`~sqslab.orders.pipeline` (:class:`OrderPipeline`, the reference implementation),
:mod:`~sqslab.orders.reconciliation` (:func:`reconcile`) and :mod:`~sqslab.orders.demo_calls`
(on a real clock, the timeouts in code the lab did not write, shortened by a demo's speed-up). The
names below are the ones the notebooks, the exercise checks and the tests use as
``orders.<name>``.
"""

from __future__ import annotations

from sqslab.orders.data import Order, find_data_file, load, money
from sqslab.orders.demo_calls import DemoCalls, demo_calls
from sqslab.orders.ledger import AFTER_REDRIVE, FIRST_PASS, Ledger, Processed
from sqslab.orders.order_step import Attempt, OrderStep, StepFaults
from sqslab.orders.pipeline import OrderPipeline, run
from sqslab.orders.reconciliation import (
    EXACTLY_ONCE,
    IN_ORDER,
    REVENUE,
    Reconciliation,
    overtaken_via_dlq,
    processed_late,
    reconcile,
)
from sqslab.orders.step import (
    OrderProcessor,
    TransientError,
    in_group_order,
    order_key,
    total_v1,
    total_v2,
    transient_failure,
)

__all__ = [
    "AFTER_REDRIVE",
    "Attempt",
    "DemoCalls",
    "EXACTLY_ONCE",
    "FIRST_PASS",
    "IN_ORDER",
    "REVENUE",
    "Ledger",
    "Order",
    "OrderPipeline",
    "OrderProcessor",
    "OrderStep",
    "Processed",
    "Reconciliation",
    "StepFaults",
    "TransientError",
    "demo_calls",
    "find_data_file",
    "in_group_order",
    "load",
    "money",
    "order_key",
    "overtaken_via_dlq",
    "processed_late",
    "reconcile",
    "run",
    "total_v1",
    "total_v2",
    "transient_failure",
]
