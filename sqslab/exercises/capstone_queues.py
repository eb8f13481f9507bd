"""Exercise 7.1: the learner's ``create_order_queues(sqs, name)`` makes the shop's FIFO queue and
its FIFO DLQ with a redrive policy, and returns both URLs.

The check calls it with a name of its own, reads what SQS says about both queues, then drives
them with the fault they exist for: it sends a poison order and fails it as a consumer would,
receive after receive, and looks for it in the DLQ.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab import orders, queues
from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, attributes, first_problem, hint
from sqslab.exercises.capstone_common import call, error_hints, fresh_name
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex7.1"
NAME = "create_order_queues"
#: The chapter's design: a poison order moves to the DLQ on its 4th receive, 30 s to retry.
MAX_RECEIVES = 3
VISIBILITY = 30


def _policy(attrs: dict[str, str]) -> dict[str, Any]:
    """The queue's RedrivePolicy, parsed ({} when it has none)."""
    try:
        policy = json.loads(attrs.get("RedrivePolicy", "{}"))
    except ValueError:
        return {}
    return policy if isinstance(policy, dict) else {}


def _urls(value: Any) -> tuple[str, str] | None:
    """(queue_url, dlq_url) when the function returned two texts, else None."""
    if (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, str) for v in value)
    ):
        return str(value[0]), str(value[1])
    return None


def _read(sqs: Any, url: str) -> dict[str, str] | None:
    """Every attribute of the queue at ``url``, or None when there is no such queue."""
    try:
        return attributes(sqs, url)
    except ClientError:
        return None


def poison_trial(lab: Lab, url: str, dlq_url: str) -> tuple[int, int]:
    """Send a poison order and fail it on every receive, giving it back at once (visibility 0)
    as a consumer that gives up would; count (receives that returned it, copies in the DLQ)."""
    sqs, order = lab.sqs, next(o for o in orders.load() if o.poison)
    got = 0
    with lab.trace.paused():
        sqs.send_message(
            QueueUrl=url,
            MessageBody=order.body,
            MessageGroupId=order.customer_id,
            MessageDeduplicationId=order.order_id,
        )
        for _attempt in range(MAX_RECEIVES + 2):
            received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1).get("Messages")
            if received:
                got += 1
                queues.release(sqs, url, received)  # the consumer failed: back at once
        parked = queues.peek(lab, dlq_url)
    return got, len(parked)


def _attribute_problems(
    urls: tuple[str, str], name: str, attrs: dict[str, str], dlq: dict[str, str]
) -> list[tuple[Any, ...]]:
    """The checks on what SQS says about the two queues, most basic first."""
    policy = _policy(attrs)
    target = policy.get("deadLetterTargetArn")
    count = str(policy.get("maxReceiveCount", ""))
    return [
        (
            urls[0] != urls[1],
            _("{name} returned the same URL twice: return the queue's URL, then the DLQ's").format(
                name=NAME
            ),
        ),
        (
            name in urls[0].rsplit("/", 1)[-1] and name in urls[1].rsplit("/", 1)[-1],
            _(
                "{function} was asked for queues named after {name} but returned "
                "{first} and {second}: build both names from the name argument"
            ).format(
                function=NAME,
                name=repr(name),
                first=repr(urls[0].rsplit("/", 1)[-1]),
                second=repr(urls[1].rsplit("/", 1)[-1]),
            ),
        ),
        (
            attrs.get("FifoQueue") == "true",
            _(
                "the queue (the first URL) is a standard queue: each customer's orders must keep "
                "their order, which only a FIFO queue does (section 2's table)"
            ),
            _("a FIFO queue's name ends in .fifo and it is created with the FifoQueue attribute"),
        ),
        (
            bool(policy),
            _(
                "the queue has no RedrivePolicy: a poison order would be retried until its "
                "retention ends, blocking its customer all that time"
            ),
            _(
                "RedrivePolicy is a queue attribute (at create_queue or with "
                "set_queue_attributes), a JSON text naming the DLQ's ARN and maxReceiveCount"
            ),
            _(
                "read the DLQ's QueueArn with get_queue_attributes, then json.dumps a dict with "
                "deadLetterTargetArn and maxReceiveCount"
            ),
        ),
        (
            target == dlq.get("QueueArn"),
            _(
                "the RedrivePolicy names {target}, not the ARN of the DLQ you returned ({arn})"
            ).format(target=repr(target), arn=repr(dlq.get("QueueArn"))),
            _(
                "read the ARN with get_queue_attributes(..., AttributeNames=['QueueArn']); a URL "
                "is not an ARN"
            ),
        ),
        (
            count == str(MAX_RECEIVES),
            (
                _(
                    "maxReceiveCount is {count}; the chapter's design moves an order to the "
                    "DLQ after {most} failed receives (section 2's table)"
                )
                if count
                else _(
                    "maxReceiveCount is missing; the chapter's design moves an order to the "
                    "DLQ after {most} failed receives (section 2's table)"
                )
            ).format(count=count, most=MAX_RECEIVES),
        ),
        (
            attrs.get("VisibilityTimeout") == str(VISIBILITY),
            _(
                "the queue's VisibilityTimeout is {found} s; section 2 asks "
                "for {wanted} s, well above an order's processing time"
            ).format(found=attrs.get("VisibilityTimeout"), wanted=VISIBILITY),
        ),
    ]


@expects(EXERCISE, lab=LAB, fn=FUNCTION)
def check_order_queues(lab: Lab, fn: Callable[[Any, str], Any] | None) -> Check:
    """Exercise 7.1: ``fn(sqs, name)`` creates a FIFO queue and its FIFO DLQ (maxReceiveCount 3,
    visibility 30 s) and returns (queue_url, dlq_url); a poison order failed 3 times ends in the DLQ."""
    if fn is None:
        return hint(
            EXERCISE,
            _("define {name}(sqs, name) in the cell above, then run this check").format(name=NAME),
        )
    name = fresh_name("check-queues")
    called = call(lab, fn, lab.sqs, name, limit=50)
    if called.failed or called.crashed:
        return hint(EXERCISE, *error_hints(NAME, called, error_help=_error_help(called.error)))
    urls = _urls(called.value)
    if urls is None:
        return hint(
            EXERCISE,
            _(
                "{name} returned {value}; it should create the DLQ and the queue, and "
                "return the two URLs, the queue's first"
            ).format(name=NAME, value=f"{called.value!r:.60}"),
            _("create_queue answers a dict whose 'QueueUrl' is the new queue's URL"),
        )
    attrs, dlq = _read(lab.sqs, urls[0]), _read(lab.sqs, urls[1])
    if attrs is None or dlq is None:
        missing = urls[0] if attrs is None else urls[1]
        return hint(
            EXERCISE,
            _("{name} returned {url}, but SQS knows no such queue").format(
                name=NAME, url=repr(missing)
            ),
        )
    problem = first_problem(EXERCISE, _attribute_problems(urls, name, attrs, dlq), "")
    if not problem:
        return problem
    got, parked = poison_trial(lab, urls[0], urls[1])
    return first_problem(
        EXERCISE,
        [
            (
                parked == 1 and got == MAX_RECEIVES,
                ngettext(
                    "a poison order sent to the queue and failed on every receive was received "
                    "{got} times, and the DLQ holds {parked} message(s): it should reach the DLQ "
                    "after {most} receives",
                    "a poison order sent to the queue and failed on every receive was received "
                    "{got} times, and the DLQ holds {parked} message(s): it should reach the DLQ "
                    "after {most} receives",
                    parked,
                ).format(got=got, parked=parked, most=MAX_RECEIVES),
            )
        ],
        _(
            "both queues are FIFO, the queue waits {visibility} s before a retry, and a poison "
            "order failed on each of its {most} receives moved to the DLQ, once."
        ).format(visibility=VISIBILITY, most=MAX_RECEIVES),
    )


def _error_help(err: BaseException | None) -> tuple[str, ...]:
    """More telling hints for the errors a learner meets creating the pair."""
    text = str(err)
    if "same type" in text:
        return (
            _(
                "a FIFO queue's DLQ must be a FIFO queue too: its name ends in .fifo and it is "
                "created with the FifoQueue attribute"
            ),
        )
    if "FifoQueue" in text or ".fifo" in text:
        return (
            _(
                "a FIFO queue's name must end in .fifo, and only such a name may carry the "
                "FifoQueue attribute"
            ),
        )
    return ()
