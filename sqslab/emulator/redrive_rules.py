"""The redrive layer's rules: its AWS sources and states, RedriveAllowPolicy and RedrivePolicy
checks, parameter checks and task handles, with errors shaped as AWS's (see :mod:`.redrive`)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from sqslab import facts
from sqslab.emulator import state
from sqslab.i18n import N_, _

#: The layer's name, marked: every message it adds says it in the lab's language (``_(LABEL)``).
LABEL = N_("sqslab fidelity layer: DLQ redrive and RedriveAllowPolicy as AWS documents them")
START_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html"
LIST_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasks.html"
CANCEL_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CancelMessageMoveTask.html"
REDRIVE_GUIDE_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html"
SET_QUEUE_ATTRIBUTES_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html"
NEW_MESSAGES_QUOTE = (
    "The redrive task resets the retention period. All redriven messages are considered new "
    "messages with a new messageID and enqueueTime are assigned to redriven messages."
)
ONE_TASK_QUOTE = "Only one active message movement task is supported per queue at any given time."
CANCEL_QUOTE = (
    "A message movement can only be cancelled when the current status is RUNNING. Cancelling a "
    "message movement task does not revert the messages that have already been moved."
)

#: What the layer does, after AWS's own words (quoted as AWS wrote them, in English).
WHAT_IT_DOES = N_(
    """plain moto has no message move tasks and forgets RedriveAllowPolicy. With the layer on:
StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask work on the lab's virtual
clock ({rates}; without a rate, the maximum), each
redriven message arrives as a new message, and RedriveAllowPolicy (allowAll, denyAll, byQueue) is
stored, returned and enforced when a RedrivePolicy names the DLQ; a DLQ must be of its source's
type, and maxReceiveCount within {receives}."""
)


def description() -> str:
    """What the layer does and the AWS text it follows, for a notebook to print (``DESCRIPTION``),
    in the lab's language; AWS's quotes stay as AWS wrote them."""
    does = _(WHAT_IT_DOES).format(
        rates=facts.get("move_task_max_rate").range_text(),
        receives=facts.get("max_receive_count").range_text(),
    )
    return f"""{_(LABEL)}

AWS, StartMessageMoveTask ({START_URL}):
  "{ONE_TASK_QUOTE}"
AWS, CancelMessageMoveTask ({CANCEL_URL}):
  "{CANCEL_QUOTE}"
AWS, "Learn how to configure a dead-letter queue redrive" ({REDRIVE_GUIDE_URL}):
  "{NEW_MESSAGES_QUOTE}"

{does}"""


def __getattr__(name: str) -> str:
    """``DESCRIPTION``: :func:`description`, rendered when read, so it follows the lab's language."""
    if name == "DESCRIPTION":
        return description()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


RUNNING, COMPLETED, CANCELLING, CANCELLED, FAILED = (
    "RUNNING",
    "COMPLETED",
    "CANCELLING",
    "CANCELLED",
    "FAILED",
)
ACTIVE = (RUNNING, CANCELLING)
#: FailureReason when a message's original source queue is unknown (sqslab's choice, see above).
UNKNOWN_SOURCE = "CouldNotDetermineMessageSource"
#: FailureReason when a queue the task needs is gone (as AWS recorded it).
NO_QUEUE = "AWS.SimpleQueueService.NonExistentQueue"
ALLOW_POLICY = "RedriveAllowPolicy"
PERMISSIONS = ("allowAll", "denyAll", "byQueue")
#: Slack for float rounding when counting moves due (a fraction of one message).
EPSILON = 1e-3
#: Attribute set on moto messages: the ARN of the queue the message was first sent to.
ORIGIN = "_sqslab_origin_arn"


# --- errors -------------------------------------------------------------------


def error(code: str, message: str) -> Exception:
    """An SQS error moto serializes like AWS, its message labelled as the layer's."""
    from moto.sqs.exceptions import SQSException

    return SQSException(code, f"{message} ({_(LABEL)})")


def invalid(message: str) -> Exception:
    return error("InvalidParameterValue", message)


def not_found(parameter: str) -> Exception:
    return error(
        "ResourceNotFoundException",
        f"The resource that you specified for the {parameter} parameter doesn't exist.",
    )


# --- queues by ARN ------------------------------------------------------------


def existing(arn: Any, parameter: str) -> Any:
    """The queue named by ``arn``, or AWS's ResourceNotFoundException for ``parameter``."""
    queue = state.queue_by_arn(arn)
    if queue is None:
        raise not_found(parameter)
    return queue


# --- parameter checks ---------------------------------------------------------


def _whole(value: Any) -> int | None:
    """``value`` as an int when it is a whole number (or its text), else None."""
    if isinstance(value, bool):
        return None
    try:
        return int(str(value))
    except ValueError:
        return None


def check_rate(value: Any) -> int:
    """MaxNumberOfMessagesPerSecond within AWS's range, or InvalidParameterValue."""
    fact = facts.get("move_task_max_rate")
    rate = _whole(value)
    if rate is None or not fact.min <= rate <= fact.value:
        reason = _(
            "must be a whole number from {low} to {high} ({span}), or left out for the "
            "system-optimized rate"
        ).format(low=f"{fact.min:.0f}", high=f"{fact.value:.0f}", span=fact.range_text())
        raise invalid(
            f"Value {value} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: {reason}"
        )
    return rate


def check_max_results(value: Any) -> int:
    """ListMessageMoveTasks MaxResults within AWS's range (default 1), or InvalidParameterValue."""
    fact = facts.get("move_task_list_max_results")
    if value is None:
        return int(fact.default or fact.min)
    count = _whole(value)
    if count is None or not fact.min <= count <= fact.value:
        reason = _("must be from {low} to {high} ({span})").format(
            low=f"{fact.min:.0f}", high=f"{fact.value:.0f}", span=fact.range_text()
        )
        raise invalid(f"Value {value} for parameter MaxResults is invalid. Reason: {reason}")
    return count


def _json_map(raw: Any) -> dict[str, Any] | None:
    """A policy attribute as a dict (from JSON text or a dict), or None if it is neither."""
    if isinstance(raw, dict):
        return raw
    try:
        parsed = json.loads(raw) if isinstance(raw, str) else None
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def as_text(raw: Any) -> str:
    """A policy attribute as the JSON text AWS echoes in its errors."""
    return raw if isinstance(raw, str) else json.dumps(raw)


def allow_policy_problem(raw: Any) -> str | None:
    """Why a RedriveAllowPolicy value is not accepted by AWS, or None if it is."""
    policy = _json_map(raw)
    if policy is None:
        return _('it must be a JSON object such as {"redrivePermission": "denyAll"}')
    unknown = sorted(set(policy) - {"redrivePermission", "sourceQueueArns"})
    if unknown:
        return _(
            "unknown field {field}; only redrivePermission and sourceQueueArns are allowed"
        ).format(field=repr(unknown[0]))
    permission, arns = policy.get("redrivePermission"), policy.get("sourceQueueArns")
    if permission not in PERMISSIONS:
        return _("redrivePermission must be one of {choices}, got {permission}").format(
            choices=", ".join(PERMISSIONS), permission=repr(permission)
        )
    if permission != "byQueue":
        return None if arns is None else _("sourceQueueArns is allowed only with byQueue")
    return _source_arns_problem(arns)


def _source_arns_problem(arns: Any) -> str | None:
    """Why byQueue's sourceQueueArns list is not accepted, or None."""
    most = int(facts.get("redrive_allow_max_source_queues").value)
    if not isinstance(arns, list) or not arns or not all(isinstance(a, str) for a in arns):
        return _("byQueue needs sourceQueueArns, a list of 1 to {most} source queue ARNs").format(
            most=most
        )
    if len(arns) > most:
        return _(
            "sourceQueueArns lists {count} queues; SQS allows {most} "
            "(set redrivePermission to allowAll to allow more)"
        ).format(count=len(arns), most=most)
    return None


def check_allow_policy(raw: Any) -> None:
    """Refuse a RedriveAllowPolicy that AWS would refuse (an empty value clears it)."""
    if raw is None or raw == "":
        return
    problem = allow_policy_problem(raw)
    if problem:
        raise invalid(
            f"Value {as_text(raw)} for parameter RedriveAllowPolicy is invalid. Reason: {problem}."
        )


def allow_policy(queue: Any) -> dict[str, Any] | None:
    """The RedriveAllowPolicy stored on a moto queue, parsed, or None when it has none."""
    raw = getattr(queue, "redrive_allow_policy", None)
    return None if raw in (None, "") else _json_map(raw)


def refusal(dlq: Any, source_arn: str) -> str | None:
    """Why the DLQ's RedriveAllowPolicy refuses ``source_arn`` as a source queue, or None."""
    policy = allow_policy(dlq) or {}
    permission = policy.get("redrivePermission", "allowAll")
    if permission == "denyAll":
        return _(
            "the dead-letter queue {dlq} has a RedriveAllowPolicy of denyAll, so no queue may use "
            "it as its dead-letter queue; change its redrivePermission or pick another DLQ"
        ).format(dlq=dlq.name)
    if permission == "byQueue" and source_arn not in policy.get("sourceQueueArns", []):
        return _(
            "the dead-letter queue {dlq} allows only the queues listed in its RedriveAllowPolicy "
            "sourceQueueArns, and {source} is not one of them; add it there"
        ).format(dlq=dlq.name, source=source_arn)
    return None


def check_redrive_policy(queue: Any, attributes: dict[str, Any]) -> None:
    """Refuse a RedrivePolicy AWS refuses: maxReceiveCount range, DLQ type, DLQ's allow policy.

    Malformed policies and missing DLQs are left to moto, which already refuses them."""
    raw = attributes.get("RedrivePolicy")
    policy = _json_map(raw) if raw not in (None, "") else None
    if not policy or not {"deadLetterTargetArn", "maxReceiveCount"} <= set(policy):
        return
    prefix = f"Value {as_text(raw)} for parameter RedrivePolicy is invalid. Reason: "
    check_max_receive_count(policy["maxReceiveCount"], prefix)
    dlq = state.queue_by_arn(policy["deadLetterTargetArn"])
    if dlq is None:
        return
    fifo = str(attributes.get("FifoQueue", queue.fifo_queue)).lower() == "true"
    if dlq.fifo_queue != fifo:
        raise invalid(prefix + "Dead-letter queue must be same type of queue as the source.")
    problem = refusal(dlq, queue.queue_arn)
    if problem:
        raise invalid(prefix + problem + ".")


def check_max_receive_count(value: Any, prefix: str) -> None:
    """maxReceiveCount within the range AWS allows (fact ``max_receive_count``)."""
    fact = facts.get("max_receive_count")
    count = _whole(value)
    if count is None or not fact.min <= count <= fact.value:
        raise invalid(
            f"{prefix}Invalid value for maxReceiveCount: {value}, valid values are from "
            f"{fact.min:.0f} to {fact.value:.0f} both inclusive."
        )


# --- task handles -------------------------------------------------------------


def encode_handle(task_id: str, source_arn: str) -> str:
    """The TaskHandle AWS hands out: base64 of {"taskId": ..., "sourceArn": ...}."""
    doc = json.dumps({"taskId": task_id, "sourceArn": source_arn}, separators=(",", ":"))
    return base64.b64encode(doc.encode()).decode()


def decode_handle(handle: Any) -> tuple[str, str]:
    """(task id, source ARN) from a TaskHandle, or AWS's InvalidParameterValue."""
    try:
        doc = json.loads(base64.b64decode(str(handle), validate=True))
        task_id, source_arn = doc["taskId"], doc["sourceArn"]
    except (binascii.Error, ValueError, TypeError, KeyError):
        raise invalid("Value for parameter TaskHandle is invalid.") from None
    if not isinstance(task_id, str) or not isinstance(source_arn, str):
        raise invalid("Value for parameter TaskHandle is invalid.")
    return task_id, source_arn
