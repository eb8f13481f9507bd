"""Auto-checks for the exercises: each returns a :class:`Check` that says PASS or gives a hint."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from sqslab import facts
from sqslab.exercises.arguments import LAB, NAME, SQS, expects


@dataclass(frozen=True)
class Check:
    """The outcome of an exercise check: passed or not, and what to do next."""

    exercise: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        verdict = "PASS" if self.passed else "HINT"
        return f"{verdict} [{self.exercise}] {self.message}"


def _queue_url(sqs: Any, name: str) -> str | None:
    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError:
        return None


def _calls(lab: Any, queue: str) -> list[Any]:
    """The lab's successful traced calls on ``queue`` (a name as the learner wrote it; a workshop
    namespace prefix is added the way the lab adds it)."""
    full = lab.namespace.full_name(queue)
    return [r for r in lab.trace if r.queue == full and r.ok]


def _attributes(sqs: Any, url: str) -> dict[str, str]:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def _first_problem(exercise: str, checks: list[tuple[bool, str]], success: str) -> Check:
    """PASS with ``success`` if every check holds, else a HINT with the first failing one's text."""
    for ok, hint in checks:
        if not ok:
            return Check(exercise, False, hint)
    return Check(exercise, True, success)


@expects("ex1.1", sqs=SQS)
def check_payments_fifo(sqs: Any) -> Check:
    """Exercise 1.1: a FIFO queue ``payments.fifo``, content-based dedup, 2-minute visibility."""
    name = "ex1.1"
    url = _queue_url(sqs, "payments.fifo")
    if url is None:
        return Check(
            name,
            False,
            "no queue named 'payments.fifo' yet: call sqs.create_queue with "
            "QueueName='payments.fifo' and Attributes={'FifoQueue': 'true', ...}",
        )
    attrs = _attributes(sqs, url)
    return _first_problem(
        name,
        [
            (
                attrs.get("FifoQueue") == "true",
                "the queue exists but is not FIFO: FifoQueue can only be set when the queue is created; "
                "delete it and create it again with 'FifoQueue': 'true'",
            ),
            (
                attrs.get("ContentBasedDeduplication") == "true",
                "set 'ContentBasedDeduplication': 'true' (sqs.set_queue_attributes works on an existing queue)",
            ),
            (
                attrs.get("VisibilityTimeout") == "120",
                f"VisibilityTimeout is {attrs.get('VisibilityTimeout')} seconds; 2 minutes is 120 seconds",
            ),
        ],
        "payments.fifo is a FIFO queue with content-based deduplication and a 120 s visibility "
        "timeout.",
    )


@expects("ex1.2", sqs=SQS)
def check_thumbnails_queue(sqs: Any) -> Check:
    """Exercise 1.2: ``thumbnails`` long-polls by default at the maximum, keeps 1 day, tag team=media."""
    name = "ex1.2"
    url = _queue_url(sqs, "thumbnails")
    if url is None:
        return Check(
            name, False, "no queue named 'thumbnails' yet: create it with sqs.create_queue"
        )
    attrs = _attributes(sqs, url)
    tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    max_wait = int(facts.get("long_poll_max_wait").value)
    return _first_problem(
        name,
        [
            (attrs.get("FifoQueue", "false") == "false", "thumbnails should be a standard queue"),
            (
                attrs.get("ReceiveMessageWaitTimeSeconds") == str(max_wait),
                f"ReceiveMessageWaitTimeSeconds is {attrs.get('ReceiveMessageWaitTimeSeconds')}; the "
                f"longest long-poll wait SQS allows is {max_wait} seconds",
            ),
            (
                attrs.get("MessageRetentionPeriod") == "86400",
                f"MessageRetentionPeriod is {attrs.get('MessageRetentionPeriod')} seconds; one day is "
                "24 * 60 * 60 = 86400 seconds",
            ),
            (
                tags.get("team") == "media",
                "tag the queue: sqs.tag_queue(QueueUrl=url, Tags={'team': 'media'})",
            ),
        ],
        f"thumbnails long-polls for {max_wait} s by default, keeps messages for one day and is "
        "tagged team=media.",
    )


@expects("ex0.1", lab=LAB)
def check_first_roundtrip(lab: Any) -> Check:
    """Exercise 0.1: send 'ping' to a queue named ``hello``, receive it, delete it."""
    name = "ex0.1"
    sqs = lab.sqs
    url = _queue_url(sqs, "hello")
    if url is None:
        return Check(
            name,
            False,
            "create the queue first: url = sqs.create_queue(QueueName='hello')['QueueUrl']",
        )
    calls = _calls(lab, "hello")
    sent = [r for r in calls if r.operation in ("SendMessage", "SendMessageBatch")]
    received = [r for r in calls if r.operation == "ReceiveMessage" and r.received]
    deleted = [r for r in calls if r.operation in ("DeleteMessage", "DeleteMessageBatch")]
    attrs = _attributes(sqs, url)
    left = int(attrs["ApproximateNumberOfMessages"]) + int(
        attrs["ApproximateNumberOfMessagesNotVisible"]
    )
    return _first_problem(
        name,
        [
            (bool(sent), "send a message: sqs.send_message(QueueUrl=url, MessageBody='ping')"),
            (bool(received), "receive it: reply = sqs.receive_message(QueueUrl=url)"),
            (
                bool(deleted),
                "delete it with the receipt handle you got: "
                "sqs.delete_message(QueueUrl=url, ReceiptHandle=reply['Messages'][0]['ReceiptHandle'])",
            ),
            (left == 0, f"{left} message(s) are still in 'hello': receive and delete each one"),
        ],
        "you sent, received and deleted a message: the whole life of an SQS message.",
    )


#: Exercise 0.2's visibility timeout: ten minutes.
COMES_BACK_TIMEOUT = 600


def _receipts(calls: list[Any]) -> list[tuple[str, float, int | None]]:
    """(message id, lab time, visibility timeout asked) of every message the receives returned."""
    return [
        (m.message_id, r.started, r.visibility_timeout)
        for r in calls
        if r.operation == "ReceiveMessage"
        for m in r.messages
        if m.message_id
    ]


@expects("ex0.2", lab=LAB, queue=NAME)
def check_comes_back(lab: Any, queue: str = "second-chance") -> Check:
    """Exercise 0.2: receive a message with a 10-minute timeout, let it pass, receive it again."""
    name = "ex0.2"
    if _queue_url(lab.sqs, queue) is None:
        return Check(name, False, f"create the queue first: sqs.create_queue(QueueName={queue!r})")
    calls = _calls(lab, queue)
    receipts = _receipts(calls)
    ids = [message_id for message_id, _, _ in receipts]
    again = next((i for i in ids if ids.count(i) > 1), None)
    first = next((r for r in receipts if r[0] == again), receipts[0] if receipts else None)
    sent = any(r.operation in ("SendMessage", "SendMessageBatch") for r in calls)
    return _first_problem(
        name,
        [
            (sent, "send one message to it: sqs.send_message(QueueUrl=url, MessageBody='again')"),
            (
                bool(receipts),
                "receive it: sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)",
            ),
            (
                first is not None and first[2] == COMES_BACK_TIMEOUT,
                "receive it the first time with VisibilityTimeout=600 (ten minutes), and do not "
                "delete it",
            ),
            (
                again is not None,
                "it was received only once: let the ten minutes pass with "
                f"lab.wait({COMES_BACK_TIMEOUT + 1}) (not time.sleep), then receive it again",
            ),
        ],
        "the message you did not delete came back after its ten-minute visibility timeout, on "
        "the lab's clock, and was received a second time.",
    )


from sqslab.exercises.beyond import (  # noqa: E402 - chapter checks build on the helpers above
    check_partial_batch,
    check_payroll_locked,
    check_shop_fanout,
)
from sqslab.exercises.capstone import (  # noqa: E402 - chapter checks build on the helpers above
    check_fixed_total,
    check_healthy_kept,
    check_naive_losses,
)
from sqslab.exercises.consumers import (  # noqa: E402 - chapter checks build on the helpers above
    check_drain,
    check_idempotent,
    check_no_double_processing,
)
from sqslab.exercises.dlq import (  # noqa: E402 - chapter checks build on the helpers above
    check_payments_pair,
    check_poison_caught,
    check_redriven,
    run_invoices,
)
from sqslab.exercises.fifo import (  # noqa: E402 - chapter checks build on the helpers above
    check_customer_groups,
    check_high_throughput,
    check_resend_safe,
)
from sqslab.exercises.monitoring import (  # noqa: E402 - chapter checks build on the helpers above
    check_dlq_alarm,
    check_scaling_target,
    check_stuck_alarm,
    quiet_dlq,
    run_thumbnails,
    stuck_or_burst,
)
from sqslab.exercises.producers import (  # noqa: E402 - chapter checks build on the helpers above
    check_batch_orders,
    check_large_report,
    check_payment_events,
)

__all__ = [
    "Check",
    "check_batch_orders",
    "check_comes_back",
    "check_customer_groups",
    "check_dlq_alarm",
    "check_drain",
    "check_first_roundtrip",
    "check_fixed_total",
    "check_healthy_kept",
    "check_high_throughput",
    "check_idempotent",
    "check_large_report",
    "check_naive_losses",
    "check_no_double_processing",
    "check_payment_events",
    "check_payments_fifo",
    "check_partial_batch",
    "check_payments_pair",
    "check_payroll_locked",
    "check_poison_caught",
    "check_redriven",
    "check_resend_safe",
    "check_scaling_target",
    "check_shop_fanout",
    "check_stuck_alarm",
    "check_thumbnails_queue",
    "quiet_dlq",
    "run_invoices",
    "run_thumbnails",
    "stuck_or_burst",
]
