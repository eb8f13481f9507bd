"""FIFO queues in practice: ordered streams per message group, and how to see their order.

A FIFO queue keeps order *within a message group* and lets different groups flow in parallel. The
helpers here send numbered streams (one per group, interleaved), consume them with a pool, and
report what order each group was processed in, so a chart can compare a standard queue (best-effort
order) with a FIFO queue on the same workload, and show head-of-line blocking: one slow or failing
message holding back the rest of its group while other groups move on.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import facts, realclock
from sqslab.arguments import (
    LAB,
    LIST,
    NAME,
    QUEUE_URL,
    SQS,
    Expected,
    check_count,
    list_of,
    requires,
)
from sqslab.errors import LimitError
from sqslab.i18n import N_, _

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: A ``work(group, seq, receive_count)`` function, or None for no work.
WORK = Expected(
    N_("a function work(group, seq, receive_count) -> seconds, or None"),
    lambda v: v is None or callable(v),
)

#: The order a group's messages must be processed in is their ``seq``: 1, 2, 3, ...
Stream = dict[str, list[int]]
#: On a real clock :func:`order_run` runs this many times faster than on the virtual clock.
REAL_CLOCK_SPEEDUP = 10


@dataclass(frozen=True)
class Delivery:
    """One message handled by a consumer: when, by which worker, and which group and step."""

    time: float
    worker: str
    group: str
    seq: int
    receive_count: int


@dataclass
class OrderReport:
    """Per group: the sequence numbers in the order they were processed, and what went wrong."""

    processed: dict[str, list[int]] = field(default_factory=dict)

    def out_of_order(self, group: str) -> int:
        """How many of the group's messages were processed after a later one of the same group."""
        seen_max, late = 0, 0
        for seq in self.processed.get(group, []):
            if seq < seen_max:
                late += 1
            seen_max = max(seen_max, seq)
        return late

    def duplicates(self, group: str) -> int:
        """How many times a message of the group was processed again."""
        seqs = self.processed.get(group, [])
        return len(seqs) - len(set(seqs))

    def in_order(self) -> bool:
        """True when every group was processed in order, each message once."""
        return all(self.out_of_order(g) == 0 and self.duplicates(g) == 0 for g in self.processed)

    def rows(self) -> list[tuple[str, str, int, int]]:
        """(group, processed order, out of order, duplicates) for a table."""
        return [
            (g, " ".join(map(str, seqs)), self.out_of_order(g), self.duplicates(g))
            for g, seqs in sorted(self.processed.items())
        ]

    def table(self) -> Any:
        """The report as a :class:`~sqslab.tables.Table`."""
        from sqslab.tables import Table

        columns = (N_("group"), N_("processed order"), N_("out of order"), N_("duplicates"))
        return Table(columns, self.rows())


def streams(groups: int, per_group: int) -> list[tuple[str, int]]:
    """``groups`` numbered streams interleaved round-robin: (g1, 1), (g2, 1), ..., (g1, 2), ..."""
    check_count("groups", groups, minimum=None, example="streams(3, 4)")
    check_count("per_group", per_group, minimum=None, example="streams(3, 4)")
    if groups < 1 or per_group < 1:
        raise LimitError(
            _("need at least 1 group and 1 message per group, got {groups}, {per_group}").format(
                groups=groups, per_group=per_group
            )
        )
    return [(f"g{g}", seq) for seq in range(1, per_group + 1) for g in range(1, groups + 1)]


def body(group: str, seq: int) -> str:
    """The JSON body of step ``seq`` of ``group``."""
    return json.dumps({"group": group, "seq": seq})


def parse(message_body: str) -> tuple[str, int]:
    """(group, seq) from a body made by :func:`body`."""
    data = json.loads(message_body)
    return str(data["group"]), int(data["seq"])


@requires(sqs=SQS, queue_url=QUEUE_URL, items=LIST)
def send_streams(sqs: Any, queue_url: str, items: list[tuple[str, int]], fifo: bool) -> int:
    """Send the items in batches; on FIFO each carries its group id and a dedup id. Returns calls."""
    size = int(facts.get("batch_max_entries").value)
    calls = 0
    for start in range(0, len(items), size):
        entries = []
        for i, (group, seq) in enumerate(items[start : start + size]):
            entry: dict[str, Any] = {"Id": str(i), "MessageBody": body(group, seq)}
            if fifo:
                entry["MessageGroupId"] = group
                entry["MessageDeduplicationId"] = f"{group}-{seq}"
            entries.append(entry)
        response = sqs.send_message_batch(QueueUrl=queue_url, Entries=entries)
        if response.get("Failed"):
            raise RuntimeError(f"send_message_batch failed entries: {response['Failed']}")
        calls += 1
    return calls


@requires(lab=LAB, work=WORK)
def recorder(lab: Lab, work: Callable[[str, int, int], float] | None = None) -> tuple[Any, list]:
    """A handler that records each :class:`Delivery` (after ``work(group, seq, receive_count)``
    seconds of lab time; the function may raise to fail the message), and the list it fills."""
    deliveries: list[Delivery] = []

    def handler(message: Any) -> None:
        group, seq = parse(message.body)
        if work is not None:
            lab.wait(work(group, seq, message.receive_count))
        deliveries.append(Delivery(lab.clock.time(), _worker(), group, seq, message.receive_count))

    return handler, deliveries


@requires(deliveries=list_of(Delivery, "deliveries from fifo.recorder(lab)"))
def report(deliveries: list[Delivery]) -> OrderReport:
    """Group the deliveries into an :class:`OrderReport` (processing order = completion order)."""
    processed: dict[str, list[int]] = defaultdict(list)
    for d in sorted(deliveries, key=lambda d: d.time):
        processed[d.group].append(d.seq)
    return OrderReport(dict(processed))


@dataclass(frozen=True)
class OrderRun:
    """One run of :func:`order_run`: every delivery, their order report, retried failures, time."""

    deliveries: list[Delivery]
    order: OrderReport
    failures: int
    seconds: float

    def summary(self) -> dict[str, bool | int | float]:
        """in_order, out_of_order (messages handled after a later one of their group), seconds of
        queue time and failures: what the chapter 4 panel reports."""
        late = sum(self.order.out_of_order(g) for g in self.order.processed)
        return {
            "in_order": self.order.in_order(),
            "out_of_order": late,
            "seconds": self.seconds,
            "failures": self.failures,
        }


@requires(lab=LAB, name=NAME)
def order_run(
    lab: Lab,
    name: str,
    *,
    fifo: bool,
    groups: int,
    workers: int,
    failure_rate: float,
    seed: int,
    per_group: int = 5,
) -> OrderRun:
    """Run ``groups`` numbered streams through a new queue ``name`` (``.fifo`` added when ``fifo``; a
    standard one reorders) to ``workers`` workers; first receives fail at ``failure_rate``.
    On a real clock every duration is ``REAL_CLOCK_SPEEDUP`` times shorter."""
    from sqslab.consumer import StopPolicy, WorkerPool
    from sqslab.emulator import realism

    pace = realclock.DemoTime(REAL_CLOCK_SPEEDUP, lab.virtual_time)
    queue = f"{name}.fifo" if fifo else name
    kind = {"FifoQueue": "true"} if fifo else {}
    attrs = {**kind, "VisibilityTimeout": str(pace(20 if fifo else 30))}  # 30: the default
    url = lab.sqs.create_queue(QueueName=queue, Attributes=attrs)["QueueUrl"]
    send_streams(lab.sqs, url, streams(groups, per_group), fifo=fifo)
    rng = random.Random(seed)

    def work(group: str, seq: int, receive_count: int) -> float:
        if receive_count == 1 and rng.random() < failure_rate:
            raise RuntimeError("the handler failed")
        return pace(1.0)

    handler, deliveries = recorder(lab, work)
    stop = StopPolicy(idle_timeout=pace(60))
    pool = WorkerPool(
        lab.sqs, url, handler, workers=workers, batch_size=1, wait_time=pace(20), stop=stop
    )
    # on a standard queue, best-effort order: receives may reach past a whole round of groups
    layer = None
    if not fifo:
        window = 2 * groups + 1
        layer = realism.enable(lab, duplicates=0.0, reorder=0.5, seed=seed, window=window)
    try:
        result = pool.run()
    finally:
        if layer is not None:
            layer.disable()
    return OrderRun(deliveries, report(deliveries), result.failures, round(result.busy_time, 3))


def _worker() -> str:
    import threading

    return threading.current_thread().name
