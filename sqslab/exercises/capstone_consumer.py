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
from sqslab.orders.order_step import OK

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex7.3"
NAME = "consume_orders"
Hints = tuple[str, ...]


def was(items: list[str]) -> str:
    """'was' for one item, 'were' for more."""
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
    name = out.scenario.name
    where = "Look at when consume_orders deletes a message, and which messages it deletes."
    if name == "crash":
        first = (
            f"{ids(gone)} {was(gone)} lost when {out.scenario.fault}: neither processed nor in any "
            f"queue, so deleted before being processed. {where}"
        )
    elif name == "poison":
        first = (
            f"{ids(gone)} {was(gone)} lost: {out.scenario.fault} and should wait in the DLQ "
            f"after 3 receives, but it is in no queue. {where}"
        )
    else:
        first = (
            f"{ids(gone)} {was(gone)} lost when {out.scenario.fault}: neither processed, nor in "
            f"the queue, nor in the DLQ. {where}"
        )
    return (
        first,
        "delete a message only after step(...) returned for it; a failed order must stay, so "
        "SQS delivers it again after the visibility timeout (and moves it to the DLQ after 3 "
        "receives)",
        "collect the messages whose step succeeded, and pass only those to delete_message_batch "
        "once the batch is done",
    )


def _twice_hints(out: Outcome, again: list[str]) -> Hints:
    name, fault = out.scenario.name, out.scenario.fault
    if name == "slow":
        return (
            f"{ids(again)} {was(again)} processed twice: {fault}. Its visibility timeout ran out while "
            "the work went on, so the second worker received the order (and the ones behind it) "
            "and processed them again. Look at the heartbeat the step can call.",
            "step(order, heartbeat) calls heartbeat() every 10 s of work; give it a function that "
            "extends this message's visibility with change_message_visibility",
            "heartbeat = a function calling sqs.change_message_visibility with the queue URL, the "
            f"message's ReceiptHandle and VisibilityTimeout={VISIBILITY}",
        )
    if name == "copy":
        return (
            f"{ids(again)} {was(again)} processed twice: {fault}. Look at what consume_orders keys its "
            "record of processed orders (done) on.",
            "a redriven or resent order is a new message with a new MessageId; the order id in "
            "the body stays the same",
            "skip an order whose order id is already in done (and still delete its message); add "
            "the order id to done after step(...) succeeded",
        )
    parked = set(out.parked)
    if any(i in parked for i in again):
        return (
            f"{ids(again)} {was(again)} processed and also in the DLQ: processed, then not deleted, "
            "so they came back until they moved to the DLQ. Look at which messages are deleted.",
            "delete every message whose order succeeded, including one skipped because done "
            "already holds its order id",
        )
    cause = (
        "they were not deleted before the crash, so they came back after the visibility timeout"
        if name == "crash"
        else "they came back to the consumer"
    )
    return (
        f"{ids(again)} {was(again)} processed twice when {fault}: {cause}, and were processed again. "
        "Look at how consume_orders uses done, the store of processed order ids that survives "
        "a crash.",
        "before step(...), skip an order whose order id is in done; after it succeeded, add the "
        "order id to done",
    )


def _order_hints(
    out: Outcome, batch: list[tuple[str, str, str]], ledger: list[tuple[str, str, str]]
) -> Hints:
    if batch:
        who, failed, later = batch[0]
        return (
            f"{who}'s orders went out of order when {out.scenario.fault}: {later} was processed "
            f"in the same batch right after {failed} failed, so it went first though it was "
            "placed later. Look at what consume_orders does with the rest of a batch after a "
            "failure.",
            "FIFO delivers a customer's orders in order within a batch; after one fails, that "
            "customer's later orders in the batch must wait for it",
            "remember the customers whose order failed in this batch, and skip (without deleting) "
            "their later orders; they come back after the failed one",
        )
    who, first, second = ledger[0]
    return (
        f"{who}'s orders were processed out of order when {out.scenario.fault}: {second} "
        f"after {first}, which was placed later.",
        "process each batch in the order SQS returned it; never reorder or retry out of turn",
    )


def _problem(out: Outcome) -> Hints | None:
    """The hints for the first thing that went wrong in this outcome, or None."""
    fault = out.scenario.fault
    broken = next((r for r in out.runs if r.failed), None)
    if out.step.refused:
        return (f"the step refused what {NAME} gave it: {out.step.refused[0]}",)
    if broken is not None:
        return error_hints(
            NAME,
            broken,
            loop_help=f"(the check's scenario: {fault}.) Return when a long poll comes back "
            "empty; the check starts consume_orders again while orders are left",
            error_help=_error_help(out, broken.error),
        )
    receives = out.receives()
    if not receives:
        return (
            f"{NAME} returned without receiving anything: it should receive the orders with "
            "receive_message, process them, and return once a long poll comes back empty",
        )
    if any(not r.params.get("WaitTimeSeconds") for r in receives):
        return (
            f"{NAME} short-polls: a receive_message without WaitTimeSeconds answers at once, "
            "often empty, and each answer is billed. Long-poll (chapter 3).",
            "pass WaitTimeSeconds, up to the long-poll maximum (sqslab.facts.show("
            "'long_poll_max_wait'))",
        )
    operations = Counter(r.operation for r in out.calls)
    if operations["DeleteMessage"]:
        return (
            f"{NAME} deletes one message per request (delete_message): delete a batch's finished "
            "messages in one delete_message_batch request",
        )
    if not operations["DeleteMessageBatch"]:
        return (
            f"{NAME} deleted nothing: every processed order stays in the queue, comes back after "
            f"the visibility timeout, and moves to the DLQ after 3 receives. Delete what "
            "succeeded with delete_message_batch.",
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
            f"{ids(again)} {was(again)} delivered again after being processed, when {fault}. "
            "Look at the reply of delete_message_batch.",
            "its Failed list names the entries that were not deleted; they are still in the "
            "queue and come back after the visibility timeout",
            "delete the entries listed in Failed again until none is left (skip one with "
            "SenderFault true: it will never succeed)",
        )
    if out.left:
        return (
            f"after {len(out.runs)} starts of {NAME}, {out.left} order(s) are still in the queue "
            f"({fault}): it returns before they are processed. Return only when a long poll "
            "comes back empty.",
        )
    if out.scenario.slow and not out.step.heartbeats:
        return (
            f"{out.scenario.slow[0]} took {SLOW_SECONDS:g} s and nothing extended its visibility: "
            "it held only because the receive hid it for long; then a crashed worker's orders "
            "wait that long before anyone retries them. Use the step's heartbeat.",
        )
    return None


def _error_help(out: Outcome, err: BaseException | None) -> tuple[str, ...]:
    """More telling hints for an error that stopped the consumer."""
    failed = [a for a in out.step.log if a.outcome != OK and a.detail.endswith(str(err))]
    if failed:
        return (
            f"the step raised it for {failed[-1].order_id} ({out.scenario.fault}): a failed order "
            "must not stop the worker. Catch the error and leave that message undeleted: SQS "
            "delivers it again, and moves it to the DLQ after 3 receives",
        )
    return (f"it happened in the check's scenario where {out.scenario.fault}",)


@expects(EXERCISE, lab=LAB, fn=FUNCTION)
def check_order_consumer(lab: Lab, fn: Callable[..., Any] | None) -> Check:
    """Exercise 7.3: ``fn(sqs, queue_url, step, done)`` processes each order once and in order,
    loses none and deletes only what succeeded, under each scenario's fault."""
    if fn is None:
        return hint(EXERCISE, f"define {NAME}(sqs, queue_url, step, done), then run this check")
    demo = check_time(lab, f"its {len(SCENARIOS)} scenarios")
    for scenario in SCENARIOS:
        outcome = run_scenario(lab, fn, scenario, demo)
        problem = _problem(outcome)
        if problem is not None:
            return hint(EXERCISE, *problem)
    faults = "; ".join(s.fault for s in SCENARIOS[1:])
    return Check(
        EXERCISE,
        True,
        f"in {len(SCENARIOS)} runs, every order was processed once and in its customer's order, "
        f"or waits in the DLQ, and nothing processed was delivered again. The faults: {faults}.",
    )
