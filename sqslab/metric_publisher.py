"""SQS's part for CloudWatch on the moto backends: each time a :class:`~sqslab.sampler.Sampler`
samples a queue, its AWS/SQS datapoints go into moto's CloudWatch with ``PutMetricData``.

On AWS, SQS publishes these itself (the namespace is reserved, fact
``put_metric_data_aws_namespace``), so nothing here runs there. moto 5.2 has CloudWatch but never
fills AWS/SQS; sqslab publishes what it derives, labelled :data:`LABEL`, on the lab's clock:

- the gauges of each snapshot, stamped with the minute the snapshot closes (a sample at 09:05:00
  describes 09:04, as the metric tables show it);
- the counts (sent, received, deleted, empty receives) and sent sizes of the traced SQS calls,
  each in the minute it happened, and 0 for a count with nothing in the closed minute;
- for a fair queue (a standard queue whose traced messages carry a MessageGroupId), the five
  fair-queue gauges derived from the trace at the sample's instant (:mod:`sqslab.fair_metrics`);
- only while the queue is *active* (it holds messages, or an API call touched it within the
  last 6 hours, fact ``sqs_metrics_inactive_after``): an untouched, empty queue has no datapoints.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqslab import facts, fair_metrics
from sqslab.derived_metrics import count_events
from sqslab.metric_cells import utc
from sqslab.metric_series import (
    AGE,
    COUNTS,
    DELAYED,
    FAIR,
    GAUGES,
    NAMESPACE,
    NOT_VISIBLE,
    QUIET_AGE,
    SIZE,
    VISIBLE,
    Snapshot,
    align,
    period_seconds,
)
from sqslab.timeline import build

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.trace import CallRecord

#: The backends where sqslab publishes AWS/SQS (moto in this kernel, or its server).
MOTO_BACKENDS = ("moto", "server")
#: Who published the datapoints, for every message that shows them.
LABEL = "sqslab sampler, emulating SQS's AWS/SQS metrics on moto"
UNITS = {
    VISIBLE: "Count",
    NOT_VISIBLE: "Count",
    DELAYED: "Count",
    AGE: "Seconds",
    SIZE: "Bytes",
    **dict.fromkeys(COUNTS, "Count"),
    **dict.fromkeys(FAIR, "Count"),
    QUIET_AGE: "Seconds",
}


def publishes(lab: Lab) -> bool:
    """True where sqslab publishes AWS/SQS into CloudWatch (the moto backends)."""
    return lab.backend in MOTO_BACKENDS


def closed_period(seconds: float, period: int) -> float:
    """The start of the period a sample taken at ``seconds`` describes: the one ending at or
    running through that instant (09:05:00 closes 09:04; 09:05:20 is inside 09:05)."""
    return math.ceil(seconds / period) * period - period


def datum(queue: str, metric: str, when: float, **value: Any) -> dict[str, Any]:
    """One MetricDatum of ``metric`` for ``queue`` at clock seconds ``when``."""
    return {
        "MetricName": metric,
        "Dimensions": [{"Name": "QueueName", "Value": queue}],
        "Timestamp": utc(when),
        "Unit": UNITS[metric],
        **value,
    }


class Publisher:
    """Publishes the sampled queues of one lab into its (moto) CloudWatch."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.period = period_seconds()
        self._next = 0  # the first trace record not looked at yet
        self._pending: list[int] = []  # records looked at while their call was still running
        self._zeroed: set[tuple[str, float]] = set()

    def publish(self, snapshots: dict[str, Snapshot]) -> list[dict[str, Any]]:
        """Publish each active queue's snapshot (by queue name) and its new traced events;
        returns the MetricData sent."""
        events = self._new_events(snapshots)
        sent: list[dict[str, Any]] = []
        for name, snap in snapshots.items():
            if self.active(name, snap):
                sent += self._gauges(name, snap) + self._counts(name, snap, events[name])
                sent += self._fair(name, snap)
        self._put(sent)
        return sent

    def active(self, name: str, snap: Snapshot) -> bool:
        """Whether AWS would publish for the queue now: it holds messages, or an API call
        touched it within the inactivity limit."""
        if snap.visible or snap.not_visible or snap.delayed:
            return True
        last = max((r.started for r in self.lab.trace.for_queue(name)), default=None)
        limit = facts.get("sqs_metrics_inactive_after").value
        return last is not None and snap.time - last <= limit

    def _new_events(
        self, snapshots: dict[str, Snapshot]
    ) -> dict[str, list[tuple[float, str, float]]]:
        """The counted events of the watched queues in calls that ended since the last look."""
        records = self.lab.trace.records
        if len(records) < self._next:  # the trace was cleared
            self._next, self._pending = 0, []
        looked = [*self._pending, *range(self._next, len(records))]
        self._next, self._pending = len(records), []
        done: list[CallRecord] = []
        for index in looked:
            if records[index].ended is None:
                self._pending.append(index)
            elif records[index].queue in snapshots:
                done.append(records[index])
        return {name: count_events(done, name) for name in snapshots}

    def _gauges(self, name: str, snap: Snapshot) -> list[dict[str, Any]]:
        when = closed_period(snap.time, self.period)
        values = {metric: snap.gauge(metric) for metric in GAUGES}
        known = {m: v for m, v in values.items() if v is not None and not math.isnan(v)}
        return [datum(name, m, when, Value=float(v)) for m, v in known.items()]

    def _fair(self, name: str, snap: Snapshot) -> list[dict[str, Any]]:
        """The fair-queue gauges at the sample's instant, for a standard queue with group ids."""
        records = [r for r in self.lab.trace.records if r.queue == name]
        grouped = any(ref.group_id is not None for r in records for ref in r.messages)
        if name.endswith(".fifo") or not grouped:
            return []
        lives = build(records, until=snap.time)
        when = closed_period(snap.time, self.period)
        values = fair_metrics.gauges_at(lives, snap.time)
        return [datum(name, metric, when, Value=value) for metric, value in values.items()]

    def _counts(
        self, name: str, snap: Snapshot, events: Iterable[tuple[float, str, float]]
    ) -> list[dict[str, Any]]:
        sums: dict[tuple[str, float], float] = defaultdict(float)
        sizes: dict[float, list[float]] = defaultdict(list)
        for when, metric, amount in events:
            start = align(when, self.period)
            if metric == SIZE:
                sizes[start].append(amount)
            else:
                sums[metric, start] += amount
        closed = closed_period(snap.time, self.period)
        if (name, closed) not in self._zeroed:
            self._zeroed.add((name, closed))
            for metric in COUNTS:
                sums[metric, closed] += 0.0
        data = [datum(name, m, t, Value=v) for (m, t), v in sorted(sums.items())]
        for start, values in sorted(sizes.items()):
            stats = {
                "SampleCount": float(len(values)),
                "Sum": float(sum(values)),
                "Minimum": float(min(values)),
                "Maximum": float(max(values)),
            }
            data.append(datum(name, SIZE, start, StatisticValues=stats))
        return data

    def _put(self, data: list[dict[str, Any]]) -> None:
        if not data:
            return
        cloudwatch = self.lab.client("cloudwatch")
        most = int(facts.get("put_metric_data_max_metrics").value)
        for first in range(0, len(data), most):
            cloudwatch.put_metric_data(Namespace=NAMESPACE, MetricData=data[first : first + most])
