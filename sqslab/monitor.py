"""What CloudWatch would show for a queue: the AWS/SQS metrics at 1-minute periods, on the lab's clock.

On real AWS (``aws`` backend) the series come from CloudWatch ``GetMetricData``. moto publishes no
AWS/SQS metrics at all and has no ApproximateAgeOfOldestMessage attribute, so on the other backends
sqslab derives them, deterministically, from what it can see (and on the moto backends a
:class:`Sampler` publishes what it derives into moto's CloudWatch, :mod:`sqslab.metric_publisher`):

- **NumberOf*** sums and **SentMessageSize** from the trace of SQS calls (``lab.trace``): messages
  sent, messages returned by receives (per message), empty receives (per call), successful deletes;
- the **Approximate*** gauges (visible, not visible, delayed) from a :class:`Sampler`'s snapshots of
  the queue attributes where it took one, otherwise from each message's life rebuilt from the trace
  (:mod:`sqslab.timeline`);
- **ApproximateAgeOfOldestMessage** from the same lives (or moto's own messages in a snapshot),
  leaving out messages received 3 or more times, as AWS does for "poison pill" messages;
- for a fair queue (a standard queue whose messages carry a MessageGroupId), the five fair-queue
  gauges (:data:`FAIR`: noisy groups, and visible, in flight, delayed and oldest age in quiet
  groups) from the same lives, the noisy groups found by the fair-queue fidelity layer's rules
  (:mod:`sqslab.fair_metrics`).

Each period's gauge is the queue as it stood at the end of the period (just before the next
minute's first event); its sums count the events inside it. AWS:
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html

The pieces, each re-exported here so notebooks keep writing ``monitor.X``:
:mod:`sqslab.metric_series` (metric names, :class:`Stat`, :class:`Metrics`, :class:`Snapshot`),
:mod:`sqslab.derived_metrics` (from the trace), :mod:`sqslab.cloudwatch` (``GetMetricData``),
:mod:`sqslab.sampler` (live snapshots), :mod:`sqslab.queue_metrics` (:func:`metrics`, the lab's way
in) and :mod:`sqslab.metric_cells` (how a table shows a value and a time).
"""

from __future__ import annotations

from sqslab.cloudwatch import from_cloudwatch, metric_queries
from sqslab.derived_metrics import (
    count_events,
    derive,
    fair_gauges,
    from_trace,
    gauges_at,
    oldest_age,
    state_at,
)
from sqslab.i18n import N_, _
from sqslab.metric_cells import cell, utc
from sqslab.metric_series import (
    AGE,
    COUNTS,
    DEFAULT_STATISTIC,
    DELAYED,
    DELETED,
    EMPTY,
    FAIR,
    GAUGES,
    KNOWN,
    METRICS,
    NAMESPACE,
    NOISY,
    NOT_VISIBLE,
    QUIET_AGE,
    QUIET_DELAYED,
    QUIET_NOT_VISIBLE,
    QUIET_VISIBLE,
    RECEIVED,
    SENT,
    SHORT,
    SIZE,
    STATISTICS,
    VISIBLE,
    Metrics,
    Point,
    Snapshot,
    Stat,
    align,
    check_metric,
    period_seconds,
    poison_receives,
    queue_name,
)
from sqslab.queue_metrics import metrics
from sqslab.sampler import ATTRIBUTES, Sampler


class Note:
    """A marked text that prints in the lab's language (``print(monitor.MOTO_NOTE)``)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return _(self.text)

    def __repr__(self) -> str:
        return str(self)


MOTO_NOTE = Note(
    N_(
        "moto publishes no AWS/SQS CloudWatch metrics and has no ApproximateAgeOfOldestMessage: "
        "on the moto backends a monitor.Sampler derives them from the trace and the queue attributes "
        "and publishes them into moto's CloudWatch (sqslab sampler, emulating SQS), where "
        "get_metric_data reads them as on AWS; the alarms stored there are evaluated by the sqslab "
        "alarm evaluator, emulating CloudWatch on moto"
    )
)

__all__ = [
    "AGE",
    "ATTRIBUTES",
    "COUNTS",
    "DEFAULT_STATISTIC",
    "DELAYED",
    "DELETED",
    "EMPTY",
    "FAIR",
    "GAUGES",
    "KNOWN",
    "METRICS",
    "MOTO_NOTE",
    "NAMESPACE",
    "NOISY",
    "NOT_VISIBLE",
    "QUIET_AGE",
    "QUIET_DELAYED",
    "QUIET_NOT_VISIBLE",
    "QUIET_VISIBLE",
    "RECEIVED",
    "SENT",
    "SHORT",
    "SIZE",
    "STATISTICS",
    "VISIBLE",
    "Metrics",
    "Point",
    "Sampler",
    "Snapshot",
    "Stat",
    "align",
    "cell",
    "check_metric",
    "count_events",
    "derive",
    "fair_gauges",
    "from_cloudwatch",
    "from_trace",
    "gauges_at",
    "metric_queries",
    "metrics",
    "oldest_age",
    "period_seconds",
    "poison_receives",
    "queue_name",
    "state_at",
    "utc",
]
