"""Auto-checks for the exercises: each returns a :class:`Check` that says PASS or gives a hint.

The checks live in one module per chapter, on the shared plumbing of :mod:`~sqslab.exercises.base`;
this package only gathers the names the notebooks call as ``sqslab.exercises.<name>``.
"""

from __future__ import annotations

from sqslab.exercises.base import Check
from sqslab.exercises.beyond import check_partial_batch, check_payroll_locked, check_shop_fanout
from sqslab.exercises.capstone_books import check_order_books
from sqslab.exercises.capstone_consumer import check_order_consumer
from sqslab.exercises.capstone_producer import check_order_producer
from sqslab.exercises.capstone_queues import check_order_queues
from sqslab.exercises.capstone_redrive import check_order_redrive
from sqslab.exercises.claim_check import check_claim_check
from sqslab.exercises.consumers import check_drain
from sqslab.exercises.dlq import (
    check_payments_pair,
    check_poison_caught,
    check_redriven,
    run_invoices,
)
from sqslab.exercises.dlq_by_hand import check_parked_by_hand
from sqslab.exercises.duplicates import check_idempotent_handler
from sqslab.exercises.fair_groups import check_order_groups
from sqslab.exercises.fifo import check_customer_groups, check_high_throughput, check_resend_safe
from sqslab.exercises.fifo_lambda import check_fifo_in_order
from sqslab.exercises.guide import check_guide_stuck
from sqslab.exercises.heartbeat import check_heartbeat
from sqslab.exercises.monitoring import (
    check_dlq_alarm,
    check_scaling_target,
    check_stuck_alarm,
    orders_day,
    refunds_day,
    run_thumbnails,
)
from sqslab.exercises.producers import check_batch_orders, check_payment_events
from sqslab.exercises.queues import check_payments_fifo, check_purged, check_thumbnails_queue
from sqslab.exercises.welcome import check_comes_back, check_first_roundtrip

__all__ = [
    "Check",
    "check_batch_orders",
    "check_claim_check",
    "check_comes_back",
    "check_customer_groups",
    "check_dlq_alarm",
    "check_drain",
    "check_fifo_in_order",
    "check_first_roundtrip",
    "check_guide_stuck",
    "check_heartbeat",
    "check_high_throughput",
    "check_idempotent_handler",
    "check_order_books",
    "check_order_consumer",
    "check_order_groups",
    "check_order_producer",
    "check_order_queues",
    "check_order_redrive",
    "check_payment_events",
    "check_payments_fifo",
    "check_partial_batch",
    "check_parked_by_hand",
    "check_payments_pair",
    "check_payroll_locked",
    "check_purged",
    "check_poison_caught",
    "check_redriven",
    "check_resend_safe",
    "check_scaling_target",
    "check_shop_fanout",
    "check_stuck_alarm",
    "check_thumbnails_queue",
    "orders_day",
    "refunds_day",
    "run_invoices",
    "run_thumbnails",
]
