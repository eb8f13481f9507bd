"""What a message was at an instant, read from its life in the trace (:mod:`sqslab.timeline`), and
the age of the oldest message as ApproximateAgeOfOldestMessage counts it."""

from __future__ import annotations

from collections.abc import Iterable

from sqslab.metric_series import poison_receives
from sqslab.timeline import MessageLife


def state_at(life: MessageLife, until: float, at: float) -> str | None:
    """What a message was just before the instant ``at``: delayed, visible, in flight, or None."""
    for span in life.spans(until):
        if span.start < at <= span.end:
            return span.kind
    return None


def oldest_age(lives: Iterable[MessageLife], until: float, at: float) -> float:
    """Seconds since the oldest message still in the queue just before ``at`` was sent, leaving
    out messages received 3 or more times (AWS's poison-pill rule); 0 for an empty queue."""
    limit = poison_receives()
    ages = [
        at - life.first_seen
        for life in lives
        if state_at(life, until, at) is not None
        and sum(r.start < at for r in life.receives) < limit
    ]
    return max(ages, default=0.0)
