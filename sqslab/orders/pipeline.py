"""The capstone pipeline, step by step: FIFO queue and DLQ, send, process, fix, redrive, reconcile."""

from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any

from sqslab import cost, dlq, engines, numbers, queues
from sqslab.backoff import BackoffPolicy
from sqslab.consumer import ConsumeResult, StopPolicy, WorkerPool, check_batch_size
from sqslab.consumer_settings import check_heartbeat
from sqslab.errors import LimitError
from sqslab.i18n import N_, pgettext
from sqslab.i18n import translate as _
from sqslab.idempotency import ProcessedStore, idempotent
from sqslab.orders.data import Order, as_record, load
from sqslab.orders.ledger import AFTER_REDRIVE, FIRST_PASS, Ledger
from sqslab.orders.reconciliation import IN_ORDER, Reconciliation, reconcile
from sqslab.orders.step import OrderProcessor, in_group_order, order_key
from sqslab.producer import OutgoingMessage, Producer, SendResult
from sqslab.tables import Table
from sqslab.trace import CallRecord

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.realclock import DemoTime

#: Retries after a failure: visible again after a jittered 0-2, 0-4, ... s, at most 20 s.
DEFAULT_BACKOFF = BackoffPolicy(base=2.0, cap=20.0)
#: Seconds of each long poll of the pool's workers.
LONG_POLL = 20
#: Seconds beyond a long poll a pass waits, on a real clock, for the polls its stop left open.
SETTLE_MARGIN = 10.0
MOVE_TASK_OPERATIONS = ("StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask")


class OrderPipeline:
    """The capstone, step by step: :meth:`create_queues`, :meth:`send`, :meth:`process`,
    :meth:`fix`, :meth:`redrive`, :meth:`process` again, :meth:`reconcile` (or :meth:`run`).
    With ``demo`` (``lab.demo_time(...)``) the durations go through it: on a real clock long
    polls, work, backoff and idle timeout are that many times shorter. The visibility timeout
    stays as written: it is a deadline a batch must beat while the service answers in real time
    (a loaded emulator can take seconds per call), not a wait, since every message is deleted,
    backed off or released explicitly."""

    def __init__(
        self,
        lab: Lab,
        orders: list[Order] | None = None,
        *,
        name: str = "orders",
        seed: int = 0,
        workers: int = 8,
        failure_rate: float = 0.2,
        work_seconds: float = 0.5,
        max_receive_count: int = 3,
        visibility_timeout: int = 30,
        heartbeat_interval: float = 10.0,
        idle_timeout: float = 60.0,
        backoff: BackoffPolicy = DEFAULT_BACKOFF,
        retries: int = 2,
        receive_batch: int = 10,
        demo: DemoTime | None = None,
    ) -> None:
        self.lab = lab
        self.orders = list(orders) if orders is not None else load()
        _check_unique(self.orders)
        self.name = name
        self.seed = seed
        self.workers = workers
        self.receive_batch = check_batch_size(receive_batch)
        self.max_receive_count = dlq.check_max_receive_count(max_receive_count)
        self.demo = demo
        # not scaled: 3 s instead of 30 let a batch slowed by a loaded server time out while
        # its worker still held it, so a second worker got the same customer's orders
        self.visibility_timeout = visibility_timeout
        self.heartbeat_interval = check_heartbeat(heartbeat_interval, visibility_timeout)
        self.idle_timeout = self._seconds(idle_timeout)
        self.wait_time = self._whole(LONG_POLL)
        self.backoff = backoff if demo is None else _faster(backoff, demo)
        self.processor = OrderProcessor(
            lab,
            seed=seed,
            failure_rate=failure_rate,
            work_seconds=self._seconds(work_seconds),
            retries=retries,
            retry_wait=self._seconds(1.0),
        )
        self.store = ProcessedStore()
        self.handler = idempotent(self.processor, self.store, key=order_key)
        self.held_back: list[str] = []
        self.pair: dlq.QueuePair | None = None
        self.sent: SendResult | None = None
        self.passes: dict[str, ConsumeResult] = {}
        self.dead_lettered: list[str] = []
        self.task_handles: list[str] = []
        self._move_records: list[CallRecord] = []
        self._move_from = len(lab.trace)
        self.started = lab.clock.time()
        self.sent_at = self.started
        self._trace_from = len(lab.trace)

    @property
    def speedup(self) -> float:
        """How many times faster than written the run goes (1 on the virtual clock)."""
        return 1 if self.demo is None or self.demo.virtual else self.demo.speedup

    @property
    def ledger(self) -> Ledger:
        """What was processed, in order."""
        return self.processor.ledger

    def create_queues(self) -> dlq.QueuePair:
        """The FIFO queue and its FIFO DLQ (maxReceiveCount as configured)."""
        self.pair = dlq.create_pair(
            self.lab.sqs,
            f"{self.name}.fifo",
            fifo=True,
            max_receive_count=self.max_receive_count,
            source_attributes={"VisibilityTimeout": str(self.visibility_timeout)},
        )
        return self.pair

    def messages(self) -> list[OutgoingMessage]:
        """One message per order: group = customer, dedup id = order id, type and priority attributes."""
        return [
            OutgoingMessage(
                o.body,
                attributes={"type": o.type, "priority": o.priority},
                group_id=o.customer_id,
                dedup_id=o.order_id,
                id=o.order_id,
            )
            for o in self.orders
        ]

    def send(self) -> SendResult:
        """Send every order in batches of 10 with the Producer."""
        pair = self._pair()
        self.started = self.lab.clock.time()
        self.sent = Producer(
            self.lab.sqs, pair.source_url, batch_size=10, seed=self.seed
        ).send_many(self.messages())
        self.sent_at = self.lab.clock.time()
        return self.sent

    def pool(self) -> WorkerPool:
        """The worker pool: receives of ``receive_batch`` messages (10 by default), long polling,
        a heartbeat while a batch is held, backoff after a failure, stop when idle."""
        return WorkerPool(
            self.lab.sqs,
            self._pair().source_url,
            batch_handler=in_group_order(self.handler, self.held_back, key=order_key),
            workers=self.workers,
            batch_size=self.receive_batch,
            wait_time=self.wait_time,
            heartbeat_interval=self.heartbeat_interval,
            backoff=self.backoff,
            stop=StopPolicy(idle_timeout=self.idle_timeout),
            clock=self.lab.clock,
            seed=self.seed,
        )

    def process(self, sampler: Any = None) -> ConsumeResult:
        """Run the pool until the queue stays empty (with ``sampler.watch`` when a monitoring
        sampler is given); orders that fail ``max_receive_count`` receives end in the DLQ."""
        pool = self.pool()
        if self.processor.phase == FIRST_PASS and FIRST_PASS not in self.passes:
            self.started = self.lab.clock.time()  # the drain is timed from the consumers' start
        result = sampler.watch(pool) if sampler is not None else pool.run()
        # real clock: a redrive started before the polls the stop left open return would have its
        # messages received by them first, each receive counting toward maxReceiveCount
        pool.runner.settle(self.wait_time + SETTLE_MARGIN)
        self.passes[self.processor.phase] = result
        self._move_from = len(self.lab.trace)  # a redrive's move-task calls come after this pass
        if self.processor.phase == FIRST_PASS:  # the source is empty now: the rest is in the DLQ
            done = {e.order_id for e in self.ledger}
            self.dead_lettered = [o.order_id for o in self.orders if o.order_id not in done]
        return result

    def dlq_depth(self) -> int:
        """Messages in the DLQ (visible, in flight and delayed); the look is left out of the trace."""
        with self.lab.trace.paused():
            return sum(queues.depth(self.lab.sqs, self._pair().dlq_url))

    def dlq_records(self) -> list[dict[str, Any]]:
        """The orders in the DLQ, read without taking them out (see :func:`read_all`)."""
        return [as_record(m.get("Body", "")) for m in read_all(self.lab, self._pair().dlq_url)]

    def fix(self) -> None:
        """Fix the bug: from now on the processing step parses quantities sent as strings."""
        self.processor.fix()

    def redrive(self, rate: int | None = None) -> str:
        """Move the DLQ's messages back to the queue (StartMessageMoveTask) and wait until done;
        later processing is marked ``after redrive n`` in the ledger."""
        params: dict[str, Any] = {"SourceArn": self._pair().dlq_arn}
        if rate is not None:
            params["MaxNumberOfMessagesPerSecond"] = rate
        engines.wait_out_dedup_window(self.lab, self.sent_at)
        self._move_from = len(self.lab.trace)  # this task's calls only, not another queue's
        handle = self.lab.sqs.start_message_move_task(**params)["TaskHandle"]
        self._wait_for_move_task()
        self.redriven(handle)
        return handle

    def redriven(self, handle: str) -> None:
        """Note a finished move task of the DLQ (started by :meth:`redrive` or with plain boto3
        ``start_message_move_task``): from now on the ledger marks ``after redrive n``."""
        with self.lab.trace.paused():
            latest = self.lab.sqs.list_message_move_tasks(SourceArn=self._pair().dlq_arn)["Results"]
        status = latest[0]["Status"] if latest else "not started"
        if status != "COMPLETED" or handle in self.task_handles:
            raise RuntimeError(
                f"the latest move task of {_name(self._pair().dlq_url)} is {status}"
                f"{' and already noted' if handle in self.task_handles else ''}: start one with "
                "start_message_move_task, lab.wait(1) until list_message_move_tasks says "
                "COMPLETED, then call redriven(handle) once"
            )
        self.task_handles.append(handle)
        self._move_records += [
            r
            for r in self.lab.trace.records[self._move_from :]
            if r.operation in MOVE_TASK_OPERATIONS
        ]
        self._move_from = len(self.lab.trace)
        self.processor.phase = f"{AFTER_REDRIVE} {len(self.task_handles)}"

    def _wait_for_move_task(self, limit: float = 3600.0) -> None:
        waited = 0.0
        while waited <= limit:
            self.lab.wait(1)  # a task just started is still RUNNING: look after a second
            waited += 1
            tasks = self.lab.sqs.list_message_move_tasks(SourceArn=self._pair().dlq_arn)["Results"]
            if not tasks or tasks[0]["Status"] != "RUNNING":
                return
        raise TimeoutError(f"the message move task still runs after {limit:g} s; raise its rate")

    def reconcile(self) -> Reconciliation:
        """Check the ledger against the input and what is left in the DLQ; on an engine that
        does not hold a FIFO group (LocalStack), a broken order is excused with a note."""
        result = reconcile(self.orders, self.ledger, self.dlq_records())
        engine = engines.identify(self.lab)
        if engine.has(engines.FIFO_GROUP_NOT_HELD):
            result.excuse(IN_ORDER, engines.fifo_group_note(engine))
        return result

    def run(self, sampler: Any = None, max_redrives: int = 2) -> Reconciliation:
        """Every step: queues, send, process, fix, then redrive and process again while the DLQ
        holds orders (at most ``max_redrives`` times), and reconcile."""
        self.create_queues()
        self.send()
        self.process(sampler)
        self.fix()
        while self.dlq_depth() and len(self.task_handles) < max_redrives:
            self.redrive()
            self.process(sampler)
        return self.reconcile()

    def records(self) -> list[CallRecord]:
        """The traced SQS calls of this pipeline (its two queues and the move task)."""
        names = {_name(self._pair().source_url), _name(self._pair().dlq_url)}
        mine = [r for r in self.lab.trace.records[self._trace_from :] if r.queue in names]
        return sorted(mine + self._move_records, key=lambda r: r.seq)

    def bill(self) -> cost.Bill:
        """What this pipeline's calls cost at list price (FIFO pricing)."""
        return cost.bill(self.records())

    def drained_at(self) -> float:
        """Lab time of the last order processed in the first pass."""
        times = [e.time for e in self.ledger if e.phase == FIRST_PASS]
        return max(times, default=self.started)

    def dead_letter_reasons(self) -> Table:
        """Why each order went to the DLQ in the first pass: the bug, transient failures, or being
        held back behind its customer's failing order (every receive counts toward maxReceiveCount)."""
        first = [f for f in self.processor.failures if f.phase == FIRST_PASS]
        bugs = Counter(f.order_id for f in first if f.kind == "bug")
        transient = Counter(f.order_id for f in first if f.kind == "transient")
        held = Counter(self.held_back)
        by_id = {o.order_id: o for o in self.orders}
        rows = []
        for oid in self.dead_lettered:
            if bugs[oid]:
                reason = N_("poison: the quantity bug")
            elif held[oid]:
                reason = N_("held back behind its customer's failing order")
            else:
                reason = N_("transient failures on every receive")
            rows.append((oid, by_id[oid].customer_id, bugs[oid], transient[oid], held[oid], reason))
        return Table(
            (
                N_("order"),
                N_("customer"),
                N_("bug"),
                N_("transient"),
                N_("held back"),
                N_("reason"),
            ),
            rows,
            verbatim=("order", "customer"),
        )

    def summary(self) -> Table:
        """The run in numbers: sent, processed per pass, failures, held back, dead-lettered, calls."""
        per_phase = Counter(e.phase for e in self.ledger)
        failures = self.processor.failure_counts()
        bill = self.bill()
        sent = self.sent or SendResult()
        rows: list[tuple[str, Any]] = [
            (pgettext("row", "orders"), len(self.orders)),
            (N_("sent (SendMessageBatch calls)"), f"{len(sent.sent)} ({sent.requests})"),
            (N_("processed in the first pass"), per_phase.get(FIRST_PASS, 0)),
            (N_("failed attempts: transient"), failures.get("transient", 0)),
            (N_("failed attempts: the quantity bug"), failures.get("bug", 0)),
            (N_("held back behind a failed order of the same customer"), len(self.held_back)),
            (N_("moved to the DLQ in the first pass"), len(self.dead_lettered)),
        ]
        rows += [
            (_("processed {phase}").format(phase=phase), n)
            for phase, n in per_phase.items()
            if phase != FIRST_PASS
        ]
        rows += [
            (N_("left in the DLQ"), self.dlq_depth()),
            (N_("duplicates skipped by the idempotency store"), len(self.store.skipped)),
            (N_("SQS calls (billed requests)"), f"{bill.calls} ({bill.requests})"),
            (
                N_("virtual time to drain the queue"),
                numbers.seconds(self.drained_at() - self.started),
            ),
        ]
        return Table((N_("step"), N_("value")), rows, verbatim=("value",))

    def _seconds(self, seconds: float) -> float:
        """A duration as written, or through the pipeline's demo (faster on a real clock)."""
        return seconds if self.demo is None else self.demo(seconds)

    def _whole(self, seconds: int) -> int:
        """A duration in whole seconds for an API parameter (at least 1 s once scaled)."""
        return seconds if self.demo is None else max(1, math.ceil(self.demo(seconds)))

    def _pair(self) -> dlq.QueuePair:
        if self.pair is None:
            raise RuntimeError("no queues yet: call create_queues() (or run()) first")
        return self.pair


def run(lab: Lab, orders: list[Order] | None = None, **kw: Any) -> OrderPipeline:
    """Run the whole capstone on ``lab`` and return the pipeline (``.reconcile()`` for the checks)."""
    pipeline = OrderPipeline(lab, orders, **kw)
    pipeline.run()
    return pipeline


def _faster(backoff: BackoffPolicy, demo: DemoTime) -> BackoffPolicy:
    """The same backoff with its base and cap through ``demo``."""
    return BackoffPolicy(
        base=demo(backoff.base), cap=demo(backoff.cap), factor=backoff.factor, jitter=backoff.jitter
    )


def _name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _check_unique(orders: list[Order]) -> None:
    twice = [oid for oid, n in Counter(o.order_id for o in orders).items() if n > 1]
    if twice:
        raise LimitError(
            f"order ids must be unique (they are the deduplication ids); repeated: {', '.join(twice[:5])}"
        )


def read_all(lab: Lab, url: str) -> list[dict[str, Any]]:
    """Every message of a queue, left in it (:func:`sqslab.queues.peek`), or a clear error when
    some stay hidden: on a FIFO queue a group's later messages are not delivered while its first
    ones are in flight, so a look that does not delete can miss them (AWS behaves the same)."""
    with lab.trace.paused():
        expected = sum(queues.depth(lab.sqs, url)[:2])
    found = queues.peek(lab, url)
    if len(found) < expected:
        raise RuntimeError(
            f"{_name(url)} holds {expected} messages but only {len(found)} could be read without "
            "deleting them: messages in flight are hidden, and on a FIFO queue so are a message "
            "group's later messages while its first ones are in flight. Let consumers finish, or "
            "redrive and process them (pipeline.redrive(); pipeline.process()), then reconcile"
        )
    return found
