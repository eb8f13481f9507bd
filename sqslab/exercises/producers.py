"""Chapter 2 auto-checks: a batched send, ordered FIFO events, a large payload through S3.

Each exercise starts from :func:`fresh_queue`, so re-running its set-up cell starts it over. The
checks look at the lab's trace (which calls were made since the queue was created) and at the
messages in the queue, read with :func:`peek`, which leaves them in the queue.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab import facts
from sqslab.exercises.arguments import LAB, LIST, NAME, expects
from sqslab.exercises.base import SEND_OPERATIONS, Check, first_problem, hint, queue_url
from sqslab.i18n import N_, ngettext
from sqslab.i18n import translate as _
from sqslab.queues import peek
from sqslab.trace import CallRecord

if TYPE_CHECKING:
    from sqslab.lab import Lab

SET_UP_FIRST = N_("run the set-up cell first: it creates the queue {queue}")


def fresh_queue(lab: Lab, name: str, attributes: dict[str, str] | None = None) -> str:
    """Create queue ``name`` empty for an exercise, deleting a previous attempt's queue first."""
    sqs = lab.sqs
    old = queue_url(sqs, name)
    if old is not None:
        sqs.delete_queue(QueueUrl=old)
    try:
        return sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "QueueDeletedRecently":
            raise
        raise RuntimeError(
            _(
                "SQS refuses to create {name} again this soon after deleting it "
                "(QueueDeletedRecently): wait a little, then re-run this set-up cell"
            ).format(name=repr(name))
        ) from None


def _queue_name(url: str) -> str:
    """The queue name at the end of a queue URL (with any lab prefix)."""
    return url.rstrip("/").rsplit("/", 1)[-1]


def since_created(lab: Lab, url: str) -> list[CallRecord]:
    """The traced calls on the queue at ``url`` since it was last created (all, if never traced)."""
    name = _queue_name(url)
    records = [r for r in lab.trace if r.queue == name]
    created = [i for i, r in enumerate(records) if r.operation == "CreateQueue"]
    return records[created[-1] + 1 :] if created else records


def _accepted(records: list[CallRecord]) -> int:
    """Messages SQS accepted in these calls (successful sends and batch entries)."""
    return sum(len(r.message_ids) for r in records if r.ok and r.operation in SEND_OPERATIONS)


def _json(body: str) -> Any:
    """The body parsed as JSON, or None when it is not JSON."""
    try:
        return json.loads(body)
    except ValueError:
        return None


# --- Exercise 2.1 ----------------------------------------------------------------------------


@expects("ex2.1", lab=LAB, orders=LIST, queue=NAME)
def check_batch_orders(lab: Lab, orders: Sequence[Any], queue: str = "orders-batch") -> Check:
    """Exercise 2.1: every order in ``queue`` as JSON, sent with the fewest SendMessageBatch
    calls and no SendMessage."""
    name = "ex2.1"
    url = queue_url(lab.sqs, queue)
    if url is None:
        return Check(name, False, _(SET_UP_FIRST).format(queue=repr(queue)))
    entries = facts.get("batch_max_entries")
    fewest = math.ceil(len(orders) / entries.value)
    records = since_created(lab, url)
    singles = [r for r in records if r.operation == "SendMessage"]
    batches = [r for r in records if r.operation == "SendMessageBatch" and r.ok]
    if not singles and not batches:
        return hint(
            name,
            _(
                "nothing was sent to {queue} yet: send the orders in batches, up to "
                "{entries} per request (section 3 shows SendMessageBatch, its entries and "
                "what it answers)"
            ).format(queue=repr(queue), entries=entries.translated("text")),
            _(
                "each entry of a batch has an Id (unique within the call) and a MessageBody; cut "
                "the list of orders into slices of {size}"
            ).format(size=f"{entries.value:.0f}"),
            "sqs.send_message_batch(QueueUrl=url, Entries=[{'Id': str(i), 'MessageBody': "
            "json.dumps(order)} for i, order in ...]) "
            + _("for each slice of {size}").format(size=f"{entries.value:.0f}"),
        )
    messages = peek(lab, url)
    bodies = [_json(m["Body"]) for m in messages]
    restart = _("re-run the set-up cell (it empties the queue) and")
    size = f"{entries.value:.0f}"
    most = entries.translated("text")
    return first_problem(
        name,
        [
            (
                not singles,
                ngettext(
                    "you called SendMessage {count} time(s), one request per message: "
                    "{restart} send with SendMessageBatch only (section 3)",
                    "you called SendMessage {count} time(s), one request per message: "
                    "{restart} send with SendMessageBatch only (section 3)",
                    len(singles),
                ).format(count=len(singles), restart=restart),
                _(
                    "sqs.send_message_batch takes a list of entries: up to {entries} messages in "
                    "one request"
                ).format(entries=most),
            ),
            (
                len(messages) <= len(orders),
                _(
                    "{messages} messages are in {queue} but there are {orders} orders: some were "
                    "sent twice; {restart} send each order once"
                ).format(
                    messages=len(messages), queue=repr(queue), orders=len(orders), restart=restart
                ),
                _(
                    "slices that overlap send an order twice: start each slice where the last one "
                    "ended"
                ),
            ),
            (
                len(batches) <= fewest,
                _(
                    "you made {batches} SendMessageBatch calls; {orders} orders fit in {fewest} "
                    "(up to {entries} each): fill every batch, then {restart} try again"
                ).format(
                    batches=len(batches),
                    orders=len(orders),
                    fewest=fewest,
                    entries=most,
                    restart=restart,
                ),
                _("make slices of {size} orders: only the last one may be smaller").format(
                    size=size
                ),
            ),
            (
                len(messages) == len(orders),
                _(
                    "only {messages} of {orders} orders are in {queue}: some orders were never "
                    "sent (the last, smaller slice?)"
                ).format(messages=len(messages), orders=len(orders), queue=repr(queue)),
                _("the last slice holds fewer than {entries}: send it too").format(entries=most),
                _(
                    "range(0, len(orders), {size}) gives the start of every slice, the last one "
                    "included"
                ).format(size=size),
            ),
            (
                all(body in orders for body in bodies),
                _(
                    "the messages are not the orders as JSON: the check reads each body as JSON "
                    "and compares it with the orders"
                ),
                _("send each as 'MessageBody': json.dumps(order)"),
            ),
        ],
        _(
            "all {orders} orders are in {queue}, sent in {batches} SendMessageBatch calls and no "
            "SendMessage."
        ).format(orders=len(orders), queue=repr(queue), batches=len(batches)),
    )


# --- Exercise 2.2 ----------------------------------------------------------------------------


def _event_names(events: Sequence[Any]) -> str:
    """The ``event`` field of each event (or the event itself), joined by arrows."""
    return " -> ".join(str(e.get("event", e)) if isinstance(e, dict) else str(e) for e in events)


@expects("ex2.2", lab=LAB, events=LIST, queue=NAME)
def check_payment_events(
    lab: Lab, events: Sequence[Any], queue: str = "payments-events.fifo"
) -> Check:
    """Exercise 2.2: ``events`` in ``queue`` as JSON, in order, in one message group, each once."""
    name = "ex2.2"
    url = queue_url(lab.sqs, queue)
    if url is None:
        return Check(name, False, _(SET_UP_FIRST).format(queue=repr(queue)))
    messages = peek(lab, url)
    if not messages:
        return hint(
            name,
            _(
                "nothing is in {queue} yet: send the three events, in the order of the list. A "
                "FIFO queue without content-based deduplication wants two ids on every send: "
                "section 4 shows what SQS answers without a group id"
            ).format(queue=repr(queue)),
            _(
                "one send per event, each with a MessageGroupId (the same for all three: order "
                "holds within a group) and a MessageDeduplicationId of its own"
            ),
            "sqs.send_message(QueueUrl=url, MessageBody=json.dumps(event), "
            "MessageGroupId=event['customer'], MessageDeduplicationId=...)",
        )
    got = [_json(m["Body"]) for m in messages]
    groups = sorted({m["Attributes"].get("MessageGroupId", "") for m in messages})
    sent = _accepted(since_created(lab, url))
    window = facts.get("fifo_dedup_window").translated("text")
    restart = _("re-run the set-up cell (it empties the queue and its deduplication history) and")
    return first_problem(
        name,
        [
            (
                all(e in events for e in got),
                _(
                    "the messages are not the events as JSON: the check reads each body as JSON "
                    "and compares it with the events"
                ),
                _("send each as MessageBody=json.dumps(event)"),
            ),
            (
                len(messages) >= len(events) or sent <= len(messages),
                ngettext(
                    "SQS accepted {sent} sends but only {messages} message(s) are in the queue: "
                    "the others had a MessageDeduplicationId already used within {window}, so "
                    "SQS dropped them as duplicates. Give each event an id of its own, then "
                    "{restart} send again",
                    "SQS accepted {sent} sends but only {messages} message(s) are in the queue: "
                    "the others had a MessageDeduplicationId already used within {window}, so "
                    "SQS dropped them as duplicates. Give each event an id of its own, then "
                    "{restart} send again",
                    len(messages),
                ).format(sent=sent, messages=len(messages), window=window, restart=restart),
                _(
                    "build the deduplication id from the event itself (customer and event name): "
                    "the same on a retry of that event, different for another event"
                ),
            ),
            (
                len(messages) >= len(events),
                _("only {messages} of {events} events are in the queue: send all of them").format(
                    messages=len(messages), events=len(events)
                ),
                _("loop over the whole list of events"),
            ),
            (
                len(messages) == len(events),
                _(
                    "{messages} messages are in the queue but there are {events} events: "
                    "{restart} send each event once"
                ).format(messages=len(messages), events=len(events), restart=restart),
                _("one send per event: run the sending cell once after the set-up cell"),
            ),
            (
                len(groups) == 1,
                _(
                    "the events are in {count} message groups ({groups}); FIFO order holds only "
                    "within a group: all of one customer's events belong in one"
                ).format(count=len(groups), groups=", ".join(groups)),
                _("use the customer id as MessageGroupId for all three"),
            ),
            (
                got == list(events),
                _(
                    "they arrive as {got}, not {events}: {restart} send them in the order of the "
                    "list"
                ).format(got=_event_names(got), events=_event_names(events), restart=restart),
                _("a plain for loop over events sends them in order"),
            ),
        ],
        _(
            "the {count} events arrive in order ({names}), in the single message group {group}, "
            "each once."
        ).format(count=len(events), names=_event_names(events), group=repr(groups[0])),
    )
