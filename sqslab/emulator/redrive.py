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

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqslab.emulator import timepatch
from sqslab.emulator.move_tasks import MoveTask, Redrive
from sqslab.emulator.patching import Patches, require_in_process
from sqslab.emulator.redrive_rules import (
    ACTIVE,
    ALLOW_POLICY,
    CANCELLED,
    CANCELLING,
    COMPLETED,
    FAILED,
    LABEL,
    NO_QUEUE,
    ORIGIN,
    RUNNING,
    UNKNOWN_SOURCE,
    as_text,
    check_allow_policy,
    check_redrive_policy,
    description,
)

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

__all__ = [
    "ACTIVE",
    "CANCELLED",
    "CANCELLING",
    "COMPLETED",
    "DESCRIPTION",  # noqa: F822 - served by __getattr__, in the lab's language
    "FAILED",
    "LABEL",
    "NO_QUEUE",
    "RUNNING",
    "UNKNOWN_SOURCE",
    "MoveTask",
    "Redrive",
    "active",
    "check_backend",
    "current",
    "install",
    "uninstall",
]


def __getattr__(name: str) -> str:
    """``DESCRIPTION``: what the layer does, rendered when read, in the lab's language."""
    if name == "DESCRIPTION":
        return description()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
            attributes[ALLOW_POLICY] = as_text(raw)
        return attributes

    get_queue_attributes.__wrapped__ = inner  # type: ignore[attr-defined]
    return get_queue_attributes


def _wrap_set_attributes(inner: Any) -> Any:
    """moto's attribute setter (CreateQueue and SetQueueAttributes), checking redrive first."""

    def _set_attributes(queue: Any, attributes: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if _active is not None:
            check_allow_policy(attributes.get(ALLOW_POLICY))
            check_redrive_policy(queue, attributes)
        return inner(queue, attributes, *args, **kwargs)

    _set_attributes.__wrapped__ = inner  # type: ignore[attr-defined]
    return _set_attributes


def _wrap_add_message(inner: Any) -> Any:
    """moto's enqueue, noting the first queue each message entered (its original source), and
    resetting the enqueue time of a message moved into a FIFO DLQ."""

    def add_message(queue: Any, message: Any) -> Any:
        if _active is not None and not hasattr(message, ORIGIN):
            setattr(message, ORIGIN, queue.queue_arn)
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
    layer = Redrive(lab, _release)
    _PATCH.install()
    timepatch.add_arrivals(layer.next_arrival_ms)
    _active = layer
    lab.on_stop(uninstall)
    return layer.undo


def _release(layer: Redrive) -> None:
    """Switch ``layer`` off if it is the active one: moto gets back what was replaced."""
    global _active
    if _active is layer:
        _active = None
        _PATCH.uninstall()
        timepatch.remove_arrivals(layer.next_arrival_ms)


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
