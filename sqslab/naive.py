"""The naive order pipeline, as the seed guide wrote it, measured next to the capstone's pipeline on
the same orders: requests, cost, time, duplicates and lost orders.

The naive version (the guide's e-commerce example):

- a standard queue without a redrive policy, created with the guide's attributes;
- one ``SendMessage`` per order;
- an endless ``while True`` loop: receive up to 5 messages (5 s long poll), handle each, read the
  queue's statistics (one ``GetQueueAttributes`` per loop, as the guide's monitor does), sleep 2 s.
  It never stops by itself; here it stops after ``idle_stop`` seconds without a message;
- delete-then-forget: each message is deleted right after it is received and then processed, so a
  failed order is gone for good. (The guide's own consumer deletes after a success, but keeps its
  retry counter in the message body, which is never saved: a failing order comes back forever and
  its hand-made DLQ is never used. Deleting first is the common "fix" for that loop.)
- each order takes the same simulated work as in the capstone (the guide's ``time.sleep(0.5)``),
  on the lab's clock (``lab.wait``), with the same seeded failures and the same quantity bug;
- no idempotency: a message delivered twice is processed (and charged) twice.

moto never delivers a standard-queue message twice or out of order; AWS can. The naive run turns on
the labelled :mod:`sqslab.emulator.realism` layer (seeded, standard queues only) while it runs, so the
duplicates and reordering AWS documents actually reach it. The capstone's FIFO queue is never
touched by that layer, and its handler is idempotent anyway.
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import cost, orders, queues
from sqslab.emulator import realism
from sqslab.errors import LimitError
from sqslab.tables import Table
from sqslab.trace import CallRecord

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: The guide's queue attributes (its OrderQueueManager).
GUIDE_ATTRIBUTES = {
    "DelaySeconds": "0",
    "MessageRetentionPeriod": "345600",
    "VisibilityTimeout": "60",
    "ReceiveMessageWaitTimeSeconds": "20",
}


@dataclass
class NaiveRun:
    """What the naive pipeline did: its ledger (duplicates included), failures, loops and calls."""

    order_list: list[orders.Order]
    queue_url: str
    processor: orders.OrderProcessor
    started: float
    stopped: float = 0.0
    loops: int = 0
    receives: int = 0
    empty_receives: int = 0
    failed: list[str] = field(default_factory=list)
    records: list[CallRecord] = field(default_factory=list)
    layer: realism.Realism | None = None

    @property
    def ledger(self) -> orders.Ledger:
        """Every processing, in order (an order processed twice appears twice)."""
        return self.processor.ledger

    def lost(self) -> list[str]:
        """Orders never processed: deleted before a processing that failed."""
        done = {e.order_id for e in self.ledger}
        return [o.order_id for o in self.order_list if o.order_id not in done]

    def duplicates(self) -> int:
        """Processings of an order that had already been processed."""
        return len(self.ledger) - len({e.order_id for e in self.ledger})

    def drained_at(self) -> float:
        """Lab time of the last order processed."""
        return max((e.time for e in self.ledger), default=self.started)

    def bill(self) -> cost.Bill:
        """What the naive run's calls cost at list price (standard-queue pricing)."""
        return cost.bill(self.records)

    def reconcile(self) -> orders.Reconciliation:
        """The capstone's checks applied to the naive run (it has no DLQ)."""
        return orders.reconcile(self.order_list, self.ledger, [])


def run_naive(
    lab: Lab,
    order_list: list[orders.Order] | None = None,
    *,
    name: str = "orders-naive",
    seed: int = 0,
    failure_rate: float = 0.2,
    work_seconds: float = 0.5,
    loop_pause: float = 2.0,
    max_messages: int = 5,
    wait_time: int = 5,
    idle_stop: float = 120.0,
    duplicates: float = 0.02,
    reorder: float = 0.1,
) -> NaiveRun:
    """Run the naive pipeline on ``lab`` until ``idle_stop`` seconds pass without a message.

    ``duplicates`` and ``reorder`` are the realism layer's chances (0 and 0 leave it off)."""
    chosen = list(order_list) if order_list is not None else orders.load()
    sqs = lab.sqs
    start_index = len(lab.trace)
    url = sqs.create_queue(QueueName=name, Attributes=GUIDE_ATTRIBUTES)["QueueUrl"]
    processor = orders.OrderProcessor(
        lab, seed=seed, failure_rate=failure_rate, work_seconds=work_seconds
    )
    processor.phase = "naive"
    run = NaiveRun(chosen, url, processor, started=lab.clock.time())
    for order in chosen:
        send_one(sqs, url, order)
    layer = (
        realism.enable(lab, duplicates=duplicates, reorder=reorder, seed=seed)
        if duplicates or reorder
        else None
    )
    run.layer = layer
    with layer if layer is not None else nullcontext():
        endless_loop(lab, run, max_messages, wait_time, loop_pause, idle_stop)
    run.stopped = lab.clock.time()
    queue = _name(url)
    run.records = [r for r in lab.trace.records[start_index:] if r.queue == queue]
    return run


def send_one(sqs: Any, url: str, order: orders.Order) -> None:
    """The guide's producer: one SendMessage per order, with type and priority attributes."""
    sqs.send_message(
        QueueUrl=url,
        MessageBody=order.body,
        MessageAttributes={
            "order_type": {"StringValue": order.type, "DataType": "String"},
            "priority": {"StringValue": order.priority, "DataType": "String"},
        },
    )


def endless_loop(
    lab: Lab, run: NaiveRun, max_messages: int, wait_time: int, pause: float, idle_stop: float
) -> None:
    """The guide's ``while True`` consumer loop, stopped after ``idle_stop`` s without a message."""
    sqs, url = lab.sqs, run.queue_url
    last_message = lab.clock.time()
    while True:
        messages = sqs.receive_message(
            QueueUrl=url,
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
            MaxNumberOfMessages=max_messages,
            WaitTimeSeconds=wait_time,
            VisibilityTimeout=60,
        ).get("Messages", [])
        run.loops += 1
        run.receives += 1
        run.empty_receives += not messages
        for message in messages:
            delete_then_process(lab, run, message)
        if messages:
            last_message = lab.clock.time()
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])  # the guide's stats per loop
        if lab.clock.time() - last_message >= idle_stop:
            break  # the demo's bound; the guide's loop runs until Ctrl+C
        lab.wait(pause)


def delete_then_process(lab: Lab, run: NaiveRun, message: dict[str, Any]) -> None:
    """Delete first, then process: a failure is logged and the order forgotten."""
    lab.sqs.delete_message(QueueUrl=run.queue_url, ReceiptHandle=message["ReceiptHandle"])
    try:
        run.processor.process(json.loads(message["Body"]))
    except Exception as err:  # noqa: BLE001 - the guide logs the error and moves on
        run.failed.append(f"{json.loads(message['Body'])['order_id']}: {err}")


# --- side by side ------------------------------------------------------------------------------


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

    @property
    def dollars_per_million_orders(self) -> float:
        """List-price dollars per million orders at this rate of requests per order."""
        return self.dollars / self.orders * 1_000_000 if self.orders else 0.0


def measure_naive(run: NaiveRun) -> Measures:
    """The naive run's numbers: requests and cost from the trace, the rest from its ledger."""
    bill = run.bill()
    late = orders.processed_late(run.order_list, list(run.ledger))
    return Measures(
        label="naive (the guide)",
        orders=len(run.order_list),
        calls=bill.calls,
        requests=bill.requests,
        empty_receives=bill.empty_receives,
        dollars=bill.dollars,
        seconds=run.drained_at() - run.started,
        processed=len({e.order_id for e in run.ledger}),
        duplicates=run.duplicates(),
        lost=len(run.lost()),
        in_dlq=0,
        out_of_order=len(late),
        stops=f"never (the demo stopped it after {run.stopped - run.drained_at():.0f} s idle)",
    )


def measure_right(pipeline: orders.OrderPipeline) -> Measures:
    """The capstone pipeline's numbers (after its run): trace, ledger and what is left in the DLQ."""
    bill = pipeline.bill()
    entries = list(pipeline.ledger)
    done = {e.order_id for e in entries}
    in_dlq = pipeline.dlq_depth()
    in_line = orders.processed_late(pipeline.orders, entries, lambda p: p == orders.FIRST_PASS)
    return Measures(
        label="right (the capstone)",
        orders=len(pipeline.orders),
        calls=bill.calls,
        requests=bill.requests,
        empty_receives=bill.empty_receives,
        dollars=bill.dollars,
        seconds=pipeline.drained_at() - pipeline.started,
        processed=len(done),
        duplicates=len(entries) - len(done),
        lost=len(pipeline.orders) - len(done) - in_dlq,
        in_dlq=in_dlq,
        out_of_order=len(in_line),
        out_of_order_redriven=len(orders.overtaken_via_dlq(pipeline.orders, entries)),
        stops=f"by itself after {pipeline.idle_timeout:g} s idle (stop policy)",
    )


@dataclass(frozen=True)
class Comparison:
    """The naive and the right pipeline side by side."""

    naive: Measures
    right: Measures

    def rows(self) -> list[tuple[str, str, str]]:
        """(measure, naive, right) as text."""
        n, r = self.naive, self.right

        def both(fn: Any) -> tuple[str, str]:
            return fn(n), fn(r)

        def late(m: Measures) -> str:
            extra = (
                f" (+{m.out_of_order_redriven} redriven from the DLQ)"
                if m.out_of_order_redriven
                else ""
            )
            return f"{m.out_of_order}{extra}"

        return [
            ("orders", *both(lambda m: str(m.orders))),
            ("SQS calls", *both(lambda m: str(m.calls))),
            ("billed requests", *both(lambda m: str(m.requests))),
            ("empty receives", *both(lambda m: str(m.empty_receives))),
            ("cost at list price", *both(lambda m: cost.money(m.dollars))),
            ("cost per million orders", *both(lambda m: f"${m.dollars_per_million_orders:,.2f}")),
            ("virtual time to drain the queue", *both(lambda m: f"{m.seconds:,.1f} s")),
            ("orders processed", *both(lambda m: str(m.processed))),
            ("processed twice (duplicates)", *both(lambda m: str(m.duplicates))),
            ("lost (neither processed nor in a DLQ)", *both(lambda m: str(m.lost))),
            ("left in the DLQ", *both(lambda m: str(m.in_dlq))),
            ("processed after a later order of the customer", late(n), late(r)),
            ("stops", n.stops, r.stops),
        ]

    def table(self) -> Table:
        """The comparison as a table: one row per measure."""
        return Table(("measure", self.naive.label, self.right.label), self.rows())

    def __repr__(self) -> str:
        return repr(self.table())


def compare(naive: NaiveRun, right: orders.OrderPipeline) -> Comparison:
    """Measure two finished runs on the same orders."""
    if [o.order_id for o in naive.order_list] != [o.order_id for o in right.orders]:
        raise LimitError(
            "compare() needs both runs on the same orders: pass the same list to run_naive() "
            "and OrderPipeline()"
        )
    return Comparison(measure_naive(naive), measure_right(right))


def side_by_side(
    lab: Lab, order_list: list[orders.Order] | None = None, *, seed: int = 0, **kw: Any
) -> tuple[Comparison, NaiveRun, orders.OrderPipeline]:
    """Run the capstone pipeline and the naive one on the same orders and compare them."""
    chosen = list(order_list) if order_list is not None else orders.load()
    right = orders.run(lab, chosen, seed=seed, **kw)
    naive = run_naive(lab, chosen, seed=seed)
    return compare(naive, right), naive, right


def _name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def queue_left(lab: Lab, run: NaiveRun) -> int:
    """Messages still in the naive queue (a lost delete can leave one in flight at the stop)."""
    with lab.trace.paused():
        return sum(queues.depth(lab.sqs, run.queue_url))
