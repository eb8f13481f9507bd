"""Exercise 7.2: the learner's ``send_orders(sqs, queue_url, order_list)`` sends the orders in
SendMessageBatch requests (group = customer, deduplication id = order id) and retries only the
entries that failed.

The check drives it twice, each time on a FIFO queue of its own, with faults from
:mod:`sqslab.faults`: first with partial batch failures (entries listed in ``Failed``, really not
queued); then with the same failures and a producer that dies right after its second request went
through (:func:`sqslab.orders.capstone_faults.crash_after`), restarted from the first order as a job runner
would. After each run it reads the queue out and reports per customer what was lost, duplicated or
out of order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import faults, orders
from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, first_problem, hint, traced_calls
from sqslab.exercises.capstone_common import (
    Called,
    call,
    drain,
    error_hints,
    fresh_name,
    ids,
    order_id_of,
)
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _
from sqslab.orders import Order
from sqslab.orders.capstone_faults import crash_after

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex7.2"
NAME = "send_orders"
#: The customers whose orders the check sends: a regular with many orders, and four others.
CUSTOMERS = ("CUST-025", "CUST-023", "CUST-019", "CUST-006", "CUST-005")
FIRST_ORDERS = 100
#: Share of entry attempts that fail, the seed of each run, and the request the crash follows.
FAILURE_RATE = 0.3
SEEDS = (7, 8)
CRASH_AFTER = 2


def check_orders(data: list[Order] | None = None) -> list[Order]:
    """The check's orders: those of :data:`CUSTOMERS` among the first :data:`FIRST_ORDERS`."""
    data = data if data is not None else orders.load()
    return [o for o in data[:FIRST_ORDERS] if o.customer_id in CUSTOMERS]


@dataclass
class Run:
    """One run of the learner's producer on a queue of its own, and what the queue held after."""

    called: Called
    queue: str
    orders: list[Order]
    injected: int = 0
    restarted: bool = False
    stored: list[dict[str, Any]] = field(default_factory=list)

    def ids(self) -> list[str]:
        """Order ids of the stored messages, in delivery order."""
        return [order_id_of(m["Body"]) for m in self.stored]

    def lost(self) -> list[str]:
        """Orders that are not in the queue."""
        there = set(self.ids())
        return [o.order_id for o in self.orders if o.order_id not in there]

    def twice(self) -> list[str]:
        """Orders in the queue more than once."""
        return [i for i, n in Counter(self.ids()).items() if n > 1]

    def wrong_groups(self) -> list[tuple[str, str, str]]:
        """(order id, its customer, the group it was sent in) where the two differ."""
        customer = {o.order_id: o.customer_id for o in self.orders}
        found = []
        for m in self.stored:
            oid, group = order_id_of(m["Body"]), m.get("Attributes", {}).get("MessageGroupId", "")
            if customer.get(oid, group) != group:
                found.append((oid, customer[oid], group))
        return found

    def out_of_order(self) -> list[tuple[str, str, str]]:
        """(customer, order, the earlier-placed order it came before) in the queue's order."""
        created = {o.order_id: o.created_at for o in self.orders}
        customer = {o.order_id: o.customer_id for o in self.orders}
        latest: dict[str, str] = {}
        found = []
        for oid in dict.fromkeys(self.ids()):
            who = customer.get(oid)
            if who is None:
                continue
            if who in latest and created[latest[who]] > created[oid]:
                found.append((who, latest[who], oid))
            if who not in latest or created[oid] > created[latest[who]]:
                latest[who] = oid
        return found


def run(lab: Lab, fn: Callable[..., Any], data: list[Order], seed: int, crash: bool) -> Run:
    """Create a FIFO queue, inject partial batch failures (and the crash), call ``fn`` (again
    after a crash, from the first order), and read the queue out."""
    name = f"{fresh_name('check-send')}.fifo"
    url = lab.sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"})["QueueUrl"]
    injector = faults.inject_batch_failures(lab.sqs, rate=FAILURE_RATE, seed=seed)
    crasher = crash_after(lab.sqs, "SendMessageBatch", CRASH_AFTER) if crash else None
    try:
        called = call(lab, fn, lab.sqs, url, list(data), limit=10 * len(data))
        restarted = called.crashed
        if crasher is not None:
            crasher.undo()
        if restarted:
            called = call(lab, fn, lab.sqs, url, list(data), limit=10 * len(data))
    finally:
        injector.undo()
        if crasher is not None:
            crasher.undo()
    result = Run(called, name, data, len(injector.injected), restarted)
    result.stored = drain(lab, url)
    return result


def _sending_problems(lab: Lab, first: Run) -> list[tuple[Any, ...]]:
    """How the requests were made: batches, not one per order, each failed entry offered again."""
    calls = traced_calls(lab, first.queue)
    singles = [r for r in calls if r.operation == "SendMessage"]
    batches = [r for r in calls if r.operation == "SendMessageBatch"]
    offered = sum(r.entries for r in batches)
    return [
        (
            bool(singles or batches),
            _("{name} sent nothing: it should send the orders with send_message_batch").format(
                name=NAME
            ),
        ),
        (
            not singles,
            ngettext(
                "{name} called SendMessage {count} time(s), one request per order: send them "
                "with send_message_batch, many orders per request",
                "{name} called SendMessage {count} time(s), one request per order: send them "
                "with send_message_batch, many orders per request",
                len(singles),
            ).format(name=NAME, count=len(singles)),
        ),
        (
            max((r.entries for r in batches), default=0) > 1,
            _(
                "each SendMessageBatch carried one order: {requests} requests for "
                "{orders} orders. Put several orders in each request"
            ).format(requests=len(batches), orders=len(first.orders)),
        ),
        (
            not first.lost(),
            _(
                "{lost} of {orders} orders never reached the queue "
                "({ids}): SendMessageBatch answered them in Failed (a simulated "
                "internal error, as AWS reports under load) and they were not sent again"
            ).format(lost=len(first.lost()), orders=len(first.orders), ids=ids(first.lost())),
            _(
                "the reply to send_message_batch has two lists, Successful and Failed; an entry "
                "in Failed is not in the queue"
            ),
            _("send the entries listed in Failed again, until none is left"),
        ),
        (
            offered <= len(first.orders) + first.injected,
            _(
                "{count} entries were sent again although SQS had already accepted them: after "
                "a partial failure the whole batch went out again"
            ).format(count=offered - len(first.orders) - first.injected),
            _(
                "on a FIFO queue the deduplication id dropped those copies, but each one was a "
                "billed entry, and on a standard queue a duplicate order; resend only what is in "
                "Failed"
            ),
        ),
    ]


def _queue_problems(run: Run, after: str, why: str) -> list[tuple[Any, ...]]:
    """What the queue holds after ``run``: duplicates (``why`` says how they came), groups, each
    customer's order."""
    twice, groups, late = run.twice(), run.wrong_groups(), run.out_of_order()
    shared = Counter(group for _oid, _who, group in groups).most_common(1)
    group_text = (
        _(
            "{count} orders went to a message group that is not their customer's "
            "(e.g. {order} of {customer} in group {group})"
        ).format(
            count=len(groups), order=groups[0][0], customer=groups[0][1], group=repr(groups[0][2])
        )
        if groups
        else ""
    )
    if groups and shared and shared[0][1] == len(run.orders):
        group_text = _("all {count} orders share one message group, {group}").format(
            count=len(run.orders), group=repr(shared[0][0])
        )
    return [
        (
            not twice,
            _("{after}, {count} orders are in the queue twice ({ids}): {why}").format(
                after=after, count=len(twice), ids=ids(twice), why=why
            ),
            _(
                "a deduplication id must name the order, not the moment or the attempt: the same "
                "order sent again within the deduplication interval is then dropped"
            ),
            _("use the order id as MessageDeduplicationId"),
        ),
        (
            not groups,
            _(
                "{groups}: FIFO order holds within a group, and one customer's failing order "
                "should hold back only that customer's later orders"
            ).format(groups=group_text),
            _("the message group is the unit of order: each customer's orders in its own group"),
        ),
        (
            not late,
            _(
                "{after}, {customer}'s orders are out of order in the queue: {order} came "
                "after {later}, which was placed later"
            ).format(after=after, customer=late[0][0], order=late[0][2], later=late[0][1])
            + (_(" ({count} such pairs)").format(count=len(late)) if len(late) > 1 else ""),
            _(
                "when one entry of a batch fails and a later entry of the same customer "
                "succeeds, the retried entry lands behind it"
            ),
            _(
                "put at most one order of each customer in a batch; a customer's next order goes "
                "in a later batch, once the earlier one is accepted"
            ),
        )
        if late
        else (True,),
    ]


@expects(EXERCISE, lab=LAB, fn=FUNCTION)
def check_order_producer(lab: Lab, fn: Callable[..., Any] | None) -> Check:
    """Exercise 7.2: ``fn(sqs, queue_url, order_list)`` puts every order in the FIFO queue once,
    each customer's in order and in its own group, under partial batch failures and a crash."""
    if fn is None:
        return hint(
            EXERCISE,
            _("define {name}(sqs, queue_url, order_list), then run this check").format(name=NAME),
        )
    data = check_orders()
    first = run(lab, fn, data, SEEDS[0], crash=False)
    if first.called.failed:
        return hint(EXERCISE, *error_hints(NAME, first.called, loop_help=_budget_help()))
    problem = first_problem(
        EXERCISE,
        _sending_problems(lab, first)
        + _queue_problems(
            first,
            _("after one run"),
            _("an order went out again with a different deduplication id"),
        ),
        "",
    )
    if not problem:
        return problem
    second = run(lab, fn, data, SEEDS[1], crash=True)
    if second.called.failed:
        return hint(EXERCISE, *error_hints(NAME, second.called, loop_help=_budget_help()))
    after = _("after the producer crashed and was run again from the first order")
    return first_problem(
        EXERCISE,
        [
            (
                not second.lost(),
                _("{after}, {count} orders are missing ({ids})").format(
                    after=after, count=len(second.lost()), ids=ids(second.lost())
                ),
            ),
            *_queue_problems(
                second,
                after,
                _(
                    "the second run's deduplication ids differ from the first's, so SQS took its "
                    "sends for new orders"
                ),
            ),
        ],
        _(
            "all {count} orders reached the queue once, each in its customer's group and in "
            "order, while {failed} entry attempts failed; and after a crash and a restart "
            "from the first order, SQS dropped every order sent a second time."
        ).format(count=len(data), failed=first.injected),
    )


def _budget_help() -> str:
    """The later hint for a producer that never stops."""
    return _(
        "loop while some orders are not yet accepted; an order listed in Successful is done, "
        "one in Failed is sent again"
    )
