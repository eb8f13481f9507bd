"""The fair-queue gauges of a standard queue whose messages carry a MessageGroupId, derived from
the trace like the other AWS/SQS gauges (:mod:`sqslab.derived_metrics`).

At an instant, each tenant's load is read from the message lives (in flight, waiting, its last
send, the time consumers held its messages in the recent window) and the noisy tenants are found
by the fair-queue layer's own rules (:mod:`sqslab.emulator.fair_rules`); then, as AWS names them
(fact ``fair_queue_metrics``): ApproximateNumberOfNoisyGroups, and the visible, in-flight and
delayed counts and the age of the oldest message of the quiet groups only.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqslab.emulator.fair_rules import Load, Tenant, Thresholds, noisy, overlap, tenant_of
from sqslab.message_states import oldest_age, state_at
from sqslab.metric_series import (
    FAIR,
    NOISY,
    QUIET_AGE,
    QUIET_DELAYED,
    QUIET_NOT_VISIBLE,
    QUIET_VISIBLE,
)
from sqslab.timeline import DELAYED, IN_FLIGHT, VISIBLE, MessageLife, Timeline

#: Appended to a :class:`~sqslab.metric_series.Metrics` source that holds these gauges.
LABEL = "fair-queue gauges by the rules of the sqslab fidelity layer (fair queues)"


def applies(lives: Iterable[MessageLife], queue: str) -> bool:
    """True for a standard queue (not ``.fifo``) with a traced message that has a group id."""
    return not queue.endswith(".fifo") and any(life.group_id is not None for life in lives)


def tenant(life: MessageLife) -> Tenant:
    """The tenant of a traced message."""
    return tenant_of(life.group_id, life.message_id)


def loads_at(timeline: Timeline, at: float, limits: Thresholds) -> dict[Tenant, Load]:
    """Each tenant's load just before ``at``, read from the message lives."""
    loads: dict[Tenant, Load] = {}
    for life in timeline:
        load = loads.setdefault(tenant(life), Load())
        kind = state_at(life, timeline.until, at)
        if kind == IN_FLIGHT:
            load.in_flight += 1
        elif kind in (VISIBLE, DELAYED):
            load.backlog += 1
        for held in life.receives:
            end = held.end if held.end is not None else timeline.until
            load.processing += overlap(held.start, end, at, limits.window)
        if life.sent_at is not None and life.sent_at < at:
            last = load.last_send
            load.last_send = life.sent_at if last is None else max(last, life.sent_at)
    return loads


def noisy_at(timeline: Timeline, at: float, limits: Thresholds) -> dict[Tenant, str]:
    """The tenants the layer's rules count as noisy just before ``at``, with why."""
    return noisy(loads_at(timeline, at, limits), at, limits)


def gauges_at(timeline: Timeline, at: float, limits: Thresholds | None = None) -> dict[str, float]:
    """The five fair-queue gauges just before ``at``."""
    limits = limits or Thresholds.from_facts()
    loud = noisy_at(timeline, at, limits)
    quiet = [life for life in timeline if tenant(life) not in loud]
    kinds = [state_at(life, timeline.until, at) for life in quiet]
    values = {
        NOISY: float(len(loud)),
        QUIET_VISIBLE: float(kinds.count(VISIBLE)),
        QUIET_NOT_VISIBLE: float(kinds.count(IN_FLIGHT)),
        QUIET_DELAYED: float(kinds.count(DELAYED)),
        QUIET_AGE: oldest_age(quiet, timeline.until, at),
    }
    return {name: values[name] for name in FAIR}
