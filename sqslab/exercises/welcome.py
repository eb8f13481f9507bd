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
from sqslab.i18n import N_, ngettext
from sqslab.i18n import translate as _
from sqslab.realclock import span

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
            _("there is no queue named 'hello' yet: create it first (section 3)"),
            _("create_queue answers with the queue's URL, which every other call takes"),
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
                _("nothing was sent to 'hello' yet (section 3)"),
                "sqs.send_message(QueueUrl=url, MessageBody='ping')",
            ),
            (
                bool(received),
                _("the message was not received yet (section 3)"),
                "reply = sqs.receive_message(QueueUrl=url)",
            ),
            (
                bool(deleted),
                _(
                    "the message was received but never deleted: receiving does not remove it "
                    "(section 3)"
                ),
                _(
                    "deleting takes the receipt handle that came with the receive, not the "
                    "message id"
                ),
                "sqs.delete_message(QueueUrl=url, "
                "ReceiptHandle=reply['Messages'][0]['ReceiptHandle'])",
            ),
            (
                left == 0,
                # the English text is the same in both forms; Portuguese has a singular
                ngettext(
                    "{count} message(s) are still in 'hello': receive and delete each one",
                    "{count} message(s) are still in 'hello': receive and delete each one",
                    left,
                ).format(count=left),
            ),
        ],
        _("you sent, received and deleted a message: the whole life of an SQS message."),
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
    """Exercise 0.2: receive a message with a 10-minute timeout, let it pass, receive it again.

    On a real clock any timeout from 1 s to ten minutes counts (``demo(600)`` of a demo sped up
    with ``lab.demo_time``): the learner's message must still come back and be received again."""
    name = "ex0.2"
    if queue_url(lab.sqs, queue) is None:
        return hint(
            name,
            _("there is no queue named {queue} yet: create it first").format(queue=repr(queue)),
            f"sqs.create_queue(QueueName={queue!r})",
        )
    calls = traced_calls(lab, queue)
    receipts = _receipts(calls)
    ids = [message_id for message_id, _when, _timeout in receipts]
    again = next((i for i in ids if ids.count(i) > 1), None)
    first = next((r for r in receipts if r[0] == again), receipts[0] if receipts else None)
    sent = any(r.operation in SEND_OPERATIONS for r in calls)
    words = VIRTUAL_WORDS if lab.virtual_time else REAL_WORDS
    return first_problem(
        name,
        [
            (
                sent,
                _("send one message to it first"),
                "sqs.send_message(QueueUrl=url, MessageBody='again')",
            ),
            (
                bool(receipts),
                _("receive the message, hiding it for ten minutes (section 4)"),
                words["receive"],
            ),
            (
                first is not None and _hides_long_enough(lab, first[2]),
                _(words["too short"]),
                _(words["receive fix"]),
            ),
            (
                again is not None,
                _(
                    "it was received only once: let the ten minutes pass on the lab's clock, "
                    "then receive it again (section 4)"
                ),
                _(words["wait"]).format(seconds=COMES_BACK_TIMEOUT + 1),
            ),
        ],
        _(words["pass"]).format(timeout=span(first[2] or 0) if first else ""),
    )


def _hides_long_enough(lab: Lab, timeout: int | None) -> bool:
    """Ten minutes on the virtual clock; on a real one, 1 s to ten minutes (a sped-up demo)."""
    if lab.virtual_time:
        return timeout == COMES_BACK_TIMEOUT
    return timeout is not None and 1 <= timeout <= COMES_BACK_TIMEOUT


#: What exercise 0.2's check says on the virtual clock, and on a real one (where ten minutes
#: are ten real minutes unless the learner speeds the demo up with ``lab.demo_time``). The texts
#: are marked with ``N_`` and translated where the check uses them; "receive" is code only.
VIRTUAL_WORDS = {
    "receive": "sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)",
    "too short": N_("the first receive did not hide the message for ten minutes (section 4)"),
    "receive fix": N_(
        "pass VisibilityTimeout=600 to that receive_message, and do not delete the message"
    ),
    "wait": N_("lab.wait({seconds}) moves the lab's clock (time.sleep does not)"),
    "pass": N_(
        "the message you did not delete came back after its ten-minute visibility timeout, "
        "on the lab's clock, and was received a second time."
    ),
}
REAL_WORDS = {
    "receive": "demo = lab.demo_time(60); sqs.receive_message(QueueUrl=url, "
    "VisibilityTimeout=demo(600))",
    "too short": N_(
        "the first receive did not hide the message for ten minutes, or for a sped-up "
        "ten minutes of 1 s or more (section 4)"
    ),
    "receive fix": N_(
        "on a real clock, demo = lab.demo_time(60) makes ten minutes last ten "
        "seconds: pass VisibilityTimeout=demo(600) to that receive_message, and do not delete it"
    ),
    "wait": N_("lab.wait(demo(600) + 1) waits for real until the timeout has passed"),
    "pass": N_(
        "the message you did not delete came back after its visibility timeout ({timeout} "
        "on this real clock) and was received a second time."
    ),
}
