"""Chapter 8: a ledger fed by a FIFO queue through Lambda, with failures on demand.

Each message is one step of one account (``{"account": "acct-1", "step": 3}``), sent with the
account as its message group, so SQS hands each account's steps out in order. A Lambda handler
applies a record with :meth:`Ledger.apply`; a step told to fail (:meth:`Ledger.fail`) raises
:class:`LedgerBusy` that many times first. The ledger remembers every application in order, so a
lab or a check can tell a step applied twice, a step never applied, and an account whose steps
were applied out of order.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import lambda_batches
from sqslab.i18n import _

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.lambda_poller import MappingResult

#: One step of one account.
Step = tuple[str, int]


class LedgerBusy(RuntimeError):
    """The ledger could not take this step now (a transient failure: a retry succeeds)."""


@dataclass
class Ledger:
    """Steps applied in order, and the failures still to come."""

    applied: list[Step] = field(default_factory=list)
    failing: Counter[Step] = field(default_factory=Counter)
    raised: list[Step] = field(default_factory=list)

    def fail(self, account: str, step: int, times: int = 1) -> None:
        """Make ``step`` of ``account`` raise :class:`LedgerBusy` on its next ``times`` tries."""
        self.failing[(account, step)] += times

    def apply(self, record: dict[str, Any]) -> None:
        """Apply one Lambda record's step, or raise :class:`LedgerBusy` if it is set to fail."""
        body = json.loads(record["body"])
        step = (str(body["account"]), int(body["step"]))
        if self.failing[step] > 0:
            self.failing[step] -= 1
            self.raised.append(step)
            busy = _("{account} step {step}: the ledger is busy, try again")
            raise LedgerBusy(busy.format(account=step[0], step=step[1]))
        self.applied.append(step)

    def reset(self) -> None:
        """Forget what was applied, what failed, and every failure still to come."""
        self.applied.clear()
        self.failing.clear()
        self.raised.clear()

    def orders(self) -> dict[str, list[int]]:
        """Each account's steps in the order they were applied (repeats included)."""
        found: dict[str, list[int]] = {}
        for account, step in self.applied:
            found.setdefault(account, []).append(step)
        return found

    def twice(self) -> list[Step]:
        """Steps applied more than once."""
        return sorted(s for s, n in Counter(self.applied).items() if n > 1)

    def missing(self, sent: list[Step]) -> list[Step]:
        """Steps sent but never applied."""
        return sorted(set(sent) - set(self.applied))

    def out_of_order(self) -> dict[str, list[int]]:
        """The accounts whose steps were not applied in increasing order (first applications)."""
        broken = {}
        for account, steps in self.orders().items():
            first = list(dict.fromkeys(steps))
            if first != sorted(first):
                broken[account] = first
        return broken


def steps(accounts: int, per_account: int) -> list[Step]:
    """The steps to send, accounts interleaved: acct-1 step 1, acct-2 step 1, acct-1 step 2..."""
    return [(f"acct-{a}", n) for n in range(1, per_account + 1) for a in range(1, accounts + 1)]


def send(sqs: Any, queue_url: str, sent: list[Step]) -> None:
    """Send each step to the FIFO queue, its account as the message group."""
    entries = [
        {
            "Id": str(i),
            "MessageBody": json.dumps({"account": account, "step": n}),
            "MessageGroupId": account,
            "MessageDeduplicationId": f"{account}-{n}",
        }
        for i, (account, n) in enumerate(sent)
    ]
    for start in range(0, len(entries), 10):
        sqs.send_message_batch(QueueUrl=queue_url, Entries=entries[start : start + 10])


def failure_lab(
    lab: Lab, name: str, handler: Callable[[dict, Any], Any], ledger: Ledger, visibility: float
) -> MappingResult:
    """Chapter 8's FIFO failure lab: two accounts of five steps on a fresh FIFO queue ``name``,
    acct-1's step 2 failing once, run through ``handler`` as Lambda would."""
    url = lab.sqs.create_queue(
        QueueName=f"{name}.fifo",
        Attributes={"FifoQueue": "true", "VisibilityTimeout": str(visibility)},
    )["QueueUrl"]
    send(lab.sqs, url, steps(2, 5))
    ledger.reset()
    ledger.fail("acct-1", 2)
    return lambda_batches.run(lab, url, handler)
