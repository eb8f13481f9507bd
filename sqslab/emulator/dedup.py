"""sqslab fidelity layer: FIFO deduplication as AWS does it, emulated on moto.

moto 5.2 drops a repeated FIFO send only while the first copy is still in the queue, gives the
repeat a new MessageId, and ignores ``DeduplicationScope=messageGroup``. AWS remembers each
deduplication id for 5 minutes from the first send, even after that message was received and
deleted, and can scope the id to one message group. This labelled layer makes moto do the same.

AWS, SendMessage API reference, ``MessageDeduplicationId``
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html):
"If a message with a particular MessageDeduplicationId is sent successfully, any messages sent
with the same MessageDeduplicationId are accepted successfully but aren't delivered during the
5-minute deduplication interval." ... "If you aren't able to provide a MessageDeduplicationId and
you enable ContentBasedDeduplication for your queue, Amazon SQS uses a SHA-256 hash to generate
the MessageDeduplicationId using the body of the message (but not the attributes of the
message)." ... "Amazon SQS continues to keep track of the message deduplication ID even after the
message is received and deleted."

AWS, "Using the message deduplication ID in Amazon SQS"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html):
"If Amazon SQS has already accepted a message with a specific deduplication ID, any subsequent
messages with the same ID will be acknowledged but not delivered to consumers."

AWS, SetQueueAttributes API reference
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html):
"The following attributes apply only to high throughput for FIFO queues: DeduplicationScope –
Specifies whether message deduplication occurs at the message group or queue level. Valid values
are messageGroup and queue." ... "If you set these attributes to anything other than the values
shown for enabling high throughput, normal throughput is in effect and deduplication occurs as
specified." (See also "Enabling high throughput for FIFO queues",
https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/enable-high-throughput-fifo.html:
"Deduplication scope – Specifies whether deduplication occurs at the queue or message group
level.")

The reply to a duplicate: AWS documents only that it is "accepted successfully". That it carries
the first send's MessageId and SequenceNumber (and the MD5 of the body actually sent) is what
emulators checked against AWS report, e.g. https://github.com/faiscadev/fakecloud/pull/1569 and
https://github.com/floci-io/floci/issues/901; the layer answers the same way.

How: while the layer is on, moto's ``SQSBackend.send_message`` (which ``send_message_batch``
calls per entry) marks the send, and ``Queue.add_message`` asks the layer first. The layer keeps,
per queue, (deduplication id [, group]) -> (first MessageId, SequenceNumber, sent time), pruned as
each 5-minute window ends. A repeat inside the window is not enqueued; the reply names the first
message. Anything else is enqueued, with moto's own in-queue check bypassed where it would
disagree (a same id in another group under ``messageGroup`` scope). Messages moved to a
dead-letter queue are not sends and are left alone. Time is moto's ``unix_time`` as the lab's
clock patches it, so ``lab.wait(301)`` ends a window. Runs on the in-process moto backends only.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.emulator import state
from sqslab.emulator.patching import Patches, Replacement, require_in_process
from sqslab.i18n import N_, _

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

#: The layer's name (``LABEL`` gives it in the lab's language).
_LABEL = N_("sqslab fidelity layer: FIFO deduplication as AWS does it")
SEND_MESSAGE_URL = (
    "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessage.html"
)
SET_QUEUE_ATTRIBUTES_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html"
DEDUP_ID_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/using-messagededuplicationid-property.html"
HIGH_THROUGHPUT_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/enable-high-throughput-fifo.html"
WINDOW_QUOTE = (
    "If a message with a particular MessageDeduplicationId is sent successfully, any messages "
    "sent with the same MessageDeduplicationId are accepted successfully but aren't delivered "
    "during the 5-minute deduplication interval."
)
DELETED_QUOTE = (
    "Amazon SQS continues to keep track of the message deduplication ID even after the message "
    "is received and deleted."
)
SCOPE_QUOTE = (
    "DeduplicationScope – Specifies whether message deduplication occurs at the message group "
    "or queue level. Valid values are messageGroup and queue."
)
#: DeduplicationScope value that makes a deduplication id unique per message group only.
GROUP_SCOPE = "messageGroup"


def description() -> str:
    """What the layer does and the AWS text it follows (quoted as AWS wrote it), for a notebook to
    print as ``DESCRIPTION``, in the lab's language."""
    quotes = f"""AWS, SendMessage ({SEND_MESSAGE_URL}):
  "{WINDOW_QUOTE}"
  "{DELETED_QUOTE}"

AWS, SetQueueAttributes ({SET_QUEUE_ATTRIBUTES_URL}):
  "{SCOPE_QUOTE}"
"""
    layer = _(
        "plain moto forgets a deduplication id once its message is deleted, answers a repeat "
        "with a new\nMessageId, and deduplicates across the whole queue whatever "
        "DeduplicationScope says. With the\nlayer on, on FIFO queues only: a repeat of an id (or, "
        "with ContentBasedDeduplication, of a body)\nwithin {window} of its first send is "
        "accepted, answered with the\nfirst MessageId and not delivered, even if the first copy "
        "is gone; with\nDeduplicationScope=messageGroup the same id in another message group is "
        "a new message."
    ).format(window=facts.get("fifo_dedup_window").translated("text"))
    return f"{_(_LABEL)}\n\n{quotes}\n{layer}"


def __getattr__(name: str) -> Any:
    """``LABEL`` and ``DESCRIPTION`` in the language sqslab speaks when they are read."""
    if name == "LABEL":
        return _(_LABEL)
    if name == "DESCRIPTION":
        return description()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class FirstSend:
    """The send that opened a deduplication window: what a repeat is answered with."""

    message_id: str
    sequence_number: str | None
    at: float


#: (deduplication id, message group or None under queue scope): the key a repeat must match.
Key = tuple[str, str | None]


class QueueMemory:
    """One queue's open deduplication windows, oldest first."""

    def __init__(self) -> None:
        self._first: dict[Key, FirstSend] = {}

    def __len__(self) -> int:
        return len(self._first)

    def prune(self, now: float, window: float) -> None:
        """Forget the windows that have ended (kept oldest first, so stop at the first open one)."""
        for key, sent in list(self._first.items()):
            if now - sent.at < window:
                return
            del self._first[key]

    def first(self, key: Key) -> FirstSend | None:
        """The open window's first send for ``key``, if any."""
        return self._first.get(key)

    def remember(self, key: Key, sent: FirstSend) -> None:
        """Open a window for ``key`` at ``sent``."""
        self._first[key] = sent


def key_of(queue: Any, message: Any) -> Key:
    """The deduplication key of a moto message: its id, plus its group under messageGroup scope."""
    scoped = getattr(queue, "deduplication_scope", None) == GROUP_SCOPE  # cheaper than .attributes
    return (message.deduplication_id, message.group_id if scoped else None)


class Dedup:
    """The layer for one lab: every FIFO queue's memory of first sends, and the undo."""

    def __init__(self, lab: Host, window: float) -> None:
        self.lab = lab
        self.window = window
        self._memory: weakref.WeakKeyDictionary[Any, QueueMemory] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def memory(self, queue: Any) -> QueueMemory:
        """The memory of ``queue`` (a moto Queue), created on first use."""
        if queue not in self._memory:
            self._memory[queue] = QueueMemory()
        return self._memory[queue]

    def admit(self, queue: Any, message: Any, now: float) -> FirstSend | None:
        """The first send ``message`` repeats, or None after opening a window for it."""
        with self._lock:
            memory = self.memory(queue)
            memory.prune(now, self.window)
            key = key_of(queue, message)
            first = memory.first(key)
            if first is None:
                memory.remember(key, FirstSend(message.id, message.sequence_number, now))
            return first

    def add(self, queue: Any, message: Any, inner: Callable[[Any, Any], None]) -> None:
        """Enqueue ``message`` through ``inner`` unless it repeats; a repeat takes the first's ids."""
        import moto.sqs.models as sqs_models

        first = self.admit(queue, message, sqs_models.unix_time())
        if first is not None:
            message.id, message.sequence_number = first.message_id, first.sequence_number
            return
        _enqueue_past_motos_check(queue, message, inner)

    def undo(self) -> None:
        """Switch the layer off and give moto back what it replaced (a no-op when already off)."""
        global _active
        if _active is self:
            _active = None
            _PATCH.uninstall()


def _enqueue_past_motos_check(queue: Any, message: Any, inner: Callable[[Any, Any], None]) -> None:
    """Enqueue through ``inner``; the layer has decided, so hide the id for that one call when
    moto's own check would drop the message (the id is on a queued message, in any group)."""
    dedup_id = message.deduplication_id
    if not any(m.deduplication_id == dedup_id for m in state.messages(queue)):
        inner(queue, message)
        return
    message.deduplication_id = None
    try:
        inner(queue, message)
    finally:
        message.deduplication_id = dedup_id


# --- the moto patch ---------------------------------------------------------

_active: Dedup | None = None
_local = threading.local()


def _wrap_send(inner: Any) -> Any:
    """moto's send (one message), marking this thread's next ``add_message`` as a send."""

    def send_message(self: Any, *args: Any, **kwargs: Any) -> Any:
        outer = getattr(_local, "sending", False)
        _local.sending = True
        try:
            return inner(self, *args, **kwargs)
        finally:
            _local.sending = outer

    send_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return send_message


def _wrap_add(inner: Any) -> Any:
    """moto's enqueue, asking the layer first when the message is a fresh send to a FIFO queue."""

    def add_message(queue: Any, message: Any) -> None:
        sending, _local.sending = getattr(_local, "sending", False), False
        layer = _active
        if layer is None or not sending or not queue.fifo_queue or not message.deduplication_id:
            return inner(queue, message)
        return layer.add(queue, message, inner)

    add_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return add_message


def _replacements() -> list[Replacement]:
    """moto's send and enqueue, each wrapped as it currently stands."""
    import moto.sqs.models as sqs_models

    return [
        (sqs_models.SQSBackend, "send_message", _wrap_send),
        (sqs_models.Queue, "add_message", _wrap_add),
    ]


_PATCH = Patches(_replacements)


# --- public API -------------------------------------------------------------


def check_backend(lab: Host) -> None:
    """Raise a clear error unless ``lab`` runs moto in this process (virtual clock)."""
    require_in_process(lab, _(_LABEL), "where the service itself deduplicates")


def install(lab: Host) -> Callable[[], None]:
    """Turn the layer on for ``lab``; returns the undo (also run by ``lab.stop()``).

    Installing again on the same lab keeps the running layer and its memory."""
    global _active
    check_backend(lab)
    if _active is not None:
        if _active.lab is lab:
            return _active.undo
        _active.undo()
    layer = Dedup(lab, float(facts.get("fifo_dedup_window").value))
    _PATCH.install()
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


def current() -> Dedup | None:
    """The layer that is on now, if any."""
    return _active
