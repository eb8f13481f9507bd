"""Chapter 8 auto-check, exercise 8.3: a Lambda handler on a FIFO queue that keeps each account's
steps in order under failures, without holding back the accounts that did not fail.

The check runs the learner's ``handler(event, context)`` with ``lambda_batches.run`` on fresh FIFO
queues of ledger steps (one message group per account), with failures injected into the
learner's :class:`~sqslab.fifo_ledger.Ledger`, then reads the ledger: every step applied once,
each account in order, and no record reported for another account's failure.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import fifo_ledger, lambda_batches, queues
from sqslab.consumer import StopPolicy
from sqslab.exercises.arguments import FUNCTION, LAB, expects, one_of
from sqslab.exercises.base import Check, first_problem, hint
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex8.3"
#: Accounts and steps per account in each scenario (12 records: a batch of 10, then 2).
ACCOUNTS, STEPS = 3, 4
#: The failures each scenario injects: (account, step, times).
SCENARIOS: tuple[tuple[tuple[str, int, int], ...], ...] = (
    (("acct-1", 2, 1),),
    (("acct-2", 1, 2), ("acct-3", 3, 1)),
    (("acct-3", 4, 1),),
)
#: The queue's visibility timeout, and the longest a scenario may run, on each clock.
VIRTUAL, REAL = (30, 1800), (2, 90)

_runs = itertools.count(1)
LEDGER = one_of(fifo_ledger.Ledger, "ledger = sqslab.fifo_ledger.Ledger()")


@dataclass
class Watched:
    """The learner's handler, called as given; what each call did besides."""

    handler: Callable[[dict, Any], Any]
    ledger: fifo_ledger.Ledger
    raised: bool = False
    unreadable: bool = False
    held_back: list[str] = field(default_factory=list)

    def __call__(self, event: dict, context: Any) -> Any:
        before = len(self.ledger.raised)
        try:
            response = self.handler(event, context)
        except Exception:
            self.raised = True
            raise
        records = {r["messageId"]: r for r in event["Records"]}
        found = lambda_batches.listed(response)
        if found is None or not found <= set(records):
            self.unreadable = True
            return response
        failed_groups = {account for account, _ in self.ledger.raised[before:]}
        self.held_back += [  # in the batch's order, so the hint reads the same on every run
            r["body"]
            for i, r in records.items()
            if i in found and r["attributes"].get("MessageGroupId") not in failed_groups
        ]
        return response


@dataclass
class Outcome:
    """What the scenarios left in the ledger and the queues."""

    twice: list[fifo_ledger.Step] = field(default_factory=list)
    missing: list[fifo_ledger.Step] = field(default_factory=list)
    out_of_order: dict[str, list[int]] = field(default_factory=dict)
    left: int = 0


def _scenario(lab: Lab, watched: Watched, failures: tuple, run: int, k: int) -> Outcome:
    visibility, longest = VIRTUAL if lab.virtual_time else REAL
    sqs = lab.sqs
    url = sqs.create_queue(
        QueueName=f"ledger-8-3-{run}-{k}.fifo",
        Attributes={"FifoQueue": "true", "VisibilityTimeout": str(visibility)},
    )["QueueUrl"]
    sent = fifo_ledger.steps(ACCOUNTS, STEPS)
    fifo_ledger.send(sqs, url, sent)
    watched.ledger.reset()
    for account, step, times in failures:
        watched.ledger.fail(account, step, times)
    idle = lambda_batches.idle_seconds(lab, url)
    lambda_batches.run(lab, url, watched, stop=StopPolicy(idle_timeout=idle, until=longest))
    ledger = watched.ledger
    return Outcome(
        ledger.twice(), ledger.missing(sent), ledger.out_of_order(), sum(queues.depth(sqs, url))
    )


def _merge(outcomes: list[Outcome]) -> Outcome:
    merged = Outcome()
    for o in outcomes:
        merged.twice += o.twice
        merged.missing += o.missing
        merged.out_of_order.update(o.out_of_order)
        merged.left += o.left
    return merged


@expects(EXERCISE, lab=LAB, handler=FUNCTION, ledger=LEDGER)
def check_fifo_in_order(
    lab: Lab, handler: Callable[[dict, Any], Any] | None, ledger: fifo_ledger.Ledger | None
) -> Check:
    """Exercise 8.3: under injected ledger failures, ``handler`` applies every step once, each
    account's steps in order, and reports no record for another account's failure."""
    if not callable(handler):
        return hint(EXERCISE, _("define post_steps(event, context) first"))
    if ledger is None:
        return hint(EXERCISE, _("make the ledger first: ledger = sqslab.fifo_ledger.Ledger()"))
    run, watched = next(_runs), Watched(handler, ledger)
    try:
        with lab.trace.paused():
            done = _merge(
                [_scenario(lab, watched, f, run, k) for k, f in enumerate(SCENARIOS, start=1)]
            )
    except Exception as err:  # noqa: BLE001 - the learner's code may fail in any way
        failed = _("running your handler failed: {error}")
        return hint(EXERCISE, failed.format(error=f"{type(err).__name__}: {err}"))
    finally:
        ledger.reset()
    return _verdict(watched, done)


def _verdict(watched: Watched, done: Outcome) -> Check:
    account, order = next(iter(done.out_of_order.items()), ("", []))
    return first_problem(
        EXERCISE,
        [
            (
                not watched.raised,
                _(
                    "your handler raised: Lambda then retries the whole batch, and the steps "
                    "before the failure were applied again ({steps}) (section 2)"
                ).format(steps=done.twice[:3]),
                _("catch LedgerBusy for each record instead of letting it escape"),
            ),
            (
                not watched.unreadable,
                _(
                    "Lambda could not read your answer (an id not in the batch, or not a list of "
                    "{'itemIdentifier': messageId}), so it failed the whole batch (section 2)"
                ),
                _("report records by record['messageId'], under the key 'batchItemFailures'"),
            ),
            (
                not done.twice,
                _(
                    "steps applied twice: {steps}; you applied records after a failure and then "
                    "reported them as failed, so they came back and were applied again, after the "
                    "failed step (section 2, the FIFO failure lab)"
                ).format(steps=done.twice[:3]),
                _(
                    "skip (do not apply) a record once an earlier record of its account failed, "
                    "and report it"
                ),
            ),
            (
                not done.out_of_order,
                _(
                    "{account}'s steps were applied in the order {order}: Lambda deleted the "
                    "records you did not report, so later steps of the account went ahead of the "
                    "failed one (section 2, the FIFO failure lab)"
                ).format(account=account, order=order),
                _(
                    "once a record fails, its account's later records in the batch must not be "
                    "applied, and must come back too"
                ),
                _(
                    "report the failed record and every later record of the same MessageGroupId "
                    "(record['attributes']['MessageGroupId'])"
                ),
            ),
            (
                not done.missing,
                _(
                    "steps never applied: {steps}; a record you skip must be reported, or Lambda "
                    "deletes it"
                ).format(steps=done.missing[:3]),
            ),
            (
                done.left == 0,
                ngettext(
                    "{count} message(s) were still in the queues at the end",
                    "{count} message(s) were still in the queues at the end",
                    done.left,
                ).format(count=done.left),
            ),
            (
                not watched.held_back,
                ngettext(
                    "{count} record(s) of accounts that had no failure were reported as failed, "
                    "e.g. {example}: order holds, but each comes back after the visibility "
                    "timeout and counts another receive toward maxReceiveCount",
                    "{count} record(s) of accounts that had no failure were reported as failed, "
                    "e.g. {example}: order holds, but each comes back after the visibility "
                    "timeout and counts another receive toward maxReceiveCount",
                    len(watched.held_back),
                ).format(count=len(watched.held_back), example=(watched.held_back[:1] or [""])[0]),
                _(
                    "stopping the whole batch at the first failure is AWS's simple rule; here "
                    "keep the other accounts going"
                ),
                _(
                    "remember the MessageGroupIds that failed in this batch; report a record if "
                    "its group is among them, apply it otherwise"
                ),
            ),
        ],
        _(
            "{steps} steps in each of {runs} runs with injected failures: every step applied "
            "once, each account in order, and only the failed accounts held back."
        ).format(steps=ACCOUNTS * STEPS, runs=len(SCENARIOS)),
    )
