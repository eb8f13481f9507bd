"""sqslab fidelity layer: a FIFO message group is released when its in-flight messages time out.

AWS, "FIFO queue delivery logic in Amazon SQS"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html):
"Within each message group ID, all messages are sent and received in strict order." A consumer
cannot receive more messages of a group it holds "unless: The currently received messages are
deleted, or They become visible again (for example, after the visibility timeout expires)."

moto 5.2 keeps a timed-out message in its in-flight set until a receive happens to walk past it,
and until then counts its group as held. So when a batch of one group (p0, p1, p2) times out, the
next receive skips p0 and p1 and returns p2 first, and a redrive policy moves the group's messages
into the DLQ out of order. With this layer moto releases timed-out messages before each receive
and counts a group as held only by messages that are still invisible: the next receive returns
p0, p1, p2 again, in order, as AWS does. Runs on the in-process moto backends only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqslab.emulator import state
from sqslab.emulator.patching import Patches, Replacement, require_in_process
from sqslab.i18n import N_, _

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

#: The layer's name (``LABEL`` gives it in the lab's language).
_LABEL = N_("sqslab fidelity layer: FIFO message groups after a visibility timeout")
AWS_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues-understanding-logic.html"


def __getattr__(name: str) -> Any:
    """``LABEL`` and ``DESCRIPTION`` in the language sqslab speaks when they are read."""
    if name == "LABEL":
        return _(_LABEL)
    if name == "DESCRIPTION":
        return _(
            "{label}. A timed-out message no longer holds its message group, so the group's "
            "messages come back in order (moto would return the last one first). AWS: {url}"
        ).format(label=_(_LABEL), url=AWS_URL)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_active: Host | None = None
_undo: Callable[[], None] | None = None


def release_timed_out(queue: Any) -> int:
    """Take messages whose visibility timeout ended out of ``queue``'s in-flight set; how many."""
    visible = [m for m in list(queue.pending_messages) if m.visible]
    for message in visible:
        queue.pending_messages.discard(message)
    return len(visible)


def held_groups(queue: Any) -> set[str]:
    """The message groups that in-flight messages still hold (invisible ones only)."""
    return {
        m.group_id for m in list(queue.pending_messages) if m.group_id is not None and not m.visible
    }


def _wrap_receive(inner: Any) -> Any:
    """moto's receive, releasing a FIFO queue's timed-out messages first."""

    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        if _active is not None:
            queue = self.get_queue(queue_name)
            if queue.fifo_queue:
                with state.SERIAL:  # not while another server thread's receive looks
                    release_timed_out(queue)
        return inner(self, queue_name, *args, **kwargs)

    receive_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return receive_message


def _wrap_groups(inner: Any) -> Any:
    """moto's held-groups property, counting only messages that are still invisible."""

    def pending_message_groups(queue: Any) -> set[str]:
        if _active is None:
            return inner.fget(queue)
        return held_groups(queue)

    pending_message_groups.__wrapped__ = inner  # type: ignore[attr-defined]
    return property(pending_message_groups)


def _replacements() -> list[Replacement]:
    """moto's receive and the queue's held-groups property, each wrapped as it stands."""
    import moto.sqs.models as sqs_models

    return [
        (sqs_models.SQSBackend, "receive_message", _wrap_receive),
        (sqs_models.Queue, "pending_message_groups", _wrap_groups),
    ]


_PATCH = Patches(_replacements)


def install(lab: Host) -> Callable[[], None]:
    """Turn the layer on for ``lab``; returns the undo (also run by ``lab.stop()``)."""
    global _active, _undo
    require_in_process(lab, _(_LABEL), "where the service itself releases message groups")
    if _active is lab and _undo is not None:
        return _undo
    if _undo is not None:
        _undo()
    _active = lab
    _PATCH.install()

    def undo() -> None:
        global _active, _undo
        if _active is lab:
            _active, _undo = None, None
            _PATCH.uninstall()

    _undo = undo
    lab.on_stop(uninstall)
    return undo


def uninstall() -> None:
    """Turn the layer off (no-op when it is off)."""
    if _undo is not None:
        _undo()


def active() -> bool:
    """True while the layer is on."""
    return _active is not None
