"""High-throughput FIFO as AWS documents it: the attribute rule, and a model of its partitions.

A model, not a measurement: moto and the other emulators store the two attributes and enforce no
throughput at all. The model takes AWS's documented figures from the fact registry (one partition's
quota, the Region's quota per API action) and the documented placement rule (a hash of the message
group id picks a message's partition), and works out what a workload could reach. Where AWS
publishes no rule, the model says what it assumes instead (:data:`ASSUMPTIONS`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqslab import facts
from sqslab.arguments import (
    MAPPING,
    TEXT,
    WHOLE,
    Expected,
    check_amount,
    check_count,
    is_list,
    is_whole,
    requires,
)
from sqslab.errors import LimitError
from sqslab.i18n import N_, _
from sqslab.numbers import number
from sqslab.tables import Table

#: Printed with every output of the model (``LABEL`` gives it in the lab's language).
_LABEL = N_(
    "sqslab model of AWS's documented high-throughput FIFO quotas "
    "(not a measurement: moto enforces no throughput)"
)
#: What the model assumes where AWS publishes no rule (``ASSUMPTIONS`` in the lab's language).
_ASSUMPTIONS = (
    N_(
        "the hash: SHA-256 of the group id, modulo the number of partitions "
        "(AWS's hash function is internal)"
    ),
    N_(
        "the partitions: as many as carry the Region's quota at one partition's quota each (AWS "
        "adds them as the request rate grows and publishes neither their number nor their pace)"
    ),
    N_(
        "a partition asked for more than its quota serves its groups in proportion to what each "
        "asks (AWS documents the quota, not how a partition shares it)"
    ),
)
#: The Region tiers of high-throughput mode, largest quota first (their facts).
TIERS = (
    "fifo_ht_throughput_top",
    "fifo_ht_throughput_second",
    "fifo_ht_throughput_apac",
    "fifo_ht_throughput_london",
    "fifo_ht_throughput_other",
)
#: The values each attribute takes (API_SetQueueAttributes), default first.
SCOPES = ("queue", "messageGroup")
LIMITS = ("perQueue", "perMessageGroupId")

TIER = Expected(f"a Region tier, one of {', '.join(TIERS)}", lambda v: v in TIERS)
COUNTS = Expected(
    N_("a list of group counts, e.g. [1, 10, 100]"),
    lambda v: is_list(v) and bool(v) and all(is_whole(n) and n >= 1 for n in v),
)


def __getattr__(name: str) -> Any:
    """``LABEL`` and ``ASSUMPTIONS`` in the language sqslab speaks when they are read."""
    if name == "LABEL":
        return _(_LABEL)
    if name == "ASSUMPTIONS":
        return tuple(_(text) for text in _ASSUMPTIONS)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Mode:
    """What AWS documents for one pair of DeduplicationScope and FifoThroughputLimit."""

    scope: str
    limit: str

    @property
    def allowed(self) -> bool:
        """False for a value AWS does not take, or perMessageGroupId without group scope."""
        if self.scope not in SCOPES or self.limit not in LIMITS:
            return False
        return not (self.limit == LIMITS[1] and self.scope != SCOPES[1])

    @property
    def high_throughput(self) -> bool:
        """True only for the one combination that turns high-throughput mode on."""
        return (self.scope, self.limit) == (SCOPES[1], LIMITS[1])

    def describe(self) -> str:
        """What the combination gives, in the words of the registry's facts."""
        if self.scope not in SCOPES:
            return _("not a DeduplicationScope: it takes {first} or {second}").format(
                first=SCOPES[0], second=SCOPES[1]
            )
        if self.limit not in LIMITS:
            return _("not a FifoThroughputLimit: it takes {first} or {second}").format(
                first=LIMITS[0], second=LIMITS[1]
            )
        if not self.allowed:
            rule = facts.get("fifo_throughput_limit_scope").translated("text")
            return _("not allowed: {rule}").format(rule=rule)
        if self.high_throughput:
            return _(
                "high throughput: a quota per partition and per Region; deduplication per group"
            )
        quota = facts.get("fifo_throughput").translated("text")
        if self.scope == SCOPES[1]:
            return _("normal throughput ({quota}); deduplication per message group").format(
                quota=quota
            )
        return _("normal throughput ({quota}); deduplication across the queue").format(quota=quota)


@requires(attributes=MAPPING)
def mode(attributes: Mapping[str, str]) -> Mode:
    """The mode of a FIFO queue from its attributes (``get_queue_attributes``); a missing one
    counts as its default (``queue``, ``perQueue``)."""
    return Mode(
        str(attributes.get("DeduplicationScope", SCOPES[0])),
        str(attributes.get("FifoThroughputLimit", LIMITS[0])),
    )


def combinations() -> Table:
    """Each pair of the two attributes' values and what AWS says it gives."""
    rows = [(s, lim, Mode(s, lim).describe()) for s in SCOPES for lim in LIMITS]
    columns = ("DeduplicationScope", "FifoThroughputLimit", N_("what AWS does"))
    return Table(columns, rows, verbatim=columns)


@requires(group=TEXT, partitions=WHOLE)
def partition_of(group: str, partitions: int) -> int:
    """The partition (0 to ``partitions`` - 1) the model puts a message group in: SHA-256 of the
    group id, modulo ``partitions`` (a stand-in for AWS's internal hash)."""
    check_count("partitions", partitions, minimum=1, example="partitions=8")
    digest = hashlib.sha256(group.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % partitions


def partition_quota() -> float:
    """One partition's quota, in API calls per second per action (fact
    ``fifo_partition_throughput``)."""
    return facts.get("fifo_partition_throughput").value


@requires(tier=TIER)
def partition_count(tier: str = TIERS[0]) -> int:
    """The partitions the model gives a busy queue in a Region tier: enough to carry the
    Region's quota at one partition's quota each (an assumption: AWS does not publish it)."""
    return math.ceil(facts.get(tier).value / partition_quota())


def group_ids(count: int, prefix: str = "customer") -> list[str]:
    """``count`` distinct message group ids: ``customer-0``, ``customer-1``, ..."""
    return [f"{prefix}-{n}" for n in range(check_count("count", count, minimum=1))]


@dataclass(frozen=True)
class Ceiling:
    """The most a high-throughput FIFO queue takes per API action with ``groups`` groups busy."""

    tier: str
    groups: int
    partitions: int
    used: int
    calls_per_second: float

    def messages_per_second(self, batch: int = 1) -> float:
        """Messages per second with ``batch`` messages per call (up to 10 in one batch)."""
        most = int(facts.get("batch_max_entries").value)
        if not 1 <= check_count("batch", batch, minimum=1, example="batch=10") <= most:
            raise LimitError(
                _("batch={batch}: a batch holds at most {most} messages").format(
                    batch=batch, most=most
                )
            )
        return self.calls_per_second * batch


@requires(groups=WHOLE, tier=TIER)
def ceiling(groups: int, tier: str = TIERS[0]) -> Ceiling:
    """The model's ceiling for ``groups`` distinct groups all busy: the partitions their ids hash
    to, each at one partition's quota, and never more than the Region's quota."""
    check_count("groups", groups, minimum=1, example="groups=100")
    partitions = partition_count(tier)
    used = len({partition_of(g, partitions) for g in group_ids(groups)})
    calls = min(facts.get(tier).value, used * partition_quota())
    return Ceiling(tier, groups, partitions, used, calls)


@requires(counts=COUNTS, tier=TIER)
def scaling(counts: Sequence[int], tier: str = TIERS[0]) -> list[Ceiling]:
    """The ceiling for each number of groups in ``counts``."""
    return [ceiling(n, tier) for n in counts]


def region_name(tier: str) -> str:
    """The Regions of a tier, from its fact's title in the lab's language: ``N. Virginia, Oregon,
    Ireland``."""
    return facts.get(tier).translated("title").split(": ", 1)[-1]


@requires(counts=COUNTS)
def scaling_table(counts: Sequence[int], tiers: Sequence[str] = TIERS) -> Table:
    """API calls per second per action against the number of groups, one column per tier."""
    columns = [scaling(counts, t) for t in tiers]
    rows = [
        (number(n), *(number(col[i].calls_per_second, 0) for col in columns))
        for i, n in enumerate(counts)
    ]
    return Table((N_("groups"), *(region_name(t) for t in tiers)), rows)


@dataclass(frozen=True)
class Load:
    """A workload of ``groups`` groups, one of them hot: API calls per second asked and served."""

    tier: str
    groups: int
    asked: float
    served: float
    hot_asked: float
    hot_served: float
    neighbours: int
    neighbour_asked: float
    neighbour_served: float

    @property
    def throttled(self) -> float:
        """Calls per second refused (AWS answers them with a throttling error)."""
        return self.asked - self.served

    def table(self) -> Table:
        """The hot group, its neighbours on the same partition, and the whole queue."""
        return Table(
            (N_("who"), N_("groups"), N_("asks calls/s"), N_("served calls/s")),
            [
                (N_("the hot group"), 1, number(self.hot_asked, 0), number(self.hot_served, 0)),
                (
                    N_("its partition neighbours (each)"),
                    self.neighbours,
                    number(self.neighbour_asked, 1),
                    number(self.neighbour_served, 1),
                ),
                (
                    N_("the whole queue"),
                    number(self.groups),
                    number(self.asked, 0),
                    number(self.served, 0),
                ),
            ],
        )


@requires(groups=WHOLE, tier=TIER)
def hot_group(asked: float, groups: int, share: float, tier: str = TIERS[0]) -> Load:
    """``asked`` calls per second over ``groups`` groups, ``share`` of them in the first group and
    the rest spread evenly: what each partition serves in the model."""
    check_amount("asked", asked, above=True, example="asked=20_000")
    if not 0 <= check_amount("share", share, example="share=0.25") <= 1:
        raise LimitError(_("share must be between 0 and 1, got {share}").format(share=repr(share)))
    check_count("groups", groups, minimum=2, example="groups=1000")
    ids, partitions = group_ids(groups), partition_count(tier)
    rest = asked * (1 - share) / (groups - 1)
    wants = {g: asked * share if i == 0 else rest for i, g in enumerate(ids)}
    placed = {g: partition_of(g, partitions) for g in ids}
    load: dict[int, float] = {}
    for g, rate in wants.items():
        load[placed[g]] = load.get(placed[g], 0.0) + rate
    ratio = {p: min(1.0, partition_quota() / rate) for p, rate in load.items() if rate > 0}
    served = {g: rate * ratio.get(placed[g], 1.0) for g, rate in wants.items()}
    scale = min(1.0, facts.get(tier).value / sum(served.values()))
    hot = ids[0]
    neighbours = [g for g in ids[1:] if placed[g] == placed[hot]]
    other = wants[ids[1]]
    return Load(
        tier,
        groups,
        asked,
        sum(served.values()) * scale,
        wants[hot],
        served[hot] * scale,
        len(neighbours),
        other if neighbours else 0.0,
        served[neighbours[0]] * scale if neighbours else 0.0,
    )
