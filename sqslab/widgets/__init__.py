"""Interactive panels of the course (ipywidgets), by chapter; tests drive every control with
``.value = …`` and ``.click()`` without a kernel; what a panel runs lives in its topic module."""

from sqslab.widgets.basics import ClockPanel, QueueBuilder, clock_panel, queue_builder
from sqslab.widgets.board import BoardPanel, board_panel
from sqslab.widgets.delivery import DlqPanel, FifoPanel, dlq_panel, fifo_panel
from sqslab.widgets.messaging import (
    ConsumerPanel,
    ProducerPanel,
    StopButton,
    consumer_panel,
    producer_panel,
    stop_button,
)
from sqslab.widgets.operations import MonitorPanel, ServicePanel, monitor_panel, service_panel
from sqslab.widgets.tenants import FairPanel, fair_panel

__all__ = [
    "BoardPanel",
    "ClockPanel",
    "ConsumerPanel",
    "DlqPanel",
    "FairPanel",
    "FifoPanel",
    "MonitorPanel",
    "ProducerPanel",
    "QueueBuilder",
    "ServicePanel",
    "StopButton",
    "board_panel",
    "clock_panel",
    "consumer_panel",
    "dlq_panel",
    "fair_panel",
    "fifo_panel",
    "monitor_panel",
    "producer_panel",
    "queue_builder",
    "service_panel",
    "stop_button",
]
