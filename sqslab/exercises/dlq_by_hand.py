"""Chapter 5, exercise 5.4: a DLQ sent to by hand that loses nothing.

The check runs the learner's ``on_failure(message, source_url, dlq_url)`` the way a consumer
would after a failed attempt, on a fresh FIFO pair like the source guide's (content-based
deduplication on, no redrive policy). One order always fails; the first send to the DLQ is made
to fail on purpose (:mod:`sqslab.exercises.send_faults`). The order must reach the DLQ once,
after SQS delivered it ``MAX_RECEIVES`` times, and be deleted from the source only once it is
there.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab import facts, queues, realclock
from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, first_problem, hint
from sqslab.exercises.send_faults import fail_sends
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.lab import Lab

OnFailure = Callable[[dict[str, Any], str, str], Any]

#: The receives SQS makes before the learner's function parks a message, and the check's pace.
MAX_RECEIVES = 3
VISIBILITY = 30
ROUNDS = MAX_RECEIVES + 4
#: On a real clock the check runs this many times faster: a 3 s visibility timeout, not 30 s.
REAL_CLOCK_SPEEDUP = 10


def fifo_attributes(visibility: int) -> dict[str, str]:
    """The pair's attributes, as the guide creates its queues, with this visibility timeout."""
    return {
        "FifoQueue": "true",
        "ContentBasedDeduplication": "true",
        "VisibilityTimeout": str(visibility),
    }


#: The orders, sent in this order: the poison one first in its customer's group, an order of
#: another customer, and the poison one's customer's next order (which must wait for it).
POISON = {"order_id": "ORD-001", "customer_id": "CUST-123", "total": "lots"}
GOOD = (
    {"order_id": "ORD-002", "customer_id": "CUST-456", "total": 47.97},
    {"order_id": "ORD-003", "customer_id": "CUST-123", "total": 199.99},
)

_runs = itertools.count(1)


@dataclass
class HandRun:
    """What happened to the poison order, round by round, under the learner's function."""

    receives: int = 0
    parked_at: int | None = None
    lost_at: int | None = None
    errors: list[str] = field(default_factory=list)
    processed: list[str] = field(default_factory=list)
    injected: int = 0
    copies: list[str] = field(default_factory=list)
    left_in_source: int = 0


def _send_orders(sqs: Any, url: str) -> None:
    """The orders, grouped by customer as the guide does."""
    for order in (POISON, *GOOD):
        group = f"order-{order['customer_id']}"
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(order), MessageGroupId=group)


def _receive(sqs: Any, url: str) -> list[dict[str, Any]]:
    return sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=int(facts.get("max_receive_messages").value),
        MessageSystemAttributeNames=["All"],
        MessageAttributeNames=["All"],
    ).get("Messages", [])


def _call(on_failure: OnFailure, message: dict[str, Any], urls: tuple[str, str]) -> str | None:
    """Run the learner's function; the error it raised, as text (a consumer logs and goes on)."""
    try:
        on_failure(message, *urls)
    except ClientError as err:
        return str(err.response.get("Error", {}).get("Code", "ClientError"))
    except Exception as err:  # noqa: BLE001 - the learner's code may fail in any way
        return f"{type(err).__name__}: {err}"
    return None


def _round(sqs: Any, on_failure: OnFailure, urls: tuple[str, str], run: HandRun) -> None:
    """One receive: good orders processed and deleted, the poison one handed to on_failure, and
    the later messages of a failed group released unprocessed."""
    poison, failed_groups = json.dumps(POISON), set()
    for message in _receive(sqs, urls[0]):
        group = message["Attributes"].get("MessageGroupId")
        if group in failed_groups:
            queues.release(sqs, urls[0], [message])
        elif message["Body"] == poison:
            run.receives = int(message["Attributes"]["ApproximateReceiveCount"])
            failed_groups.add(group)
            error = _call(on_failure, message, urls)
            if error is not None:
                run.errors.append(error)
        else:
            sqs.delete_message(QueueUrl=urls[0], ReceiptHandle=message["ReceiptHandle"])
            run.processed.append(json.loads(message["Body"])["order_id"])


def _poison_in_source(sqs: Any, url: str, run: HandRun) -> int:
    """Copies of the poison order still in the source: what SQS counts there (visible, in flight
    or delayed) less the good orders the check has not processed yet. Counting, not looking: a
    look would be a receive, and would change the receive count the learner's function reads."""
    return sum(queues.depth(sqs, url)) - (len(GOOD) - len(run.processed))


def run_by_hand(lab: Lab, on_failure: OnFailure) -> HandRun:
    """Drive ``on_failure`` on a fresh FIFO pair for ``ROUNDS`` visibility timeouts (each
    ``REAL_CLOCK_SPEEDUP`` times shorter on a real clock)."""
    sqs, n = lab.sqs, next(_runs)
    visibility = int(realclock.DemoTime(REAL_CLOCK_SPEEDUP, lab.virtual_time)(VISIBILITY))
    attributes = fifo_attributes(visibility)
    source = sqs.create_queue(QueueName=f"by-hand-{n}.fifo", Attributes=attributes)
    target = sqs.create_queue(QueueName=f"by-hand-{n}-dlq.fifo", Attributes=attributes)
    urls = (source["QueueUrl"], target["QueueUrl"])
    _send_orders(sqs, urls[0])
    run = HandRun()
    with fail_sends(sqs, urls[1]) as fault:
        for _ in range(ROUNDS):
            _round(sqs, on_failure, urls, run)
            in_dlq = sum(queues.depth(sqs, urls[1])) > 0
            in_source = _poison_in_source(sqs, urls[0], run) > 0
            if in_dlq and run.parked_at is None:
                run.parked_at = run.receives
            if not in_dlq and not in_source and run.lost_at is None:
                run.lost_at = run.receives
            lab.wait(visibility + 1)
        run.injected = fault.failed
    run.copies = [m["Body"] for m in queues.peek(lab, urls[1])]
    run.left_in_source = _poison_in_source(sqs, urls[0], run)
    return run


@expects("ex5.4", lab=LAB, on_failure=FUNCTION)
def check_parked_by_hand(lab: Lab, on_failure: OnFailure | None) -> Check:
    """Exercise 5.4: ``on_failure(message, source_url, dlq_url)`` parks the poison order in the
    DLQ after MAX_RECEIVES receives, counted by SQS, and deletes it only once it is there."""
    exercise = "ex5.4"
    if on_failure is None:
        return hint(exercise, _("define on_failure(message, source_url, dlq_url) first"))
    with lab.trace.paused():
        run = run_by_hand(lab, on_failure)
    return _verdict(exercise, run)


def _refused(run: HandRun) -> list[str]:
    """The errors other than the one the check caused on purpose."""
    return [e for e in run.errors if e != "InternalError"]


def _verdict(exercise: str, run: HandRun) -> Check:
    poison = json.dumps(POISON)
    refused = _refused(run)
    return first_problem(
        exercise,
        [
            (
                run.lost_at is None,
                _(
                    "the poison order is lost: it is in neither queue. The check made your first "
                    "send to the DLQ fail, as a network error can, and the order was deleted "
                    "anyway (section 3)"
                ),
                _(
                    "delete from the source only after the send to the DLQ succeeded; if the send "
                    "raises, let the error out (or return) so the order stays and comes back"
                ),
                _(
                    "send_message to the DLQ first, then delete_message, with no try/except that "
                    "swallows the send's error"
                ),
            ),
            (
                run.parked_at is not None or not refused,
                _(
                    "SQS refused your send to the DLQ ({error}): the DLQ is a FIFO queue, like "
                    "the guide's (section 3)"
                ).format(error=refused[-1] if refused else ""),
                _(
                    "a send to a FIFO queue names its message group; take it from the message's "
                    "attributes"
                ),
                "MessageGroupId=message['Attributes']['MessageGroupId']",
            ),
            (
                run.parked_at is not None,
                _(
                    "after {receives} receives the poison order is still in the source and the "
                    "DLQ is empty: your function never sent it. Which counter does it read? "
                    "(section 3)"
                ).format(receives=run.receives),
                _(
                    "a counter kept in the body is never written back: every receive parses the "
                    "body as it was sent. SQS counts the receives itself"
                ),
                "int(message['Attributes']['ApproximateReceiveCount'])",
            ),
            (
                (run.parked_at or 0) >= MAX_RECEIVES,
                # the English text is the same in both forms; Portuguese has a singular
                ngettext(
                    "the poison order went to the DLQ after {count} receive(s); it may be "
                    "parked only once SQS delivered it {most} times",
                    "the poison order went to the DLQ after {count} receive(s); it may be "
                    "parked only once SQS delivered it {most} times",
                    run.parked_at or 0,
                ).format(count=run.parked_at, most=MAX_RECEIVES),
                _("compare ApproximateReceiveCount with MAX_RECEIVES before sending"),
            ),
            (
                run.copies == [poison],
                _(
                    "the DLQ should hold the poison order once, as it was sent; it holds {copies}"
                ).format(copies=run.copies),
                _("send message['Body'] unchanged: whoever redrives it needs the original"),
            ),
            (
                run.left_in_source == 0,
                _(
                    "the poison order reached the DLQ but is still in the source too: delete it "
                    "from the source once the send succeeded"
                ),
                _("delete_message with the message's ReceiptHandle, after the send"),
            ),
            (
                run.injected == 1,
                _(
                    "your function did not send through the lab's client sqs, so the check could "
                    "not make the send fail: use sqs"
                ),
            ),
            (
                GOOD[-1]["order_id"] in run.processed,
                _(
                    "CUST-123's next order was never processed: the poison order still holds its "
                    "message group"
                ),
            ),
        ],
        _(
            "the poison order was parked after {receives} receives, counted by SQS; the send "
            "the check made fail left it in the source, the next try parked it, and only then was "
            "it deleted. The customer's next order followed."
        ).format(receives=run.parked_at),
    )
