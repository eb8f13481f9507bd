"""Exercise 3.3: an idempotent handler written by the learner, checked under redeliveries.

The learner's ``handle_payment(message, processed, charge)`` gets a message as boto3 returns it
(its body is JSON with ``payment_id``, ``amount`` and ``sent_at``), the processed-store (a set
the check owns) and ``charge(payment_id, amount)``, the effect that must happen once per payment.
The check plays the consumer on a queue of its own: it receives, calls the handler, and deletes
after the handler returned, while it makes payments arrive again in the ways production does
(:data:`STORIES`): a redelivery of the same message, a producer's retry, a failed charge, a
redrive with a new MessageId.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, first_problem, hint
from sqslab.exercises.producers import fresh_queue
from sqslab.i18n import N_
from sqslab.i18n import translate as _
from sqslab.queues import release

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex3.3"
QUEUE = "payments-check"
#: How each payment arrives in the check; the first one arrives once, as it should.
#: (Marked here, shown in the lab's language.)
STORIES = {
    "P-301": N_("delivered once"),
    "P-302": N_(
        "the worker crashed after the charge, before the delete: the same message came back"
    ),
    "P-303": N_("the producer retried the send: two messages, two MessageIds, one payment"),
    "P-304": N_("the first charge failed (the payment gateway was down), the message came back"),
    "P-305": N_("redriven by hand from a dead-letter queue: sent again, with a new MessageId"),
}
CODE = (
    "payment = json.loads(message['Body']); pid = payment['payment_id']; if pid in processed: "
    "return; charge(pid, payment['amount']); processed.add(pid)"
)


class GatewayDown(ConnectionError):
    """The check's ``charge`` failing once, as a payment gateway that does not answer."""


class MessageGone(LookupError):
    """A message the check was to deliver again is no longer in its queue."""


class IdempotencyRun:
    """The check's consumer: the five payments, their redeliveries, and what was charged."""

    def __init__(self, lab: Lab, handle: Callable[..., Any]) -> None:
        self.lab, self.handle, self.sqs = lab, handle, lab.sqs
        with lab.trace.paused():
            self.url = fresh_queue(lab, QUEUE, {"VisibilityTimeout": "30"})
        self.processed: set[Any] = set()
        self.charges: list[str] = []
        self.message_ids: set[str] = set()
        self.swallowed = False
        self.deliveries = 0
        self._down = {"P-304"}
        self._sends = 0

    def charge(self, payment_id: str, amount: float) -> None:
        """The effect: one card charge (the first attempt for P-304 fails)."""
        if payment_id in self._down:
            self._down.discard(payment_id)
            raise GatewayDown(
                _("simulated: the payment gateway did not answer for {payment}").format(
                    payment=payment_id
                )
            )
        self.charges.append(str(payment_id))

    def send(self, payment_id: str) -> dict[str, Any]:
        """Send one message for ``payment_id`` (a new MessageId) and receive it back."""
        self._sends += 1
        body = {"payment_id": payment_id, "amount": 25.0, "sent_at": f"09:00:{self._sends:02d}"}
        self.sqs.send_message(QueueUrl=self.url, MessageBody=json.dumps(body))
        return self.receive()

    def receive(self) -> dict[str, Any]:
        """The next message of the check's queue."""
        messages = self.sqs.receive_message(QueueUrl=self.url).get("Messages", [])
        if not messages:
            raise MessageGone(_("the message the check expected back was no longer in its queue"))
        message = messages[0]
        self.message_ids.add(message["MessageId"])
        self.deliveries += 1
        return message

    def deliver(self, message: dict[str, Any], delete: bool = True) -> BaseException | None:
        """Hand ``message`` to the handler; delete it if the handler returned (and ``delete``)."""
        try:
            self.handle(message, self.processed, self.charge)
        except Exception as err:  # noqa: BLE001 - a failed handler leaves the message in the queue
            return err
        if delete:
            with contextlib.suppress(ClientError):  # the handler may have deleted it already
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return None

    def again(self, message: dict[str, Any]) -> dict[str, Any]:
        """The same message delivered again: its visibility timeout ran out."""
        release(self.sqs, self.url, [message])
        return self.receive()

    def play(self) -> BaseException | None:
        """Every story in turn; the first unexpected error of the handler, if any."""
        with self.lab.trace.paused():
            steps = [
                lambda: self.deliver(self.send("P-301")),
                lambda: self.crash_then_again(self.send("P-302")),
                lambda: self.deliver(self.send("P-303")) or self.deliver(self.send("P-303")),
                lambda: self.fail_then_again(self.send("P-304")),
                lambda: self.deliver(self.send("P-305")) or self.deliver(self.send("P-305")),
            ]
            for step in steps:
                error = step()
                if error is not None:
                    return error
        return None

    def crash_then_again(self, message: dict[str, Any]) -> BaseException | None:
        """The worker dies between the handler and the delete; the message comes back."""
        return self.deliver(message, delete=False) or self.deliver(self.again(message))

    def fail_then_again(self, message: dict[str, Any]) -> BaseException | None:
        """The charge fails once: the handler must fail too, and the retry must charge."""
        error = self.deliver(message, delete=False)
        if error is None:
            self.swallowed = True
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            return None
        if not isinstance(error, GatewayDown):
            return error
        return self.deliver(self.again(message))

    def verdict(self) -> Check:
        """PASS when every payment was charged exactly once, else the first problem's hints."""
        try:
            error = self.play()
        except MessageGone:
            return hint(
                EXERCISE,
                _(
                    "a message the check was to deliver again had left its queue: does "
                    "handle_payment delete messages? The consumer deletes a message after your "
                    "handler returned; the handler only decides whether to charge"
                ),
                _(
                    "remove any SQS call from handle_payment: it gets the message, the store and "
                    "charge, nothing else"
                ),
            )
        if error is not None:
            return raised(error)
        return first_problem(EXERCISE, problems(self), success(self))


def raised(error: BaseException) -> Check:
    """The handler raised something other than the gateway's failure."""
    if isinstance(error, NotImplementedError):
        return hint(EXERCISE, _("handle_payment is not written yet: write it in the cell above"))
    return hint(
        EXERCISE,
        _(
            "handle_payment raised {error}. The message is a dict as boto3's receive_message "
            "returns it: its body is text (JSON) under 'Body'"
        ).format(error=f"{type(error).__name__}: {error}"),
        _("json.loads(message['Body']) gives the payment: payment_id, amount and sent_at"),
    )


def kinds(run: IdempotencyRun) -> tuple[list[str], list[str]]:
    """(MessageIds, whole bodies) found in the learner's processed-store."""
    ids = [k for k in run.processed if k in run.message_ids]
    bodies = [k for k in run.processed if isinstance(k, str) and k.startswith("{")]
    return ids, bodies


def problems(run: IdempotencyRun) -> list[tuple[Any, ...]]:
    """What the charges and the processed-store show, most telling problem first."""
    counts = Counter(run.charges)
    twice = [p for p in STORIES if counts[p] > 1]
    never = [p for p in STORIES if counts[p] == 0]
    by_id, by_body = kinds(run)
    story = "; ".join(f"{p}: {_(STORIES[p])}" for p in twice)
    payments, unpaid, code = ", ".join(twice), ", ".join(never), CODE
    return [
        (
            not run.swallowed,
            _(
                "P-304's charge failed (the check made the gateway fail), but handle_payment "
                "returned normally, so the consumer deleted the message and P-304 was never "
                "charged: a lost payment. A failed charge must fail the handler"
            ),
            _(
                "let the exception from charge propagate (or re-raise it): then the message is "
                "not deleted and comes back for a retry"
            ),
        ),
        (
            not ("P-304" in never and "P-304" in run.processed),
            _(
                "P-304 was never charged: its first charge failed, yet P-304 was already in your "
                "processed-store, so when the message came back your handler skipped it (a lost "
                "payment). Look at when your handler records a payment"
            ),
            _(
                "record the payment id only after charge returned: a failure before that leaves "
                "nothing recorded, and the retry charges"
            ),
            code,
        ),
        (
            bool(run.processed) or not twice,
            _(
                "in the check's run {payments} were charged twice ({story}), and your "
                "processed-store is still empty: the handler never records what it has charged, "
                "so it cannot recognise a payment it has seen"
            ).format(payments=payments, story=story),
            _(
                "after charge returned, add the payment's id to processed; before charging, look "
                "it up there"
            ),
            code,
        ),
        (
            not (by_id and twice),
            _(
                "in the check's run {payments} were charged twice ({story}). Your processed-store "
                "holds MessageIds: a retried send or a redrive is a new message with a new "
                "MessageId for the same payment. Key by the business id in the body"
            ).format(payments=payments, story=story),
            _(
                "json.loads(message['Body'])['payment_id'] is the key that is the same for every "
                "copy of a payment"
            ),
            code,
        ),
        (
            not (by_body and twice),
            _(
                "in the check's run {payments} were charged twice ({story}). Your processed-store "
                "holds whole message bodies: a retried send carries a new sent_at, so its body "
                "differs. Key by the payment id alone"
            ).format(payments=payments, story=story),
            "json.loads(message['Body'])['payment_id']",
            code,
        ),
        (
            not twice,
            _(
                "in the check's run {payments} were charged twice ({story}): check the key your "
                "handler looks up before charging and the one it records after"
            ).format(payments=payments, story=story),
            _("one key for both, the payment id from the body"),
            code,
        ),
        (
            not never,
            _(
                "in the check's run {payments} were never charged: the handler must still charge "
                "every payment it has not seen before"
            ).format(payments=unpaid),
            _("charge when the payment id is not in processed, then record it"),
        ),
    ]


def success(run: IdempotencyRun) -> str:
    """The PASS text."""
    return _(
        "{payments} payments arrived {deliveries} times (a crash before the delete, a producer "
        "retry, a failed charge, a redrive by hand) and each was charged exactly once."
    ).format(payments=len(STORIES), deliveries=run.deliveries)


@expects(EXERCISE, lab=LAB, handle_payment=FUNCTION)
def check_idempotent_handler(lab: Lab, handle_payment: Callable[..., Any] | None) -> Check:
    """Exercise 3.3: ``handle_payment`` charges each payment once, whatever arrives twice."""
    if handle_payment is None:
        return hint(
            EXERCISE,
            _("define handle_payment in the cell above and run that cell, then run this check"),
            _("handle_payment(message, processed, charge): charge once per payment id"),
        )
    return IdempotencyRun(lab, handle_payment).verdict()
