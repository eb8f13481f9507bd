"""Fidelity layer: AWS rules that moto does not enforce, emulated on the moto backends.

Each rule is labelled in its error text and documented with the AWS page it follows. On the
``endpoint`` backend (an emulator: `sqslab server`, LocalStack) the attribute ranges are checked in
the lab before the call, since those engines accept values AWS refuses; on ``aws`` none of this
runs: the real service answers.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab import facts
from sqslab.emulator import state
from sqslab.emulator.patching import Patches, Replacement
from sqslab.i18n import N_, _

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

#: Queue attribute -> fact holding its range. Source: API_SetQueueAttributes (see facts.toml).
ATTRIBUTE_FACTS = {
    "DelaySeconds": "delivery_delay",
    "MaximumMessageSize": "max_message_size",
    "MessageRetentionPeriod": "message_retention",
    "ReceiveMessageWaitTimeSeconds": "long_poll_max_wait",
    "VisibilityTimeout": "visibility_timeout",
    "KmsDataKeyReusePeriodSeconds": "kms_data_key_reuse",
}
#: Said after each refused value, in the lab's language (AWS's own message stays in English).
LABEL = N_("sqslab fidelity layer: AWS rejects this value, moto and LocalStack would accept it")


def attach(events: Any) -> None:
    """Register the attribute checks on a botocore event emitter."""
    for op in ("CreateQueue", "SetQueueAttributes"):
        events.register(
            f"before-parameter-build.sqs.{op}", _check_attributes, unique_id=f"sqslab-fid-{op}"
        )
    events.register(
        "after-call.sqs.GetQueueAttributes", _whole_seconds, unique_id="sqslab-fid-timestamps"
    )


#: Queue attributes AWS returns as whole epoch seconds (moto 5.2 returns "1767603600.0" floats).
TIMESTAMP_ATTRIBUTES = ("CreatedTimestamp", "LastModifiedTimestamp")


def _whole_seconds(parsed: dict[str, Any], **_: Any) -> None:
    """Return queue timestamps as AWS does: whole seconds since the epoch (API_GetQueueAttributes)."""
    attributes = parsed.get("Attributes", {})
    for name in TIMESTAMP_ATTRIBUTES:
        if name in attributes:
            attributes[name] = str(int(float(attributes[name])))


def attribute_problem(name: str, value: Any) -> str | None:
    """Why ``value`` is not allowed for queue attribute ``name`` on AWS, or None if it is."""
    key = ATTRIBUTE_FACTS.get(name)
    if key is None:
        return None
    fact = facts.get(key)
    try:
        number = int(str(value))
    except ValueError:
        return _("{name} must be a whole number, got {value}").format(name=name, value=repr(value))
    if not fact.min <= number <= fact.value:
        return _("{name} must be between {low} and {high} {unit} ({span}), got {number}").format(
            name=name,
            low=f"{fact.min:.0f}",
            high=f"{fact.value:.0f}",
            unit=fact.unit,
            span=_("{min} to {max}").format(
                min=fact.translated("min_text"), max=fact.translated("text")
            ),
            number=number,
        )
    return None


def _check_attributes(params: dict[str, Any], model: Any, **_kwargs: Any) -> None:
    for name, value in (params.get("Attributes") or {}).items():
        problem = attribute_problem(name, value)
        if problem:
            raise ClientError(
                {
                    "Error": {
                        "Code": "InvalidAttributeValue",
                        "Message": f"Invalid value for the parameter {name}: {problem} ({_(LABEL)})",
                    }
                },
                model.name,
            )


def expire_messages(now: float) -> int:
    """Drop messages older than their queue's retention period, as SQS does; returns how many.

    AWS: "messages that are in the queue longer than the retention period are deleted"
    (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html).
    moto only hides them from receives and keeps counting them.
    """
    dropped = 0
    for queue in state.all_queues():
        keep_until = now - int(queue.message_retention_period)
        with queue._messages_lock:
            old = [m for m in queue._messages if m.sent_timestamp / 1000 <= keep_until]
            for message in old:
                queue._messages.remove(message)
                queue.pending_messages.discard(message)
        dropped += len(old)
    return dropped


# --- queue policy kept across SetQueueAttributes (moto 5.2 clears it) ------------------------


#: Queue attributes that hold a JSON object: AWS's answer (InvalidAttributeValue) when one does
#: not, and how to write it. Sources: a real SetQueueAttributes answer quoted in a Terraform report
#: ("InvalidAttributeValue: Invalid value for the parameter RedrivePolicy. Reason: Redrive policy
#: is not a valid JSON map.") and the AWS-tested rules of the sqs emulators that copy it.
JSON_ATTRIBUTES = {
    "RedrivePolicy": (
        "Invalid value for the parameter RedrivePolicy. Reason: Redrive policy is not a valid JSON "
        "map.",
        "json.dumps({'deadLetterTargetArn': dlq_arn, 'maxReceiveCount': 5})",
    ),
    "Policy": (
        "Invalid value for the parameter Policy.",
        "json.dumps({'Version': '2012-10-17', 'Statement': [...]})",
    ),
}
JSON_LABEL = (
    "sqslab fidelity layer: AWS's answer; plain moto crashes on this value or answers otherwise"
)
#: What a RedrivePolicy must contain; AWS names the first one missing (maxReceiveCount first):
#: "Value {} for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain
#: mandatory attribute: maxReceiveCount." (InvalidParameterValue, quoted in user reports).
MANDATORY_REDRIVE = ("maxReceiveCount", "deadLetterTargetArn")


def json_attribute_problem(name: str, value: Any) -> tuple[str, str] | None:
    """(error code, AWS's message) when queue attribute ``name`` must be a JSON object and
    ``value`` is not one, or is a RedrivePolicy without a mandatory field; else None. An empty
    value clears the attribute and is fine."""
    if name not in JSON_ATTRIBUTES or value in (None, ""):
        return None
    try:
        parsed = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        parsed = None
    answer, how = JSON_ATTRIBUTES[name]
    if not isinstance(parsed, dict):
        return "InvalidAttributeValue", f"{answer} ({JSON_LABEL}; write it with {how})"
    missing = [key for key in MANDATORY_REDRIVE if name == "RedrivePolicy" and key not in parsed]
    if missing:
        return "InvalidParameterValue", (
            f"Value {value} for parameter RedrivePolicy is invalid. Reason: Redrive policy does "
            f"not contain mandatory attribute: {missing[0]}. ({JSON_LABEL}; write it with {how}; "
            "to remove a redrive policy set it to '')"
        )
    return None


def _check_json_attributes(attributes: dict[str, Any]) -> None:
    """Refuse a RedrivePolicy or Policy that AWS refuses before reading it (not a JSON object,
    a mandatory field missing)."""
    from moto.sqs.exceptions import SQSException

    for name, value in attributes.items():
        problem = json_attribute_problem(name, value)
        if problem:
            raise SQSException(*problem)


def _wrap_set_attributes(inner: Any) -> Any:
    """moto's Queue._set_attributes, leaving the queue policy alone unless Policy is given, and
    refusing a policy attribute that is not JSON as AWS does."""

    def set_attributes(queue: Any, attributes: dict[str, Any], now: float | None = None) -> None:
        _check_json_attributes(attributes)
        kept = None if "Policy" in attributes else getattr(queue, "_policy_json", None)
        inner(queue, attributes, now)
        if kept is not None:
            queue._policy_json = kept

    set_attributes.__wrapped__ = inner  # type: ignore[attr-defined]
    return set_attributes


def _policy_replacements() -> list[Replacement]:
    import moto.sqs.models as sqs_models

    return [(sqs_models.Queue, "_set_attributes", _wrap_set_attributes)]


_KEEP_POLICY = Patches(_policy_replacements)


def install(lab: Host) -> None:
    """On in-process moto: a SetQueueAttributes call without ``Policy`` keeps the queue's policy,
    as on AWS (API_SetQueueAttributes changes only the attributes given); moto 5.2 drops it."""
    _KEEP_POLICY.install()
    lab.on_stop(_KEEP_POLICY.uninstall)


def uninstall() -> None:
    """Let moto drop a queue's policy again on SetQueueAttributes without ``Policy``."""
    _KEEP_POLICY.uninstall()


def active() -> bool:
    """True while policies are kept."""
    return _KEEP_POLICY.installed
