"""The layers that make moto answer as AWS does, and the one order they stack in.

Each layer is a module with ``install(host)``, ``uninstall()`` and ``active()``: it patches moto
while installed and registers its undo with ``host.on_stop``. Several layers wrap the same moto
method; each wraps what the layers before it left in place, so a later layer sees the earlier
ones' behaviour. ``tests/test_layers.py`` walks the wrappers and checks this order.
"""

from __future__ import annotations

from types import ModuleType
from typing import Protocol, runtime_checkable

from sqslab.emulator import (
    dedup,
    fair_queues,
    fidelity,
    fifo_groups,
    realism,
    redrive,
    timepatch,
)
from sqslab.emulator.host import Host


@runtime_checkable
class Layer(Protocol):
    """One layer: installs on a lab, uninstalls, says whether it is on."""

    def install(self, host: Host) -> object: ...

    def uninstall(self) -> None: ...

    def active(self) -> bool: ...


#: Bottom first: a later layer's wrapper is outside an earlier one's and runs before it.
ORDER: tuple[ModuleType, ...] = (
    # unix_time, Message.visible, SQSBackend.receive_message, Queue.add/delete_message,
    # change_message_visibility: innermost, so its long poll loops over moto's plain receive
    # and every layer above it reads the virtual clock.
    timepatch,
    # Queue._set_attributes: keeps a queue's Policy when SetQueueAttributes omits it. Inside
    # redrive's wrapper of the same method, whose checks run first and may refuse the call.
    fidelity,
    # SQSBackend.send_message, Queue.add_message: decides whether a FIFO send is stored. Inside
    # redrive's add_message, which notes each message's first queue on its way in.
    dedup,
    # SQSBackend.receive_message, Queue.pending_message_groups: releases a FIFO queue's
    # timed-out messages once as a receive begins; the held-groups property then answers each
    # look the clock's long poll (below it) takes.
    fifo_groups,
    # get_queue, get_queue_attributes, Queue._set_attributes, Queue.add_message and the three
    # message-move-task actions: outside dedup and fidelity (see above).
    redrive,
    # SQSBackend.receive/delete_message/change_message_visibility, Queue.add_message, the
    # Queue.messages and approximate_number_of_messages properties, SQSResponse.receive_message:
    # fair queues on standard queues. Outside redrive's add_message and fifo_groups' receive, so
    # it orders what moto and the layers below would serve; inside realism, which may then
    # reorder or lose deletes on top of the fair order.
    fair_queues,
    # SQSBackend.receive/delete_message, Queue.messages: opt-in (``realism.enable``) and always on
    # top, so its reordering and lost deletes act on what the fidelity layers already answer.
    realism,
)
#: Installed by every in-process lab; the others are turned on by the lesson that needs them.
DEFAULT: tuple[ModuleType, ...] = ORDER[:-1]


def install(host: Host) -> None:
    """Install the default layers on ``host``, bottom first (each undoes itself on stop)."""
    for layer in DEFAULT:
        layer.install(host)


def names(layers: tuple[ModuleType, ...] = ORDER) -> list[str]:
    """The layers' short names (``timepatch``, ``fidelity``…), in order."""
    return [layer.__name__.rsplit(".", 1)[-1] for layer in layers]
