"""sqslab fidelity layer: fair queues, SQS's noisy-neighbour protection for standard queues whose
producers set ``MessageGroupId`` (July 2025), emulated on moto.

AWS, "Amazon SQS fair queues" (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues.html)
and "How Amazon SQS fair queues work"
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues-detailed.html):
tenants are message groups, and "Each message without a MessageGroupId is treated as belonging to
its own distinct tenant." A tenant is a noisy neighbour when "Concurrency share: the tenant
accounts for more than 10% of in-flight messages in the queue and has at least 30 of its own
messages in flight." or "Processing time share: the tenant's recent share of total consumer
processing time exceeds 10%." "Because Amazon SQS is a distributed system, these thresholds are
approximate and detection may not activate at the exact values described." While a tenant is
noisy, consumers get quiet tenants' messages whenever any are available; noisy tenants' messages
are neither dropped nor throttled; among several noisy tenants the one with the fewest in-flight
messages is served first; a tenant is quiet again when its backlog is drained or after 5 minutes
without a send (the last three paraphrased from AWS's translated copy of the page, see the
``fair_quiet_after_no_send`` fact).

moto 5.2 accepts MessageGroupId on a standard queue and ignores it: oldest first, always.

How: on standard queues only, moto's ``Queue.add_message`` notes each tenant's last send; the
backend's receive, delete and visibility change note each message's hold (receive -> delete, end
of its visibility timeout, or a visibility change that ends it): its processing time, from the
queue's first message with a group id on (a queue without group ids costs nothing). During a
receive, ``Queue.messages`` (moto's visible messages, oldest first) is served in the fair order of
:func:`.fair_rules.serving_order`, the noisy tenants computed by :func:`.fair_rules.noisy` at that
moment of the lab's clock; ``Queue.approximate_number_of_messages``, which moto reads while it
answers, counts the plain list. A reordered receive is logged and its HTTP reply carries the
header :data:`HEADER`. Every threshold is a fact of the registry; AWS does not say how recent
"recent" processing time is, so the layer counts a window of its own (fact
``fair_processing_window``). Runs on the in-process moto backends (``moto``, ``server`` and
``sqslab server``), under :data:`state.SERIAL` where moto's state is read from server threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.emulator import fair_book, state
from sqslab.emulator.fair_book import (
    FairQueues,
    Labelled,
    QueueBook,
    tenant_of_message,
)
from sqslab.emulator.fair_rules import (
    APPROXIMATE_QUOTE,
    CONCURRENCY_QUOTE,
    DETAILED_URL,
    PROCESSING_QUOTE,
    TENANT_QUOTE,
    Tenant,
    Thresholds,
)
from sqslab.emulator.patching import Patches, Replacement, require_in_process
from sqslab.errors import LabConfigError, UnknownNameError
from sqslab.i18n import _

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

__all__ = ["HEADER", "FairQueues", "active", "current", "description", "install"]

#: The HTTP header on a ReceiveMessage reply whose order the layer changed.
HEADER = "x-sqslab-fidelity-layer"
HEADER_VALUE = "fair queues: quiet tenants served first"


def _fact(key: str) -> str:
    return facts.get(key).translated("text")


def description() -> str:
    """What the layer does and the AWS text it follows (quoted as AWS wrote it), for a notebook to
    print as ``DESCRIPTION``, in the lab's language."""
    quotes = f"""AWS, "How Amazon SQS fair queues work" ({DETAILED_URL}):
  "{TENANT_QUOTE}"
  "{CONCURRENCY_QUOTE}"
  "{PROCESSING_QUOTE}"
  "{APPROXIMATE_QUOTE}"
"""
    layer = _(
        "plain moto accepts MessageGroupId on a standard queue and still serves the oldest "
        "message first.\nWith the layer on, on standard queues only (never on FIFO queues; "
        "without group ids nothing\nchanges):\n"
        "- a tenant is a message group; a message without a group id is a tenant of its own, "
        "counted in\n  every share and never noisy;\n"
        "- a tenant is noisy with more than {in_flight_share}\n  and {min_in_flight}, or with "
        "more than\n  {processing_share}: each receive counts from the receive to its delete,\n"
        "  to the end of its visibility timeout or to a visibility change that ends it, over\n"
        '  {window} (sqslab\'s window: AWS only says "recent");\n'
        "- a tenant with no message waiting, or without a send for {quiet_after}, is quiet;\n"
        "- a receive returns quiet tenants' messages first, oldest first, then noisy tenants' "
        "messages,\n  each next one from the noisy tenant with the fewest in flight; nothing is "
        "dropped or throttled.\n"
        "AWS calls the thresholds approximate; the layer applies them exactly, on the lab's "
        "clock, at each\nreceive (exactly 10 % is not over it, 29 in flight is not 30, exactly 5 "
        "minutes is quiet), so the\nsame calls give the same order every run. A reordered "
        "receive is logged and its HTTP reply\ncarries the header {header}."
    ).format(
        in_flight_share=_fact("fair_noisy_in_flight_share"),
        min_in_flight=_fact("fair_noisy_min_in_flight"),
        processing_share=_fact("fair_noisy_processing_share"),
        window=_fact("fair_processing_window"),
        quiet_after=_fact("fair_quiet_after_no_send"),
        header=HEADER,
    )
    return f"{fair_book.LABEL}\n\n{quotes}\n{layer}"


def __getattr__(name: str) -> Any:
    """``LABEL`` and ``DESCRIPTION`` in the language sqslab speaks when they are read."""
    if name == "LABEL":
        return fair_book.LABEL
    if name == "DESCRIPTION":
        return description()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class _Look:
    """The receive running on this thread: its queue and size, and its latest look's outcome."""

    queue: Any
    count: int
    noisy: dict[Tenant, str] = field(default_factory=dict)
    changed: bool = False


_active: FairQueues | None = None
_local = threading.local()


def _now() -> float:
    """moto's SQS time in seconds (the lab's clock while the clock layer is on)."""
    import moto.sqs.models as sqs_models

    return float(sqs_models.unix_time())


def _ours(queue: Any) -> FairQueues | None:
    """The active layer if it acts on ``queue`` (a standard queue), else None."""
    layer = _active
    return None if layer is None or queue.fifo_queue else layer


def _watched(queue: Any) -> QueueBook | None:
    """The active layer's book of ``queue`` while it notes the queue's holds (see
    :meth:`FairQueues.watched`)."""
    layer = _ours(queue)
    return None if layer is None else layer.watched(queue)


def _wrap_receive(inner: Any) -> Any:
    """moto's receive: the fair order during the call, then each message's hold noted."""

    def receive_message(self: Any, queue_name: str, *args: Any, **kwargs: Any) -> Any:
        queue = self.get_queue(queue_name)
        layer = _ours(queue)
        if layer is None:
            return inner(self, queue_name, *args, **kwargs)
        look = _Look(queue, int(args[0] if args else kwargs.get("count", 1)))
        outer, _local.look = getattr(_local, "look", None), look
        try:
            found = inner(self, queue_name, *args, **kwargs)
        finally:
            _local.look = outer
        now = _now()
        with state.SERIAL:
            book = layer.watched(queue)
            if book is not None:
                for message in found:
                    deadline = message.visible_at / 1000
                    book.received(tenant_of_message(message), message.id, now, deadline)
                book.prune(now, layer.limits)
            if look.changed and found:
                layer.note(queue, found, look.noisy, now)
                _local.reordered = True
        return found

    receive_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return receive_message


def _wrap_messages(prop: property) -> property:
    """moto's visible messages, in the fair order while this thread's receive looks at them."""

    def messages(queue: Any) -> list[Any]:
        visible = prop.fget(queue)  # type: ignore[misc]
        look = getattr(_local, "look", None)
        layer = _active
        if layer is None or look is None or look.queue is not queue:
            return visible
        if getattr(_local, "counting", False):
            return visible  # moto counting while it answers: the order does not matter
        look.noisy, look.changed = {}, False
        if len(visible) < 2:
            return visible
        with state.SERIAL:
            served, look.noisy = layer.order(queue, visible, _now())
        first = look.count
        look.changed = [m.id for m in served[:first]] != [m.id for m in visible[:first]]
        return served

    messages.__wrapped__ = prop  # type: ignore[attr-defined]
    return property(messages)


def _wrap_count(prop: property) -> property:
    """moto's count of visible messages, read from the plain list (no fair order computed)."""

    def approximate_number_of_messages(queue: Any) -> int:
        outer, _local.counting = getattr(_local, "counting", False), True
        try:
            return int(prop.fget(queue))  # type: ignore[misc]
        finally:
            _local.counting = outer

    approximate_number_of_messages.__wrapped__ = prop  # type: ignore[attr-defined]
    return property(approximate_number_of_messages)


def _wrap_add(inner: Any) -> Any:
    """moto's enqueue, noting the tenant's send on a standard queue."""

    def add_message(queue: Any, message: Any) -> Any:
        result = inner(queue, message)
        layer = _ours(queue)
        if layer is not None:
            with state.SERIAL:
                layer.book(queue).sent(tenant_of_message(message), _now())
        return result

    add_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return add_message


def _wrap_delete(inner: Any) -> Any:
    """moto's delete, ending the message's hold."""

    def delete_message(self: Any, queue_name: str, receipt_handle: str) -> Any:
        queue = self.get_queue(queue_name)
        book = _watched(queue)
        message = None if book is None else state.message_with_handle(queue, receipt_handle)
        result = inner(self, queue_name, receipt_handle)
        if book is not None and message is not None:
            with state.SERIAL:
                book.deleted(message.id, _now())
        return result

    delete_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return delete_message


def _wrap_visibility(inner: Any) -> Any:
    """moto's visibility change, moving the end of the message's hold."""

    def change_message_visibility(
        self: Any, queue_name: str, receipt_handle: str, visibility_timeout: int
    ) -> Any:
        result = inner(self, queue_name, receipt_handle, visibility_timeout)
        queue = self.get_queue(queue_name)
        book = _watched(queue)
        message = None if book is None else state.message_with_handle(queue, receipt_handle)
        if book is not None and message is not None:
            with state.SERIAL:
                book.moved(message.id, _now(), message.visible_at / 1000)
        return result

    change_message_visibility.__wrapped__ = inner  # type: ignore[attr-defined]
    return change_message_visibility


def _wrap_response(inner: Any) -> Any:
    """moto's ReceiveMessage handler: a reply the layer reordered carries :data:`HEADER`."""

    def receive_message(response: Any) -> Any:
        _local.reordered = False
        try:
            result = inner(response)
            if _local.reordered:
                response.response_headers[HEADER] = HEADER_VALUE
            return result
        finally:
            _local.reordered = False

    receive_message.__wrapped__ = inner  # type: ignore[attr-defined]
    return receive_message


def _replacements() -> list[Replacement]:
    """Everything the layer wraps, each as it currently stands."""
    import moto.sqs.models as sqs_models
    import moto.sqs.responses as sqs_responses

    backend, queue = sqs_models.SQSBackend, sqs_models.Queue
    return [
        (backend, "receive_message", _wrap_receive),
        (backend, "delete_message", _wrap_delete),
        (backend, "change_message_visibility", _wrap_visibility),
        (queue, "add_message", _wrap_add),
        (queue, "messages", _wrap_messages),
        (queue, "approximate_number_of_messages", _wrap_count),
        (sqs_responses.SQSResponse, "receive_message", _wrap_response),
    ]


_PATCH = Patches(_replacements)


# --- public API ---------------------------------------------------------------


def check_backend(lab: Host) -> None:
    """Raise a clear error unless ``lab`` runs moto in this process."""
    require_in_process(lab, fair_book.LABEL, "where the service itself runs fair queues")


def install(lab: Host) -> Callable[[], None]:
    """Turn the layer on for ``lab``; returns the undo (also run by ``lab.stop()``).

    Installing again on the same lab keeps the running layer and its memory."""
    global _active
    check_backend(lab)
    if _active is not None:
        if _active.lab is lab:
            return _undo
        _undo()
    layer = FairQueues(lab, Thresholds.from_facts())
    _PATCH.install()
    _active = layer
    lab.on_stop(uninstall)
    return _undo


def _undo() -> None:
    """Switch the layer off and give moto back what it replaced (a no-op when off)."""
    global _active
    if _active is not None:
        _active = None
        _PATCH.uninstall()


def uninstall() -> None:
    """Turn the layer off (no-op when it is off)."""
    _undo()


def active() -> bool:
    """True while the layer is on."""
    return _active is not None


def current() -> FairQueues | None:
    """The layer that is on now, if any."""
    return _active


def tenants(queue_url: str) -> Labelled:
    """The tenants of a standard queue now (by URL or name), labelled: in flight, waiting, recent
    processing time, last send, and whether the layer counts each as noisy and why."""
    layer = _active
    if layer is None:
        raise LabConfigError(
            _("{label} is off: start a lab on moto (sqslab.start('moto'))").format(
                label=fair_book.LABEL
            )
        )
    name = queue_url.rstrip("/").rsplit("/", 1)[-1]
    for queue in state.all_queues():
        if queue.name == name and not queue.fifo_queue:
            with state.SERIAL:
                return layer.tenants(queue, _now())
    raise UnknownNameError(f"no standard queue named {name!r} in this lab")
