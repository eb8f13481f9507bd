"""sqslab fidelity layer: dead-letter queue redrive (message move tasks) and RedriveAllowPolicy as
AWS documents them, emulated on moto.

moto 5.2 answers StartMessageMoveTask, ListMessageMoveTasks and CancelMessageMoveTask with
NotImplementedError (a 500 on the server backend), drops RedriveAllowPolicy (GetQueueAttributes
calls the name unknown), accepts a FIFO queue as the DLQ of a standard queue (it refuses only the
reverse, with another error code) and any maxReceiveCount. With this layer a
learner's plain boto3 calls see what AWS does, on both in-process backends (``moto``, ``server``).

AWS, StartMessageMoveTask
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html):
"Starts an asynchronous task to move messages from a specified source queue to a specified
destination queue." ... "In dead-letter queues redrive context, the StartMessageMoveTask the
source queue is the DLQ, while the destination queue can be the original source queue (from which
the messages were driven to the dead-letter-queue), or a custom destination queue." ... "Only one
active message movement task is supported per queue at any given time." DestinationArn: "If this
field is left blank, the messages will be redriven back to their respective original source
queues." MaxNumberOfMessagesPerSecond: "The maximum value for messages per second is 500. If this
field is left blank, the system will optimize the rate based on the queue message backlog size".
Errors: ResourceNotFoundException, RequestThrottled, InvalidAddress, InvalidSecurity,
UnsupportedOperation (plus the common InvalidParameterValue).

AWS, ListMessageMoveTasks
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasks.html):
"Gets the most recent message movement tasks (up to 10) under a specific source queue."
MaxResults: "The default is 1, which provides the most recent message movement task. The upper
limit is 10." ListMessageMoveTasksResultEntry
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ListMessageMoveTasksResultEntry.html):
Status "Possible values are: RUNNING, COMPLETED, CANCELLING, CANCELLED, and FAILED";
ApproximateNumberOfMessagesToMove "is obtained at the time of starting the message movement task";
TaskHandle "is only populated for tasks that are in RUNNING status"; DestinationArn and
MaxNumberOfMessagesPerSecond only "if it has been specified"; FailureReason "only included if the
task status is FAILED".

AWS, CancelMessageMoveTask
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CancelMessageMoveTask.html):
"A message movement can only be cancelled when the current status is RUNNING. Cancelling a message
movement task does not revert the messages that have already been moved. It can only stop the
messages that have not been moved yet."

AWS, "Learn how to configure a dead-letter queue redrive in Amazon SQS"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue-redrive.html):
"you can also configure any other queue as the redrive destination if both queues are the same
type. For example, if the dead-letter queue is a FIFO queue, the redrive destination queue must be
a FIFO queue as well." ... "Dead-letter queues redrive messages in the order they are received,
starting with the oldest message." ... "The redrive task resets the retention period. All
redriven messages are considered new messages with a new messageID and enqueueTime are assigned
to redriven messages." Console velocity "System optimized - Redrive dead-letter queue messages at
the maximum number of messages per second." FIFO: older versions of this page said redrive was
"only for standard queues"; FIFO DLQ redrive arrived in Nov 2023 (AWS News Blog, "Announcing
throughput increase and dead letter queue redrive support for Amazon SQS FIFO queues") and the
current page says so, so this layer redrives FIFO DLQs and never answers UnsupportedOperation.

AWS, "Configuring a dead-letter queue retention"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html):
"For standard queues, the expiration of a message is always based on its original enqueue
timestamp. When a message is moved to a dead-letter queue, the enqueue timestamp is unchanged."
... "For FIFO queues, the enqueue timestamp resets when the message is moved to a dead-letter
queue." moto keeps the original time in both; this layer resets it when moto moves a message into
a FIFO DLQ (sqslab's retention expiry then counts from the move).

AWS, SetQueueAttributes
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html):
"RedriveAllowPolicy – ... redrivePermission – ... allowAll – (Default) Any source queues in this
AWS account in the same Region can specify this queue as the dead-letter queue. denyAll – No
source queues can specify this queue as the dead-letter queue. byQueue – Only queues specified by
the sourceQueueArns parameter can specify this queue as the dead-letter queue. sourceQueueArns –
... You can specify this parameter only when the redrivePermission parameter is set to byQueue.
You can specify up to 10 source queue ARNs." ... "The dead-letter queue of a FIFO queue must also
be a FIFO queue. Similarly, the dead-letter queue of a standard queue must also be a standard
queue." maxReceiveCount: "set Maximum receives to a value between 1 and 1,000"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-configure-dead-letter-queue.html).

Error codes and messages the docs do not spell out were recorded against AWS by LocalStack's
AWS-validated tests
(https://github.com/localstack/localstack/blob/main/tests/aws/services/sqs/test_sqs_move_task.snapshot.json):
InvalidParameterValue "Source queue must be configured as a Dead Letter Queue." and "There is
already a task running. Only one active task is allowed for a source queue arn at a given time.";
ResourceNotFoundException "The resource that you specified for the SourceArn parameter doesn't
exist." (and DestinationArn), "Task does not exist."; InvalidParameterValue "Value for parameter
TaskHandle is invalid."; a task whose destination is deleted ends FAILED with FailureReason
AWS.SimpleQueueService.NonExistentQueue; the task handle is base64 of
{"taskId": ..., "sourceArn": ...}. A DLQ of the wrong type is refused with InvalidParameterValue
"Value ... for parameter RedrivePolicy is invalid. Reason: Dead-letter queue must be same type of
queue as the source." (AWS's reply as users report it). AWS's exact wording for a RedrivePolicy
refused by the DLQ's RedriveAllowPolicy was not found; the layer answers InvalidParameterValue in
the same "Value ... for parameter RedrivePolicy is invalid. Reason: ..." form with its own reason.

How, and sqslab's own choices where AWS documents nothing:
- moto's SQS response class gains the three actions; the backend's ``get_queue`` (which nearly
  every SQS call goes through, long polls included) first applies the progress of running tasks;
  ``Queue._set_attributes`` checks RedrivePolicy and RedriveAllowPolicy before moto stores them;
  ``get_queue_attributes`` returns RedriveAllowPolicy; ``Queue.add_message`` notes the queue a
  message was first sent to (its original source once moto moves it to a DLQ); and
  the clock layer (:mod:`sqslab.emulator.timepatch`) asks when a task will deliver, so a long poll on the destination
  wakes at the right virtual moment. Undo restores exactly what was replaced.
- Progress runs on the lab's virtual clock (moto's ``unix_time``): a task moving at ``r`` messages
  per second has handled ``min(total, floor(r * elapsed))`` messages, oldest first, each at its own
  moment ``started + k / r``. Without MaxNumberOfMessagesPerSecond the rate is the documented
  maximum, 500 per second (the console's "System optimized" velocity).
- The task moves the messages that were in the DLQ when it started; one deleted or purged meanwhile
  is skipped. A moved message is sent anew to its destination (new MessageId, SentTimestamp = the
  moment of its move, ApproximateReceiveCount 0, same body, attributes and message group; on FIFO
  its deduplication id is the old MessageId, so it is never taken for a duplicate) and removed
  from the DLQ.
- Without DestinationArn a message that did not come from a source queue (sent to the DLQ by hand)
  ends the task FAILED with FailureReason CouldNotDetermineMessageSource (as moto's own draft of
  these actions does); AWS does not document this case.
- CancelMessageMoveTask freezes the moved count and answers it; the task is CANCELLING until the
  clock moves on, then CANCELLED. Cancelling a task that is not RUNNING answers
  ResourceNotFoundException "Task does not exist.".
- RedriveAllowPolicy is checked when a RedrivePolicy names the DLQ (CreateQueue or
  SetQueueAttributes); changing the allow policy later does not detach existing source queues.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import threading
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.emulator import state, timepatch
from sqslab.emulator.patching import Patches, require_in_process

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

LABEL = "sqslab fidelity layer: DLQ redrive and RedriveAllowPolicy as AWS documents them"
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

#: What the layer does and the AWS text it follows, for a notebook to print.
DESCRIPTION = f"""{LABEL}

AWS, StartMessageMoveTask ({START_URL}):
  "{ONE_TASK_QUOTE}"
AWS, CancelMessageMoveTask ({CANCEL_URL}):
  "{CANCEL_QUOTE}"
AWS, "Learn how to configure a dead-letter queue redrive" ({REDRIVE_GUIDE_URL}):
  "{NEW_MESSAGES_QUOTE}"

plain moto has no message move tasks and forgets RedriveAllowPolicy. With the layer on:
StartMessageMoveTask / ListMessageMoveTasks / CancelMessageMoveTask work on the lab's virtual
clock ({facts.get("move_task_max_rate").range_text()}; without a rate, the maximum), each
redriven message arrives as a new message, and RedriveAllowPolicy (allowAll, denyAll, byQueue) is
stored, returned and enforced when a RedrivePolicy names the DLQ; a DLQ must be of its source's
type, and maxReceiveCount within {facts.get("max_receive_count").range_text()}."""

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
_EPSILON = 1e-3
#: Attribute set on moto messages: the ARN of the queue the message was first sent to.
_ORIGIN = "_sqslab_origin_arn"


# --- errors -------------------------------------------------------------------


def _error(code: str, message: str) -> Exception:
    """An SQS error moto serializes like AWS, its message labelled as the layer's."""
    from moto.sqs.exceptions import SQSException

    return SQSException(code, f"{message} ({LABEL})")


def _invalid(message: str) -> Exception:
    return _error("InvalidParameterValue", message)


def _not_found(parameter: str) -> Exception:
    return _error(
        "ResourceNotFoundException",
        f"The resource that you specified for the {parameter} parameter doesn't exist.",
    )


# --- queues by ARN ------------------------------------------------------------


def _existing(arn: Any, parameter: str) -> Any:
    """The queue named by ``arn``, or AWS's ResourceNotFoundException for ``parameter``."""
    queue = state.queue_by_arn(arn)
    if queue is None:
        raise _not_found(parameter)
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
        raise _invalid(
            f"Value {value} for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: "
            f"must be a whole number from {fact.min:.0f} to {fact.value:.0f} "
            f"({fact.range_text()}), or left out for the system-optimized rate"
        )
    return rate


def check_max_results(value: Any) -> int:
    """ListMessageMoveTasks MaxResults within AWS's range (default 1), or InvalidParameterValue."""
    fact = facts.get("move_task_list_max_results")
    if value is None:
        return int(fact.default or fact.min)
    count = _whole(value)
    if count is None or not fact.min <= count <= fact.value:
        raise _invalid(
            f"Value {value} for parameter MaxResults is invalid. Reason: must be from "
            f"{fact.min:.0f} to {fact.value:.0f} ({fact.range_text()})"
        )
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


def _text(raw: Any) -> str:
    """A policy attribute as the JSON text AWS echoes in its errors."""
    return raw if isinstance(raw, str) else json.dumps(raw)


def allow_policy_problem(raw: Any) -> str | None:
    """Why a RedriveAllowPolicy value is not accepted by AWS, or None if it is."""
    policy = _json_map(raw)
    if policy is None:
        return 'it must be a JSON object such as {"redrivePermission": "denyAll"}'
    unknown = sorted(set(policy) - {"redrivePermission", "sourceQueueArns"})
    if unknown:
        return (
            f"unknown field {unknown[0]!r}; only redrivePermission and sourceQueueArns are allowed"
        )
    permission, arns = policy.get("redrivePermission"), policy.get("sourceQueueArns")
    if permission not in PERMISSIONS:
        return f"redrivePermission must be one of {', '.join(PERMISSIONS)}, got {permission!r}"
    if permission != "byQueue":
        return None if arns is None else "sourceQueueArns is allowed only with byQueue"
    return _source_arns_problem(arns)


def _source_arns_problem(arns: Any) -> str | None:
    """Why byQueue's sourceQueueArns list is not accepted, or None."""
    most = int(facts.get("redrive_allow_max_source_queues").value)
    if not isinstance(arns, list) or not arns or not all(isinstance(a, str) for a in arns):
        return f"byQueue needs sourceQueueArns, a list of 1 to {most} source queue ARNs"
    if len(arns) > most:
        return (
            f"sourceQueueArns lists {len(arns)} queues; SQS allows {most} "
            "(set redrivePermission to allowAll to allow more)"
        )
    return None


def _check_allow_policy(raw: Any) -> None:
    """Refuse a RedriveAllowPolicy that AWS would refuse (an empty value clears it)."""
    if raw is None or raw == "":
        return
    problem = allow_policy_problem(raw)
    if problem:
        raise _invalid(
            f"Value {_text(raw)} for parameter RedriveAllowPolicy is invalid. Reason: {problem}."
        )


def _allow_policy(queue: Any) -> dict[str, Any] | None:
    """The RedriveAllowPolicy stored on a moto queue, parsed, or None when it has none."""
    raw = getattr(queue, "redrive_allow_policy", None)
    return None if raw in (None, "") else _json_map(raw)


def refusal(dlq: Any, source_arn: str) -> str | None:
    """Why the DLQ's RedriveAllowPolicy refuses ``source_arn`` as a source queue, or None."""
    policy = _allow_policy(dlq) or {}
    permission = policy.get("redrivePermission", "allowAll")
    if permission == "denyAll":
        return (
            f"the dead-letter queue {dlq.name} has a RedriveAllowPolicy of denyAll, so no queue "
            "may use it as its dead-letter queue; change its redrivePermission or pick another DLQ"
        )
    if permission == "byQueue" and source_arn not in policy.get("sourceQueueArns", []):
        return (
            f"the dead-letter queue {dlq.name} allows only the queues listed in its "
            f"RedriveAllowPolicy sourceQueueArns, and {source_arn} is not one of them; add it there"
        )
    return None


def _check_redrive_policy(queue: Any, attributes: dict[str, Any]) -> None:
    """Refuse a RedrivePolicy AWS refuses: maxReceiveCount range, DLQ type, DLQ's allow policy.

    Malformed policies and missing DLQs are left to moto, which already refuses them."""
    raw = attributes.get("RedrivePolicy")
    policy = _json_map(raw) if raw not in (None, "") else None
    if not policy or not {"deadLetterTargetArn", "maxReceiveCount"} <= set(policy):
        return
    prefix = f"Value {_text(raw)} for parameter RedrivePolicy is invalid. Reason: "
    _check_max_receive_count(policy["maxReceiveCount"], prefix)
    dlq = state.queue_by_arn(policy["deadLetterTargetArn"])
    if dlq is None:
        return
    fifo = str(attributes.get("FifoQueue", queue.fifo_queue)).lower() == "true"
    if dlq.fifo_queue != fifo:
        raise _invalid(prefix + "Dead-letter queue must be same type of queue as the source.")
    problem = refusal(dlq, queue.queue_arn)
    if problem:
        raise _invalid(prefix + problem + ".")


def _check_max_receive_count(value: Any, prefix: str) -> None:
    """maxReceiveCount within the range AWS allows (fact ``max_receive_count``)."""
    fact = facts.get("max_receive_count")
    count = _whole(value)
    if count is None or not fact.min <= count <= fact.value:
        raise _invalid(
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
        raise _invalid("Value for parameter TaskHandle is invalid.") from None
    if not isinstance(task_id, str) or not isinstance(source_arn, str):
        raise _invalid("Value for parameter TaskHandle is invalid.")
    return task_id, source_arn


# --- tasks --------------------------------------------------------------------


@dataclass
class MoveTask:
    """One message move task: what it moves, how fast, and how far it got."""

    task_id: str
    source_arn: str
    destination_arn: str | None
    requested_rate: int | None
    rate: float
    started: float
    pending: list[Any]
    status: str = RUNNING
    handled: int = 0
    moved: int = 0
    cancelled_at: float | None = None
    failure_reason: str | None = None

    @property
    def to_move(self) -> int:
        """ApproximateNumberOfMessagesToMove: the DLQ's messages when the task started."""
        return len(self.pending)

    @property
    def handle(self) -> str:
        """The TaskHandle of this task."""
        return encode_handle(self.task_id, self.source_arn)

    def due(self, now: float) -> int:
        """How many messages the task has reached by ``now`` at its rate."""
        reached = math.floor(self.rate * max(0.0, now - self.started) + _EPSILON)
        return min(self.to_move, reached)

    def moment(self, count: int) -> float:
        """When the task reaches its ``count``-th message (1-based)."""
        return self.started + count / self.rate

    def destination_of(self, message: Any) -> str | None:
        """Where a message goes: DestinationArn, else the queue it was first sent to."""
        return self.destination_arn or getattr(message, _ORIGIN, None)

    def fail(self, reason: str) -> None:
        self.status, self.failure_reason = FAILED, reason

    def entry(self) -> dict[str, Any]:
        """The task as a ListMessageMoveTasksResultEntry (optional fields only when AWS sends them)."""
        entry: dict[str, Any] = {
            "SourceArn": self.source_arn,
            "Status": self.status,
            "ApproximateNumberOfMessagesMoved": self.moved,
            "ApproximateNumberOfMessagesToMove": self.to_move,
            "StartedTimestamp": int(self.started * 1000),
        }
        if self.destination_arn:
            entry["DestinationArn"] = self.destination_arn
        if self.requested_rate is not None:
            entry["MaxNumberOfMessagesPerSecond"] = self.requested_rate
        if self.status == RUNNING:
            entry["TaskHandle"] = self.handle
        if self.status == FAILED:
            entry["FailureReason"] = self.failure_reason
        return entry


def _holds(queue: Any, message: Any) -> bool:
    """True while ``message`` (a moto Message) is still stored in ``queue``."""
    return any(m is message for m in list(queue._messages))


def _remove(queue: Any, message: Any) -> None:
    """Take ``message`` out of ``queue`` (it has been sent on)."""
    with queue._messages_lock:
        queue._messages = [m for m in queue._messages if m is not message]
    queue.pending_messages.discard(message)


def _send_copy(destination: Any, message: Any, at: float) -> Any:
    """Send ``message`` to ``destination`` as a new message enqueued at ``at`` (epoch seconds)."""
    backend = state.backend(destination.account_id, destination.region)
    fifo = destination.fifo_queue
    copy = backend.send_message(
        destination.name,
        message.body,
        message_attributes=deepcopy(message.message_attributes),
        delay_seconds=None,
        deduplication_id=message.id if fifo else None,
        group_id=message.group_id if fifo else None,
        system_attributes=deepcopy(message.system_attributes) or None,
    )
    shift = copy.sent_timestamp - int(at * 1000)
    copy.sent_timestamp -= shift
    if copy.delayed_until:
        copy.delayed_until -= shift
    return copy


_local = threading.local()


class Redrive:
    """The layer for one lab: its move tasks per source queue, and the undo."""

    def __init__(self, lab: Host) -> None:
        self.lab = lab
        self._tasks: dict[str, list[MoveTask]] = {}
        self._lock = threading.RLock()

    @staticmethod
    def now() -> float:
        """moto's SQS time: the lab's virtual clock."""
        import moto.sqs.models as sqs_models

        return float(sqs_models.unix_time())

    def tasks(self, source_arn: str) -> list[MoveTask]:
        """The tasks started on a source queue, oldest first."""
        with self._lock:
            return list(self._tasks.get(source_arn, []))

    def _active(self) -> list[MoveTask]:
        return [t for ts in self._tasks.values() for t in ts if t.status in ACTIVE]

    def start(self, source_arn: Any, destination_arn: Any, rate: Any) -> MoveTask:
        """StartMessageMoveTask: check as AWS does, then start moving the DLQ's messages."""
        requested = None if rate is None else check_rate(rate)
        self.advance()
        source = _existing(source_arn, "SourceArn")
        if not state.dead_letter_sources(source):
            raise _invalid("Source queue must be configured as a Dead Letter Queue.")
        if destination_arn:
            _check_destination(source, _existing(destination_arn, "DestinationArn"))
        with self._lock:
            if any(t.status in ACTIVE for t in self._tasks.get(source.queue_arn, [])):
                raise _invalid(
                    "There is already a task running. Only one active task is allowed for a "
                    "source queue arn at a given time."
                )
            task = self._new_task(source, destination_arn or None, requested)
            self._tasks.setdefault(source.queue_arn, []).append(task)
        return task

    def _new_task(self, source: Any, destination_arn: str | None, rate: int | None) -> MoveTask:
        from moto.moto_api._internal import mock_random

        task = MoveTask(
            task_id=str(mock_random.uuid4()),
            source_arn=source.queue_arn,
            destination_arn=destination_arn,
            requested_rate=rate,
            rate=float(rate or facts.get("move_task_max_rate").value),
            started=self.now(),
            pending=list(source._messages),
        )
        if not task.pending:
            task.status = COMPLETED
        return task

    def recent(self, source_arn: Any, max_results: Any) -> list[dict[str, Any]]:
        """ListMessageMoveTasks: the newest tasks of a source queue first."""
        count = check_max_results(max_results)
        self.advance()
        source = _existing(source_arn, "SourceArn")
        newest = self.tasks(source.queue_arn)[::-1][:count]
        return [t.entry() for t in newest]

    def cancel(self, handle: Any) -> int:
        """CancelMessageMoveTask: stop a RUNNING task; the number it had moved."""
        task_id, source_arn = decode_handle(handle)
        self.advance()
        _existing(source_arn, "SourceArn")
        with self._lock:
            task = next((t for t in self._tasks.get(source_arn, []) if t.task_id == task_id), None)
            if task is None or task.status != RUNNING:
                raise _error("ResourceNotFoundException", "Task does not exist.")
            task.status, task.cancelled_at = CANCELLING, self.now()
            return task.moved

    def advance(self) -> None:
        """Apply every active task's progress up to now (a no-op inside the layer's own moves)."""
        if getattr(_local, "busy", False):
            return
        with self._lock:
            active = self._active()
            if not active:
                return
            _local.busy = True
            try:
                now = self.now()
                for task in active:
                    self._progress(task, now)
            finally:
                _local.busy = False

    def _progress(self, task: MoveTask, now: float) -> None:
        """Move the messages ``task`` has reached by ``now``; finish it when all are handled."""
        if task.status == CANCELLING:
            if task.cancelled_at is not None and now > task.cancelled_at:
                task.status = CANCELLED
            return
        due = task.due(now)
        while task.status == RUNNING and task.handled < due:
            self._move_next(task)
        if task.status == RUNNING and task.handled >= task.to_move:
            task.status = COMPLETED

    def _move_next(self, task: MoveTask) -> None:
        """Move the task's next message at its own moment, or fail the task."""
        from moto.sqs.exceptions import SQSException

        source = state.queue_by_arn(task.source_arn)
        message = task.pending[task.handled]
        if source is not None and not _holds(source, message):
            task.handled += 1  # deleted or purged since the task started: nothing to move
            return
        destination, problem = _destination(task, source, message)
        if problem:
            task.fail(problem)
            return
        try:
            _send_copy(destination, message, task.moment(task.handled + 1))
        except SQSException as err:
            task.fail(err.code)
            return
        _remove(source, message)
        task.handled += 1
        task.moved += 1

    def next_arrival_ms(self, queue: Any, after_ms: float) -> float | None:
        """The next moment (ms) after ``after_ms`` a running task delivers into ``queue``."""
        with self._lock:
            moments = [self._next_into(t, queue.queue_arn) for t in self._active()]
        later = [m for m in moments if m is not None and m > after_ms]
        return min(later) if later else None

    @staticmethod
    def _next_into(task: MoveTask, queue_arn: str) -> float | None:
        """When ``task`` next moves a message into the queue ``queue_arn`` (ms), if it will."""
        if task.status != RUNNING:
            return None
        for index in range(task.handled, task.to_move):
            if task.destination_of(task.pending[index]) == queue_arn:
                return task.moment(index + 1) * 1000
        return None

    def undo(self) -> None:
        """Switch the layer off and give moto back what it replaced (a no-op when already off)."""
        global _active
        if _active is self:
            _active = None
            _PATCH.uninstall()
            timepatch.remove_arrivals(self.next_arrival_ms)

    def __repr__(self) -> str:
        with self._lock:
            count = sum(len(ts) for ts in self._tasks.values())
        return f"<Redrive {LABEL}: {count} move task(s)>"


def _destination(task: MoveTask, source: Any, message: Any) -> tuple[Any, str | None]:
    """(queue a message moves to, None), or (None, the FailureReason that stops the task)."""
    if source is None:
        return None, NO_QUEUE
    target_arn = task.destination_of(message)
    if target_arn is None or target_arn == task.source_arn:
        return None, UNKNOWN_SOURCE
    destination = state.queue_by_arn(target_arn)
    return (destination, None) if destination is not None else (None, NO_QUEUE)


def _check_destination(source: Any, destination: Any) -> None:
    """A custom destination must be another queue of the DLQ's type (FIFO or standard)."""
    if destination is source:
        raise _invalid("Source queue arn and destination queue arn cannot be the same.")
    if destination.fifo_queue != source.fifo_queue:
        kind = "a FIFO" if source.fifo_queue else "a standard"
        raise _invalid(
            f"Value {destination.queue_arn} for parameter DestinationArn is invalid. Reason: the "
            f"dead-letter queue is {kind} queue, and a redrive destination must be of the same "
            "type."
        )


# --- the moto patch -----------------------------------------------------------

_active: Redrive | None = None


def _layer() -> Redrive:
    """The active layer; moto's own answer when there is none."""
    if _active is None:
        raise NotImplementedError("message move tasks need sqslab.emulator.redrive.install(lab)")
    return _active


def _start_action(response: Any) -> Any:
    """moto response handler for StartMessageMoveTask."""
    from moto.core.responses import ActionResult

    task = _layer().start(
        response._get_param("SourceArn"),
        response._get_param("DestinationArn"),
        response._get_param("MaxNumberOfMessagesPerSecond"),
    )
    return ActionResult({"TaskHandle": task.handle})


def _list_action(response: Any) -> Any:
    """moto response handler for ListMessageMoveTasks."""
    from moto.core.responses import ActionResult

    results = _layer().recent(response._get_param("SourceArn"), response._get_param("MaxResults"))
    return ActionResult({"Results": results})


def _cancel_action(response: Any) -> Any:
    """moto response handler for CancelMessageMoveTask."""
    from moto.core.responses import ActionResult

    moved = _layer().cancel(response._get_param("TaskHandle"))
    return ActionResult({"ApproximateNumberOfMessagesMoved": moved})


def _wrap_get_queue(inner: Any) -> Any:
    """moto's queue lookup, which first applies the progress of running move tasks."""

    def get_queue(self: Any, queue_name: str) -> Any:
        if _active is not None:
            _active.advance()
        return inner(self, queue_name)

    get_queue.__wrapped__ = inner  # type: ignore[attr-defined]
    return get_queue


def _wrap_get_queue_attributes(inner: Any) -> Any:
    """moto's GetQueueAttributes, which also knows RedriveAllowPolicy."""

    def get_queue_attributes(self: Any, queue_name: str, attribute_names: list[str]) -> Any:
        if _active is None:
            return inner(self, queue_name, attribute_names)
        names = list(attribute_names or [])
        attributes = inner(self, queue_name, [n for n in names if n != ALLOW_POLICY])
        raw = getattr(self.get_queue(queue_name), "redrive_allow_policy", None)
        if ("All" in names or ALLOW_POLICY in names) and raw not in (None, ""):
            attributes[ALLOW_POLICY] = _text(raw)
        return attributes

    get_queue_attributes.__wrapped__ = inner  # type: ignore[attr-defined]
    return get_queue_attributes


def _wrap_set_attributes(inner: Any) -> Any:
    """moto's attribute setter (CreateQueue and SetQueueAttributes), checking redrive first."""

    def _set_attributes(queue: Any, attributes: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if _active is not None:
            _check_allow_policy(attributes.get(ALLOW_POLICY))
            _check_redrive_policy(queue, attributes)
        return inner(queue, attributes, *args, **kwargs)

    _set_attributes.__wrapped__ = inner  # type: ignore[attr-defined]
    return _set_attributes


def _wrap_add_message(inner: Any) -> Any:
    """moto's enqueue, noting the first queue each message entered (its original source), and
    resetting the enqueue time of a message moved into a FIFO DLQ."""

    def add_message(queue: Any, message: Any) -> Any:
        if _active is not None and not hasattr(message, _ORIGIN):
            setattr(message, _ORIGIN, queue.queue_arn)
        elif _active is not None and queue.fifo_queue:
            message.sent_timestamp = int(Redrive.now() * 1000)
        return inner(queue, message)

    add_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return add_message


def _constant(handler: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A 'wrapper' that replaces whatever was there with ``handler``."""
    return lambda _original: handler


def _replacements() -> list[tuple[Any, str, Callable[[Any], Any]]]:
    """(owner, attribute, wrapper factory) for everything the layer replaces."""
    import moto.sqs.models as sqs_models
    import moto.sqs.responses as sqs_responses

    backend, queue, response = sqs_models.SQSBackend, sqs_models.Queue, sqs_responses.SQSResponse
    return [
        (backend, "get_queue", _wrap_get_queue),
        (backend, "get_queue_attributes", _wrap_get_queue_attributes),
        (queue, "_set_attributes", _wrap_set_attributes),
        (queue, "add_message", _wrap_add_message),
        (response, "start_message_move_task", _constant(_start_action)),
        (response, "list_message_move_tasks", _constant(_list_action)),
        (response, "cancel_message_move_task", _constant(_cancel_action)),
    ]


_PATCH = Patches(_replacements)


# --- public API ---------------------------------------------------------------


def check_backend(lab: Host) -> None:
    """Raise a clear error unless ``lab`` runs moto in this process (virtual clock)."""
    require_in_process(lab, LABEL, "where the service itself runs message move tasks")


def install(lab: Host) -> Callable[[], None]:
    """Turn the layer on for ``lab``; returns the undo (also run by ``lab.stop()``).

    Installing again on the same lab keeps the running layer and its tasks."""
    global _active
    check_backend(lab)
    if _active is not None:
        if _active.lab is lab:
            return _active.undo
        _active.undo()
    layer = Redrive(lab)
    _PATCH.install()
    timepatch.add_arrivals(layer.next_arrival_ms)
    _active = layer
    lab.on_stop(uninstall)
    return layer.undo


def uninstall() -> None:
    """Turn the layer off (no-op when it is off)."""
    if _active is not None:
        _active.undo()


def active() -> bool:
    """True while the layer is on."""
    return _active is not None


def current() -> Redrive | None:
    """The layer that is on now, if any."""
    return _active
