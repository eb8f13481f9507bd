"""What CloudWatch would show for a queue: the AWS/SQS metrics at 1-minute periods, on the lab's clock.

On real AWS (``aws`` backend) the series come from CloudWatch ``GetMetricData``. moto publishes no
AWS/SQS metrics at all and has no ApproximateAgeOfOldestMessage attribute, so on the other backends
sqslab derives them, deterministically, from what it can see:

- **NumberOf*** sums and **SentMessageSize** from the trace of SQS calls (``lab.trace``): messages
  sent, messages returned by receives (per message), empty receives (per call), successful deletes;
- the **Approximate*** gauges (visible, not visible, delayed) from a :class:`Sampler`'s snapshots of
  the queue attributes where it took one, otherwise from each message's life rebuilt from the trace
  (:mod:`sqslab.timeline`);
- **ApproximateAgeOfOldestMessage** from the same lives (or moto's own messages in a snapshot),
  leaving out messages received 3 or more times, as AWS does for "poison pill" messages.

Each period's gauge is the queue as it stood at the end of the period (just before the next
minute's first event); its sums count the events inside it. AWS:
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-available-cloudwatch-metrics.html
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.emulator import state
from sqslab.errors import LimitError, UnknownNameError, WrongTypeError
from sqslab.metric_cells import cell, utc
from sqslab.tables import Table
from sqslab.timeline import IN_FLIGHT, QueueSettings, build
from sqslab.trace import CallRecord, queue_name_of

if TYPE_CHECKING:
    from sqslab.consumer import Consumer, ConsumeResult
    from sqslab.lab import Lab
    from sqslab.timeline import MessageLife, Timeline

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

#: Sampled gauges, in CloudWatch's order.
GAUGES = (VISIBLE, NOT_VISIBLE, DELAYED, AGE)
#: Sums per period.
COUNTS = (SENT, RECEIVED, DELETED, EMPTY)
METRICS = (*GAUGES, *COUNTS, SIZE)
#: The statistic a chart or alarm uses when none is named.
DEFAULT_STATISTIC = {
    **dict.fromkeys(GAUGES, "Maximum"),
    **dict.fromkeys(COUNTS, "Sum"),
    SIZE: "Average",
}
STATISTICS = ("Average", "Sum", "Minimum", "Maximum", "SampleCount")
#: Short column names for :meth:`Metrics.table`.
SHORT = {
    VISIBLE: "visible",
    NOT_VISIBLE: "in flight",
    DELAYED: "delayed",
    AGE: "oldest (s)",
    SENT: "sent",
    RECEIVED: "received",
    DELETED: "deleted",
    EMPTY: "empty receives",
    SIZE: "avg size (B)",
}
#: The SQS queue attributes behind the three count gauges.
ATTRIBUTES = {
    VISIBLE: "ApproximateNumberOfMessages",
    NOT_VISIBLE: "ApproximateNumberOfMessagesNotVisible",
    DELAYED: "ApproximateNumberOfMessagesDelayed",
}
MOTO_NOTE = (
    "moto publishes no AWS/SQS CloudWatch metrics and has no ApproximateAgeOfOldestMessage: "
    "these series are derived by sqslab from the trace and the queue attributes"
)


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
                f"unknown statistic {statistic!r}: CloudWatch's are {', '.join(STATISTICS)}"
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
        return {name: self.series(name) for name in METRICS if name in self.data}

    def table(self, names: Sequence[str] = METRICS) -> Table:
        """One row per period: its start time and each metric (blank where missing)."""
        columns = [n for n in names if n in self.data]
        rows = []
        for i, when in enumerate(self.times()):
            cells = [cell(self.values(n)[i]) for n in columns]
            rows.append((when.strftime("%H:%M"), *cells))
        return Table(("minute", *(SHORT[n] for n in columns)), rows)

    def __repr__(self) -> str:
        return (
            f"<Metrics {self.queue!r}: {self.periods} periods of {self.period} s from "
            f"{utc(self.start):%H:%M}, {len(self.data)} metrics ({self.source})>"
        )


def check_metric(name: str) -> str:
    """``name`` if it is an AWS/SQS metric sqslab knows; a clear error otherwise."""
    if name not in METRICS:
        raise UnknownNameError(f"unknown AWS/SQS metric {name!r}; known: {', '.join(METRICS)}")
    return name


def align(seconds: float, period: int = 60) -> float:
    """The start of the period that holds the instant ``seconds``."""
    return math.floor(seconds / period) * period


# --- derived from the trace ------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """A queue's gauges read at one instant (attributes; the age of the oldest if known)."""

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


def _event_time(rec: CallRecord) -> float:
    """When a call took effect: a receive when it returned, anything else when it started."""
    if rec.operation == "ReceiveMessage" and rec.ended is not None:
        return rec.ended
    return rec.started


def count_events(records: Iterable[CallRecord], queue: str) -> list[tuple[float, str, float]]:
    """(time, metric, amount) of every counted event of ``queue``: sends (with their sizes),
    received messages, empty receives and deletes. Failed calls and entries count nothing."""
    events: list[tuple[float, str, float]] = []
    for rec in records:
        if rec.queue != queue or not rec.ok:
            continue
        when, op = _event_time(rec), rec.operation
        if op.startswith("SendMessage"):
            sent = [m for m in rec.messages if m.ok]
            size = rec.payload_bytes / max(1, rec.entries)
            events += [(when, SENT, 1.0) for _ in sent]
            events += [(when, SIZE, size) for _ in sent]
        elif op == "ReceiveMessage":
            events.append(
                (when, RECEIVED, float(rec.received)) if rec.received else (when, EMPTY, 1.0)
            )
        elif op.startswith("DeleteMessage"):
            events += [(when, DELETED, 1.0) for m in rec.messages if m.ok]
    return events


def _sums(
    events: list[tuple[float, str, float]], starts: list[float], period: int
) -> dict[str, dict[float, Stat]]:
    """Counts summed per period (0 where nothing happened); sizes as per-message statistics."""
    first = starts[0]
    buckets: dict[str, dict[float, list[float]]] = {name: {} for name in (*COUNTS, SIZE)}
    for when, name, amount in events:
        start = first + math.floor((when - first) / period) * period
        if first <= start <= starts[-1]:
            buckets[name].setdefault(start, []).append(amount)
    data: dict[str, dict[float, Stat]] = {}
    for name in COUNTS:
        data[name] = {t: Stat.total(sum(buckets[name].get(t, []))) for t in starts}
    sizes = {t: Stat.of(v) for t, v in buckets[SIZE].items()}
    if sizes:
        data[SIZE] = sizes
    return data


def state_at(life: MessageLife, until: float, at: float) -> str | None:
    """What a message was just before the instant ``at``: delayed, visible, in flight, or None."""
    for span in life.spans(until):
        if span.start < at <= span.end:
            return span.kind
    return None


def oldest_age(lives: Iterable[MessageLife], until: float, at: float) -> float:
    """Seconds since the oldest message still in the queue just before ``at`` was sent, leaving
    out messages received 3 or more times (AWS's poison-pill rule); 0 for an empty queue."""
    limit = poison_receives()
    ages = [
        at - life.first_seen
        for life in lives
        if state_at(life, until, at) is not None
        and sum(r.start < at for r in life.receives) < limit
    ]
    return max(ages, default=0.0)


def gauges_at(timeline: Timeline, at: float) -> Snapshot:
    """The queue's gauges just before ``at``, from the message lives (no attributes read)."""
    states = [state_at(life, timeline.until, at) for life in timeline]
    return Snapshot(
        time=at,
        visible=states.count("visible"),
        not_visible=states.count(IN_FLIGHT),
        delayed=states.count("delayed"),
        oldest_age=oldest_age(timeline, timeline.until, at),
    )


def derive(
    records: Iterable[CallRecord],
    queue: str,
    *,
    start: float,
    end: float,
    settings: QueueSettings | None = None,
    snapshots: Sequence[Snapshot] = (),
    period: int | None = None,
) -> Metrics:
    """The AWS/SQS metrics of ``queue`` from traced calls, one period at a time from ``start``.

    Periods start at ``start`` rounded down to the period and run while they start before ``end``.
    A gauge is sampled at the end of its period (or at ``end`` for the last one); a snapshot taken
    inside the period (the latest) replaces what the trace would say.
    """
    period = period or period_seconds()
    if end <= start:
        raise LimitError(f"end ({end}) must come after start ({start}): metrics need a time span")
    records = [r for r in records if r.queue == queue]
    first = align(start, period)
    periods = math.ceil((end - first) / period)
    starts = [first + i * period for i in range(periods)]
    defaults = {queue: settings} if settings is not None else {}
    lives = build(records, defaults, until=end)
    data = _sums(count_events(records, queue), starts, period)
    for name in GAUGES:
        data[name] = {}
    for t in starts:
        at = min(t + period, end)
        derived = gauges_at(lives, at)
        taken = [s for s in snapshots if t < s.time <= at]
        sample = taken[-1] if taken else derived
        for name in GAUGES:
            value = sample.gauge(name)
            if value is None:
                value = derived.gauge(name)
            data[name][t] = Stat.total(float(value))
    return Metrics(queue, first, periods, period, data, source="derived from the trace (moto)")


# --- live snapshots --------------------------------------------------------------------------


def _moto_queue(lab: Lab, name: str) -> Any | None:
    """moto's own queue object, when the lab runs moto in this process; else None."""
    if not lab.virtual_time:
        return None
    return state.queue(lab.account_id, lab.region, name)


def _check_sampler(lab: Any, urls: tuple[Any, ...], period: Any) -> None:
    """The lab, queue URLs as text, and a period that is a whole number of minutes in seconds."""
    from sqslab.arguments import LAB, QUEUE_URL, call_of, given, is_whole, problem

    if not LAB.test(lab):
        raise WrongTypeError(problem(Sampler.__init__, "lab", LAB, lab))
    for url in urls:
        if not QUEUE_URL.test(url):
            raise WrongTypeError(problem(Sampler.__init__, "each queue URL", QUEUE_URL, url))
    step = period_seconds()
    if period is not None and not (is_whole(period) and period >= step and period % step == 0):
        raise LimitError(
            f"period is a whole number of minutes in seconds ({step}, 300…), as CloudWatch samples "
            f"AWS/SQS; got {given(period)}: call {call_of(Sampler.__init__)}"
        )


class Sampler:
    """Reads queues' gauges every minute on the lab's clock, as CloudWatch samples them.

    ``sample()`` takes one snapshot of each queue now; ``task(runner, done)`` samples at every minute
    boundary beside other scheduled tasks; ``watch(consumer)`` runs a consumer with it.
    On moto it also keeps the age of the oldest message (which moto does not report): a message
    moved into a dead-letter queue counts from when the sampler first saw it there, as AWS counts
    a DLQ's age from the move.
    """

    def __init__(self, lab: Lab, *queue_urls: str, period: int | None = None) -> None:
        if not queue_urls:
            raise LimitError("give the Sampler at least one queue URL to watch")
        _check_sampler(lab, queue_urls, period)
        self.lab = lab
        self.urls = list(queue_urls)
        self.period = period or period_seconds()
        self.snapshots: dict[str, list[Snapshot]] = {self.name(u): [] for u in self.urls}
        self._first_seen: dict[tuple[str, str], float] = {}

    @staticmethod
    def name(url: str) -> str:
        """A queue's name from its URL."""
        return queue_name_of({"QueueUrl": url}) or url

    def sample(self) -> list[Snapshot]:
        """One snapshot of every queue at the current time (left out of the trace)."""
        taken = []
        with self.lab.trace.paused():
            for url in self.urls:
                taken.append(self._snapshot(url))
        return taken

    def _snapshot(self, url: str) -> Snapshot:
        attrs = self.lab.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=list(ATTRIBUTES.values())
        )["Attributes"]
        now = self.lab.clock.time()
        name = self.name(url)
        snap = Snapshot(
            now,
            int(attrs.get(ATTRIBUTES[VISIBLE], 0)),
            int(attrs.get(ATTRIBUTES[NOT_VISIBLE], 0)),
            int(attrs.get(ATTRIBUTES[DELAYED], 0)),
            self._oldest_age(name, now),
        )
        self.snapshots[name].append(snap)
        return snap

    def _oldest_age(self, name: str, now: float) -> float | None:
        """The age of the oldest message from moto's own queue, or None off moto."""
        queue = _moto_queue(self.lab, name)
        if queue is None:
            return None
        is_dlq = bool(state.dead_letter_sources(queue))
        ages = []
        for message in state.stored(queue):
            seen = self._first_seen.setdefault((name, message.id), now)
            if message.receives >= poison_receives():
                continue
            enqueued = seen if is_dlq else message.sent
            ages.append(now - enqueued)
        return max(ages, default=0.0)

    def task(self, runner: Any, done: Callable[[], bool]) -> None:
        """Spawn a task on ``runner`` that samples at each period boundary until ``done()``."""

        def loop() -> None:
            while not done():
                boundary = align(self.lab.clock.time(), self.period) + self.period
                runner.wait_until(boundary, wake_if=done)
                if self.lab.clock.time() >= boundary:
                    self.sample()

        runner.spawn(loop, "sampler")

    def watch(self, consumer: Consumer) -> ConsumeResult:
        """Run ``consumer`` (a Consumer or WorkerPool) with this sampler beside it."""
        return consumer.run(beside=self.task)

    def metrics(self, url: str, start: float | None = None, end: float | None = None) -> Metrics:
        """The metrics of one watched queue, with this sampler's snapshots for the gauges."""
        return metrics(self.lab, url, sampler=self, start=start, end=end)


# --- the lab entry point ---------------------------------------------------------------------


def metrics(
    lab: Lab,
    queue_url: str,
    *,
    sampler: Sampler | None = None,
    start: float | None = None,
    end: float | None = None,
) -> Metrics:
    """The AWS/SQS metrics of a queue: from CloudWatch on AWS, derived on every other backend.

    ``start`` defaults to the queue's first traced call and ``end`` to now (lab clock seconds).
    """
    name = Sampler.name(queue_url)
    end = lab.clock.time() if end is None else end
    if lab.backend == "aws":
        if start is None:
            raise LimitError("on AWS give start= (clock seconds) for the CloudWatch query")
        return from_cloudwatch(lab.client("cloudwatch"), name, start=start, end=end)
    records = lab.trace.for_queue(name)
    if start is None:
        if not records:
            raise LimitError(
                f"the trace has no calls for {name!r}: create and use the queue after "
                "sqslab.start(), or pass start= (clock seconds)"
            )
        start = records[0].started
    with lab.trace.paused():
        attrs = lab.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["VisibilityTimeout", "DelaySeconds"]
        )["Attributes"]
    settings = QueueSettings.aws_defaults().updated(attrs)
    snaps = sampler.snapshots.get(name, []) if sampler is not None else []
    end = max(end, start + 1e-6)
    return derive(lab.trace.records, name, start=start, end=end, settings=settings, snapshots=snaps)


# --- CloudWatch --------------------------------------------------------------------------------


def metric_queries(
    queue: str, period: int = 60, statistics: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """GetMetricData queries for every AWS/SQS metric of ``queue`` (ids m0, m1, …)."""
    chosen = {**DEFAULT_STATISTIC, **(statistics or {})}
    return [
        {
            "Id": f"m{i}",
            "Label": name,
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": name,
                    "Dimensions": [{"Name": "QueueName", "Value": queue}],
                },
                "Period": period,
                "Stat": chosen[name],
            },
            "ReturnData": True,
        }
        for i, name in enumerate(METRICS)
    ]


def from_cloudwatch(
    cloudwatch: Any, queue: str, *, start: float, end: float, period: int | None = None
) -> Metrics:
    """The AWS/SQS metrics of ``queue`` as CloudWatch returns them (GetMetricData), one statistic
    per metric (its default); periods without a datapoint stay missing."""
    period = period or period_seconds()
    first = align(start, period)
    periods = max(1, math.ceil((end - first) / period))
    queries = metric_queries(queue, period)
    names = {q["Id"]: q["Label"] for q in queries}
    data: dict[str, dict[float, Stat]] = {}
    kwargs: dict[str, Any] = {
        "MetricDataQueries": queries,
        "StartTime": utc(first),
        "EndTime": utc(first + periods * period),
        "ScanBy": "TimestampAscending",
    }
    while True:
        page = cloudwatch.get_metric_data(**kwargs)
        for result in page.get("MetricDataResults", []):
            found = data.setdefault(names[result["Id"]], {})
            for when, value in zip(result["Timestamps"], result["Values"], strict=True):
                found[align(when.timestamp(), period)] = Stat.total(float(value))
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    data = {name: points for name, points in data.items() if points}
    return Metrics(queue, first, periods, period, data, source="CloudWatch")
