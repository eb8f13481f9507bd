"""Charts of the course, by chapter topic. Each function returns a matplotlib Figure (no pyplot
state), so it can be shown in a notebook, embedded in a widget or inspected in a test."""

from sqslab.plots.base import to_png
from sqslab.plots.board import board_progress
from sqslab.plots.comparisons import COMPARISON_PANELS, naive_vs_right, service_fit
from sqslab.plots.costs import cost_vs_batch_size, monthly_cost, polling_comparison
from sqslab.plots.dashboard import ALARM_COLOURS, DASHBOARD_PANELS, monitor_dashboard
from sqslab.plots.delivery import backoff_by_receive, group_order, message_outcomes
from sqslab.plots.lifecycle import message_timeline
from sqslab.plots.queues import TIME_ATTRIBUTES, attribute_ranges, queue_depth
from sqslab.plots.tenants import tenant_dwell
from sqslab.plots.throughput import partition_scaling

__all__ = [
    "ALARM_COLOURS",
    "COMPARISON_PANELS",
    "DASHBOARD_PANELS",
    "TIME_ATTRIBUTES",
    "attribute_ranges",
    "backoff_by_receive",
    "board_progress",
    "cost_vs_batch_size",
    "group_order",
    "message_outcomes",
    "message_timeline",
    "monitor_dashboard",
    "monthly_cost",
    "naive_vs_right",
    "partition_scaling",
    "polling_comparison",
    "queue_depth",
    "service_fit",
    "tenant_dwell",
    "to_png",
]
