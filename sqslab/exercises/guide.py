"""Chapter 7, exercise 7.6: which orders the guide's pipeline never processed, and why its retry
counter never sent them anywhere.

The learner reads the naive run's ledger for the orders never processed, then looks at the queue
with a plain boto3 receive: SQS's own count of deliveries (``ApproximateReceiveCount``) climbs
every minute while the counter the guide keeps in the message body stays at 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqslab.exercises.arguments import expects, one_of
from sqslab.exercises.base import Check, hint
from sqslab.i18n import translate as _
from sqslab.naive.guide import MAX_RETRIES, RETENTION, VISIBILITY_TIMEOUT
from sqslab.naive.run import NaiveRun
from sqslab.numbers import short

EXERCISE = "ex7.6"
SECONDS_PER_DAY = 86_400


def _as_ids(value: Any) -> list[str] | None:
    """The learner's ids as text, or None when it is not a list or set of them."""
    if isinstance(value, str | bytes | dict) or not isinstance(value, Iterable):
        return None
    return [str(i) for i in value]


def _failed_ids(run: NaiveRun) -> set[str]:
    """Orders with at least one failed processing attempt."""
    return {f.order_id for f in run.processor.failures}


def _ids_problem(run: NaiveRun, given: list[str]) -> Check | None:
    """What is wrong with the learner's never-processed orders (None when they are right)."""
    expected = run.unprocessed()
    known = {o.order_id for o in run.order_list}
    unknown = [i for i in given if i not in known]
    if unknown:
        return hint(
            EXERCISE,
            _("not order ids of data: {ids}").format(ids=", ".join(map(repr, unknown[:3]))),
            _("take the ids from the orders themselves (order.order_id), e.g. data[0].order_id"),
        )
    if len(given) != len(set(given)):
        return hint(EXERCISE, _("list each order once"), _("a set of ids does that for you"))
    failed = _failed_ids(run)
    if set(given) == failed and failed != set(expected):
        later = sorted(failed - set(expected))
        return hint(
            EXERCISE,
            _(
                "that is every order with a failed attempt (nv.failed), but {count} of them "
                "(e.g. {order}) were processed later: a failed order stays in the queue and comes "
                "back after the visibility timeout"
            ).format(count=len(later), order=later[0]),
            _("never processed means no entry in nv.ledger, whatever nv.failed says"),
        )
    extra = [i for i in given if i not in expected]
    if extra:
        return hint(
            EXERCISE,
            _(
                "{count} of your orders were processed (e.g. {order} has an entry in nv.ledger)"
            ).format(count=len(extra), order=extra[0]),
            _("keep only the orders of data whose order_id is in no entry of nv.ledger"),
        )
    missing = [i for i in expected if i not in given]
    if not missing:
        return None
    if not set(missing) & set(run.holding().values()):
        return hint(
            EXERCISE,
            _(
                "{count} orders are missing (e.g. {order}): a customer can have more than "
                "one order that never got through; the second waits behind the first in its "
                "message group"
            ).format(count=len(missing), order=missing[0]),
            _(
                "compare every order of data with nv.ledger, not only the messages a receive "
                "returned"
            ),
        )
    return hint(
        EXERCISE,
        _("{count} orders that were never processed are missing (e.g. {order})").format(
            count=len(missing), order=missing[0]
        ),
        _("check every order of data against the order ids in nv.ledger"),
    )


def _counts_type_problem(run: NaiveRun, counts: Any) -> Check | None:
    """A receive_counts that is not {order id: whole number} (None when it is)."""
    if not isinstance(counts, dict):
        return hint(
            EXERCISE,
            _("receive_counts should be a dict: {order id: how many times SQS delivered it}"),
        )
    known = {o.order_id for o in run.order_list}
    strange = [k for k in counts if str(k) not in known]
    if strange:
        return hint(
            EXERCISE,
            _("the keys of receive_counts should be order ids; {key} is not one").format(
                key=repr(str(strange[0])[:40])
            ),
            _("each message's body is the order as JSON: read its order_id with json.loads"),
        )
    if not all(_whole(v) is not None for v in counts.values()):
        return hint(
            EXERCISE,
            _("the counts should be whole numbers; SQS gives every attribute value as text"),
            _("int(...) of the attribute's value"),
        )
    return None


def _whole(value: Any) -> int | None:
    """``value`` as an int (also from digits in text), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None


def _counts_problem(run: NaiveRun, counts: dict[Any, Any]) -> Check | None:
    """What is wrong with the learner's delivery counts (None when they are right)."""
    got = {str(k): _whole(v) or 0 for k, v in counts.items()}
    expected = run.unprocessed()
    gone = [k for k in got if k not in expected]
    if gone:
        return hint(
            EXERCISE,
            _(
                "{order} was processed and deleted; only the orders never processed are still in "
                "the queue"
            ).format(order=gone[0]),
        )
    missing = [k for k in expected if k not in got]
    if missing:
        return hint(
            EXERCISE,
            _(
                "receive_counts lacks {count} of the orders still in the queue (e.g. "
                "{order}): a message in flight is not delivered, and a receive returns one "
                "message unless asked for more"
            ).format(count=len(missing), order=missing[0]),
            _(
                "the loop hid each message it received for the guide's visibility timeout: "
                "lab.wait(...) that long first, then ask for up to 10 messages "
                "(MaxNumberOfMessages)"
            ),
        )
    if all(got[k] <= 1 for k in expected):
        return hint(
            EXERCISE,
            _(
                "those are the processing_attempts written in the bodies: the guide's own "
                "counter, which its consumer raises on a parsed copy and never writes back. SQS "
                "keeps its own count of deliveries"
            ),
            _("ask receive_message for the ApproximateReceiveCount system attribute"),
        )
    if all(got[k] == run.received[k] for k in expected):
        return hint(
            EXERCISE,
            _(
                "those are the deliveries the loop counted itself (nv.received); ask SQS: receive "
                "the messages and read the count it keeps with each"
            ),
            _("SQS's count includes your own receive too, so it is one more than the loop's"),
        )
    low = [k for k in expected if got[k] <= run.received[k]]
    if low:
        return hint(
            EXERCISE,
            _(
                "{order}: SQS delivered it more than {count} times (the loop alone received it "
                "{loop} times); read each message's count from your receive"
            ).format(order=low[0], count=got[low[0]], loop=run.received[low[0]]),
        )
    return None


def _which(run: NaiveRun) -> str:
    """What the orders never processed are: poison orders, and any order the loop's bound
    stopped while it still waited behind one in its customer's group."""
    poison = {o.order_id for o in run.order_list if o.poison}
    behind = [i for i in run.unprocessed() if i not in poison]
    if not behind:
        return _("every one is a poison order")
    return _(
        "{poison} are poison orders, and {behind} still "
        "waited behind one in its customer's group when the lab stopped the loop"
    ).format(poison=len(run.unprocessed()) - len(behind), behind=len(behind))


def _success(run: NaiveRun, counts: dict[Any, Any]) -> str:
    """The PASS text: what is stuck, for whom, how often it came back, and why nothing caught it."""
    values = sorted(_whole(v) or 0 for v in counts.values())
    customers = sorted(run.holding())
    days = RETENTION // SECONDS_PER_DAY
    return _(
        "{count} orders of {customers} customers "
        "({names}) were never processed: {which}. SQS "
        "delivered each {least} to {most} times, while the body still says "
        "processing_attempts 0: the guide's consumer raises a parsed copy to 1, never writes it "
        "back, so it never reaches max_retries = {retries}, and {sends} messages "
        "were sent to its DLQ. Their customers' {later} later orders came in the "
        "same receives and were processed ahead of them. They circle until the queue's "
        "{days}-day retention deletes them, unprocessed."
    ).format(
        count=len(run.unprocessed()),
        customers=len(customers),
        names=", ".join(customers),
        which=_which(run),
        least=values[0],
        most=values[-1],
        retries=MAX_RETRIES,
        sends=run.dlq_sends,
        later=len(run.overtook()),
        days=days,
    )


def _visibility(run: NaiveRun) -> str:
    """The guide's visibility timeout as the learner waits for it: ``60``, or that divided by the
    speed-up of a run that went faster on a real clock (the demo's ``demo(60)``)."""
    return short(VISIBILITY_TIMEOUT / run.speedup)


@expects(EXERCISE, run=one_of(NaiveRun, "nv = naive.run_naive(lab, data)"))
def check_guide_stuck(run: NaiveRun | None, never_processed: Any, receive_counts: Any) -> Check:
    """Exercise 7.6: the orders the guide's loop never processed, and how often SQS delivered each."""
    if run is None:
        return hint(EXERCISE, _("run the guide's pipeline first: nv = naive.run_naive(lab, data)"))
    if never_processed is None:
        return hint(
            EXERCISE,
            _(
                "set never_processed to the ids of the orders the naive run never processed: "
                "nv.ledger has an entry (with its order_id) for each order it did process"
            ),
            _("go through data and keep the orders whose id appears in no ledger entry"),
        )
    given = _as_ids(never_processed)
    if given is None:
        return hint(EXERCISE, _("never_processed should be a list (or set) of order ids"))
    problem = _ids_problem(run, given)
    if problem is not None:
        return problem
    if receive_counts is None:
        return hint(
            EXERCISE,
            _(
                "the list is right. Now look at the queue itself: receive what is left in "
                "nv.queue_url with plain boto3, and note how many times SQS has delivered each "
                "order (SQS keeps that count with every message)"
            ),
            _(
                "ask receive_message for MessageSystemAttributeNames=['ApproximateReceiveCount'] "
                "and up to 10 messages; the order id is in each message's JSON body"
            ),
            _(
                "lab.wait({seconds}) first (the loop's last receives are still in flight), "
                "then build receive_counts as {{order id from the body: "
                "int(ApproximateReceiveCount)}}"
            ).format(seconds=_visibility(run)),
        )
    problem = _counts_type_problem(run, receive_counts)
    if problem is None:
        problem = _counts_problem(run, receive_counts)
    return problem if problem is not None else Check(EXERCISE, True, _success(run, receive_counts))
