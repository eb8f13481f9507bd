"""Chapter 8: SQS next to SNS, Kinesis Data Streams and Amazon MQ — which one fits a need.

Each service has a profile: the needs it meets by design, with the fact or page that says so.
:func:`recommend` ranks the services for a set of needs and names what each one lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqslab.arguments import given, is_list
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import N_, NC_, _
from sqslab.tables import Table

#: What a workload may need, in words a learner would use.
NEEDS: dict[str, str] = {
    "no_servers": N_("nothing to size or patch: no brokers, no shards"),
    "retry_each": N_("retry each message on its own, park poison ones in a DLQ"),
    "huge_scale": N_("nearly unlimited throughput when order does not matter"),
    "order": N_("strict order per key (customer, account, device)"),
    "dedup": N_("drop a duplicate sent again within minutes"),
    "fan_out": N_("give every event to several independent consumers"),
    "replay": N_("read the same events again later (replay, new consumers, analytics)"),
    "protocols": N_("keep an existing app that speaks AMQP, MQTT, STOMP or JMS"),
}

#: Each need's short label (a panel's toggle), marked in the context "need" (so a table cell
#: ``order`` is never taken for it): shown with ``pgettext("need", ...)``.
LABELS: dict[str, str] = {
    "no_servers": NC_("need", "no servers"),
    "retry_each": NC_("need", "retry each"),
    "huge_scale": NC_("need", "huge scale"),
    "order": NC_("need", "order"),
    "dedup": NC_("need", "dedup"),
    "fan_out": NC_("need", "fan out"),
    "replay": NC_("need", "replay"),
    "protocols": NC_("need", "protocols"),
}


@dataclass(frozen=True)
class Service:
    """One option: its name, the needs it meets, what it costs you, and where that is written
    (name and catch in English, marked for the catalog: shown with ``_()``)."""

    name: str
    meets: frozenset[str]
    catch: str
    source: str


SERVICES: tuple[Service, ...] = (
    Service(
        N_("SQS standard"),
        frozenset({"no_servers", "retry_each", "huge_scale"}),
        N_("at-least-once, best-effort order; one consumer group per queue"),
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html",
    ),
    Service(
        "SQS FIFO",
        frozenset({"no_servers", "retry_each", "order", "dedup"}),
        N_("throughput per group and per queue is capped; a stuck group waits"),
        "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-fifo-queues.html",
    ),
    Service(
        N_("SNS + SQS fan-out"),
        frozenset({"no_servers", "retry_each", "huge_scale", "fan_out"}),
        N_("one queue per consumer to run; SNS messages default to 256 KiB"),
        "https://docs.aws.amazon.com/sns/latest/dg/sns-sqs-as-subscriber.html",
    ),
    Service(
        "SNS FIFO + SQS FIFO",
        frozenset({"no_servers", "retry_each", "fan_out", "order", "dedup"}),
        N_("FIFO limits on both sides; delivers only to SQS queues"),
        "https://docs.aws.amazon.com/sns/latest/dg/fifo-message-delivery.html",
    ),
    Service(
        "Kinesis Data Streams",
        frozenset({"fan_out", "replay", "order", "huge_scale"}),
        N_("shards to plan (or pay on demand); a failing record holds up its shard"),
        "https://docs.aws.amazon.com/streams/latest/dev/key-concepts.html",
    ),
    Service(
        "Amazon MQ (RabbitMQ/ActiveMQ)",
        frozenset({"protocols", "fan_out", "retry_each", "order"}),
        N_(
            "choose instance size, deployment mode and a maintenance window; throughput bounded "
            "by the broker"
        ),
        "https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/welcome.html",
    ),
)


@dataclass(frozen=True)
class Fit:
    """How one service fits a set of needs: the needs it meets and the ones it misses."""

    service: Service
    met: tuple[str, ...]
    missing: tuple[str, ...]

    @property
    def complete(self) -> bool:
        """True when the service meets every need asked for."""
        return not self.missing


def check_needs(needs: Iterable[str]) -> list[str]:
    """The needs in :data:`NEEDS` order; an unknown one raises an error listing the known ones."""
    if not is_list(needs) and not isinstance(needs, set | frozenset):
        raise WrongTypeError(
            _(
                "needs is a list of needs, e.g. ['retry_each', 'order'] (one need is still a "
                "list: ['retry_each']); got {given}"
            ).format(given=given(needs))
        )
    asked = set(needs)
    unknown = asked - NEEDS.keys()
    if unknown:
        raise LimitError(
            _("unknown needs {unknown}; choose from {known}").format(
                unknown=sorted(unknown), known=list(NEEDS)
            )
        )
    return [n for n in NEEDS if n in asked]


def recommend(needs: Iterable[str]) -> list[Fit]:
    """Every service ranked for ``needs``: most needs met first, then fewest extras, then as listed."""
    asked = check_needs(needs)
    fits = [
        Fit(s, tuple(n for n in asked if n in s.meets), tuple(n for n in asked if n not in s.meets))
        for s in SERVICES
    ]
    order = {f.service.name: i for i, f in enumerate(fits)}
    return sorted(fits, key=lambda f: (len(f.missing), len(f.service.meets), order[f.service.name]))


def as_table(fits: list[Fit]) -> Table:
    """The ranking as a table: service, needs met, what it misses, its catch."""
    return Table(
        (N_("service"), N_("meets"), N_("misses"), N_("the catch")),
        [(f.service.name, len(f.met), ", ".join(f.missing) or "-", f.service.catch) for f in fits],
        verbatim=("misses",),
    )
