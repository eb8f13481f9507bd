"""Exponential backoff with jitter: how long to wait before retrying, shared by producer and consumer.

The three jitter modes follow Marc Brooker, "Exponential Backoff And Jitter", AWS Architecture Blog
(https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/): the ceiling of retry n
is ``min(cap, base * factor ** (n - 1))``; ``full`` waits a uniform random time in [0, ceiling],
``equal`` waits ``ceiling / 2`` plus a uniform random time in [0, ceiling / 2], ``none`` waits the
ceiling itself (plain exponential backoff, which makes retrying clients collide in waves).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import _

JITTERS = ("full", "equal", "none")


def _check_positive(name: str, value: float) -> None:
    """Raise a clear error unless ``value`` is a finite number above zero."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WrongTypeError(
            _("BackoffPolicy {name} must be a number of seconds, got {value}").format(
                name=name, value=repr(value)
            )
        )
    if not math.isfinite(value) or value <= 0:
        raise LimitError(
            _("BackoffPolicy {name} must be a finite number above 0, got {value}").format(
                name=name, value=repr(value)
            )
        )


def check_attempt(attempt: int) -> int:
    """Return ``attempt`` if it is a whole number from 1 (the first retry), else raise."""
    if isinstance(attempt, bool) or not isinstance(attempt, int):
        raise WrongTypeError(
            _("attempt must be a whole number (1 = first retry), got {attempt}").format(
                attempt=repr(attempt)
            )
        )
    if attempt < 1:
        raise LimitError(
            _("attempt counts retries from 1 (the first retry), got {attempt}").format(
                attempt=attempt
            )
        )
    return attempt


@dataclass(frozen=True)
class BackoffPolicy:
    """How long to wait before retry n: exponential growth from ``base``, capped, with jitter.

    See "Exponential Backoff And Jitter", AWS Architecture Blog (URL in the module docstring).
    """

    base: float = 1.0
    cap: float = 900.0
    factor: float = 2.0
    jitter: str = "full"

    def __post_init__(self) -> None:
        _check_positive("base", self.base)
        _check_positive("cap", self.cap)
        _check_positive("factor", self.factor)
        if self.cap < self.base:
            raise LimitError(
                _(
                    "BackoffPolicy cap ({cap} s) is below base ({base} s); the cap is the longest "
                    "wait, so make it at least the base"
                ).format(cap=self.cap, base=self.base)
            )
        if self.factor < 1:
            raise LimitError(
                _(
                    "BackoffPolicy factor must be at least 1 (waits should not shrink), got "
                    "{factor}"
                ).format(factor=self.factor)
            )
        if self.jitter not in JITTERS:
            raise LimitError(
                _(
                    "unknown jitter {jitter}; choose one of {choices} ('full' spreads retries best)"
                ).format(jitter=repr(self.jitter), choices=", ".join(JITTERS))
            )

    def ceiling(self, attempt: int) -> float:
        """The longest wait before retry ``attempt``: ``min(cap, base * factor ** (attempt - 1))``."""
        steps = check_attempt(attempt) - 1
        if self.factor == 1 or steps < math.log(self.cap / self.base, self.factor):
            return min(self.cap, self.base * self.factor**steps)
        return self.cap

    def delay(self, attempt: int, rng: random.Random) -> float:
        """Seconds to wait before retry ``attempt`` (1 = first retry), drawing jitter from ``rng``."""
        top = self.ceiling(attempt)
        if self.jitter == "full":
            return rng.uniform(0, top)
        if self.jitter == "equal":
            return top / 2 + rng.uniform(0, top / 2)
        return top

    def delays(self, n: int, seed: int = 0) -> list[float]:
        """The waits before retries 1..n with a fresh seeded generator (for charts and tables)."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise LimitError(
                _("delays(n) needs a whole number of retries, 0 or more; got {n}").format(n=repr(n))
            )
        rng = random.Random(seed)
        return [self.delay(attempt, rng) for attempt in range(1, n + 1)]
