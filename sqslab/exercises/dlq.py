"""Chapter 5 auto-checks: a source queue and its DLQ, the swallowed-error failure lab, a redrive.

The failure lab (exercise 5.2) runs the learner's handler itself with :func:`run_invoices`: a
fresh batch of invoices, one of them malformed, goes to ``invoices`` (whose redrive policy is
sound) and a consumer works until the queue is quiet. Each run tags its bodies with a run number,
so re-running never mixes with an earlier run's messages.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab import dlq, facts, queues, realclock
from sqslab.consumer import ConsumeResult, StopPolicy, consume
from sqslab.exercises.arguments import CALLABLE, LAB, NAME, SQS, expects, one_of, requires
from sqslab.exercises.base import Check, attributes, first_problem, hint, queue_url
from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: The failure lab's queue, its retries and visibility timeout (seconds).
INVOICES = "invoices"
INVOICE_RETRIES = 3
INVOICE_VISIBILITY = 30
#: How many invoices each run sends; the malformed one is the third.
INVOICE_COUNT = 6
POISON_AT = 3
#: On a real clock the failure lab's consumer runs this many times faster (visibility timeout,
#: long poll and idle stop); on the virtual clock it runs as written.
REAL_CLOCK_SPEEDUP = 10

_runs = itertools.count(1)


def _redrive_policy(attrs: dict[str, str]) -> dict[str, Any] | None:
    """The queue's RedrivePolicy, parsed, or None when it has none (or it is not JSON)."""
    try:
        policy = json.loads(attrs.get("RedrivePolicy", ""))
    except ValueError:
        return None
    return policy if isinstance(policy, dict) else None


@expects("ex5.1", sqs=SQS, name=NAME)
def check_payments_pair(sqs: Any, name: str = "payments") -> Check:
    """Exercise 5.1: ``payments`` sends a message to ``payments-dlq`` after 5 receives; the DLQ keeps
    messages for the longest retention SQS allows."""
    exercise, dlq_name = "ex5.1", f"{name}-dlq"
    dlq_url, source_url = queue_url(sqs, dlq_name), queue_url(sqs, name)
    if dlq_url is None:
        return hint(
            exercise,
            _(
                "there is no queue named {queue} yet: create the DLQ first, since the "
                "source's redrive policy names it by its ARN (section 1)"
            ).format(queue=repr(dlq_name)),
            f"sqs.create_queue(QueueName={dlq_name!r}, Attributes={{'MessageRetentionPeriod': "
            "...})",
        )
    if source_url is None:
        return hint(
            exercise,
            _(
                "there is no queue named {queue} yet: create the source queue, with a redrive "
                "policy (section 1)"
            ).format(queue=repr(name)),
            _(
                "RedrivePolicy is an attribute: JSON text with deadLetterTargetArn and "
                "maxReceiveCount"
            ),
        )
    dlq_attrs, attrs = attributes(sqs, dlq_url), attributes(sqs, source_url)
    policy = _redrive_policy(attrs) or {}
    longest = int(facts.get("message_retention").value)
    kept = int(dlq_attrs.get("MessageRetentionPeriod", 0))
    retention = facts.get("message_retention").translated("text")
    return first_problem(
        exercise,
        [
            (
                bool(policy),
                _(
                    "{queue} has no RedrivePolicy, so nothing ever moves to {dlq} (section 1)"
                ).format(queue=repr(name), dlq=repr(dlq_name)),
                _(
                    "RedrivePolicy is JSON text with deadLetterTargetArn and maxReceiveCount; "
                    "sqs.set_queue_attributes adds it to an existing queue"
                ),
                "json.dumps({'deadLetterTargetArn': dlq_arn, 'maxReceiveCount': 5})",
            ),
            (
                policy.get("deadLetterTargetArn") == dlq_attrs.get("QueueArn"),
                _("the RedrivePolicy names {target}, not the ARN of {dlq} (section 1)").format(
                    target=repr(policy.get("deadLetterTargetArn")), dlq=repr(dlq_name)
                ),
                _("read the DLQ's ARN with get_queue_attributes(AttributeNames=['QueueArn'])"),
            ),
            (
                str(policy.get("maxReceiveCount")) == "5",
                _("maxReceiveCount is {count}; the exercise asks for 5").format(
                    count=policy.get("maxReceiveCount")
                ),
            ),
            (
                kept == longest,
                _(
                    "{dlq} keeps messages {kept} s; the exercise asks for the longest "
                    "retention SQS allows (MessageRetentionPeriod)"
                ).format(dlq=repr(dlq_name), kept=kept),
                _(
                    "the longest is {text} = {seconds} s: "
                    "sqslab.facts.get('message_retention').value"
                ).format(text=retention, seconds=longest),
            ),
            (
                dlq.retention_problem(sqs, dlq.QueuePair(source_url, dlq_url, "", "", 5)) is None,
                _("the DLQ must keep messages longer than the source does (section 6)"),
                _("shorten the source's MessageRetentionPeriod"),
            ),
        ],
        _(
            "{queue} moves a message to {dlq} after 5 receives, and the DLQ keeps it "
            "{retention}, longer than the source."
        ).format(queue=repr(name), dlq=repr(dlq_name), retention=retention),
    )


@dataclass
class InvoiceRun:
    """One run of the failure lab: the queues, what was sent, and what the consumer did."""

    pair: dlq.QueuePair
    bodies: list[str]
    poison: str
    result: ConsumeResult
    seen: dict[str, str]

    @property
    def handled(self) -> set[str]:
        """Bodies of the messages the consumer counted as processed (a success, then a delete)."""
        return {self.seen[i] for i in self.result.processed if i in self.seen}

    def outcomes(self, sqs: Any) -> dict[str, int]:
        """Where this run's messages ended up (for ``plots.message_outcomes``)."""
        return dlq.outcomes(sqs, self.pair, len(set(self.result.processed)))


def invoice_pair(sqs: Any) -> dlq.QueuePair:
    """The failure lab's ``invoices`` queue and its DLQ, created once with a sound redrive policy."""
    url, dlq_url = queue_url(sqs, INVOICES), queue_url(sqs, f"{INVOICES}-dlq")
    if url and dlq_url:
        return dlq.QueuePair(
            url, dlq_url, dlq.arn(sqs, url), dlq.arn(sqs, dlq_url), INVOICE_RETRIES
        )
    return dlq.create_pair(
        sqs,
        INVOICES,
        max_receive_count=INVOICE_RETRIES,
        source_attributes={"VisibilityTimeout": str(INVOICE_VISIBILITY)},
    )


def invoice_bodies(run: int) -> list[str]:
    """This run's invoices as JSON; the one at ``POISON_AT`` has no amount (it can never succeed)."""
    bodies = []
    for n in range(1, INVOICE_COUNT + 1):
        invoice: dict[str, Any] = {"invoice": f"R{run}-{n:02d}", "eur": 10 * n}
        if n == POISON_AT:
            invoice = {"invoice": f"R{run}-{n:02d}", "eur": "ten"}
        bodies.append(json.dumps(invoice))
    return bodies


@requires(lab=LAB, handler=CALLABLE)
def run_invoices(lab: Lab, handler: Callable[[Any], Any]) -> InvoiceRun:
    """Send a fresh batch of invoices to ``invoices`` and consume them with ``handler``."""
    sqs, pair = lab.sqs, invoice_pair(lab.sqs)
    bodies = invoice_bodies(next(_runs))
    for body in bodies:
        sqs.send_message(QueueUrl=pair.source_url, MessageBody=body)
    seen: dict[str, str] = {}

    def watched(message: Any) -> Any:
        seen[message.id] = message.body
        return handler(message)

    result = consume(sqs, pair.source_url, watched, **invoice_consumer(lab))
    return InvoiceRun(pair, bodies, bodies[POISON_AT - 1], result, seen)


def invoice_consumer(lab: Lab) -> dict[str, Any]:
    """The failure lab consumer's settings: the queue's own timeout and a 20 s long poll on the
    virtual clock; all of it REAL_CLOCK_SPEEDUP times shorter on a real one, and said."""
    stop = StopPolicy(idle_timeout=2 * INVOICE_VISIBILITY)
    if lab.virtual_time:
        return {"stop": stop}
    pace = realclock.DemoTime(REAL_CLOCK_SPEEDUP, virtual=False)
    visibility = pace(INVOICE_VISIBILITY)
    text = _(
        "{label}: the invoices consumer runs {speedup} times faster than written: a failed "
        "invoice comes back after {visibility} s instead of {written} s"
    )
    print(
        text.format(
            label=_(realclock.LABEL),
            speedup=REAL_CLOCK_SPEEDUP,
            visibility=visibility,
            written=INVOICE_VISIBILITY,
        )
    )
    return {
        "visibility_timeout": visibility,
        "wait_time": pace(20),
        "stop": StopPolicy(idle_timeout=pace(2 * INVOICE_VISIBILITY)),
    }


@expects(
    "ex5.2",
    lab=LAB,
    run=one_of(InvoiceRun, "run = sqslab.exercises.run_invoices(lab, handle_invoice)"),
)
def check_poison_caught(lab: Lab, run: InvoiceRun | None) -> Check:
    """Exercise 5.2 (failure lab): the malformed invoice reached the DLQ; every good one was processed."""
    exercise = "ex5.2"
    if run is None:
        return hint(
            exercise,
            _("fix handle_invoice, then run = sqslab.exercises.run_invoices(lab, handle_invoice)"),
        )
    handled = run.handled
    in_dlq = {m["Body"] for m in queues.peek(lab, run.pair.dlq_url)}
    good = [b for b in run.bodies if b != run.poison]
    missing = [json.loads(b)["invoice"] for b in good if b not in handled]
    return first_problem(
        exercise,
        [
            (
                run.poison not in handled,
                _(
                    "the malformed invoice counted as processed and was deleted, so it never "
                    "reached the DLQ. The consumer deletes a message when the handler returns: "
                    "what does handle_invoice do after it catches the error? (section 2)"
                ),
                _("a handler that catches an error and returns tells the consumer it succeeded"),
                _("log it, then raise it again: a bare raise at the end of the except block"),
            ),
            (
                run.poison in in_dlq,
                _(
                    "the malformed invoice is not in {dlq} yet: the handler must raise on it, "
                    "and the consumer must keep receiving until it was received {count} times"
                ).format(dlq=f"{INVOICES}-dlq", count=INVOICE_RETRIES),
            ),
            (
                not missing,
                _("these good invoices were not processed: {invoices}").format(
                    invoices=", ".join(missing)
                ),
            ),
        ],
        _(
            "the malformed invoice failed {count} times and waits in {dlq}; the "
            "other {good} were processed and deleted."
        ).format(count=INVOICE_RETRIES, dlq=f"{INVOICES}-dlq", good=len(good)),
    )


@expects("ex5.3", lab=LAB, name=NAME)
def check_redriven(lab: Lab, name: str = "refunds") -> Check:
    """Exercise 5.3: the DLQ of ``name`` was redriven with StartMessageMoveTask and is empty, and the
    redriven messages were processed."""
    exercise, dlq_name = "ex5.3", f"{name}-dlq"
    dlq_url, url = queue_url(lab.sqs, dlq_name), queue_url(lab.sqs, name)
    if dlq_url is None or url is None:
        return hint(exercise, _("run the set-up cell first: it creates the refunds queues"))
    dlq_arn = dlq.arn(lab.sqs, dlq_url)
    tasks = lab.sqs.list_message_move_tasks(SourceArn=dlq_arn, MaxResults=1).get("Results", [])
    status = tasks[0]["Status"] if tasks else None
    return first_problem(
        exercise,
        [
            (
                bool(tasks),
                _(
                    "no message move task has run on {dlq} yet: start one that sends its "
                    "messages back to their source (section 5)"
                ).format(dlq=repr(dlq_name)),
                _(
                    "StartMessageMoveTask takes the DLQ's ARN as SourceArn; without DestinationArn "
                    "each message goes back to the queue it came from"
                ),
                "sqs.start_message_move_task(SourceArn=refunds.dlq_arn)",
            ),
            (
                status == "COMPLETED",
                _(
                    "the move task is {status}: wait on the lab clock until "
                    "list_message_move_tasks says COMPLETED (section 5)"
                ).format(status=status),
                _("lab.wait(1) in a loop that reads the task's Status"),
            ),
            (
                sum(queues.depth(lab.sqs, dlq_url)) == 0,
                _("{dlq} still holds messages: let the move task finish").format(
                    dlq=repr(dlq_name)
                ),
            ),
            (
                sum(queues.depth(lab.sqs, url)) == 0,
                _(
                    "the redriven messages wait in {queue}: consume them with the fixed handler"
                ).format(queue=repr(name)),
            ),
        ],
        _("{dlq} was redriven back to {queue} and every refund was processed.").format(
            dlq=repr(dlq_name), queue=repr(name)
        ),
    )
