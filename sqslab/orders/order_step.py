"""The processing step a hand-written consumer calls (chapter 7's exercises): ``step(order,
heartbeat)`` processes one order, raises when it fails and writes each success to the ledger.

It is the pipeline's :class:`~sqslab.orders.step.OrderProcessor` (seeded transient failures
retried in place, the quantity bug until :meth:`OrderStep.fix`) plus scripted faults for the
exercise checks (:class:`StepFaults`): a failure on chosen attempts, a worker that dies mid-order,
a slow order that calls ``heartbeat()`` every ``heartbeat_every`` seconds of its work. Every call
is logged (:class:`Attempt`), with the lab trace's length at that moment, so a check can tell
which receive brought the order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab.errors import WrongTypeError
from sqslab.faults import WorkerCrash
from sqslab.orders.data import Order, as_record
from sqslab.orders.ledger import AFTER_REDRIVE, Ledger, Processed
from sqslab.orders.step import OrderProcessor, TransientError

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.realclock import DemoTime

Heartbeat = Callable[[], Any]
#: The outcomes an :class:`Attempt` records.
OK, TRANSIENT, BUG, CRASH = "ok", "transient", "bug", "crash"


@dataclass
class StepFaults:
    """Scripted faults by order id: the first ``transient[id]`` attempts fail with a
    TransientError, attempt ``crash[id]`` kills the worker, ``slow[id]`` seconds of work (with
    heartbeats), and ``while_slow(order_id)`` runs as a slow order's work ends."""

    transient: dict[str, int] = field(default_factory=dict)
    crash: dict[str, int] = field(default_factory=dict)
    slow: dict[str, float] = field(default_factory=dict)
    while_slow: Callable[[str], Any] | None = None


@dataclass(frozen=True)
class Attempt:
    """One call of the step: the order, its attempt number, the outcome, the lab time, and how
    many calls the lab's trace held when it began."""

    order_id: str
    customer_id: str
    attempt: int
    outcome: str
    time: float
    position: int
    detail: str = ""


class OrderStep:
    """``step(order, heartbeat=None)``: process one order (a dict, a JSON body or an Order);
    raise when it fails, record the success in :attr:`ledger`. With ``demo``
    (``lab.demo_time(...)``) every duration, the scripted slow orders' too, goes through it."""

    def __init__(
        self,
        lab: Lab,
        *,
        seed: int = 0,
        failure_rate: float = 0.2,
        work_seconds: float = 0.5,
        retries: int = 2,
        faults: StepFaults | None = None,
        heartbeat_every: float = 10.0,
        demo: DemoTime | None = None,
    ) -> None:
        self.lab = lab
        #: Lesson seconds to lab seconds: ``demo`` (faster on a real clock), else as written.
        self.seconds = demo if demo is not None else as_written
        self.processor = OrderProcessor(
            lab,
            seed=seed,
            failure_rate=failure_rate,
            work_seconds=self.seconds(work_seconds),
            retries=retries,
            retry_wait=self.seconds(1.0),
        )
        self.faults = faults or StepFaults()
        self.heartbeat_every = self.seconds(heartbeat_every)
        self.attempts: Counter[str] = Counter()
        self.log: list[Attempt] = []
        self.heartbeats: Counter[str] = Counter()
        self.redrives = 0
        #: Why the step refused what it was given (not an order), in order.
        self.refused: list[str] = []

    @property
    def ledger(self) -> Ledger:
        """Every order processed, in processing order."""
        return self.processor.ledger

    @property
    def phase(self) -> str:
        """The phase new ledger entries get: ``first pass``, then ``after redrive n``."""
        return self.processor.phase

    def fix(self) -> None:
        """Deploy the fixed version (quantities sent as strings are parsed)."""
        self.processor.fix()

    def after_redrive(self) -> None:
        """Mark what is processed from now on as ``after redrive n`` (n counts the redrives)."""
        self.redrives += 1
        self.processor.phase = f"{AFTER_REDRIVE} {self.redrives}"

    def __call__(self, order: Any, heartbeat: Heartbeat | None = None) -> Processed:
        try:
            record = _record(order)
        except WrongTypeError as err:
            self.refused.append(str(err))
            raise
        order_id = str(record["order_id"])
        self.attempts[order_id] += 1
        attempt = self.attempts[order_id]
        begun = (self.lab.clock.time(), len(self.lab.trace))
        try:
            result = self._attempt(record, attempt, heartbeat)
        except BaseException as err:
            self._log(record, attempt, _outcome(err), begun, f"{type(err).__name__}: {err}")
            raise
        self._log(record, attempt, OK, begun)
        return result

    def _attempt(
        self, record: dict[str, Any], attempt: int, heartbeat: Heartbeat | None
    ) -> Processed:
        order_id = str(record["order_id"])
        if self.faults.crash.get(order_id) == attempt:
            self.lab.wait(self.processor.work_seconds)
            raise WorkerCrash(f"the worker died while processing {order_id} (simulated)")
        if order_id in self.faults.slow:
            self._work(self.seconds(self.faults.slow[order_id]), order_id, heartbeat)
            if self.faults.while_slow is not None:
                self.faults.while_slow(order_id)
        if attempt <= self.faults.transient.get(order_id, 0):
            self.lab.wait(self.processor.work_seconds)
            raise TransientError(f"payment gateway timed out for {order_id} (simulated)")
        return self.processor.run(record)

    def _work(self, seconds: float, order_id: str, heartbeat: Heartbeat | None) -> None:
        """``seconds`` of lab time, calling ``heartbeat()`` after each ``heartbeat_every``."""
        left = seconds
        while left > 0:
            step = min(self.heartbeat_every, left)
            self.lab.wait(step)
            left -= step
            if left > 0 and heartbeat is not None:
                heartbeat()
                self.heartbeats[order_id] += 1

    def _log(
        self,
        record: dict[str, Any],
        attempt: int,
        outcome: str,
        begun: tuple[float, int],
        detail: str = "",
    ) -> None:
        self.log.append(
            Attempt(
                str(record["order_id"]),
                str(record["customer_id"]),
                attempt,
                outcome,
                begun[0],
                begun[1],
                detail,
            )
        )

    def __repr__(self) -> str:
        counts = Counter(a.outcome for a in self.log)
        return (
            f"<OrderStep processed={len(self.ledger)} attempts={dict(counts)} phase={self.phase!r}>"
        )


def as_written(seconds: float) -> float:
    """A duration as the lesson wrote it (no demo speed-up)."""
    return seconds


def _record(order: Any) -> dict[str, Any]:
    """The order record from an Order, a dict or a JSON body; a clear error for anything else."""
    try:
        record = as_record(order) if isinstance(order, Order | dict | str) else None
    except ValueError:
        record = None
    if not isinstance(record, dict) or "order_id" not in record or "customer_id" not in record:
        raise WrongTypeError(
            "the processing step takes one order: the message body parsed with json.loads "
            f"(a dict with 'order_id' and 'customer_id'), not {type(order).__name__}"
        )
    return record


def _outcome(err: BaseException) -> str:
    """The :class:`Attempt` outcome of an error."""
    if isinstance(err, WorkerCrash):
        return CRASH
    if isinstance(err, TransientError):
        return TRANSIENT
    return BUG
