"""Exercise 7.3: the learner's ``consume_orders(sqs, queue_url, step, done)`` long-polls the queue,
processes each order once (``done`` keyed on the order id), keeps each customer's orders in order
within a batch, deletes only what succeeded with ``delete_message_batch`` (retrying its failed
entries) and keeps a slow order hidden with a heartbeat.

The check runs it through :data:`~.capstone_scenarios.SCENARIOS`, one fault each, and stops at the
first scenario where an order was lost, processed twice, processed out of order, delivered again
after it was done, or left behind; the hint names the orders, the fault and where to look.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, hint
from sqslab.exercises.capstone_common import check_time, error_hints, ids
from sqslab.exercises.capstone_scenarios import (
    SCENARIOS,
    SLOW_SECONDS,
    VISIBILITY,
    Outcome,
    run_scenario,
)
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _
from sqslab.numbers import short
from sqslab.orders.order_step import OK

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex7.3"
NAME = "consume_orders"
Hints = tuple[str, ...]


def was(items: list[str]) -> str:
    """'was' for one item, 'were' for more (English only: the translations use ngettext)."""
    return "was" if len(items) == 1 else "were"


def lost(out: Outcome) -> list[str]:
    """Orders neither processed, nor in the DLQ, nor left in the queue (when it is empty)."""
    done, parked = out.processed(), set(out.parked)
    return [o.order_id for o in out.sent if not done[o.order_id] and o.order_id not in parked]


def twice(out: Outcome) -> list[str]:
    """Orders processed more than once, or processed and also in the DLQ."""
    done, parked = out.processed(), set(out.parked)
    return [
        o.order_id
        for o in out.sent
        if done[o.order_id] > 1 or (done[o.order_id] and o.order_id in parked)
    ]


def after_failure(out: Outcome) -> list[tuple[str, str, str]]:
    """(customer, failed order, later order tried in the same batch after it failed)."""
    starts = [r.seq for r in out.receives() if r.received]
    created = {o.order_id: o.created_at for o in out.sent}
    failed: dict[tuple[int, str], str] = {}
    found = []
    for attempt in out.step.log:
        batch = sum(1 for seq in starts if seq <= attempt.position)
        key = (batch, attempt.customer_id)
        earlier = failed.get(key)
        if earlier and created.get(attempt.order_id, "") > created.get(earlier, ""):
            found.append((attempt.customer_id, earlier, attempt.order_id))
        if attempt.outcome != OK and key not in failed:
            failed[key] = attempt.order_id
    return found


def out_of_order(out: Outcome) -> list[tuple[str, str, str]]:
    """(customer, order, earlier-placed order processed after it) from the ledger."""
    latest: dict[str, Any] = {}
    found = []
    for entry in out.step.ledger:
        before = latest.get(entry.customer_id)
        if before is not None and before.created_at > entry.created_at:
            found.append((entry.customer_id, before.order_id, entry.order_id))
        if before is None or entry.created_at > before.created_at:
            latest[entry.customer_id] = entry
    return found


def redelivered(out: Outcome) -> list[str]:
    """Orders whose same message was received more than once."""
    seen = Counter(mid for r in out.receives() for mid in r.message_ids)
    return sorted({out.message_orders.get(mid, "?") for mid, n in seen.items() if n > 1})


def _lost_hints(out: Outcome, gone: list[str]) -> Hints:
    name, fault, count = out.scenario.name, out.scenario.fault, len(gone)
    where = _("Look at when consume_orders deletes a message, and which messages it deletes.")
    if name == "crash":
        first = ngettext(
            "{ids} was lost when {fault}: neither processed nor in any queue, so deleted before "
            "being processed. {where}",
            "{ids} were lost when {fault}: neither processed nor in any queue, so deleted before "
            "being processed. {where}",
            count,
        )
    elif name == "poison":
        first = ngettext(
            "{ids} was lost: {fault} and should wait in the DLQ after 3 receives, but it is in no "
            "queue. {where}",
            "{ids} were lost: {fault} and should wait in the DLQ after 3 receives, but it is in "
            "no queue. {where}",
            count,
        )
    else:
        first = ngettext(
            "{ids} was lost when {fault}: neither processed, nor in the queue, nor in the DLQ. "
            "{where}",
            "{ids} were lost when {fault}: neither processed, nor in the queue, nor in the DLQ. "
            "{where}",
            count,
        )
    return (
        first.format(ids=ids(gone), fault=fault, where=where),
        _(
            "delete a message only after step(...) returned for it; a failed order must stay, so "
            "SQS delivers it again after the visibility timeout (and moves it to the DLQ after 3 "
            "receives)"
        ),
        _(
            "collect the messages whose step succeeded, and pass only those to "
            "delete_message_batch once the batch is done"
        ),
    )


def _twice_hints(out: Outcome, again: list[str]) -> Hints:
    name, fault = out.scenario.name, out.scenario.fault
    shown, count = ids(again), len(again)
    if name == "slow":
        return (
            ngettext(
                "{ids} was processed twice: {fault}. Its visibility timeout ran out while the work "
                "went on, so the second worker received the order (and the ones behind it) and "
                "processed them again. Look at the heartbeat the step can call.",
                "{ids} were processed twice: {fault}. Its visibility timeout ran out while the "
                "work went on, so the second worker received the order (and the ones behind it) "
                "and processed them again. Look at the heartbeat the step can call.",
                count,
            ).format(ids=shown, fault=fault),
            _(
                "step(order, heartbeat) calls heartbeat() every 10 s of work; give it a function "
                "that extends this message's visibility with change_message_visibility"
            ),
            _(
                "heartbeat = a function calling sqs.change_message_visibility with the queue URL, "
                "the message's ReceiptHandle and VisibilityTimeout={visibility}"
            ).format(visibility=VISIBILITY),
        )
    if name == "copy":
        return (
            ngettext(
                "{ids} was processed twice: {fault}. Look at what consume_orders keys its record "
                "of processed orders (done) on.",
                "{ids} were processed twice: {fault}. Look at what consume_orders keys its record "
                "of processed orders (done) on.",
                count,
            ).format(ids=shown, fault=fault),
            _(
                "a redriven or resent order is a new message with a new MessageId; the order id "
                "in the body stays the same"
            ),
            _(
                "skip an order whose order id is already in done (and still delete its message); "
                "add the order id to done after step(...) succeeded"
            ),
        )
    parked = set(out.parked)
    if any(i in parked for i in again):
        return (
            ngettext(
                "{ids} was processed and also in the DLQ: processed, then not deleted, so they "
                "came back until they moved to the DLQ. Look at which messages are deleted.",
                "{ids} were processed and also in the DLQ: processed, then not deleted, so they "
                "came back until they moved to the DLQ. Look at which messages are deleted.",
                count,
            ).format(ids=shown),
            _(
                "delete every message whose order succeeded, including one skipped because done "
                "already holds its order id"
            ),
        )
    cause = (
        _("they were not deleted before the crash, so they came back after the visibility timeout")
        if name == "crash"
        else _("they came back to the consumer")
    )
    return (
        ngettext(
            "{ids} was processed twice when {fault}: {cause}, and were processed again. Look at "
            "how consume_orders uses done, the store of processed order ids that survives a crash.",
            "{ids} were processed twice when {fault}: {cause}, and were processed again. Look at "
            "how consume_orders uses done, the store of processed order ids that survives a crash.",
            count,
        ).format(ids=shown, fault=fault, cause=cause),
        _(
            "before step(...), skip an order whose order id is in done; after it succeeded, add "
            "the order id to done"
        ),
    )


def _order_hints(
    out: Outcome, batch: list[tuple[str, str, str]], ledger: list[tuple[str, str, str]]
) -> Hints:
    if batch:
        who, failed, later = batch[0]
        return (
            _(
                "{customer}'s orders went out of order when {fault}: {later} was processed "
                "in the same batch right after {failed} failed, so it went first though it was "
                "placed later. Look at what consume_orders does with the rest of a batch after a "
                "failure."
            ).format(customer=who, fault=out.scenario.fault, later=later, failed=failed),
            _(
                "FIFO delivers a customer's orders in order within a batch; after one fails, that "
                "customer's later orders in the batch must wait for it"
            ),
            _(
                "remember the customers whose order failed in this batch, and skip (without "
                "deleting) their later orders; they come back after the failed one"
            ),
        )
    who, first, second = ledger[0]
    return (
        _(
            "{customer}'s orders were processed out of order when {fault}: {second} "
            "after {first}, which was placed later."
        ).format(customer=who, fault=out.scenario.fault, second=second, first=first),
        _("process each batch in the order SQS returned it; never reorder or retry out of turn"),
    )


def _problem(out: Outcome) -> Hints | None:
    """The hints for the first thing that went wrong in this outcome, or None."""
    fault = out.scenario.fault
    broken = next((r for r in out.runs if r.failed), None)
    if out.step.refused:
        return (
            _("the step refused what {name} gave it: {why}").format(
                name=NAME, why=out.step.refused[0]
            ),
        )
    if broken is not None:
        return error_hints(
            NAME,
            broken,
            loop_help=_(
                "(the check's scenario: {fault}.) Return when a long poll comes back "
                "empty; the check starts consume_orders again while orders are left"
            ).format(fault=fault),
            error_help=_error_help(out, broken.error),
        )
    receives = out.receives()
    if not receives:
        return (
            _(
                "{name} returned without receiving anything: it should receive the orders with "
                "receive_message, process them, and return once a long poll comes back empty"
            ).format(name=NAME),
        )
    if any(not r.params.get("WaitTimeSeconds") for r in receives):
        return (
            _(
                "{name} short-polls: a receive_message without WaitTimeSeconds answers at once, "
                "often empty, and each answer is billed. Long-poll (chapter 3)."
            ).format(name=NAME),
            _(
                "pass WaitTimeSeconds, up to the long-poll maximum (sqslab.facts.show("
                "'long_poll_max_wait'))"
            ),
        )
    operations = Counter(r.operation for r in out.calls)
    if operations["DeleteMessage"]:
        return (
            _(
                "{name} deletes one message per request (delete_message): delete a batch's "
                "finished messages in one delete_message_batch request"
            ).format(name=NAME),
        )
    if not operations["DeleteMessageBatch"]:
        return (
            _(
                "{name} deleted nothing: every processed order stays in the queue, comes back "
                "after the visibility timeout, and moves to the DLQ after 3 receives. Delete what "
                "succeeded with delete_message_batch."
            ).format(name=NAME),
        )
    gone = lost(out)
    if gone and not out.left:
        return _lost_hints(out, gone)
    again = twice(out)
    if again:
        return _twice_hints(out, again)
    batch, ledger = after_failure(out), out_of_order(out)
    if batch or ledger:
        return _order_hints(out, batch, ledger)
    if out.scenario.single_delivery and redelivered(out):
        again = redelivered(out)
        return (
            ngettext(
                "{ids} was delivered again after being processed, when {fault}. Look at the "
                "reply of delete_message_batch.",
                "{ids} were delivered again after being processed, when {fault}. Look at the "
                "reply of delete_message_batch.",
                len(again),
            ).format(ids=ids(again), fault=fault),
            _(
                "its Failed list names the entries that were not deleted; they are still in the "
                "queue and come back after the visibility timeout"
            ),
            _(
                "delete the entries listed in Failed again until none is left (skip one with "
                "SenderFault true: it will never succeed)"
            ),
        )
    if out.left:
        return (
            ngettext(
                "after {runs} starts of {name}, {left} order(s) are still in the queue "
                "({fault}): it returns before they are processed. Return only when a long poll "
                "comes back empty.",
                "after {runs} starts of {name}, {left} order(s) are still in the queue "
                "({fault}): it returns before they are processed. Return only when a long poll "
                "comes back empty.",
                out.left,
            ).format(runs=len(out.runs), name=NAME, left=out.left, fault=fault),
        )
    if out.scenario.slow and not out.step.heartbeats:
        return (
            _(
                "{order} took {seconds} s and nothing extended its visibility: it held only "
                "because the receive hid it for long; then a crashed worker's orders wait that "
                "long before anyone retries them. Use the step's heartbeat."
            ).format(order=out.scenario.slow[0], seconds=short(SLOW_SECONDS)),
        )
    return None


def _error_help(out: Outcome, err: BaseException | None) -> tuple[str, ...]:
    """More telling hints for an error that stopped the consumer."""
    failed = [a for a in out.step.log if a.outcome != OK and a.detail.endswith(str(err))]
    if failed:
        return (
            _(
                "the step raised it for {order} ({fault}): a failed order must not stop the "
                "worker. Catch the error and leave that message undeleted: SQS delivers it again, "
                "and moves it to the DLQ after 3 receives"
            ).format(order=failed[-1].order_id, fault=out.scenario.fault),
        )
    return (
        _("it happened in the check's scenario where {fault}").format(fault=out.scenario.fault),
    )


@expects(EXERCISE, lab=LAB, fn=FUNCTION)
def check_order_consumer(lab: Lab, fn: Callable[..., Any] | None) -> Check:
    """Exercise 7.3: ``fn(sqs, queue_url, step, done)`` processes each order once and in order,
    loses none and deletes only what succeeded, under each scenario's fault."""
    if fn is None:
        return hint(
            EXERCISE,
            _("define {name}(sqs, queue_url, step, done), then run this check").format(name=NAME),
        )
    demo = check_time(lab, _("its {count} scenarios").format(count=len(SCENARIOS)))
    for scenario in SCENARIOS:
        outcome = run_scenario(lab, fn, scenario, demo)
        problem = _problem(outcome)
        if problem is not None:
            return hint(EXERCISE, *problem)
    faults = "; ".join(s.fault for s in SCENARIOS[1:])
    return Check(
        EXERCISE,
        True,
        _(
            "in {runs} runs, every order was processed once and in its customer's order, "
            "or waits in the DLQ, and nothing processed was delivered again. The faults: {faults}."
        ).format(runs=len(SCENARIOS), faults=faults),
    )
