"""The fair-queue rules, as pure functions: who a tenant is, when a tenant is noisy, and in which
order a receive serves the visible messages. Shared by the layer (:mod:`.fair_queues`), which
feeds them moto's state, and by the derived metrics (:mod:`sqslab.fair_metrics`), which feed them
the trace. Thresholds come from the fact registry (``fair_*`` facts)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, TypeVar

from sqslab import facts

OVERVIEW_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues.html"
DETAILED_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fair-queues-detailed.html"
TENANT_QUOTE = (
    "Each message without a MessageGroupId is treated as belonging to its own distinct tenant."
)
CONCURRENCY_QUOTE = (
    "Concurrency share: the tenant accounts for more than 10% of in-flight messages in the queue "
    "and has at least 30 of its own messages in flight."
)
PROCESSING_QUOTE = (
    "Processing time share: the tenant's recent share of total consumer processing time exceeds "
    "10%."
)
APPROXIMATE_QUOTE = (
    "Because Amazon SQS is a distributed system, these thresholds are approximate and detection "
    "may not activate at the exact values described."
)

T = TypeVar("T")


class Tenant(NamedTuple):
    """A tenant: a message group, or (no group id) a single message of its own."""

    group: str | None
    message: str | None = None

    @property
    def shown(self) -> str:
        """The group id, or ``(no group) <message id>`` for a message of its own."""
        return self.group if self.group is not None else f"(no group) {str(self.message)[:8]}"


def tenant_of(group_id: str | None, message_id: str) -> Tenant:
    """The tenant of a message: its MessageGroupId, or the message itself without one."""
    return Tenant(group_id) if group_id is not None else Tenant(None, message_id)


@dataclass(frozen=True)
class Thresholds:
    """The numbers the rules use: shares in percent, counts in messages, times in seconds."""

    in_flight_share: float
    min_in_flight: int
    processing_share: float
    quiet_after: float
    window: float

    @classmethod
    def from_facts(cls) -> Thresholds:
        """The registry's figures (facts ``fair_noisy_*``, ``fair_quiet_after_no_send`` and
        ``fair_processing_window``)."""
        return cls(
            in_flight_share=facts.get("fair_noisy_in_flight_share").value,
            min_in_flight=int(facts.get("fair_noisy_min_in_flight").value),
            processing_share=facts.get("fair_noisy_processing_share").value,
            quiet_after=facts.get("fair_quiet_after_no_send").value,
            window=facts.get("fair_processing_window").value,
        )


@dataclass
class Load:
    """One tenant's part of a queue at one instant: messages in flight, messages waiting
    (visible or delayed), seconds of recent processing, and its last send (clock seconds)."""

    in_flight: int = 0
    backlog: int = 0
    processing: float = 0.0
    last_send: float | None = None


def over(part: float, whole: float, percent: float) -> bool:
    """True when ``part`` is strictly more than ``percent`` % of ``whole`` (exact: no rounding)."""
    return whole > 0 and part * 100 > whole * percent


def overlap(start: float, end: float, now: float, window: float) -> float:
    """Seconds of [``start``, ``end``] inside the window [``now - window``, ``now``]."""
    return max(0.0, min(end, now) - max(start, now - window))


def noisy(loads: Mapping[Tenant, Load], now: float, limits: Thresholds) -> dict[Tenant, str]:
    """Each noisy tenant with why, in ``loads`` order. A tenant with no backlog, or no send for
    ``quiet_after`` seconds, is quiet whatever its shares; a message without a group id never is
    noisy (sqslab's choice: it has no backlog of its own once received)."""
    in_flight = sum(load.in_flight for load in loads.values())
    processing = sum(load.processing for load in loads.values())
    found: dict[Tenant, str] = {}
    for tenant, load in loads.items():
        if tenant.group is None or load.backlog == 0 or not _sent_lately(load, now, limits):
            continue
        why = []
        if load.in_flight >= limits.min_in_flight and over(
            load.in_flight, in_flight, limits.in_flight_share
        ):
            why.append(f"{load.in_flight} of the queue's {in_flight} messages in flight")
        if over(load.processing, processing, limits.processing_share):
            share = 100 * load.processing / processing
            why.append(f"{share:.0f} % of the recent processing time")
        if why:
            found[tenant] = "; ".join(why)
    return found


def _sent_lately(load: Load, now: float, limits: Thresholds) -> bool:
    """True while the tenant's last send is less than ``quiet_after`` seconds ago."""
    return load.last_send is not None and now - load.last_send < limits.quiet_after


def serving_order(
    visible: Sequence[T],
    tenant: Callable[[T], Tenant],
    loads: Mapping[Tenant, Load],
    noisy_tenants: Iterable[Tenant],
) -> list[T]:
    """``visible`` (oldest first, as the queue would serve it) reordered: quiet tenants' messages
    first, in their order; then the noisy tenants' messages, each next one from the noisy tenant
    with the fewest in flight counting those served before it (ties: the tenant seen first)."""
    loud = set(noisy_tenants)
    quiet = [m for m in visible if tenant(m) not in loud]
    waiting: dict[Tenant, list[T]] = {}
    for message in visible:
        if tenant(message) in loud:
            waiting.setdefault(tenant(message), []).append(message)
    held = {t: loads[t].in_flight if t in loads else 0 for t in waiting}
    rank = {t: i for i, t in enumerate(waiting)}
    nexts = dict.fromkeys(waiting, 0)
    served = quiet
    while nexts:
        chosen = min(nexts, key=lambda t: (held[t], rank[t]))
        served.append(waiting[chosen][nexts[chosen]])
        held[chosen] += 1
        nexts[chosen] += 1
        if nexts[chosen] == len(waiting[chosen]):
            del nexts[chosen]
    return served
