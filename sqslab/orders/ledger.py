"""The ledger: every processed order, in processing order, with the pass (phase) it was processed in."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqslab.i18n import N_
from sqslab.orders.data import money
from sqslab.tables import Table

FIRST_PASS = "first pass"
AFTER_REDRIVE = "after redrive"


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
            (
                "#",
                N_("order"),
                N_("customer"),
                N_("created"),
                N_("total"),
                N_("attempt"),
                N_("worker"),
                N_("phase"),
            ),
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
            # ids, thread names and phases are values a learner's code compares: shown as they are
            verbatim=("order", "customer", "created", "total", "worker", "phase"),
        )
