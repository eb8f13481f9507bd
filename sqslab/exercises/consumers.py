"""Chapter 3 auto-checks: draining a queue (exercise 3.1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqslab.exercises.arguments import LAB, NAME, expects
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
