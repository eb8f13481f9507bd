"""Chapter 4 auto-checks: resends that FIFO deduplicates, the head-of-line failure lab, high throughput.

The check for exercise 4.1 drives the learner's ``publish`` function itself: it publishes a few
customers' events, consumes them, publishes them all again as a retrying producer would, and
looks at what was delivered. Each run uses new event names, so re-running it never collides with
the deduplication window of an earlier run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab import facts, partitions, realclock
from sqslab.exercises.arguments import (
    FUNCTION,
    LAB,
    NAME,
    SQS,
    Expected,
    expects,
    is_list,
    list_of,
)
from sqslab.exercises.base import Check, attributes, first_problem, hint, queue_url
from sqslab.fifo import Delivery, report
from sqslab.i18n import N_
from sqslab.i18n import translate as _
from sqslab.numbers import short

if TYPE_CHECKING:
    from sqslab.lab import Lab

Publish = Callable[[str, str], Any]

#: The customers and events the 4.1 check publishes (each run adds its own prefix to the names).
CUSTOMERS = ("c-17", "c-42")
EVENTS = ("signed-up", "email-verified", "first-order")
RETRY_PAUSE = 60  # seconds of lab time between the first publish and the resend
#: On a real clock the resend comes this many times sooner (still well inside the interval), and
#: each receive long-polls this long: a short poll of a real queue may miss a message.
REAL_CLOCK_SPEEDUP = 10
REAL_CLOCK_POLL = 1

_runs = itertools.count(1)

#: Exercise 4.2's order keys: (customer, number) pairs, as the notebook's ORDERS and SLOW hold them.
ORDER_KEY = Expected(
    N_("one (customer, number) pair as a tuple, e.g. SLOW"),
    lambda v: isinstance(v, tuple) and len(v) == 2,
)
ORDER_KEYS = Expected(
    N_("a list of (customer, number) tuples, e.g. ORDERS"),
    lambda v: is_list(v) and all(ORDER_KEY.test(o) for o in v),
)


def drain(lab: Lab, url: str) -> list[dict[str, Any]]:
    """Receive and delete every visible message (a long poll on a real clock only); the messages,
    in receive order."""
    sqs = lab.sqs
    got: list[dict[str, Any]] = []
    size = int(facts.get("max_receive_messages").value)
    poll = {} if lab.virtual_time else {"WaitTimeSeconds": REAL_CLOCK_POLL}
    while messages := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=size, AttributeNames=["MessageGroupId"], **poll
    ).get("Messages"):
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        got.extend(messages)
    return got


def _event_of(body: str, events: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """The (customer, event) whose customer and event name the body contains, if any."""
    return next((e for e in events if e[0] in body and e[1] in body), None)


def _publish_all(publish: Publish, events: Sequence[tuple[str, str]]) -> str | None:
    """Call ``publish`` for each event; the SQS error it raised, as text, or None."""
    try:
        for customer, event in events:
            publish(customer, event)
    except ClientError as err:
        return err.response.get("Error", {}).get("Message", str(err))
    return None


def _customer_events(run: int) -> list[tuple[str, str]]:
    """This run's events, interleaved across customers: (customer, event name)."""
    return [(c, f"r{run}-{e}") for e in EVENTS for c in CUSTOMERS]


@expects("ex4.1", lab=LAB, publish=FUNCTION, queue=NAME)
def check_resend_safe(
    lab: Lab, publish: Publish | None, queue: str = "customer-events.fifo"
) -> Check:
    """Exercise 4.1: ``publish(customer, event)`` on a FIFO queue; a resend is not delivered twice."""
    name = "ex4.1"
    sqs = lab.sqs
    url = queue_url(sqs, queue)
    if url is None:
        return hint(
            name,
            _(
                "there is no queue named {queue} yet: create it first, as a FIFO queue (its type "
                "is chosen when it is created, section 1)"
            ).format(queue=repr(queue)),
            _(
                "create_queue takes Attributes: a FIFO queue has FifoQueue set to 'true' and a "
                "name ending in .fifo"
            ),
            f"sqs.create_queue(QueueName={queue!r}, Attributes={{'FifoQueue': 'true'}})",
        )
    if attributes(sqs, url).get("FifoQueue") != "true":
        return not_fifo(name, queue)
    if publish is None:
        return hint(name, _("define publish(customer, event): it sends one event to the queue"))
    drain(lab, url)
    events = _customer_events(next(_runs))
    error = _publish_all(publish, events)
    if error is not None:
        return refused(name, _("SQS refused a send: {error}").format(error=error))
    first = drain(lab, url)
    pause = realclock.DemoTime(REAL_CLOCK_SPEEDUP, lab.virtual_time)(RETRY_PAUSE)
    lab.wait(pause)
    error = _publish_all(publish, events)  # the producer retries every event
    if error is not None:
        return refused(name, _("SQS refused the resend: {error}").format(error=error))
    again = drain(lab, url)
    return _verdict(name, events, first, again, pause)


def not_fifo(name: str, queue: str) -> Check:
    """The hints for a queue that should be FIFO and is not."""
    return hint(
        name,
        _(
            "{queue} is a standard queue: a queue's type is set only when it is created (section 1)"
        ).format(queue=repr(queue)),
        _("delete it (sqs.delete_queue) and create {queue} again as a FIFO queue").format(
            queue=repr(queue)
        ),
        _("create it with Attributes={'FifoQueue': 'true'}"),
    )


def refused(name: str, first: str) -> Check:
    """The hints for a send that SQS refused (its own message comes first)."""
    return hint(
        name,
        first,
        _(
            "a send to a FIFO queue names its message group, and a deduplication id unless the "
            "queue has content-based deduplication (sections 2 and 4)"
        ),
    )


def _groups_by_customer(
    messages: list[dict[str, Any]], found: list[tuple[str, str] | None]
) -> dict[str, set[str | None]]:
    """Per customer, the message group ids its delivered events carried."""
    groups: dict[str, set[str | None]] = {c: set() for c in CUSTOMERS}
    for message, event in zip(messages, found, strict=True):
        if event is not None:
            groups[event[0]].add(message["Attributes"].get("MessageGroupId"))
    return groups


def _verdict(
    name: str,
    events: list[tuple[str, str]],
    first: list[dict[str, Any]],
    again: list[dict[str, Any]],
    pause: float = RETRY_PAUSE,
) -> Check:
    """PASS when each event arrived once, in order per customer, one group per customer, and the
    resend ``pause`` seconds later was not delivered."""
    found = [_event_of(m["Body"], events) for m in first]
    groups = _groups_by_customer(first, found)
    window = facts.get("fifo_dedup_window").translated("text")
    return first_problem(
        name,
        [
            (
                None not in found and len(first) == len(events),
                _(
                    "the check published {events} events and {arrived} message(s) arrived, or "
                    "their bodies did not name the customer and the event: look at the body your "
                    "publish sends, and send each event once"
                ).format(events=len(events), arrived=len(first)),
                _(
                    "put the customer and the event name in the body, e.g. "
                    "json.dumps({'customer': customer, 'event': event})"
                ),
            ),
            (
                all(len(g) == 1 for g in groups.values())
                and len({next(iter(g)) for g in groups.values()}) == len(CUSTOMERS),
                _(
                    "the customers' events did not each go to a message group of their own: look "
                    "at the MessageGroupId your publish sends (section 2)"
                ),
                _(
                    "order is kept per message group, and a group is also the unit of "
                    "parallelism: one group per customer keeps each customer in order without "
                    "making the other customers wait"
                ),
                "MessageGroupId=customer",
            ),
            (
                all(
                    [e for e in found if e and e[0] == c] == [e for e in events if e[0] == c]
                    for c in CUSTOMERS
                ),
                _(
                    "a customer's events arrived out of order: all of one customer's events must "
                    "share one message group (section 1)"
                ),
            ),
            (
                not again,
                _(
                    "the resend {pause} s later was delivered again ({again} message(s)): the "
                    "repeat did not carry the deduplication id of the first send (section 4)"
                ).format(pause=short(pause), again=len(again)),
                _(
                    "SQS drops a repeat only if it carries the same deduplication id within "
                    "{window}, even after the first copy was deleted; a random uuid or the time "
                    "differs on every send"
                ).format(window=window),
                _(
                    "derive MessageDeduplicationId from the event itself, e.g. "
                    "f'{customer}:{event}'"
                ),
            ),
        ],
        _(
            "{events} events arrived once each, in order per customer; the resend {pause} s "
            "later, after they were deleted, was accepted and dropped as a duplicate."
        ).format(events=len(events), pause=short(pause)),
    )


@expects(
    "ex4.2",
    deliveries=list_of(Delivery, N_("shop (what the shop cell returned)")),
    orders=ORDER_KEYS,
    slow=ORDER_KEY,
)
def check_customer_groups(
    deliveries: Sequence[Delivery], orders: Sequence[tuple[str, int]], slow: tuple[str, int]
) -> Check:
    """Exercise 4.2 (failure lab): a slow order holds back only its own customer's orders."""
    name = "ex4.2"
    if not deliveries:
        return hint(name, _("run the cell that sends the orders and runs the shop first"))
    order = report(list(deliveries))
    done = {(d.group, d.seq): d.time for d in deliveries}
    slow_done = done.get(slow)
    others = [t for (customer, _), t in done.items() if customer != slow[0]]
    waited = [t for t in others if slow_done is not None and t > slow_done]
    return first_problem(
        name,
        [
            (
                sorted(done) == sorted(orders),
                _(
                    "{done} of {orders} orders were processed: let the shop run until the queue "
                    "is empty, and send every order"
                ).format(done=len(done), orders=len(orders)),
            ),
            (
                not waited,
                _(
                    "{waited} order(s) of other customers finished only after {slow}'s slow "
                    "order: they were held back behind it. Look at the message group send_orders "
                    "puts each order in (section 2)"
                ).format(waited=len(waited), slow=slow[0]),
                _(
                    "no later message of a group is handed out while one of its messages is in "
                    "flight: every order that shares {slow}'s group waits for its review"
                ).format(slow=slow[0]),
                _("give each customer a message group of its own: MessageGroupId=customer"),
            ),
            (
                order.in_order(),
                _(
                    "a customer's orders were processed out of order or twice: each customer's "
                    "orders must share one message group (section 1)"
                ),
                _(
                    "a group per order (or a random group) keeps no order at all; one group per "
                    "customer keeps each customer's orders in sequence"
                ),
            ),
        ],
        _(
            "the other customers' orders were all done before {slow}'s slow order finished, and "
            "every customer's orders were processed in sequence."
        ).format(slow=slow[0]),
    )


@expects("ex4.3", sqs=SQS, queue=NAME)
def check_high_throughput(sqs: Any, queue: str = "clicks.fifo") -> Check:
    """Exercise 4.3: ``queue`` is a FIFO queue in high-throughput mode."""
    name = "ex4.3"
    url = queue_url(sqs, queue)
    if url is None:
        return hint(
            name,
            _(
                "there is no queue named {queue} yet: create it, a FIFO queue in high-throughput "
                "mode (section 5)"
            ).format(queue=repr(queue)),
            _(
                "high-throughput mode is two queue attributes, given to create_queue or set "
                "later with set_queue_attributes"
            ),
            "Attributes={'FifoQueue': 'true', 'DeduplicationScope': 'messageGroup', "
            "'FifoThroughputLimit': 'perMessageGroupId'}",
        )
    attrs = attributes(sqs, url)
    if attrs.get("FifoQueue") != "true":
        return not_fifo(name, queue)
    mode = partitions.mode(attrs)
    return first_problem(
        name,
        [
            (
                mode.scope == partitions.SCOPES[1],
                scope_problem(mode),
                _("set_queue_attributes changes it on the existing queue"),
                "'DeduplicationScope': 'messageGroup'",
            ),
            (
                mode.limit == partitions.LIMITS[1],
                _(
                    "FifoThroughputLimit is {limit}: with DeduplicationScope messageGroup alone, "
                    "{rule}; high-throughput mode needs both attributes (section 5)"
                ).format(
                    limit=repr(mode.limit),
                    rule=facts.get("fifo_ht_other_combinations").translated("text"),
                ),
                _("set_queue_attributes changes it on the existing queue"),
                "'FifoThroughputLimit': 'perMessageGroupId'",
            ),
        ],
        _(
            "{queue} is a FIFO queue in high-throughput mode (deduplication and the throughput "
            "quota per message group)."
        ).format(queue=repr(queue)),
    )


def scope_problem(mode: partitions.Mode) -> str:
    """The first hint for a high-throughput queue whose DeduplicationScope is not messageGroup,
    naming the rule the pair of attributes breaks."""
    if mode.limit == partitions.LIMITS[1]:
        return _(
            "FifoThroughputLimit is perMessageGroupId but DeduplicationScope is {scope}: AWS's "
            "rule is that {rule} (section 5)"
        ).format(
            scope=repr(mode.scope),
            rule=facts.get("fifo_throughput_limit_scope").translated("text"),
        )
    if mode.scope not in partitions.SCOPES:
        return _("DeduplicationScope is {scope}: {mode} (section 5)").format(
            scope=repr(mode.scope), mode=mode.describe()
        )
    return _(
        "DeduplicationScope is {scope}: in high-throughput mode deduplication works per message "
        "group, not per queue; as it is, the queue gets {mode} (section 5)"
    ).format(scope=repr(mode.scope), mode=mode.describe())
