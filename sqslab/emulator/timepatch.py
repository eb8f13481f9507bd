"""The clock layer: moto's SQS reads the lab's clock, and long polls jump virtual time.

moto's SQS reads time only through ``unix_time()`` and ``unix_time_millis()`` (imported by name
into ``moto.sqs.models``); this layer replaces those two names, serves a long poll by moving the
virtual clock to the next moment something can change, and counts every queue change so a
waiting poll looks again. With a :class:`~sqslab.emulator.clock.RealClock` moto keeps real time
and real long polls, only faster: moto 5.2 converts two datetimes per stored message on every call.
There (``sqslab server``, one thread per request) a long poll is a loop of instant receives, and
each receive's look, send, delete and visibility change holds :data:`state.SERIAL`: moto 5.2
notes a FIFO queue's held message groups as a receive begins, so two receives at once could each
hand out messages of one group, which AWS never does.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqslab.emulator import state
from sqslab.emulator.clock import Clock, VirtualClock
from sqslab.emulator.host import Host
from sqslab.emulator.patching import Patches, Replacement

#: Other layers' next-arrival look-ups (queue, after ms) -> ms or None, e.g. a move task's next
#: delivery: a long poll on the virtual clock wakes at the earliest of them.
ArrivalSource = Callable[[Any, float], float | None]

_clock: Clock | None = None
_arrivals: list[ArrivalSource] = []
#: Real seconds between two looks of a long poll on a real clock (moto's own loop: 0.01 s).
REAL_POLL_PAUSE = 0.02


def _unix_time(original: Any) -> Any:
    def unix_time(dt: datetime | None = None) -> float:
        if dt is not None or _clock is None:
            return float(original(dt))
        return _clock.time()

    unix_time.__wrapped__ = original  # type: ignore[attr-defined]
    return unix_time


def _unix_time_millis(original: Any) -> Any:
    def unix_time_millis(dt: datetime | None = None) -> float:
        if dt is not None or _clock is None:
            return float(original(dt))
        return _clock.time() * 1000.0

    unix_time_millis.__wrapped__ = original  # type: ignore[attr-defined]
    return unix_time_millis


def now_ms() -> float:
    """moto's SQS time in milliseconds (the lab's clock while the layer is on)."""
    import moto.sqs.models as sqs_models

    return float(sqs_models.unix_time_millis())


def _visible(original: property) -> property:
    """A message is visible again the moment its visibility timeout has elapsed (as on AWS):
    moto 5.2 needs the clock strictly past ``visible_at``, one tick too long on a virtual clock."""

    def visible(message: Any) -> bool:
        return now_ms() >= message.visible_at

    visible.__wrapped__ = original  # type: ignore[attr-defined]
    return property(visible)


def _changing(method: Any) -> Any:
    """Wrap a moto method that changes a queue so waiting long polls look again."""

    def changed(*args: Any, **kwargs: Any) -> Any:
        try:
            if _clock is None or isinstance(_clock, VirtualClock):
                return method(*args, **kwargs)
            with state.SERIAL:  # a server thread: not while another one looks or changes
                return method(*args, **kwargs)
        finally:
            if _clock is not None:
                _clock.poke()

    changed.__wrapped__ = method  # type: ignore[attr-defined]
    return changed


def next_change(queue: Any, after_ms: float) -> float | None:
    """Earliest moment (ms) after ``after_ms`` at which a message may arrive in ``queue``."""
    moments = [state.next_visible_ms(queue, after_ms)]
    moments += [source(queue, after_ms) for source in list(_arrivals)]
    known = [m for m in moments if m is not None]
    return min(known) if known else None


def _virtual_receive(original: Any) -> Any:
    """Wrap moto's receive so a long poll jumps the virtual clock instead of blocking."""

    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> list[Any]:
        clock = _clock
        if clock is None:
            return list(
                original(
                    self,
                    queue_name,
                    count,
                    wait_seconds_timeout,
                    visibility_timeout,
                    message_attribute_names,
                )
            )
        if not isinstance(clock, VirtualClock):
            return _real_receive(
                lambda: original(
                    self, queue_name, count, 0, visibility_timeout, message_attribute_names
                ),
                clock.time() + (wait_seconds_timeout or 0),
            )
        deadline = clock.time() + (wait_seconds_timeout or 0)
        while True:
            found = original(
                self, queue_name, count, 0, visibility_timeout, message_attribute_names
            )
            if found or clock.time() >= deadline:
                return list(found)
            moment = next_change(self.get_queue(queue_name), clock.time() * 1000)
            until = deadline if moment is None else min(moment / 1000, deadline)
            _wait_for_change(clock, until)
            if _poll_interrupted(clock):
                return []

    receive_message.__wrapped__ = original  # type: ignore[attr-defined]
    return receive_message


def _real_receive(look: Callable[[], Any], deadline: float) -> list[Any]:
    """A long poll on a real clock: instant looks, one receive at a time, until one finds
    messages or ``deadline`` (the clock's time) has passed."""
    while True:
        with state.SERIAL:
            found = list(look())
        if found or _clock is None or _clock.time() >= deadline:
            return found
        time.sleep(REAL_POLL_PAUSE)  # real time on purpose: the server's clock is real


def _poll_interrupted(clock: VirtualClock) -> bool:
    """True when the worker this long poll serves was asked to stop (it returns empty)."""
    scheduler = clock.scheduler
    task = scheduler.waiter() if scheduler is not None else None
    return bool(task is not None and task.interrupted)


def _wait_for_change(clock: VirtualClock, until: float) -> None:
    """Let virtual time pass until ``until``; a scheduled worker wakes early if a queue changes.

    On the ``server`` backend the long poll runs in a server thread, not in the worker's: it
    then waits on behalf of the worker whose turn it is, so the other workers run meanwhile."""
    scheduler = clock.scheduler
    task = scheduler.waiter() if scheduler is not None else None
    if task is None:
        clock.advance_to(until)
        return
    seen = clock.changes
    scheduler.wait_until(until, wake_if=lambda: clock.changes != seen, task=task)


def _replacements() -> list[Replacement]:
    """moto's time functions, receive, visibility check and the calls that change a queue."""
    import moto.sqs.models as sqs_models

    backend, queue = sqs_models.SQSBackend, sqs_models.Queue
    return [
        (sqs_models, "unix_time", _unix_time),
        (sqs_models, "unix_time_millis", _unix_time_millis),
        (sqs_models.Message, "visible", _visible),
        (backend, "receive_message", _virtual_receive),
        (queue, "add_message", _changing),
        (queue, "delete_message", _changing),
        (backend, "change_message_visibility", _changing),
    ]


_PATCH = Patches(_replacements)


def use(clock: Clock) -> None:
    """Make moto's SQS read ``clock`` until :func:`uninstall` (``sqslab server`` keeps real time
    this way, without a lab)."""
    global _clock
    _PATCH.install()
    _clock = clock


def install(host: Host) -> None:
    """Make moto's SQS read ``host.clock`` until the host stops (or :func:`uninstall`)."""
    use(host.clock)
    host.on_stop(uninstall)


def uninstall() -> None:
    """Give moto's SQS its real clock and real long polling back."""
    global _clock
    _PATCH.uninstall()
    _clock = None


def active() -> bool:
    """True while moto reads a lab's clock."""
    return _clock is not None


def installed() -> Clock | None:
    """The clock moto's SQS reads now, if any."""
    return _clock


def add_arrivals(source: ArrivalSource) -> None:
    """Let long polls also wake at ``source``'s next arrival (until :func:`remove_arrivals`)."""
    if source not in _arrivals:
        _arrivals.append(source)


def remove_arrivals(source: ArrivalSource) -> None:
    """Stop asking ``source`` (no-op when it was not added)."""
    if source in _arrivals:
        _arrivals.remove(source)


def arrival_sources() -> tuple[ArrivalSource, ...]:
    """The next-arrival look-ups long polls consult now."""
    return tuple(_arrivals)
