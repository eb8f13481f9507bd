"""The naive run and the capstone pipeline side by side on the same orders: requests, cost, time,
orders never processed, duplicates, order, and what the endless loop keeps costing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab import cost, orders
from sqslab.errors import LimitError
from sqslab.i18n import N_, pgettext
from sqslab.i18n import translate as _
from sqslab.naive.run import NaiveRun, ahead_of_unprocessed, run_naive
from sqslab.numbers import money, number, short
from sqslab.tables import Table

if TYPE_CHECKING:
    from sqslab.lab import Lab

SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class Measures:
    """One pipeline's numbers on the same orders."""

    label: str
    orders: int
    calls: int
    requests: int
    empty_receives: int
    dollars: float
    seconds: float
    processed: int
    duplicates: int
    lost: int
    in_dlq: int
    out_of_order: int
    out_of_order_redriven: int = 0
    stops: str = ""
    blocked_customers: int = 0
    overtook: int = 0
    poison_attempts: int = 0
    idle_requests_per_hour: float = 0.0

    @property
    def dollars_per_million_orders(self) -> float:
        """List-price dollars per million orders at this rate of requests per order."""
        return self.dollars / self.orders * 1_000_000 if self.orders else 0.0

    @property
    def idle_dollars_per_day(self) -> float:
        """What the idle polling costs a day at the FIFO list price (free tier not applied)."""
        per_request = cost.price_per_million(fifo=True) / cost.PER_MILLION
        return self.idle_requests_per_hour * 24 * per_request


def poison_attempts(order_list: list[orders.Order], processor: orders.OrderProcessor) -> int:
    """Processing attempts at the poison orders (each one failed)."""
    return sum(processor.attempts[o.order_id] for o in order_list if o.poison)


def measure_naive(run: NaiveRun) -> Measures:
    """The naive run's numbers; requests and cost up to its last order processed (what came after
    is the idle polling, per hour in ``idle_requests_per_hour``). Times and rates are as written:
    a run that went faster on a real clock has its times multiplied by its speed-up."""
    bill = run.bill(until=run.drained_at())
    return Measures(
        label=N_("naive (the guide)"),
        orders=len(run.order_list),
        calls=bill.calls,
        requests=bill.requests,
        empty_receives=bill.empty_receives,
        dollars=bill.dollars,
        seconds=(run.drained_at() - run.started) * run.speedup,
        processed=len({e.order_id for e in run.ledger}),
        duplicates=run.duplicates(),
        lost=len(run.lost()),
        in_dlq=int(run.dlq_stats.get("messages_available", 0)),
        out_of_order=len(run.out_of_order()),
        stops=_("never (the lab stopped it after {seconds} s)").format(
            seconds=number((run.stopped - run.started) * run.speedup)
        ),
        blocked_customers=len(run.holding()),
        overtook=len(run.overtook()),
        poison_attempts=poison_attempts(run.order_list, run.processor),
        idle_requests_per_hour=run.idle_requests_per_hour(),
    )


def measure_right(pipeline: orders.OrderPipeline) -> Measures:
    """The capstone pipeline's numbers (after its run): trace, ledger and what is left in the DLQ."""
    bill = pipeline.bill()
    entries = list(pipeline.ledger)
    done = {e.order_id for e in entries}
    in_dlq = pipeline.dlq_depth()
    in_line = orders.processed_late(pipeline.orders, entries, lambda p: p == orders.FIRST_PASS)
    return Measures(
        label=N_("right (the capstone)"),
        orders=len(pipeline.orders),
        calls=bill.calls,
        requests=bill.requests,
        empty_receives=bill.empty_receives,
        dollars=bill.dollars,
        seconds=(pipeline.drained_at() - pipeline.started) * pipeline.speedup,
        processed=len(done),
        duplicates=len(entries) - len(done),
        lost=len(pipeline.orders) - len(done) - in_dlq,
        in_dlq=in_dlq,
        out_of_order=len(in_line),
        out_of_order_redriven=len(orders.overtaken_via_dlq(pipeline.orders, entries)),
        stops=_("by itself after {seconds} s idle (stop policy)").format(
            seconds=short(pipeline.idle_timeout * pipeline.speedup)
        ),
        poison_attempts=poison_attempts(pipeline.orders, pipeline.processor),
        overtook=len(ahead_of_unprocessed(pipeline.orders, entries)),
    )


@dataclass(frozen=True)
class Comparison:
    """The naive and the right pipeline side by side."""

    naive: Measures
    right: Measures
    #: What the times are: the virtual clock's, or a real clock's (and how much faster).
    clock: str = N_("virtual time")

    def rows(self) -> list[tuple[str, str, str]]:
        """(measure, naive, right) as text."""

        def both(fn: Callable[[Measures], str]) -> tuple[str, str]:
            return fn(self.naive), fn(self.right)

        def late(m: Measures) -> str:
            via = m.out_of_order_redriven
            more = _(" (+{count} redriven from the DLQ)").format(count=via) if via else ""
            return f"{m.out_of_order}{more}"

        return [
            (pgettext("row", "orders"), *both(lambda m: str(m.orders))),
            (
                N_("SQS calls (naive: until its last order processed)"),
                *both(lambda m: str(m.calls)),
            ),
            (N_("billed requests"), *both(lambda m: str(m.requests))),
            (N_("empty receives"), *both(lambda m: str(m.empty_receives))),
            (N_("cost at list price"), *both(lambda m: cost.money(m.dollars))),
            (
                N_("cost per million orders"),
                *both(lambda m: money(m.dollars_per_million_orders)),
            ),
            (
                _("{clock} to the last order processed (right: first pass)").format(
                    clock=_(self.clock)
                ),
                *both(lambda m: f"{number(m.seconds, 1)} s"),
            ),
            (N_("orders processed"), *both(lambda m: str(m.processed))),
            (N_("never processed, in no DLQ"), *both(lambda m: str(m.lost))),
            (
                N_("customers whose group a poison order holds"),
                *both(lambda m: str(m.blocked_customers)),
            ),
            (
                N_("processed ahead of an earlier order never processed"),
                *both(lambda m: str(m.overtook)),
            ),
            (N_("processed twice (duplicates)"), *both(lambda m: str(m.duplicates))),
            (N_("left in the DLQ"), *both(lambda m: str(m.in_dlq))),
            (N_("processed after a later order of the customer"), *both(late)),
            (N_("processing attempts at poison orders"), *both(lambda m: str(m.poison_attempts))),
            (
                N_("requests per hour once nothing can progress"),
                *both(lambda m: number(m.idle_requests_per_hour)),
            ),
            (
                N_("cost per day of that polling"),
                *both(lambda m: cost.money(m.idle_dollars_per_day)),
            ),
            (N_("stops"), *both(lambda m: m.stops)),
        ]

    def table(self) -> Table:
        """The comparison as a table: one row per measure."""
        return Table((N_("measure"), self.naive.label, self.right.label), self.rows())

    def __repr__(self) -> str:
        return repr(self.table())


def compare(naive: NaiveRun, right: orders.OrderPipeline) -> Comparison:
    """Measure two finished runs on the same orders."""
    if [o.order_id for o in naive.order_list] != [o.order_id for o in right.orders]:
        raise LimitError(
            "compare() needs both runs on the same orders: pass the same list to run_naive() "
            "and OrderPipeline()"
        )
    return Comparison(measure_naive(naive), measure_right(right), clock_of(naive, right))


def clock_of(naive: NaiveRun, right: orders.OrderPipeline) -> str:
    """What the compared times are: virtual, real, or (when a run went faster than written on a
    real clock) real times multiplied by each run's speed-up, so the two runs compare."""
    if naive.processor.lab.virtual_time:
        return N_("virtual time")
    if naive.speedup == right.speedup == 1:
        return N_("real time")
    return N_("time as written (real time x speed-up)")


def side_by_side(
    lab: Lab, order_list: list[orders.Order] | None = None, *, seed: int = 0, **kw: Any
) -> tuple[Comparison, NaiveRun, orders.OrderPipeline]:
    """Run the capstone pipeline and the naive one on the same orders and compare them."""
    chosen = list(order_list) if order_list is not None else orders.load()
    right = orders.run(lab, chosen, seed=seed, **kw)
    naive = run_naive(lab, chosen, seed=seed)
    return compare(naive, right), naive, right
