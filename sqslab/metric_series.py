"""The AWS/SQS metrics of a queue as data: their names and statistics, one period's
:class:`Stat`, a queue's :class:`Metrics` series and a :class:`Snapshot` of its gauges.

Where the numbers come from is :mod:`sqslab.monitor`'s story (CloudWatch on AWS, the trace on moto).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqslab import facts
from sqslab.errors import LimitError, UnknownNameError
from sqslab.i18n import N_, NC_, _
from sqslab.metric_cells import cell, clock, utc
from sqslab.tables import Table
from sqslab.trace import queue_name_of

NAMESPACE = "AWS/SQS"
VISIBLE = "ApproximateNumberOfMessagesVisible"
NOT_VISIBLE = "ApproximateNumberOfMessagesNotVisible"
DELAYED = "ApproximateNumberOfMessagesDelayed"
AGE = "ApproximateAgeOfOldestMessage"
SENT = "NumberOfMessagesSent"
RECEIVED = "NumberOfMessagesReceived"
DELETED = "NumberOfMessagesDeleted"
EMPTY = "NumberOfEmptyReceives"
SIZE = "SentMessageSize"

NOISY = "ApproximateNumberOfNoisyGroups"
QUIET_VISIBLE = "ApproximateNumberOfMessagesVisibleInQuietGroups"
QUIET_NOT_VISIBLE = "ApproximateNumberOfMessagesNotVisibleInQuietGroups"
QUIET_DELAYED = "ApproximateNumberOfMessagesDelayedInQuietGroups"
QUIET_AGE = "ApproximateAgeOfOldestMessageInQuietGroups"

#: Sampled gauges, in CloudWatch's order.
GAUGES = (VISIBLE, NOT_VISIBLE, DELAYED, AGE)
#: Sums per period.
COUNTS = (SENT, RECEIVED, DELETED, EMPTY)
METRICS = (*GAUGES, *COUNTS, SIZE)
#: The gauges SQS adds for a fair queue (a standard queue whose messages carry a MessageGroupId;
#: fact ``fair_queue_metrics``): noisy groups, and the queue-level gauges for quiet groups only.
FAIR = (NOISY, QUIET_VISIBLE, QUIET_NOT_VISIBLE, QUIET_DELAYED, QUIET_AGE)
#: Every metric sqslab knows: the standard set, then the fair-queue ones.
KNOWN = (*METRICS, *FAIR)
#: The statistic a chart or alarm uses when none is named.
DEFAULT_STATISTIC = {
    **dict.fromkeys(GAUGES, "Maximum"),
    **dict.fromkeys(COUNTS, "Sum"),
    SIZE: "Average",
    **dict.fromkeys(FAIR, "Maximum"),
}
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
#: Short column names for :meth:`Metrics.table` (counts of messages: "sent" is "enviadas" here, a
#: message's "enviada" in a timeline, hence the context).
SHORT = {
    VISIBLE: NC_("metric", "visible"),
    NOT_VISIBLE: NC_("metric", "in flight"),
    DELAYED: NC_("metric", "delayed"),
    AGE: N_("oldest (s)"),
    SENT: NC_("metric", "sent"),
    RECEIVED: NC_("metric", "received"),
    DELETED: NC_("metric", "deleted"),
    EMPTY: N_("empty receives"),
    SIZE: N_("avg size (B)"),
    NOISY: N_("noisy groups"),
    QUIET_VISIBLE: N_("quiet visible"),
    QUIET_NOT_VISIBLE: N_("quiet in flight"),
    QUIET_DELAYED: N_("quiet delayed"),
    QUIET_AGE: N_("quiet oldest (s)"),
}


def period_seconds() -> int:
    """The AWS/SQS metric period: 1 minute (fact ``cloudwatch_period``)."""
    return int(facts.get("cloudwatch_period").value)


def poison_receives() -> int:
    """Receives after which AWS leaves a message out of ApproximateAgeOfOldestMessage."""
    return int(facts.get("oldest_age_poison_receives").value)


# --- statistics ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stat:
    """The statistics of one period (CloudWatch's StatisticSet): samples, sum, minimum, maximum."""

    samples: int
    sum: float
    minimum: float
    maximum: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Stat:
        """The statistics of some samples (at least one)."""
        return cls(len(values), float(sum(values)), float(min(values)), float(max(values)))

    @classmethod
    def total(cls, value: float) -> Stat:
        """A period whose only figure is a count (a sum)."""
        return cls(1, float(value), float(value), float(value))

    @property
    def average(self) -> float:
        """Sum divided by the number of samples."""
        return self.sum / self.samples if self.samples else 0.0

    def get(self, statistic: str) -> float:
        """One statistic by its CloudWatch name (Average, Sum, Minimum, Maximum, SampleCount)."""
        values = {
            "Average": self.average,
            "Sum": self.sum,
            "Minimum": self.minimum,
            "Maximum": self.maximum,
            "SampleCount": float(self.samples),
        }
        if statistic not in values:
            raise LimitError(
                _("unknown statistic {statistic!r}: CloudWatch's are {known}").format(
                    statistic=statistic, known=", ".join(STATISTICS)
                )
            )
        return values[statistic]

    def merge(self, other: Stat) -> Stat:
        """Two periods' statistics combined (for a longer alarm period)."""
        return Stat(
            self.samples + other.samples,
            self.sum + other.sum,
            min(self.minimum, other.minimum),
            max(self.maximum, other.maximum),
        )


Point = tuple[datetime, float]


@dataclass
class Metrics:
    """AWS/SQS series of one queue: per metric, per period start, its :class:`Stat`.

    ``metrics[VISIBLE]`` is a list of (period start, value) with the metric's default statistic;
    periods without data (missing) are left out, as CloudWatch leaves them out.
    """

    queue: str
    start: float
    periods: int
    period: int = 60
    data: dict[str, dict[float, Stat]] = field(default_factory=dict)
    source: str = ""

    @property
    def starts(self) -> list[float]:
        """The start of every period, in clock seconds."""
        return [self.start + i * self.period for i in range(self.periods)]

    def times(self) -> list[datetime]:
        """The start of every period, as UTC datetimes."""
        return [utc(t) for t in self.starts]

    def minutes(self) -> list[float]:
        """Every period's start as minutes since the first period (x axis of the charts)."""
        return [(t - self.start) / 60 for t in self.starts]

    def values(self, name: str, statistic: str | None = None) -> list[float | None]:
        """One value per period (None where the metric has no data)."""
        check_metric(name)
        stat = statistic or DEFAULT_STATISTIC[name]
        found = self.data.get(name, {})
        return [found[t].get(stat) if t in found else None for t in self.starts]

    def series(self, name: str, statistic: str | None = None) -> list[Point]:
        """(period start, value) for every period that has data."""
        return [
            (when, value)
            for when, value in zip(self.times(), self.values(name, statistic), strict=True)
            if value is not None
        ]

    def __getitem__(self, name: str) -> list[Point]:
        return self.series(name)

    def __contains__(self, name: object) -> bool:
        return name in self.data

    def total(self, name: str) -> float:
        """A count metric summed over every period (e.g. all messages sent)."""
        return sum(v for v in self.values(name, "Sum") if v is not None)

    def as_dict(self) -> dict[str, list[Point]]:
        """Every metric's series, by metric name (plain data for pandas or json)."""
        return {name: self.series(name) for name in KNOWN if name in self.data}

    def table(self, names: Sequence[str] = KNOWN) -> Table:
        """One row per period: its start time and each metric (blank where missing)."""
        columns = [n for n in names if n in self.data]
        rows = []
        for i, when in enumerate(self.times()):
            cells = [cell(self.values(n)[i]) for n in columns]
            rows.append((clock(when, self.period), *cells))
        return Table(
            (N_("minute") if self.period >= 60 else N_("time"), *(SHORT[n] for n in columns)), rows
        )

    def __repr__(self) -> str:
        return (
            f"<Metrics {self.queue!r}: {self.periods} periods of {self.period} s from "
            f"{utc(self.start):%H:%M}, {len(self.data)} metrics ({self.source})>"
        )


def check_metric(name: str) -> str:
    """``name`` if it is an AWS/SQS metric sqslab knows; a clear error otherwise."""
    if name not in KNOWN:
        raise UnknownNameError(
            _("unknown AWS/SQS metric {name!r}; known: {known}").format(
                name=name, known=", ".join(KNOWN)
            )
        )
    return name


def queue_name(url: str) -> str:
    """A queue's name (the QueueName dimension of its metrics) from its URL."""
    return queue_name_of({"QueueUrl": url}) or url


def align(seconds: float, period: int = 60) -> float:
    """The start of the period that holds the instant ``seconds``."""
    return math.floor(seconds / period) * period


@dataclass(frozen=True)
class Snapshot:
    """A queue's gauges read at one instant (attributes; the age of the oldest if known: None
    where the trace can derive it, NaN where nobody can)."""

    time: float
    visible: int
    not_visible: int
    delayed: int
    oldest_age: float | None = None

    def gauge(self, name: str) -> float | None:
        """The value of one gauge metric in this snapshot."""
        return {
            VISIBLE: self.visible,
            NOT_VISIBLE: self.not_visible,
            DELAYED: self.delayed,
            AGE: self.oldest_age,
        }[name]
