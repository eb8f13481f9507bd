"""Chapter 7, the capstone: an e-commerce order pipeline done right, end to end, and reconciled.

Orders (``data/orders.jsonl``) go through a FIFO queue, one message group per customer, with a DLQ
(maxReceiveCount 3). A :class:`~sqslab.producer.Producer` sends them in batches (group id = customer,
deduplication id = order id); a :class:`~sqslab.consumer.WorkerPool` processes them with a step that
fails transiently ~20 % of attempts (seeded per order and attempt, so thread interleaving cannot
change the outcome) and crashes on "poison" orders until the bug is fixed. Processing is idempotent
(:mod:`sqslab.idempotency`, keyed by order id) and every success is written to a :class:`Ledger`.
After the fix the DLQ is redriven with ``StartMessageMoveTask`` and processed again; then
:func:`reconcile` checks that every order was processed exactly once or is accounted for in the
DLQ, that each customer's orders were processed in order, and that the revenue adds up.

Per-customer order, honestly: FIFO keeps a group in order while its messages are in the queue, and a
failing order blocks its customer's later orders (the consumer returns them unprocessed). Once an
order moves to the DLQ its customer's later orders go ahead, so a redriven order is processed after
them. The check therefore requires created_at order among the orders processed in line (first
pass) and among the redriven ones, and reports separately how many redriven orders were overtaken.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqslab import cost, dlq, queues
from sqslab.backoff import BackoffPolicy
from sqslab.consumer import ConsumeResult, Message, StopPolicy, WorkerPool, check_batch_size
from sqslab.errors import LimitError
from sqslab.idempotency import ProcessedStore, idempotent
from sqslab.producer import OutgoingMessage, Producer, SendResult
from sqslab.tables import Table
from sqslab.trace import CallRecord

DATA_FILE = "orders.jsonl"
#: The command that (re)creates the orders file, run from the repository root.
GENERATOR = "python data/generate_orders.py"
REQUIRED = ("order_id", "customer_id", "created_at", "type", "priority", "items", "total_cents")
FIRST_PASS = "first pass"
AFTER_REDRIVE = "after redrive"
#: Retries after a failure: visible again after a jittered 0-2, 0-4, ... s, at most 20 s.
DEFAULT_BACKOFF = BackoffPolicy(base=2.0, cap=20.0)
MOVE_TASK_OPERATIONS = ("StartMessageMoveTask", "ListMessageMoveTasks", "CancelMessageMoveTask")


# --- the data ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Order:
    """One order from ``data/orders.jsonl``; ``record`` is the JSON object, sent as the body."""

    order_id: str
    customer_id: str
    created_at: str
    type: str
    priority: str
    total_cents: int
    record: dict[str, Any] = field(compare=False, repr=False)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Order:
        """Build from a parsed JSON line (a clear error names a missing field)."""
        missing = [key for key in REQUIRED if key not in record]
        if missing:
            raise ValueError(
                f"order record {record.get('order_id', '?')!r} lacks {', '.join(missing)}; "
                f"regenerate the file with `{GENERATOR}`"
            )
        return cls(
            order_id=str(record["order_id"]),
            customer_id=str(record["customer_id"]),
            created_at=str(record["created_at"]),
            type=str(record["type"]),
            priority=str(record["priority"]),
            total_cents=int(record["total_cents"]),
            record=record,
        )

    @property
    def body(self) -> str:
        """The message body: the order as JSON."""
        return json.dumps(self.record, ensure_ascii=False)

    @property
    def poison(self) -> bool:
        """True when a quantity came as a string (legacy app): the first processing step crashes."""
        return any(not isinstance(item["quantity"], int) for item in self.record["items"])


def candidates(path: str | Path | None = None) -> list[Path]:
    """Where the orders file is looked for: ``path``, else the repository's ``data/`` (next to the
    ``sqslab`` package in a checkout), then ``data/`` and ``../data/`` from the working directory."""
    if path is not None:
        return [Path(path)]
    repo = Path(__file__).resolve().parent.parent
    cwd = Path.cwd()
    found = [repo / "data" / DATA_FILE, cwd / "data" / DATA_FILE, cwd.parent / "data" / DATA_FILE]
    return list(dict.fromkeys(found))


def find_data_file(path: str | Path | None = None) -> Path:
    """The orders file, or a clear error naming where it was looked for and how to create it."""
    places = candidates(path)
    for place in places:
        if place.is_file():
            return place
    looked = ", ".join(str(p) for p in places)
    raise FileNotFoundError(
        f"no orders file found (looked at {looked}). It lives in the repository's data/ folder, "
        f"not in an installed sqslab package: from the repository root run `{GENERATOR}`, or pass "
        "load(path=...)"
    )


def load(path: str | Path | None = None) -> list[Order]:
    """The capstone's orders, in created_at order (see :func:`find_data_file` for where)."""
    source = find_data_file(path)
    orders = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            orders.append(Order.from_record(json.loads(line)))
        except (json.JSONDecodeError, ValueError, TypeError) as err:
            raise ValueError(f"{source.name} line {number}: {err}") from None
    return orders


def money(cents: int) -> str:
    """Integer cents as dollars: ``$1,234.56``."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}${whole:,}.{rest:02d}"


# --- processing ----------------------------------------------------------------------------------


class TransientError(RuntimeError):
    """A failure that goes away on retry (the payment gateway timed out)."""


def transient_failure(seed: int, order_id: str, attempt: int, rate: float) -> bool:
    """Whether attempt ``attempt`` at ``order_id`` fails: a hash of (seed, order, attempt), so the
    outcome never depends on which worker ran first."""
    digest = hashlib.sha256(f"{seed}:{order_id}:{attempt}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < rate


def total_v1(record: dict[str, Any]) -> int:
    """The first version's total: multiplies the raw quantity, so a quantity sent as a string
    ("2") crashes with a TypeError."""
    total = 0
    for item in record["items"]:
        total += item["quantity"] * item["unit_price_cents"]
    return total


def total_v2(record: dict[str, Any]) -> int:
    """The fixed total: a quantity is a whole number whatever JSON type the client sent."""
    return sum(int(item["quantity"]) * int(item["unit_price_cents"]) for item in record["items"])


@dataclass(frozen=True)
class Processed:
    """One order processed: which, for whom, how much, when, by whom and on which attempt."""

    seq: int
    order_id: str
    customer_id: str
    created_at: str
    total_cents: int
    attempt: int = 1
    time: float = 0.0
    worker: str = ""
    phase: str = FIRST_PASS


@dataclass
class Ledger:
    """What was processed, in processing order (``seq``)."""

    entries: list[Processed] = field(default_factory=list)

    def record(
        self, record: dict[str, Any], total: int, attempt: int, time: float, phase: str
    ) -> Processed:
        """Append one processed order."""
        entry = Processed(
            seq=len(self.entries) + 1,
            order_id=str(record["order_id"]),
            customer_id=str(record["customer_id"]),
            created_at=str(record["created_at"]),
            total_cents=total,
            attempt=attempt,
            time=time,
            worker=threading.current_thread().name,
            phase=phase,
        )
        self.entries.append(entry)
        return entry

    def __len__(self) -> int:
        return len(self.entries)

    def __iter__(self) -> Iterator[Processed]:
        return iter(self.entries)

    @property
    def revenue_cents(self) -> int:
        """Sum of the processed totals (a duplicate counts twice, as it would be charged twice)."""
        return sum(e.total_cents for e in self.entries)

    def order_ids(self) -> list[str]:
        """Order ids in processing order."""
        return [e.order_id for e in self.entries]

    def table(self, last: int | None = None) -> Table:
        """The entries (or the ``last`` n) as a table."""
        rows = self.entries[-last:] if last else self.entries
        return Table(
            ("#", "order", "customer", "created", "total", "attempt", "worker", "phase"),
            [
                (
                    e.seq,
                    e.order_id,
                    e.customer_id,
                    e.created_at,
                    money(e.total_cents),
                    e.attempt,
                    e.worker,
                    e.phase,
                )
                for e in rows
            ],
        )


@dataclass(frozen=True)
class Failure:
    """One failed processing attempt: ``transient`` (retry helps) or ``bug`` (it never does)."""

    order_id: str
    attempt: int
    kind: str
    error: str
    phase: str = FIRST_PASS


class OrderProcessor:
    """The processing step: ``work_seconds`` of lab time, a seeded transient failure rate, and the
    quantity bug until :meth:`fix`; successes go to the ledger. A transient failure is retried
    in place up to ``retries`` times with a doubling pause (``retry_wait``) before the message is
    given back to the queue: the DLQ is for what cannot succeed, not for a gateway hiccup."""

    def __init__(
        self,
        lab: Any,
        *,
        seed: int = 0,
        failure_rate: float = 0.2,
        work_seconds: float = 0.5,
        ledger: Ledger | None = None,
        retries: int = 2,
        retry_wait: float = 1.0,
    ) -> None:
        if not 0 <= failure_rate < 1:
            raise LimitError(
                f"failure_rate is the chance an attempt fails, from 0 up to (not including) 1; "
                f"got {failure_rate!r}"
            )
        self.lab = lab
        self.seed = seed
        self.failure_rate = failure_rate
        self.work_seconds = work_seconds
        self.retries = retries
        self.retry_wait = retry_wait
        self.ledger = ledger if ledger is not None else Ledger()
        self.fixed = False
        self.phase = FIRST_PASS
        self.attempts: Counter[str] = Counter()
        self.failures: list[Failure] = []

    def fix(self) -> None:
        """Deploy the fixed version (quantities parsed as whole numbers)."""
        self.fixed = True

    def process(self, record: dict[str, Any]) -> Processed:
        """Process one order record; raise on a failure, record the success in the ledger."""
        order_id = str(record["order_id"])
        self.attempts[order_id] += 1
        attempt = self.attempts[order_id]
        self.lab.wait(self.work_seconds)
        if transient_failure(self.seed, order_id, attempt, self.failure_rate):
            err: Exception = TransientError(f"payment gateway timed out for {order_id}")
            self.failures.append(Failure(order_id, attempt, "transient", str(err), self.phase))
            raise err
        try:
            total = total_v2(record) if self.fixed else total_v1(record)
        except (TypeError, ValueError) as err:
            self.failures.append(
                Failure(order_id, attempt, "bug", f"{type(err).__name__}: {err}", self.phase)
            )
            raise
        return self.ledger.record(record, total, attempt, self.lab.clock.time(), self.phase)

    def __call__(self, message: Message) -> Processed:
        """A consumer handler: process the order in the message body, retrying transient errors."""
        record = json.loads(message.body)
        for retry in range(self.retries):
            try:
                return self.process(record)
            except TransientError:
                self.lab.wait(self.retry_wait * 2**retry)
        return self.process(record)

    def failure_counts(self) -> dict[str, int]:
        """Failed attempts by kind."""
        return dict(Counter(f.kind for f in self.failures))


def order_key(message: Message) -> str:
    """Idempotency key: the business id in the body, so a redriven copy (new MessageId) is known."""
    return str(json.loads(message.body)["order_id"])


def in_group_order(
    handler: Callable[[Message], Any],
    held_back: list[str] | None = None,
    key: Callable[[Message], str] = lambda m: m.id,
) -> Callable[[list[Message]], list[str]]:
    """A batch handler that keeps FIFO order: messages run in batch order, and after a failure the
    rest of that message group is not run but returned as failed (it comes back after the failed
    one). ``key(message)`` of each one held back is appended to ``held_back``."""

    def handle(batch: list[Message]) -> list[str]:
        failed: list[str] = []
        blocked: set[str | None] = set()
        for message in batch:
            if message.group_id in blocked:
                failed.append(message.id)
                if held_back is not None:
                    held_back.append(key(message))
                continue
            try:
                handler(message)
            except Exception:  # noqa: BLE001 - a failed order is retried by SQS, then dead-lettered
                failed.append(message.id)
                blocked.add(message.group_id)
        return failed

    return handle


# --- the pipeline --------------------------------------------------------------------------------


class OrderPipeline:
    """The capstone, step by step: :meth:`create_queues`, :meth:`send`, :meth:`process`,
    :meth:`fix`, :meth:`redrive`, :meth:`process` again, :meth:`reconcile` (or :meth:`run`)."""

    def __init__(
        self,
        lab: Any,
        orders: list[Order] | None = None,
        *,
        name: str = "orders",
        seed: int = 0,
        workers: int = 8,
        failure_rate: float = 0.2,
        work_seconds: float = 0.5,
        max_receive_count: int = 3,
        visibility_timeout: int = 30,
        idle_timeout: float = 60.0,
        backoff: BackoffPolicy = DEFAULT_BACKOFF,
        retries: int = 2,
        receive_batch: int = 10,
    ) -> None:
        self.lab = lab
        self.orders = list(orders) if orders is not None else load()
        _check_unique(self.orders)
        self.name = name
        self.seed = seed
        self.workers = workers
        self.receive_batch = check_batch_size(receive_batch)
        self.max_receive_count = dlq.check_max_receive_count(max_receive_count)
        self.visibility_timeout = visibility_timeout
        self.idle_timeout = idle_timeout
        self.backoff = backoff
        self.processor = OrderProcessor(
            lab, seed=seed, failure_rate=failure_rate, work_seconds=work_seconds, retries=retries
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
        self._trace_from = len(lab.trace)

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
        return self.sent

    def pool(self) -> WorkerPool:
        """The worker pool: receives of ``receive_batch`` messages (10 by default), long polling,
        backoff after a failure, stop when idle."""
        return WorkerPool(
            self.lab.sqs,
            self._pair().source_url,
            batch_handler=in_group_order(self.handler, self.held_back, key=order_key),
            workers=self.workers,
            batch_size=self.receive_batch,
            backoff=self.backoff,
            stop=StopPolicy(idle_timeout=self.idle_timeout),
            clock=self.lab.clock,
            seed=self.seed,
        )

    def process(self, sampler: Any = None) -> ConsumeResult:
        """Run the pool until the queue stays empty (with ``sampler.watch`` when a monitoring
        sampler is given); orders that fail ``max_receive_count`` receives end in the DLQ."""
        pool = self.pool()
        result = sampler.watch(pool) if sampler is not None else pool.run()
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
            tasks = self.lab.sqs.list_message_move_tasks(SourceArn=self._pair().dlq_arn)["Results"]
            if not tasks or tasks[0]["Status"] != "RUNNING":
                return
            self.lab.wait(1)
            waited += 1
        raise TimeoutError(f"the message move task still runs after {limit:g} s; raise its rate")

    def reconcile(self) -> Reconciliation:
        """Check the ledger against the input and what is left in the DLQ."""
        return reconcile(self.orders, self.ledger, self.dlq_records())

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
                reason = "poison: the quantity bug"
            elif held[oid]:
                reason = "held back behind its customer's failing order"
            else:
                reason = "transient failures on every receive"
            rows.append((oid, by_id[oid].customer_id, bugs[oid], transient[oid], held[oid], reason))
        return Table(("order", "customer", "bug", "transient", "held back", "reason"), rows)

    def summary(self) -> Table:
        """The run in numbers: sent, processed per pass, failures, held back, dead-lettered, calls."""
        per_phase = Counter(e.phase for e in self.ledger)
        failures = self.processor.failure_counts()
        bill = self.bill()
        sent = self.sent or SendResult()
        rows: list[tuple[str, Any]] = [
            ("orders", len(self.orders)),
            ("sent (SendMessageBatch calls)", f"{len(sent.sent)} ({sent.requests})"),
            ("processed in the first pass", per_phase.get(FIRST_PASS, 0)),
            ("failed attempts: transient", failures.get("transient", 0)),
            ("failed attempts: the quantity bug", failures.get("bug", 0)),
            ("held back behind a failed order of the same customer", len(self.held_back)),
            ("moved to the DLQ in the first pass", len(self.dead_lettered)),
        ]
        rows += [(f"processed {phase}", n) for phase, n in per_phase.items() if phase != FIRST_PASS]
        rows += [
            ("left in the DLQ", self.dlq_depth()),
            ("duplicates skipped by the idempotency store", len(self.store.skipped)),
            ("SQS calls (billed requests)", f"{bill.calls} ({bill.requests})"),
            ("virtual time to drain the queue", f"{self.drained_at() - self.started:.1f} s"),
        ]
        return Table(("step", "value"), rows)

    def _pair(self) -> dlq.QueuePair:
        if self.pair is None:
            raise RuntimeError("no queues yet: call create_queues() (or run()) first")
        return self.pair


def run(lab: Any, orders: list[Order] | None = None, **kw: Any) -> OrderPipeline:
    """Run the whole capstone on ``lab`` and return the pipeline (``.reconcile()`` for the checks)."""
    pipeline = OrderPipeline(lab, orders, **kw)
    pipeline.run()
    return pipeline


def _name(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _check_unique(orders: list[Order]) -> None:
    twice = [oid for oid, n in Counter(o.order_id for o in orders).items() if n > 1]
    if twice:
        raise LimitError(
            f"order ids must be unique (they are the deduplication ids); repeated: {', '.join(twice[:5])}"
        )


def as_record(item: Order | dict[str, Any] | str) -> dict[str, Any]:
    """An order record from an Order, a dict or a JSON body."""
    if isinstance(item, Order):
        return item.record
    if isinstance(item, str):
        return json.loads(item)
    return item


def read_all(lab: Any, url: str) -> list[dict[str, Any]]:
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


# --- reconciliation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    """One named reconciliation check, with a pass or fail text."""

    name: str
    passed: bool
    detail: str

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.name}: {self.detail}"


@dataclass
class Reconciliation:
    """The checks, and the notes that explain without failing (orders overtaken via the DLQ)."""

    checks: list[Check]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every check passed."""
        return all(c.passed for c in self.checks)

    def check(self, name: str) -> Check:
        """The check called ``name`` (see :data:`CHECKS`)."""
        for c in self.checks:
            if c.name == name:
                return c
        raise KeyError(
            f"no check {name!r}; the checks are: {', '.join(c.name for c in self.checks)}"
        )

    def failed(self) -> list[Check]:
        """The checks that failed."""
        return [c for c in self.checks if not c.passed]

    def assert_ok(self) -> None:
        """Raise AssertionError listing every failed check."""
        if not self.ok:
            raise AssertionError("reconciliation failed:\n" + "\n".join(map(str, self.failed())))

    def table(self) -> Table:
        """One row per check: name, PASS/FAIL, detail."""
        return Table(
            ("check", "result", "detail"),
            [(c.name, "PASS" if c.passed else "FAIL", c.detail) for c in self.checks],
        )

    def __repr__(self) -> str:
        lines = [str(c) for c in self.checks] + [f"note: {n}" for n in self.notes]
        return "\n".join(lines)


EXACTLY_ONCE = "every order processed exactly once or in the DLQ"
IN_ORDER = "per-customer order preserved"
REVENUE = "revenue matches the input"
CHECKS = (EXACTLY_ONCE, IN_ORDER, REVENUE)


def reconcile(
    orders: Iterable[Order],
    ledger: Ledger | Iterable[Processed],
    dlq_contents: Iterable[Order | dict[str, Any] | str],
) -> Reconciliation:
    """Check the ledger (and what is left in the DLQ) against the input orders."""
    orders = list(orders)
    entries = sorted(ledger, key=lambda e: e.seq)
    dead = [as_record(item) for item in dlq_contents]
    overtaken = overtaken_via_dlq(orders, entries)
    notes = []
    if overtaken:
        notes.append(
            f"{len(overtaken)} redriven order(s) were processed after later orders of the same "
            f"customer ({_ids(overtaken)}): the DLQ took them out of line, as it does on AWS"
        )
    return Reconciliation(
        [
            check_exactly_once(orders, entries, dead),
            check_in_order(orders, entries),
            check_revenue(orders, entries, dead),
        ],
        notes,
    )


def check_exactly_once(
    orders: list[Order], entries: list[Processed], dead: list[dict[str, Any]]
) -> Check:
    """Each input order is processed once or sits in the DLQ once, never both, never neither."""
    known = {o.order_id for o in orders}
    done = Counter(e.order_id for e in entries)
    parked = Counter(str(r["order_id"]) for r in dead)
    problems = []
    for label, ids in (
        (
            "missing",
            [o.order_id for o in orders if not done[o.order_id] and not parked[o.order_id]],
        ),
        ("processed more than once", [i for i, n in done.items() if n > 1]),
        ("processed and still in the DLQ", [i for i in done if parked[i]]),
        ("in the DLQ more than once", [i for i, n in parked.items() if n > 1]),
        ("not in the input", [i for i in {**done, **parked} if i not in known]),
    ):
        if ids:
            problems.append(f"{label}: {_ids(ids)}")
    if problems:
        return Check(EXACTLY_ONCE, False, "; ".join(problems))
    in_dlq = sum(parked.values())
    return Check(
        EXACTLY_ONCE,
        True,
        f"{len(orders)} orders: {len(orders) - in_dlq} processed once, {in_dlq} in the DLQ, "
        "none missing or processed twice",
    )


def check_in_order(orders: list[Order], entries: list[Processed]) -> Check:
    """Per customer, created_at order within each phase: among orders processed in line (first
    pass), and among those of each redrive."""
    created = {o.order_id: o.created_at for o in orders}
    problems = []
    for phase in dict.fromkeys(e.phase for e in entries):
        by_customer: dict[str, list[Processed]] = defaultdict(list)
        for e in entries:
            if e.phase == phase:
                by_customer[e.customer_id].append(e)
        for customer, seen in sorted(by_customer.items()):
            for before, after in zip(seen, seen[1:], strict=False):
                if created.get(after.order_id, after.created_at) < created.get(
                    before.order_id, before.created_at
                ):
                    problems.append(
                        f"{customer}: {after.order_id} (created {created.get(after.order_id, after.created_at)}) "
                        f"processed after {before.order_id} (created {created.get(before.order_id, before.created_at)})"
                    )
    if problems:
        more = f" and {len(problems) - 3} more" if len(problems) > 3 else ""
        return Check(IN_ORDER, False, "; ".join(problems[:3]) + more)
    customers = len({e.customer_id for e in entries})
    return Check(
        IN_ORDER,
        True,
        f"{customers} customers: orders processed in line follow created_at, and so do the "
        "redriven ones among themselves",
    )


def check_revenue(
    orders: list[Order], entries: list[Processed], dead: list[dict[str, Any]]
) -> Check:
    """Processed revenue plus the DLQ's equals the input's, and each order was charged its total."""
    expected = {o.order_id: o.total_cents for o in orders}
    total_in = sum(expected.values())
    processed = sum(e.total_cents for e in entries)
    parked = sum(int(r["total_cents"]) for r in dead)
    wrong = [
        f"{e.order_id} charged {money(e.total_cents)}, ordered {money(expected[e.order_id])}"
        for e in entries
        if e.order_id in expected and e.total_cents != expected[e.order_id]
    ]
    sums = f"{money(total_in)} ordered, {money(processed)} processed + {money(parked)} in the DLQ"
    if processed + parked != total_in or wrong:
        gap = processed + parked - total_in
        extra = f"; {'; '.join(wrong[:3])}" if wrong else ""
        return Check(REVENUE, False, f"{sums} (off by {money(gap)}){extra}")
    return Check(REVENUE, True, sums)


def processed_late(
    orders: list[Order], entries: list[Processed], phases: Callable[[str], bool] = lambda _: True
) -> list[str]:
    """Orders (in a phase ``phases`` accepts) processed after a later order, by created_at, of the
    same customer; entries in processing order."""
    created = {o.order_id: o.created_at for o in orders}
    latest: dict[str, str] = {}
    late = []
    for e in sorted(entries, key=lambda e: e.seq):
        when = created.get(e.order_id, e.created_at)
        if phases(e.phase) and latest.get(e.customer_id, when) > when:
            late.append(e.order_id)
        latest[e.customer_id] = max(latest.get(e.customer_id, when), when)
    return late


def overtaken_via_dlq(orders: list[Order], entries: list[Processed]) -> list[str]:
    """Redriven orders processed after a later order (by created_at) of the same customer."""
    return processed_late(orders, entries, lambda phase: phase.startswith(AFTER_REDRIVE))


def _ids(ids: list[str], shown: int = 5) -> str:
    """A few ids, then how many more."""
    more = f" and {len(ids) - shown} more" if len(ids) > shown else ""
    return ", ".join(ids[:shown]) + more
