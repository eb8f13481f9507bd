"""Clocks: a virtual clock that moto's SQS reads on the in-process backends, and a real one elsewhere.

:mod:`sqslab.emulator.timepatch` makes moto read a virtual clock, so a 12-hour visibility timeout
passes in microseconds while the rest of the kernel keeps real time.
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

    def poke(self) -> None: ...


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

    def poke(self) -> None:
        """Nothing to wake: a real long poll ends on its own."""


class VirtualClock:
    """Time that moves only when told to: ``sleep`` and ``advance`` jump forward instantly."""

    virtual = True

    def __init__(self, start: datetime = EPOCH) -> None:
        self._now = start.timestamp()
        self._lock = threading.Lock()
        #: The :class:`sqslab.scheduler.Scheduler` driving workers on this clock, while one runs.
        self.scheduler: Any = None
        #: Bumped whenever a queue changes in a way that may end a waiting long poll early.
        self.changes = 0

    def poke(self) -> None:
        """Wake every long poll waiting on this clock so it looks again (a consumer stops)."""
        self.changes += 1

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
