"""AWS/SQS metrics derived from the trace of SQS calls, as sqslab shows them where CloudWatch has
none (moto): sums from the counted calls, gauges from each message's life or from snapshots."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from sqslab import fair_metrics
from sqslab.emulator.fair_rules import Thresholds
from sqslab.errors import LimitError
from sqslab.i18n import N_, _
from sqslab.message_states import oldest_age, state_at
from sqslab.metric_series import (
    COUNTS,
    DELETED,
    EMPTY,
    FAIR,
    GAUGES,
    RECEIVED,
    SENT,
    SIZE,
    Metrics,
    Snapshot,
    Stat,
    align,
    period_seconds,
    queue_name,
)
from sqslab.timeline import IN_FLIGHT, QueueSettings, build
from sqslab.trace import CallRecord

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.timeline import Timeline

__all__ = [
    "UNKNOWN_AGE",
    "count_events",
    "derive",
    "fair_gauges",
    "from_trace",
    "gauges_at",
    "oldest_age",
    "state_at",
    "unseen_messages",
]


#: A snapshot's age of the oldest when nobody can know it (off moto, messages the lab never saw
#: sent): the period gets no datapoint rather than an age derived from too few messages.
UNKNOWN_AGE = math.nan


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


def _held(snap: Snapshot) -> int:
    return snap.visible + snap.not_visible + snap.delayed


def unseen_messages(records: Iterable[CallRecord], queue: str, snap: Snapshot) -> bool:
    """True when ``snap`` holds more messages than the traced calls of ``queue`` account for:
    dead letters moved in from a source queue, or messages of another program. Off moto, where
    the sampler cannot look inside the queue, their age is unknown (:data:`UNKNOWN_AGE`)."""
    lives = build([r for r in records if r.queue == queue], until=snap.time)
    return _held(snap) > _held(gauges_at(lives, snap.time))


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
    inside the period (the latest) replaces what the trace would say; a snapshot's age of
    :data:`UNKNOWN_AGE` leaves the period without that datapoint.
    """
    period = period or period_seconds()
    if end <= start:
        raise LimitError(
            _("end ({end}) must come after start ({start}): metrics need a time span").format(
                end=end, start=start
            )
        )
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
            if value is not None and math.isnan(value):
                continue  # an age nobody can know (UNKNOWN_AGE): no datapoint, not a made-up one
            if value is None:
                value = derived.gauge(name)
            data[name][t] = Stat.total(float(value or 0))
    source = N_("derived from the trace (moto)")
    if fair_metrics.applies(lives, queue):
        data.update(fair_gauges(lives, starts, period, end))
        source += f"; {fair_metrics.LABEL}"
    return Metrics(queue, first, periods, period, data, source=source)


def fair_gauges(
    lives: Timeline, starts: Sequence[float], period: int, end: float
) -> dict[str, dict[float, Stat]]:
    """The fair-queue gauges of each period, sampled at its end (or at ``end``), as the others."""
    limits = Thresholds.from_facts()
    data: dict[str, dict[float, Stat]] = {name: {} for name in FAIR}
    for t in starts:
        for name, value in fair_metrics.gauges_at(lives, min(t + period, end), limits).items():
            data[name][t] = Stat.total(value)
    return data


def from_trace(
    lab: Lab,
    queue_url: str,
    *,
    snapshots: Sequence[Snapshot] = (),
    start: float | None = None,
    end: float,
    period: int | None = None,
) -> Metrics:
    """The metrics of a lab's queue derived from its trace, with the queue's own timeouts;
    ``start`` defaults to the queue's first traced call, ``period`` to a minute."""
    name = queue_name(queue_url)
    records = lab.trace.for_queue(name)
    if start is None:
        if not records:
            raise LimitError(
                _(
                    "the trace has no calls for {name!r}: create and use the queue after "
                    "sqslab.start(), or pass start= (clock seconds)"
                ).format(name=name)
            )
        start = records[0].started
    with lab.trace.paused():
        attrs = lab.sqs.get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["VisibilityTimeout", "DelaySeconds"]
        )["Attributes"]
    settings = QueueSettings.aws_defaults().updated(attrs)
    end = max(end, start + 1e-6)
    return derive(
        lab.trace.records,
        name,
        start=start,
        end=end,
        settings=settings,
        snapshots=snapshots,
        period=period,
    )
