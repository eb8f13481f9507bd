"""Chapter 2 auto-checks: a batched send, ordered FIFO events.

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
from sqslab.exercises.base import SEND_OPERATIONS, Check, first_problem, queue_url
from sqslab.queues import peek
from sqslab.trace import CallRecord

if TYPE_CHECKING:
    from sqslab.lab import Lab


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
            f"SQS refuses to create {name!r} again this soon after deleting it "
            "(QueueDeletedRecently): wait a little, then re-run this set-up cell"
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
        return Check(name, False, f"run the set-up cell first: it creates the queue {queue!r}")
    entries = facts.get("batch_max_entries")
    fewest = math.ceil(len(orders) / entries.value)
    records = since_created(lab, url)
    singles = [r for r in records if r.operation == "SendMessage"]
    batches = [r for r in records if r.operation == "SendMessageBatch" and r.ok]
    if not singles and not batches:
        return Check(
            name,
            False,
            "send the orders with sqs.send_message_batch(QueueUrl=url, Entries=[{'Id': '0', "
            f"'MessageBody': json.dumps(orders[0])}}, ...]): up to {entries.text} per call",
        )
    messages = peek(lab, url)
    bodies = [_json(m["Body"]) for m in messages]
    restart = "re-run the set-up cell (it empties the queue) and"
    return first_problem(
        name,
        [
            (
                not singles,
                f"you called SendMessage {len(singles)} time(s), one request per message: "
                f"{restart} send only with sqs.send_message_batch",
            ),
            (
                len(messages) <= len(orders),
                f"{len(messages)} messages are in {queue!r} but there are {len(orders)} orders: "
                f"some were sent twice; {restart} send each order once",
            ),
            (
                len(batches) <= fewest,
                f"you made {len(batches)} SendMessageBatch calls; {len(orders)} orders fit in "
                f"{fewest} (up to {entries.text} each): fill every batch, then {restart} try again",
            ),
            (
                len(messages) == len(orders),
                f"only {len(messages)} of {len(orders)} orders are in {queue!r}: the last batch "
                f"is smaller than {entries.text}; send it too (range(0, len(orders), "
                f"{entries.value:.0f}) covers every order)",
            ),
            (
                all(body in orders for body in bodies),
                "the messages are not the orders as JSON: send each as "
                "'MessageBody': json.dumps(order)",
            ),
        ],
        f"all {len(orders)} orders are in {queue!r}, sent in {len(batches)} SendMessageBatch "
        "calls and no SendMessage.",
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
        return Check(name, False, f"run the set-up cell first: it creates the queue {queue!r}")
    messages = peek(lab, url)
    if not messages:
        return Check(
            name,
            False,
            "send the events in order, each with sqs.send_message(QueueUrl=url, "
            "MessageBody=json.dumps(event), MessageGroupId=..., MessageDeduplicationId=...)",
        )
    got = [_json(m["Body"]) for m in messages]
    groups = sorted({m["Attributes"].get("MessageGroupId", "") for m in messages})
    sent = _accepted(since_created(lab, url))
    window = facts.get("fifo_dedup_window").text
    restart = "re-run the set-up cell (it empties the queue and its deduplication history) and"
    return first_problem(
        name,
        [
            (
                all(e in events for e in got),
                "the messages are not the events as JSON: send each as "
                "MessageBody=json.dumps(event)",
            ),
            (
                len(messages) >= len(events) or sent <= len(messages),
                f"SQS accepted {sent} sends but only {len(messages)} message(s) are in the "
                f"queue: the others had a MessageDeduplicationId already used within {window}, "
                f"so SQS dropped them as duplicates. Give each event its own id (e.g. customer "
                f"and event name), {restart} send again",
            ),
            (
                len(messages) >= len(events),
                f"only {len(messages)} of {len(events)} events are in the queue: send all of them",
            ),
            (
                len(messages) == len(events),
                f"{len(messages)} messages are in the queue but there are {len(events)} events: "
                f"{restart} send each event once",
            ),
            (
                len(groups) == 1,
                f"the events are in {len(groups)} message groups ({', '.join(groups)}); FIFO "
                "order holds only within a group: use the customer id as MessageGroupId for all",
            ),
            (
                got == list(events),
                f"they arrive as {_event_names(got)}, not {_event_names(events)}: {restart} send "
                "them in the order of the list",
            ),
        ],
        f"the {len(events)} events arrive in order ({_event_names(events)}), in the single "
        f"message group {groups[0]!r}, each once.",
    )
