"""Chapter 6's recorded days, run on the lab's SQS with a sampler publishing into CloudWatch: the
``shop-orders`` day for exercise 6.1 (a healthy day, then a consumer that hangs) and the
``refunds-dlq`` day for exercise 6.3 (a dead-letter queue quiet for hours, two poison messages, a
clean-up). Each runs once per lab, on the virtual clock; the checks evaluate the learner's alarm
over the datapoints it left in CloudWatch. On a real clock a day is not run: it comes as recorded
on the moto backend (:mod:`.monitoring_recorded`)."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqslab import dlq, facts
from sqslab.arguments import LAB, requires
from sqslab.exercises.monitoring_recorded import WHY, Recording, load
from sqslab.i18n import translate as _
from sqslab.metric_cells import utc
from sqslab.metric_series import align, period_seconds, queue_name
from sqslab.sampler import Sampler

if TYPE_CHECKING:
    from sqslab.lab import Lab

MINUTE = 60
#: Seconds between the steps of a day: the producer sends, then the consumer takes its turn.
TICK = 10
TICKS = MINUTE // TICK

# --- exercise 6.1: the shop-orders day, minute by minute from its start -------------------------
ORDERS = "shop-orders"
#: A lump of orders dropped at once by a batch job, and the minute it comes.
LUMP, LUMP_AT = 240, 2
#: An importer that drops orders late in each of a few minutes (young, but many waiting).
IMPORT, IMPORT_FROM, IMPORT_MINUTES, IMPORT_SECOND = 90, 4, 4, 50
#: Minutes with no orders at all (the night, in minutes).
QUIET = (9, 10)
#: The minute the consumer hangs, how long the day goes on, and how soon an alarm must fire.
HANG_AT, ORDERS_MINUTES, DEADLINE = 12, 22, 5
#: Messages the healthy consumer takes per step (two receives of ten).
RECEIVES_PER_TICK, BATCH = 2, 10

# --- exercise 6.3: the refunds day -------------------------------------------------------------
REFUNDS = "refunds"
#: Quiet minutes before the first poison refund; when the second comes; when the DLQ is emptied.
POISON_AT, SECOND_POISON_AT, CLEANED_AT, REFUNDS_MINUTES = (5, 7, 9, 12)
#: Receives before a refund moves to the DLQ, and its visibility timeout (s).
MAX_RECEIVES, REFUND_VISIBILITY = 2, 10

_days: weakref.WeakKeyDictionary[Any, dict[str, Day]] = weakref.WeakKeyDictionary()


@dataclass
class Day:
    """One recorded day: the queues, when it started and ended (UTC), and what happened when."""

    queue: str
    start: datetime
    end: datetime
    events: list[tuple[datetime, str]] = field(default_factory=list)
    urls: dict[str, str] = field(default_factory=dict)
    #: On a real clock: the day as recorded on moto (its datapoints are in no CloudWatch here).
    recording: Recording | None = None
    #: Which day it is (``orders`` or ``refunds``): its story is told in the lab's language.
    kind: str = ""

    def minute(self, when: datetime) -> int:
        """Minutes from the start of the day to ``when``."""
        return int((when - self.start).total_seconds() // MINUTE)

    def story(self) -> list[tuple[datetime, str]]:
        """What happened when, in the language sqslab speaks now."""
        return _EVENTS[self.kind](self) if self.kind else self.events

    def at(self, minute: float) -> datetime:
        """The instant ``minute`` minutes into the day."""
        return utc(self.start.timestamp() + minute * MINUTE)

    def __repr__(self) -> str:
        span = _("{queue}, {start} to {end} UTC").format(
            queue=self.queue, start=f"{self.start:%H:%M}", end=f"{self.end:%H:%M}"
        )
        lines = [
            _(
                "{span}; the sampler published its AWS/SQS metrics into CloudWatch each minute:"
            ).format(span=span)
        ]
        if self.recording is not None:
            lines = [
                _(
                    "{span}, as recorded on the moto backend: {why}, so get_metric_data finds "
                    "none of its datapoints here; the check evaluates your alarm over the "
                    "recorded ones:"
                ).format(span=span, why=_(WHY))
            ]
        lines += [f"  {when:%H:%M}  {what}" for when, what in self.story()]
        return "\n".join(lines)


def _cached(lab: Lab, kind: str, run: Callable[[Lab], Day]) -> Day:
    """The lab's day of ``kind``, run the first time it is asked for (recorded, on a real clock)."""
    days = _days.setdefault(lab, {})
    if kind not in days:
        days[kind] = run(lab) if lab.virtual_time else recorded(kind)
    return days[kind]


def recorded(kind: str) -> Day:
    """The day ``kind`` (``orders`` or ``refunds``) as recorded on the moto backend."""
    rec = load(kind)
    day = Day(rec.queue, utc(rec.start), utc(rec.end), recording=rec, kind=kind)
    day.events = _EVENTS[kind](day)
    return day


def _to_next_minute(lab: Lab) -> float:
    now = lab.clock.time()
    boundary = align(now, period_seconds())
    if boundary < now:
        lab.wait(boundary + MINUTE - now)
    return lab.clock.time()


def _send(sqs: Any, url: str, count: int, first: int) -> int:
    """Send ``count`` orders numbered from ``first`` in batches of ten; the next number."""
    top = int(facts.get("batch_max_entries").value)
    for done in range(0, count, top):
        size = min(top, count - done)
        entries = [
            {"Id": str(i), "MessageBody": f'{{"order": {first + done + i}}}'} for i in range(size)
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    return first + count


def _consume(sqs: Any, url: str) -> None:
    """The healthy consumer's step: up to two receives of ten, each batch deleted."""
    for _turn in range(RECEIVES_PER_TICK):
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=BATCH).get("Messages", [])
        if got:
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
            ]
            sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def _arrivals(tick: int) -> int:
    """Orders sent at step ``tick`` of the shop-orders day."""
    minute, second = divmod(tick * TICK, MINUTE)
    count = 0 if minute in QUIET else 1
    if minute == LUMP_AT and second == 0:
        count += LUMP
    if IMPORT_FROM <= minute < IMPORT_FROM + IMPORT_MINUTES and second == IMPORT_SECOND:
        count += IMPORT
    return count


def _run_orders(lab: Lab) -> Day:
    sqs = lab.sqs
    url = sqs.create_queue(QueueName=ORDERS)["QueueUrl"]
    sampler = Sampler(lab, url)
    start = _to_next_minute(lab)
    number = 1
    for tick in range(ORDERS_MINUTES * TICKS):
        number = _send(sqs, url, _arrivals(tick), number)
        if tick < HANG_AT * TICKS:
            _consume(sqs, url)
        elif tick == HANG_AT * TICKS:  # takes one batch and never comes back
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=BATCH)
        lab.wait(TICK)
        if (tick + 1) % TICKS == 0:
            sampler.sample()
    day = Day(
        queue_name(url), utc(start), utc(lab.clock.time()), urls={"queue": url}, kind="orders"
    )
    day.events = _orders_events(day)
    return day


def _orders_events(day: Day) -> list[tuple[datetime, str]]:
    return [
        (day.at(0), _("orders arrive, about 6 a minute; the consumer keeps up")),
        (day.at(LUMP_AT), _("a batch job drops {count} orders at once").format(count=LUMP)),
        (
            day.at(IMPORT_FROM),
            _("an importer drops {count} orders late in each of {minutes} minutes").format(
                count=IMPORT, minutes=IMPORT_MINUTES
            ),
        ),
        (day.at(QUIET[0]), _("no orders for {minutes} minutes").format(minutes=len(QUIET))),
        (day.at(QUIET[-1] + 1), _("orders again, about 6 a minute")),
        (day.at(HANG_AT), _("the consumer hangs: it deletes nothing more")),
    ]


@requires(lab=LAB)
def orders_day(lab: Lab) -> Day:
    """Exercise 6.1's day of ``shop-orders`` (run once per lab): healthy with a lump, an importer
    and quiet minutes, then the consumer hangs; the sampler publishes into CloudWatch."""
    return _cached(lab, "orders", _run_orders)


def phase(minute: int) -> str:
    """What was going on in ``minute`` of the shop-orders day."""
    if minute >= HANG_AT:
        return _("the stuck consumer")
    if LUMP_AT <= minute < IMPORT_FROM:
        return _("the lump of {count} orders").format(count=LUMP)
    if IMPORT_FROM <= minute < IMPORT_FROM + IMPORT_MINUTES:
        return _("the importer's minutes")
    if minute in QUIET:
        return _("the quiet minutes")
    return _("the steady minutes")


def _poison(lab: Lab, url: str) -> None:
    """A refund that fails each time: received until it moves to the dead-letter queue."""
    lab.sqs.send_message(QueueUrl=url, MessageBody='{"refund": "R-1", "eur": "ten"}')
    for _receive in range(MAX_RECEIVES + 1):  # the last receive moves it
        lab.sqs.receive_message(QueueUrl=url)
        lab.wait(REFUND_VISIBILITY)


def _clean(lab: Lab, url: str) -> None:
    """Someone reads the dead letters, fixes the cause and deletes them."""
    while got := lab.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=BATCH).get("Messages"):
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
        lab.sqs.delete_message_batch(QueueUrl=url, Entries=entries)


def _run_refunds(lab: Lab) -> Day:
    pair = dlq.create_pair(
        lab.sqs,
        REFUNDS,
        max_receive_count=MAX_RECEIVES,
        source_attributes={"VisibilityTimeout": str(REFUND_VISIBILITY)},
    )
    lab.wait(facts.get("sqs_metrics_inactive_after").value + MINUTE)  # quiet for hours
    sampler = Sampler(lab, pair.source_url, pair.dlq_url)
    start = _to_next_minute(lab)
    actions = {
        POISON_AT: lambda: _poison(lab, pair.source_url),
        SECOND_POISON_AT: lambda: _poison(lab, pair.source_url),
        CLEANED_AT: lambda: _clean(lab, pair.dlq_url),
    }
    for minute in range(REFUNDS_MINUTES):
        if minute in actions:
            actions[minute]()
        lab.wait(start + (minute + 1) * MINUTE - lab.clock.time())
        sampler.sample()
    day = Day(
        queue_name(pair.dlq_url),
        utc(start),
        utc(lab.clock.time()),
        urls={"source": pair.source_url, "dlq": pair.dlq_url},
        kind="refunds",
    )
    day.events = _refunds_events(day)
    return day


def _refunds_events(day: Day) -> list[tuple[datetime, str]]:
    return [
        (day.at(0), _("both queues quiet for hours: empty, no calls (no datapoints)")),
        (day.at(POISON_AT), _("a poison refund fails twice and moves to the DLQ")),
        (day.at(SECOND_POISON_AT), _("a second poison refund moves to the DLQ")),
        (day.at(CLEANED_AT), _("someone reads the dead letters, fixes the cause, deletes them")),
    ]


_EVENTS = {"orders": _orders_events, "refunds": _refunds_events}


@requires(lab=LAB)
def refunds_day(lab: Lab) -> Day:
    """Exercise 6.3's day of ``refunds`` and its DLQ ``refunds-dlq`` (run once per lab): quiet for
    hours, two poison refunds moved to the DLQ, then a clean-up; the sampler publishes."""
    return _cached(lab, "refunds", _run_refunds)
