"""Clocks: a virtual clock that moto's SQS reads on the in-process backends, and a real one elsewhere.

On moto, SQS reads time only through ``unix_time()`` and ``unix_time_millis()`` (imported by name
into ``moto.sqs.models``). :func:`install` replaces just those two names with this clock, so a
12-hour visibility timeout passes in microseconds while the rest of the kernel keeps real time.
"""

from __future__ import annotations

import math
import numbers
import threading
import time
from datetime import UTC, datetime
from typing import Any, Protocol

#: The instant every virtual clock starts at: fixed, so message timestamps are the same every run.
EPOCH = datetime(2026, 1, 5, 9, 0, 0, tzinfo=UTC)


class Clock(Protocol):
    """What the lab needs from a clock."""

    virtual: bool

    def time(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


#: The longest single wait: 100 years. A lesson needs days at most, and a clock pushed near the
#: year 9999 can no longer be shown as a datetime.
MAX_WAIT = 100 * 365 * 24 * 3600
#: The last instant a virtual clock may reach: the end of what ``datetime`` can show.
LATEST = datetime(9999, 12, 31, tzinfo=UTC).timestamp()


def check_seconds(seconds: float) -> float:
    """Return ``seconds`` as a float, or raise a clear error for a negative, non-finite, too long
    or non-numeric wait."""
    from sqslab.errors import LimitError, WrongTypeError

    if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real):
        raise WrongTypeError(
            f"wait() takes a number of seconds, got {type(seconds).__name__} {seconds!r:.40}: "
            "e.g. lab.wait(60) or lab.wait(12 * 3600)"
        )
    if isinstance(seconds, float) and not math.isfinite(seconds):
        raise LimitError(
            f"cannot wait {seconds} seconds: pass a finite number of seconds, e.g. lab.wait(60)"
        )
    if seconds < 0:
        raise LimitError(
            f"cannot wait {_amount(seconds)} seconds: time only moves forward; pass 0 or more "
            "seconds"
        )
    if seconds > MAX_WAIT:
        from sqslab import facts

        raise LimitError(
            f"cannot wait {_amount(seconds)} seconds: one wait is at most 100 years ({MAX_WAIT} s); "
            f"SQS keeps a message {facts.get('message_retention').text} at most, so "
            "lab.wait(14 * 24 * 3600) is as far as a lesson needs"
        )
    return float(seconds)


def _amount(seconds: numbers.Real) -> str:
    """A number of seconds as short text (an int of 400 digits is not spelled out)."""
    text = str(seconds)
    return text if len(text) <= 24 else f"{text[:8]}… ({len(text)} characters)"


class RealClock:
    """Wall-clock time; ``sleep`` really sleeps (used on the endpoint and aws backends)."""

    virtual = False

    def time(self) -> float:
        return time.time()

    def sleep(self, seconds: float) -> None:
        time.sleep(check_seconds(seconds))  # real: a remote service keeps real time


class VirtualClock:
    """Time that moves only when told to: ``sleep`` and ``advance`` jump forward instantly."""

    virtual = True

    def __init__(self, start: datetime = EPOCH) -> None:
        self._now = start.timestamp()
        self._lock = threading.Lock()
        #: The :class:`sqslab.scheduler.Scheduler` driving workers on this clock, while one runs.
        self.scheduler: Any = None

    def time(self) -> float:
        """Current virtual time in seconds since the Unix epoch."""
        return self._now

    def sleep(self, seconds: float) -> None:
        """Advance virtual time by ``seconds`` without waiting (a scheduled worker lets others run)."""
        scheduler = self.scheduler
        if scheduler is not None and scheduler.current() is not None:
            scheduler.sleep(seconds)
        else:
            self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move the clock forward by ``seconds`` (0 or more), never past :data:`LATEST`."""
        step = check_seconds(seconds)
        with self._lock:
            _check_reachable(self._now + step)
            self._now += step

    def advance_to(self, when: float) -> None:
        """Move the clock forward to ``when``; an instant in the past leaves it unchanged."""
        with self._lock:
            _check_reachable(when)
            self._now = max(self._now, when)


def _check_reachable(when: float) -> None:
    """Refuse to move a virtual clock past the last instant ``datetime`` can show."""
    from sqslab.errors import LimitError

    if when > LATEST:
        raise LimitError(
            f"the virtual clock cannot pass {datetime.fromtimestamp(LATEST, tz=UTC):%Y-%m-%d}, the "
            "last day Python's datetime can show; start a fresh lab (lab = sqslab.start()) to "
            "begin again at the fixed start time"
        )


def now_datetime(clock: Clock) -> datetime:
    """The clock's current time as an aware UTC datetime."""
    return datetime.fromtimestamp(clock.time(), tz=UTC)


class _MotoTimePatch:
    """Replaces moto.sqs's time functions and long poll while a virtual clock is installed."""

    def __init__(self) -> None:
        self.clock: Clock | None = None
        self._saved: dict[str, Any] = {}
        #: Bumped whenever a queue changes in a way that may end a long poll early.
        self.version = 0

    def install(self, clock: Clock) -> None:
        import moto.sqs.models as sqs_models

        if not self._saved:
            self._saved = {
                "unix_time": sqs_models.unix_time,
                "unix_time_millis": sqs_models.unix_time_millis,
                "receive_message": sqs_models.SQSBackend.receive_message,
                "visible": sqs_models.Message.visible,
                "add_message": sqs_models.Queue.add_message,
                "delete_message": sqs_models.Queue.delete_message,
                "change_visibility": sqs_models.SQSBackend.change_message_visibility,
            }
            sqs_models.Message.visible = property(_visible_once_timeout_elapsed)
            sqs_models.unix_time = self._unix_time
            sqs_models.unix_time_millis = self._unix_time_millis
            sqs_models.SQSBackend.receive_message = _virtual_receive(self._saved["receive_message"])
            sqs_models.Queue.add_message = self._bumping(self._saved["add_message"])
            sqs_models.Queue.delete_message = self._bumping(self._saved["delete_message"])
            sqs_models.SQSBackend.change_message_visibility = self._bumping(
                self._saved["change_visibility"]
            )
        self.clock = clock

    def uninstall(self) -> None:
        import moto.sqs.models as sqs_models

        if self._saved:
            sqs_models.unix_time = self._saved["unix_time"]
            sqs_models.unix_time_millis = self._saved["unix_time_millis"]
            sqs_models.SQSBackend.receive_message = self._saved["receive_message"]
            sqs_models.Message.visible = self._saved["visible"]
            sqs_models.Queue.add_message = self._saved["add_message"]
            sqs_models.Queue.delete_message = self._saved["delete_message"]
            sqs_models.SQSBackend.change_message_visibility = self._saved["change_visibility"]
            self._saved = {}
        self.clock = None

    def _bumping(self, method: Any) -> Any:
        """Wrap a moto method that changes a queue so waiting long polls look again."""

        def changed(*args: Any, **kwargs: Any) -> Any:
            try:
                return method(*args, **kwargs)
            finally:
                self.version += 1

        changed.__wrapped__ = method  # type: ignore[attr-defined]
        return changed

    def _unix_time(self, dt: datetime | None = None) -> float:
        if dt is not None or self.clock is None:
            return self._saved["unix_time"](dt)
        return self.clock.time()

    def _unix_time_millis(self, dt: datetime | None = None) -> float:
        return self._unix_time(dt) * 1000.0


_PATCH = _MotoTimePatch()


def install(clock: Clock) -> None:
    """Make moto's SQS read ``clock``; a virtual clock also serves long polls by jumping time.

    With a :class:`RealClock` moto keeps real time and real long polls, only faster: moto 5.2
    converts two datetimes per stored message on every call, a cost that grows with queue depth.
    """
    _PATCH.install(clock)


def uninstall() -> None:
    """Give moto's SQS its real clock and real long polling back."""
    _PATCH.uninstall()


def installed() -> Clock | None:
    """The virtual clock moto's SQS reads now, if any."""
    return _PATCH.clock


def next_change(queue: Any, after_ms: float) -> float | None:
    """Earliest moment (ms) after ``after_ms`` at which a message of ``queue`` may become receivable."""
    moments = [
        max(m.visible_at, m.delayed_until)
        for m in list(queue._messages)
        if max(m.visible_at, m.delayed_until) > after_ms
    ]
    return min(moments) if moments else None


def _visible_once_timeout_elapsed(message: Any) -> bool:
    """A message is visible again the moment its visibility timeout has elapsed (as on AWS).

    moto 5.2 needs the clock to be strictly past ``visible_at``; with a virtual clock that lands
    exactly on the deadline, that would hide the message one tick too long.
    """
    return _PATCH._unix_time_millis() >= message.visible_at


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
        clock = _PATCH.clock
        if not clock.virtual:
            return original(
                self,
                queue_name,
                count,
                wait_seconds_timeout,
                visibility_timeout,
                message_attribute_names,
            )
        deadline = clock.time() + (wait_seconds_timeout or 0)
        while True:
            found = original(
                self, queue_name, count, 0, visibility_timeout, message_attribute_names
            )
            if found or clock.time() >= deadline:
                return found
            moment = next_change(self.get_queue(queue_name), clock.time() * 1000)
            until = deadline if moment is None else min(moment / 1000, deadline)
            _wait_for_change(clock, until)
            if _poll_interrupted(clock):
                return []

    receive_message.__wrapped__ = original  # type: ignore[attr-defined]
    return receive_message


def poke() -> None:
    """Wake every long poll waiting on the virtual clock so it looks again (a consumer stops)."""
    _PATCH.version += 1


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
    seen = _PATCH.version
    scheduler.wait_until(until, wake_if=lambda: _PATCH.version != seen, task=task)
