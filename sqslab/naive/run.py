"""The guide's demo (``exemplo_uso_completo``) run on the capstone's orders, bounded, and what it
did: the ledger, who is stuck behind a poison order, the guide's log, the calls it made."""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import cost, orders, queues
from sqslab.arguments import check_finite
from sqslab.errors import LimitError
from sqslab.i18n import N_
from sqslab.i18n import translate as _
from sqslab.metric_series import queue_name
from sqslab.naive.guide import (
    GuideConsumer,
    GuideLog,
    GuideProducer,
    get_or_create_queue,
    queue_stats,
)
from sqslab.numbers import number, short
from sqslab.orders.demo_calls import demo_calls
from sqslab.realclock import span
from sqslab.tables import Table
from sqslab.trace import CallRecord

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.realclock import DemoTime

#: The lab time the endless loop is given (s) on the virtual clock: see :func:`deviations`.
BUDGET = 3600.0
#: The same where the lab clock is real (endpoint and aws backends): the run takes that long.
REAL_CLOCK_BUDGET = 900.0
#: The same as written for a run a demo speeds up on a real clock (``demo=``), divided by its
#: speed-up: the loop's calls take real time, so it needs more of its own time to drain.
DEMO_BUDGET = 1200.0
PHASE = "naive"
#: The demo loop's ``time.sleep(2)`` after each cycle (s).
PAUSE = 2


def deviations(budget: float = BUDGET, speedup: float = 1, asked: float = 1) -> tuple[str, ...]:
    """Every way a naive run with this ``budget`` differs from the guide's code (``speedup``: the
    demo's, when a real-clock run went faster than written; ``asked``: the demo's on any clock)."""
    where = _bound_elsewhere(speedup, asked)
    return (
        _(
            "The loop is bounded: the guide's `while True` runs until Ctrl+C; here it stops after "
            "{budget} s of lab time (`budget=`; an hour on the virtual clock, {where}). The "
            "capstone pipeline processes all the orders, redrive included, in a fraction of an "
            "hour, and the naive loop's last success comes long before the bound; after it, each "
            "cycle only repeats the one before."
        ).format(budget=short(budget), where=where),
        _(
            "`time.sleep` and `datetime.now` run on the lab clock (`lab.wait`, `lab.now`): on the "
            "virtual clock the 2 s pause, the 5 s long poll, the 60 s visibility timeout and the "
            "0.5 s of work take no real time, and the timestamps are the same on every run."
        )
        + (_faster(speedup) if speedup != 1 else ""),
        _(
            "The processing step is the capstone's (`orders.OrderProcessor`) instead of the "
            "guide's `random.random() < 0.8` stand-in: the same one failure in five, seeded per "
            "order and attempt instead of unseeded, plus the poison orders' quantity bug, which "
            "fails every time. A failed attempt takes its 0.5 s of work too (the guide's "
            "stand-in fails at once)."
        ),
        _(
            "The orders are the capstone's, each sent with the guide's `send_order`, instead of "
            "the demo's 3 example orders and batch of 5 (`send_batch_orders` is not used)."
        ),
        _(
            "The guide's `logger` lines and the statistics the demo prints every cycle are "
            "collected (`nv.log`, `nv.samples`) instead of printed."
        ),
        _(
            "Region and credentials come from the lab (`lab.sqs`) instead of "
            "`boto3.client('sqs', region_name='us-east-1')`."
        ),
    )


def _bound_elsewhere(speedup: float, asked: float) -> str:
    """Where the bound is not an hour: this real clock's, or what a real clock would do."""
    if speedup != 1:
        text = _("on this real clock {span} as written, run {speedup} times faster")
    elif asked != 1:
        text = _("on a real clock {span} as written, run {speedup} times faster")
    else:
        return _("a quarter of an hour where the lab clock is real")
    return text.format(span=span(DEMO_BUDGET), speedup=short(max(speedup, asked)))


def _faster(speedup: float) -> str:
    """The deviation of a run that went ``speedup`` times faster than the guide wrote it."""
    return _(
        " On this real clock the run goes {speedup} times faster (`demo=`): the pause, the "
        "work, the queue's visibility timeout and each long poll are {speedup} times shorter "
        "(a timeout sent to SQS rounded up to a whole second), and the requests per hour once "
        "nothing can progress are given per hour of the loop as written (measured, divided by "
        "{speedup})."
    ).format(speedup=short(speedup))


#: The deviations of a run with the default budget on the virtual clock.
DEVIATIONS = deviations()


@dataclass(frozen=True)
class Sample:
    """The demo's statistics line after one cycle: when, messages available and in flight."""

    time: float
    available: int
    in_flight: int


@dataclass
class NaiveRun:
    """What the guide's pipeline did to the orders within its budget of lab time."""

    order_list: list[orders.Order]
    queue_url: str
    dlq_url: str
    processor: orders.OrderProcessor
    log: GuideLog
    started: float
    budget: float
    speedup: float = 1
    asked: float = 1  # the speed-up a `demo=` asks for, applied on a real clock only
    stopped: float = 0.0
    cycles: int = 0
    samples: list[Sample] = field(default_factory=list)
    received: Counter[str] = field(default_factory=Counter)
    dedup_ids: dict[str, str] = field(default_factory=dict)
    dlq_sends: int = 0
    dlq_stats: dict[str, Any] = field(default_factory=dict)
    records: list[CallRecord] = field(default_factory=list)

    @property
    def deviations(self) -> tuple[str, ...]:
        """How this run differs from the guide's code (the bound first)."""
        return deviations(self.budget, self.speedup, self.asked)

    @property
    def ledger(self) -> orders.Ledger:
        """Every processing, in order."""
        return self.processor.ledger

    @property
    def failed(self) -> list[str]:
        """Each failed processing attempt as ``order id: error``."""
        return [f"{f.order_id}: {f.error}" for f in self.processor.failures]

    def unprocessed(self) -> list[str]:
        """Orders never processed within the budget, in input order (they are still queued)."""
        done = {e.order_id for e in self.ledger}
        return [o.order_id for o in self.order_list if o.order_id not in done]

    def lost(self) -> list[str]:
        """Orders never processed and in no DLQ: the unprocessed ones (the guide's DLQ is empty)."""
        return self.unprocessed()

    def holding(self) -> dict[str, str]:
        """Per blocked customer, the order at the head of its message group: its first order not
        processed, which SQS returns first whenever it hands out that group's messages."""
        heads: dict[str, str] = {}
        by_id = self.by_id
        for oid in self.unprocessed():
            heads.setdefault(by_id[oid].customer_id, oid)
        return heads

    def stuck(self) -> dict[str, list[str]]:
        """Per blocked customer, the orders waiting behind the head of its group."""
        by_id, holding = self.by_id, self.holding()
        behind: dict[str, list[str]] = {c: [] for c in holding}
        for oid in self.unprocessed():
            if oid not in holding.values():
                behind[by_id[oid].customer_id].append(oid)
        return behind

    def overtook(self) -> list[str]:
        """Orders processed although an earlier order of the same customer never was: they came
        in the same receive as the order holding their group, and went ahead of it."""
        return ahead_of_unprocessed(self.order_list, list(self.ledger))

    @property
    def by_id(self) -> dict[str, orders.Order]:
        """The input orders by id."""
        return {o.order_id: o for o in self.order_list}

    def duplicates(self) -> int:
        """Processings of an order that had already been processed."""
        return len(self.ledger) - len({e.order_id for e in self.ledger})

    def out_of_order(self) -> list[str]:
        """Orders processed after a later order (by created_at) of the same customer."""
        return orders.processed_late(self.order_list, list(self.ledger))

    def drained_at(self) -> float:
        """Lab time of the last order processed (nothing was processed after it)."""
        return max((e.time for e in self.ledger), default=self.started)

    def poison_deliveries(self) -> int:
        """Times a poison order was received (each one is processed, fails and stays)."""
        poison = {o.order_id for o in self.order_list if o.poison}
        return sum(n for oid, n in self.received.items() if oid in poison)

    def bill(self, until: float | None = None) -> cost.Bill:
        """What the run's calls cost at list price (FIFO), up to lab time ``until`` if given."""
        return cost.bill(r for r in self.records if until is None or r.started <= until)

    def idle_bill(self) -> cost.Bill:
        """The calls after the last order processed: the loop polling poison orders."""
        return cost.bill(r for r in self.records if r.started > self.drained_at())

    def idle_requests_per_hour(self) -> float:
        """Billed requests an hour once no order can be processed any more (an hour of the loop
        as written, when the run went faster on a real clock)."""
        idle = self.stopped - self.drained_at()
        if idle <= 0:
            raise LimitError("the run stopped at its last success: give it a longer budget")
        return self.idle_bill().requests / idle * cost.SECONDS_PER_HOUR / self.speedup

    def reconcile(self) -> orders.Reconciliation:
        """The capstone's checks applied to the naive run (its DLQ is empty)."""
        return orders.reconcile(self.order_list, self.ledger, [])

    def summary(self) -> Table:
        """The run in numbers."""
        holding = self.holding()
        rows: list[tuple[str, Any]] = [
            (N_("orders sent (one SendMessage each)"), len(self.dedup_ids)),
            (N_("loop cycles (receive, statistics, sleep 2 s)"), self.cycles),
            (N_("orders processed"), len({e.order_id for e in self.ledger})),
            (N_("last order processed at (lab s)"), number(self.drained_at() - self.started, 1)),
            (N_("orders never processed"), len(self.unprocessed())),
            (N_("customers whose group a poison order holds"), len(holding)),
            (N_("their later orders, processed ahead of it"), len(self.overtook())),
            (N_("deliveries of poison orders"), self.poison_deliveries()),
            (N_("sends to the guide's DLQ"), self.dlq_sends),
            (N_("messages in the guide's DLQ"), self.dlq_stats.get("messages_available", 0)),
            (N_("stopped at (lab s)"), number(self.stopped - self.started, 1)),
        ]
        return Table((N_("measure"), N_("value")), rows, verbatim=("value",))


def ahead_of_unprocessed(
    order_list: list[orders.Order], entries: list[orders.Processed]
) -> list[str]:
    """Orders processed (per ``entries``) although an earlier order (by created_at) of the same
    customer was never processed."""
    done = {e.order_id for e in entries}
    first_left: dict[str, str] = {}
    for order in order_list:
        if order.order_id not in done:
            old = first_left.get(order.customer_id, order.created_at)
            first_left[order.customer_id] = min(old, order.created_at)
    return [
        e.order_id
        for e in entries
        if e.customer_id in first_left and e.created_at > first_left[e.customer_id]
    ]


def run_naive(
    lab: Lab,
    order_list: list[orders.Order] | None = None,
    *,
    name: str = "pedidos-ecommerce",
    seed: int = 0,
    failure_rate: float = 0.2,
    work_seconds: float = 0.5,
    budget: float | None = None,
    demo: DemoTime | None = None,
) -> NaiveRun:
    """The guide's demo on ``lab``: create its two queues, send each order, then loop until
    ``budget`` seconds of lab time have passed (:func:`default_budget`); finally read its DLQ's
    statistics. With ``demo`` (``lab.demo_time(...)``) the guide's durations go through it: its
    pause and work, and the timeouts its calls carry (:mod:`sqslab.orders.demo_calls`)."""
    speedup = 1 if demo is None or demo.virtual else demo.speedup
    if budget is None:
        budget = default_budget(lab, speedup)
    budget = check_finite("budget", budget, example="budget=600")
    if budget <= 0:
        raise LimitError(f"budget is the lab time the loop may run, in seconds; got {budget!r}")
    chosen = list(order_list) if order_list is not None else orders.load()
    sqs, start_index = lab.sqs, len(lab.trace)
    log = GuideLog(lab.clock.time)
    names = (f"{name}.fifo", f"{name}-dlq.fifo")
    with demo_calls(sqs, demo) if demo is not None else contextlib.nullcontext():
        url, dlq_url = (get_or_create_queue(sqs, n, log) for n in names)
        processor = orders.OrderProcessor(
            lab, seed=seed, failure_rate=failure_rate, work_seconds=work_seconds / speedup
        )
        processor.phase = PHASE
        run = NaiveRun(chosen, url, dlq_url, processor, log, lab.clock.time(), budget, speedup)
        run.asked = 1 if demo is None else demo.speedup
        producer = GuideProducer(sqs, url, names[0], lab.now, log, run.dedup_ids)
        for order in chosen:
            producer.send_order(dict(order.record))
        run.samples.append(sample(lab, run, names[0]))  # the demo's statistics before the loop
        step = guide_step(processor, log)
        consumer = GuideConsumer(sqs, url, names[0], step, log, dlq_url, received=run.received)
        endless_loop(lab, run, consumer, names[0])
        run.dlq_sends = consumer.dlq_sends
        run.dlq_stats = queue_stats(sqs, dlq_url, names[1], log)  # the demo's last step
    mine = {*names, queue_name(url), queue_name(dlq_url)}  # also with the lab's prefix, if any
    run.records = [r for r in lab.trace.records[start_index:] if r.queue in mine]
    return run


def default_budget(lab: Lab, speedup: float = 1) -> float:
    """The loop's lab time: :data:`BUDGET` on the virtual clock, :data:`REAL_CLOCK_BUDGET` on a
    real one, or :data:`DEMO_BUDGET` divided by the speed-up of a run a demo makes faster."""
    if lab.virtual_time:
        return BUDGET
    return REAL_CLOCK_BUDGET if speedup == 1 else DEMO_BUDGET / speedup


def guide_step(processor: orders.OrderProcessor, log: GuideLog) -> Callable[[dict[str, Any]], bool]:
    """The guide's ``_simulate_order_processing`` on the capstone's step: True after a success."""

    def simulate(order: dict[str, Any]) -> bool:
        oid = str(order["order_id"])
        try:
            done = processor.process(order)
        except Exception as err:  # noqa: BLE001 - a failure is False, as the guide's stand-in
            log.add("WARNING", f"processing of order {oid} failed: {err}", oid)
            return False
        log.add("INFO", f"order {oid} - total: {orders.money(done.total_cents)}", oid)
        return True

    return simulate


def sample(lab: Lab, run: NaiveRun, name: str) -> Sample:
    """One call of the guide's monitor, kept as the demo's statistics line."""
    stats = queue_stats(lab.sqs, run.queue_url, name, run.log)
    return Sample(
        lab.clock.time(), stats.get("messages_available", 0), stats.get("messages_in_flight", 0)
    )


def endless_loop(lab: Lab, run: NaiveRun, consumer: GuideConsumer, name: str) -> None:
    """The demo's ``while True``: receive up to 5 (5 s long poll), statistics, sleep 2 s; the
    lab stops it once the budget is spent (the guide waits for Ctrl+C)."""
    while True:
        consumer.process_orders(max_messages=5, wait_time=5)
        run.samples.append(sample(lab, run, name))
        run.cycles += 1
        if lab.clock.time() - run.started >= run.budget:
            break
        lab.wait(PAUSE / run.speedup)
    run.stopped = lab.clock.time()


def queue_left(lab: Lab, run: NaiveRun) -> int:
    """Messages still in the naive queue (visible, in flight, delayed), left out of the trace."""
    with lab.trace.paused():
        return sum(queues.depth(lab.sqs, run.queue_url))
