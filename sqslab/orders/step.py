"""The processing step: seeded transient failures, the quantity bug and its fix, and the batch
handler that keeps each customer's orders in FIFO order."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab.consumer import Message
from sqslab.errors import LimitError
from sqslab.orders.ledger import FIRST_PASS, Ledger, Processed

if TYPE_CHECKING:
    from sqslab.lab import Lab


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
        lab: Lab,
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
        return self.run(json.loads(message.body))

    def run(self, record: dict[str, Any]) -> Processed:
        """Process one order record, retrying a transient error in place ``retries`` times."""
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
