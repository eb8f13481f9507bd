"""The guide's order pipeline, run as the guide wrote it, measured next to the capstone's.

The source guide's e-commerce example (:mod:`~sqslab.naive.guide`): a FIFO queue
``pedidos-ecommerce.fifo`` and a FIFO "DLQ" with no redrive policy, one ``SendMessage`` per order
(group ``order-<customer>``, a deduplication id built from a timestamp), and an endless loop that
receives up to 5 messages, processes each in turn, deletes after a success, reads the queue's
statistics and sleeps 2 s. A failed order stays in the queue and comes back after the 60 s
visibility timeout; its retry counter lives in the parsed body and is never written back, so it
never reaches 3 and nothing reaches the DLQ. A poison order therefore comes back forever, holding
its customer's message group; the customer's later orders arrive in the same receive as it and are
processed ahead of it.

:func:`run_naive` runs it on the lab (:data:`DEVIATIONS` lists every difference from the guide's
code, the bound on the loop first), :func:`compare` measures it next to the capstone pipeline.
"""

from __future__ import annotations

from sqslab.naive.compare import (
    Comparison,
    Measures,
    compare,
    measure_naive,
    measure_right,
    side_by_side,
)
from sqslab.naive.guide import GuideLog, LogLine, guide_attributes
from sqslab.naive.run import (
    BUDGET,
    DEMO_BUDGET,
    DEVIATIONS,
    REAL_CLOCK_BUDGET,
    NaiveRun,
    Sample,
    deviations,
    queue_left,
    run_naive,
)

__all__ = [
    "BUDGET",
    "DEMO_BUDGET",
    "DEVIATIONS",
    "Comparison",
    "GuideLog",
    "LogLine",
    "Measures",
    "NaiveRun",
    "REAL_CLOCK_BUDGET",
    "Sample",
    "compare",
    "deviations",
    "guide_attributes",
    "measure_naive",
    "measure_right",
    "queue_left",
    "run_naive",
    "side_by_side",
]
