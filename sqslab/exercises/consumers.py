"""Chapter 3 auto-checks: draining a queue, the slow-consumer failure lab, idempotency."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from sqslab.exercises.arguments import LAB, LIST, NAME, WHOLE, Expected, expects
from sqslab.exercises.base import (
    DELETE_OPERATIONS,
    Check,
    first_problem,
    messages_left,
    queue_url,
    traced_calls,
)

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: What a consumer run returns (a ConsumeResult: its ``processed`` list), or None before it ran.
RESULT = Expected(
    "the result of your consumer run (result = consumer.run()), or None before you ran it",
    lambda v: v is None or isinstance(getattr(v, "processed", None), list),
)


@expects("ex3.1", lab=LAB, queue=NAME)
def check_drain(lab: Lab, queue: str = "inbox") -> Check:
    """Exercise 3.1: receive every message of ``inbox`` with long polling and delete each one."""
    name = "ex3.1"
    url = queue_url(lab.sqs, queue)
    if url is None:
        return Check(name, False, f"run the set-up cell first: it creates the queue {queue!r}")
    calls = traced_calls(lab, queue)
    receives = [r for r in calls if r.operation == "ReceiveMessage"]
    deletes = [r for r in calls if r.operation in DELETE_OPERATIONS]
    short = [r for r in receives if not r.params.get("WaitTimeSeconds")]
    left = messages_left(lab.sqs, url)
    return first_problem(
        name,
        [
            (bool(receives), "receive messages: sqs.receive_message(QueueUrl=url, ...)"),
            (
                not short,
                f"{len(short)} receive(s) used short polling: pass WaitTimeSeconds=20 so an empty "
                "queue answers once every 20 s instead of at once",
            ),
            (
                all(r.params.get("MaxNumberOfMessages", 1) == 10 for r in receives),
                "ask for up to 10 messages per receive (MaxNumberOfMessages=10): fewer requests",
            ),
            (bool(deletes), "delete each message after handling it, with its ReceiptHandle"),
            (left == 0, f"{left} message(s) are still in {queue!r}: loop until a receive is empty"),
        ],
        f"{queue!r} is empty: every message was received with long polling and deleted.",
    )


@expects("ex3.2", result=RESULT, expected=WHOLE)
def check_no_double_processing(result: Any, expected: int) -> Check:
    """Exercise 3.2 (failure lab): every message handled exactly once, none left behind."""
    name = "ex3.2"
    if result is None:
        return Check(name, False, "run your fixed consumer and pass its result to the check")
    twice = sorted(k for k, n in Counter(result.processed).items() if n > 1)
    return first_problem(
        name,
        [
            (
                not twice,
                f"{len(twice)} message(s) were processed twice: they stayed held longer than the "
                "visibility timeout, so another worker got them again; add heartbeat_interval= "
                "(or make the timeout longer than a whole received batch takes, or batch_size=1)",
            ),
            (
                len(set(result.processed)) == expected,
                f"{len(set(result.processed))} of {expected} messages were processed; let the "
                "consumer run until the queue is empty",
            ),
        ],
        f"all {expected} messages were processed exactly once, even though each takes longer "
        "than the visibility timeout.",
    )


@expects("ex3.3", effects=LIST, expected=LIST, duplicates=WHOLE)
def check_idempotent(effects: list[str], expected: list[str], duplicates: int) -> Check:
    """Exercise 3.3: with duplicate deliveries injected, each order's effect happened once."""
    name = "ex3.3"
    repeated = sorted(k for k, n in Counter(effects).items() if n > 1)
    return first_problem(
        name,
        [
            (
                duplicates > 0,
                "the realism layer injected no duplicate: enable it with duplicates= above 0",
            ),
            (
                not repeated,
                f"{len(repeated)} order(s) were charged twice ({', '.join(repeated[:3])}…): wrap "
                "the handler with sqslab.idempotency.idempotent(handler, key=...)",
            ),
            (
                sorted(set(effects)) == sorted(expected),
                "some orders were never charged: the handler must still process every new order",
            ),
        ],
        f"{duplicates} duplicate deliveries arrived and every order was charged exactly once.",
    )
