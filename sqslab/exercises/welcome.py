"""Chapter 0 auto-checks: a first round trip through a queue, and a message that comes back after
its visibility timeout."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqslab.exercises.arguments import LAB, NAME, expects
from sqslab.exercises.base import (
    DELETE_OPERATIONS,
    SEND_OPERATIONS,
    Check,
    first_problem,
    hint,
    messages_left,
    queue_url,
    traced_calls,
)

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.trace import CallRecord

#: Exercise 0.2's visibility timeout: ten minutes.
COMES_BACK_TIMEOUT = 600


@expects("ex0.1", lab=LAB)
def check_first_roundtrip(lab: Lab) -> Check:
    """Exercise 0.1: send 'ping' to a queue named ``hello``, receive it, delete it."""
    name = "ex0.1"
    url = queue_url(lab.sqs, "hello")
    if url is None:
        return hint(
            name,
            "there is no queue named 'hello' yet: create it first (section 3)",
            "create_queue answers with the queue's URL, which every other call takes",
            "url = sqs.create_queue(QueueName='hello')['QueueUrl']",
        )
    calls = traced_calls(lab, "hello")
    sent = [r for r in calls if r.operation in SEND_OPERATIONS]
    received = [r for r in calls if r.operation == "ReceiveMessage" and r.received]
    deleted = [r for r in calls if r.operation in DELETE_OPERATIONS]
    left = messages_left(lab.sqs, url)
    return first_problem(
        name,
        [
            (
                bool(sent),
                "nothing was sent to 'hello' yet (section 3)",
                "sqs.send_message(QueueUrl=url, MessageBody='ping')",
            ),
            (
                bool(received),
                "the message was not received yet (section 3)",
                "reply = sqs.receive_message(QueueUrl=url)",
            ),
            (
                bool(deleted),
                "the message was received but never deleted: receiving does not remove it "
                "(section 3)",
                "deleting takes the receipt handle that came with the receive, not the message id",
                "sqs.delete_message(QueueUrl=url, "
                "ReceiptHandle=reply['Messages'][0]['ReceiptHandle'])",
            ),
            (left == 0, f"{left} message(s) are still in 'hello': receive and delete each one"),
        ],
        "you sent, received and deleted a message: the whole life of an SQS message.",
    )


def _receipts(calls: list[CallRecord]) -> list[tuple[str, float, int | None]]:
    """(message id, lab time, visibility timeout asked) of every message the receives returned."""
    return [
        (m.message_id, r.started, r.visibility_timeout)
        for r in calls
        if r.operation == "ReceiveMessage"
        for m in r.messages
        if m.message_id
    ]


@expects("ex0.2", lab=LAB, queue=NAME)
def check_comes_back(lab: Lab, queue: str = "second-chance") -> Check:
    """Exercise 0.2: receive a message with a 10-minute timeout, let it pass, receive it again."""
    name = "ex0.2"
    if queue_url(lab.sqs, queue) is None:
        return hint(
            name,
            f"there is no queue named {queue!r} yet: create it first",
            f"sqs.create_queue(QueueName={queue!r})",
        )
    calls = traced_calls(lab, queue)
    receipts = _receipts(calls)
    ids = [message_id for message_id, _, _ in receipts]
    again = next((i for i in ids if ids.count(i) > 1), None)
    first = next((r for r in receipts if r[0] == again), receipts[0] if receipts else None)
    sent = any(r.operation in SEND_OPERATIONS for r in calls)
    return first_problem(
        name,
        [
            (
                sent,
                "send one message to it first",
                "sqs.send_message(QueueUrl=url, MessageBody='again')",
            ),
            (
                bool(receipts),
                "receive the message, hiding it for ten minutes (section 4)",
                "sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)",
            ),
            (
                first is not None and first[2] == COMES_BACK_TIMEOUT,
                "the first receive did not hide the message for ten minutes (section 4)",
                "pass VisibilityTimeout=600 to that receive_message, and do not delete the message",
            ),
            (
                again is not None,
                "it was received only once: let the ten minutes pass on the lab's clock, then "
                "receive it again (section 4)",
                f"lab.wait({COMES_BACK_TIMEOUT + 1}) moves the lab's clock (time.sleep does not)",
            ),
        ],
        "the message you did not delete came back after its ten-minute visibility timeout, on "
        "the lab's clock, and was received a second time.",
    )
