"""Chapter 3 auto-checks: draining a queue (exercise 3.1). The heartbeat (3.2) and the idempotent
handler (3.3) have modules of their own: :mod:`~sqslab.exercises.heartbeat`,
:mod:`~sqslab.exercises.duplicates`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqslab import facts
from sqslab.exercises.arguments import LAB, NAME, expects
from sqslab.exercises.base import (
    DELETE_OPERATIONS,
    Check,
    first_problem,
    messages_left,
    queue_url,
    traced_calls,
)
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.lab import Lab


@expects("ex3.1", lab=LAB, queue=NAME)
def check_drain(lab: Lab, queue: str = "inbox") -> Check:
    """Exercise 3.1: receive every message of ``inbox`` with long polling and delete each one."""
    name = "ex3.1"
    url = queue_url(lab.sqs, queue)
    if url is None:
        return Check(
            name,
            False,
            _("run the set-up cell first: it creates the queue {queue}").format(queue=repr(queue)),
        )
    calls = traced_calls(lab, queue)
    receives = [r for r in calls if r.operation == "ReceiveMessage"]
    deletes = [r for r in calls if r.operation in DELETE_OPERATIONS]
    short = [r for r in receives if not r.params.get("WaitTimeSeconds")]
    left = messages_left(lab.sqs, url)
    wait = facts.get("long_poll_max_wait")
    batch = facts.get("max_receive_messages")
    return first_problem(
        name,
        [
            (
                bool(receives),
                _(
                    "nothing was received from {queue} yet: receive in a loop, a batch at a time "
                    "(section 1 shows ReceiveMessage and the parameters it takes)"
                ).format(queue=repr(queue)),
                _(
                    "one receive_message call per pass of a while loop, until a receive brings "
                    "nothing back"
                ),
                "while messages := sqs.receive_message(QueueUrl=inbox_url, ...).get('Messages'):",
            ),
            (
                not short,
                # the English text is the same in both forms; Portuguese has a singular
                ngettext(
                    "{count} receive(s) used short polling, which answers at once, empty or not: "
                    "section 2 shows why a long poll costs less",
                    "{count} receive(s) used short polling, which answers at once, empty or not: "
                    "section 2 shows why a long poll costs less",
                    len(short),
                ).format(count=len(short)),
                _("give every receive a wait time: WaitTimeSeconds up to {wait}").format(
                    wait=wait.translated("text")
                ),
                _("pass WaitTimeSeconds=LONG_POLL ({seconds} s) to receive_message").format(
                    seconds=f"{wait.value:.0f}"
                ),
            ),
            (
                all(r.params.get("MaxNumberOfMessages", 1) == batch.value for r in receives),
                _(
                    "some receives asked for fewer than {batch}: a receive returns 1 message "
                    "unless asked for more, so draining takes more requests than needed"
                ).format(batch=batch.translated("text")),
                _("pass MaxNumberOfMessages=MAX_BATCH ({count}) to receive_message").format(
                    count=f"{batch.value:.0f}"
                ),
            ),
            (
                bool(deletes),
                _(
                    "the messages were received but none was deleted: they come back to {queue} "
                    "when their visibility timeout ends (section 1)"
                ).format(queue=repr(queue)),
                _(
                    "delete each message with the ReceiptHandle its receive gave, or a batch of "
                    "them with delete_message_batch"
                ),
            ),
            (
                left == 0,
                ngettext(
                    "{count} message(s) are still in {queue}: keep receiving until a receive "
                    "comes back empty, and delete everything each receive brought",
                    "{count} message(s) are still in {queue}: keep receiving until a receive "
                    "comes back empty, and delete everything each receive brought",
                    left,
                ).format(count=left, queue=repr(queue)),
                _("a while loop that stops at the first empty receive drains the queue"),
            ),
        ],
        _("{queue} is empty: every message was received with long polling and deleted.").format(
            queue=repr(queue)
        ),
    )
