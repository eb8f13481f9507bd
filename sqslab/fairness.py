"""Chapter 4's noisy-neighbour experiment: one tenant floods a standard queue while the others keep
a steady trickle, and each message's dwell time (send -> delete) is recorded per tenant.

The learner's function does the sends (plain boto3, with or without ``MessageGroupId``); sqslab
drives the virtual clock: a producer task calls the function at each send's moment, a
:class:`~sqslab.consumer.WorkerPool` receives, "works" (lab time) and deletes, and the pool's
delete events give each message's dwell. The same seeded :class:`Workload` run once without group
ids and once with them shows what the fair-queue layer (:mod:`sqslab.emulator.fair_queues`) does
for the quiet tenants. Virtual clock only: on a real clock it needs minutes, and no engine but the
moto backends runs the layer.
"""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

from sqslab.arguments import LAB, Expected, requires
from sqslab.consumer import StopPolicy, WorkerPool
from sqslab.errors import LabConfigError, LimitError
from sqslab.i18n import N_, _
from sqslab.numbers import number, short
from sqslab.tables import Table

if TYPE_CHECKING:
    from sqslab.consumer_result import ConsumeResult, Message
    from sqslab.lab import Lab

#: The tenant that floods, in the experiment.
FLOOD = "flood"
#: The share of a tenant's dwell times at or under its p95.
PERCENTILE = 95
#: A message's key in its body: MSG-0042 (the experiment) or ORD-0042 (exercise 4.4's orders).
KEY = re.compile(r"\b(?:MSG|ORD)-\d{4,}\b")
#: Why the experiment runs on the virtual clock only (``REAL_CLOCK`` in the lab's language).
_REAL_CLOCK = N_(
    "it needs minutes of real time, and of the emulators only sqslab's moto runs fair queues "
    "(plain moto and LocalStack ignore the group ids)"
)
#: ``send(queue_url, tenant, body)``: the learner's send of one message.
Send = Callable[[str, str, str], Any]
SEND = Expected(N_("a function send(queue_url, tenant, body) that sends one message"), callable)

_runs = itertools.count(1)


def __getattr__(name: str) -> Any:
    """``REAL_CLOCK`` in the language sqslab speaks when it is read."""
    if name == "REAL_CLOCK":
        return _(_REAL_CLOCK)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class Arrival(NamedTuple):
    """One message of the workload: when it is sent (seconds from the start), whose, its key."""

    at: float
    tenant: str
    key: str


@dataclass(frozen=True)
class Workload:
    """A seeded workload: ``flood_burst`` messages of the flood tenant at once, then one every
    ``1 / flood_rate`` s (it keeps sending, or it would turn quiet after 5 minutes without a
    send); ``quiet_tenants`` others send one message about every ``quiet_every`` s; for
    ``seconds``. ``consumers`` workers receive up to ``batch_size`` and work ``work`` s on each."""

    flood_burst: int = 200
    flood_rate: float = 1.0
    quiet_tenants: int = 12
    quiet_every: float = 15.0
    seconds: float = 90.0
    consumers: int = 4
    batch_size: int = 2
    work: float = 0.5
    seed: int = 4
    flood: str = FLOOD
    quiet: tuple[str, ...] = ()
    prefix: str = "MSG"

    def __post_init__(self) -> None:
        if self.flood_burst < 0 or self.quiet_tenants < 1 or self.consumers < 1:
            raise LimitError(
                _("a workload needs a burst of 0 or more, 1+ quiet tenants, 1+ consumers")
            )
        if not 1 <= self.batch_size <= 10 or self.work <= 0 or self.seconds <= 0:
            raise LimitError(_("batch_size is 1 to 10; work and seconds are positive"))

    @property
    def tenants(self) -> tuple[str, ...]:
        """The quiet tenants' names (``t01``, ``t02``, ... unless given)."""
        return self.quiet or tuple(f"t{n:02d}" for n in range(1, self.quiet_tenants + 1))

    def describe(self) -> str:
        """The workload in two sentences."""
        return _(
            "{flood} sends {burst} messages at once, then one every {every} s; {quiet} quiet "
            "tenants send one about every {quiet_every} s each; for {seconds} s (seed {seed}).\n"
            "{consumers} consumers receive up to {batch} messages at a time, work {work} s on "
            "each and delete them."
        ).format(
            flood=self.flood,
            burst=self.flood_burst,
            every=short(1 / self.flood_rate),
            quiet=self.quiet_tenants,
            quiet_every=short(self.quiet_every),
            seconds=short(self.seconds),
            seed=self.seed,
            consumers=self.consumers,
            batch=self.batch_size,
            work=short(self.work),
        )

    def arrivals(self) -> list[Arrival]:
        """Every send of the workload, in time order, the same for the same seed."""
        rng = random.Random(self.seed)
        times: list[tuple[float, str]] = [(0.0, self.flood)] * self.flood_burst
        step = 1 / self.flood_rate if self.flood_rate > 0 else math.inf
        times += [(t * step, self.flood) for t in range(1, int(self.seconds / step) + 1)]
        for tenant in self.tenants[: self.quiet_tenants]:
            at = rng.uniform(0, self.quiet_every)
            while at < self.seconds:
                times.append((round(at, 3), tenant))
                at += self.quiet_every * rng.uniform(0.5, 1.5)
        ordered = sorted(times, key=lambda item: item[0])
        return [Arrival(at, w, f"{self.prefix}-{n:04d}") for n, (at, w) in enumerate(ordered, 1)]


def body_of(arrival: Arrival) -> str:
    """The experiment's message body: its tenant and key, as JSON text."""
    return f'{{"tenant": "{arrival.tenant}", "message": "{arrival.key}"}}'


def p95(values: Sequence[float]) -> float:
    """The 95th percentile by nearest rank (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(PERCENTILE / 100 * len(ordered)) - 1)]


@dataclass
class TenantRun:
    """One run: each delivered message's dwell (send -> delete) per tenant, the group ids the
    messages carried, and what the consumers did."""

    workload: Workload
    queue: str
    dwell: dict[str, list[float]] = field(default_factory=dict)
    groups: dict[str, str | None] = field(default_factory=dict)
    tenant_of: dict[str, str] = field(default_factory=dict)
    unreadable: int = 0
    missing: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def grouped(self) -> bool:
        """True when the messages carried a MessageGroupId."""
        return any(g is not None for g in self.groups.values())

    def p95(self, tenant: str) -> float:
        """A tenant's p95 dwell time in seconds."""
        return p95(self.dwell.get(tenant, []))

    def quiet_p95(self) -> float:
        """The p95 dwell of every quiet tenant's messages together."""
        quiet = [d for t, ds in self.dwell.items() if t != self.workload.flood for d in ds]
        return p95(quiet)

    def flood_p95(self) -> float:
        """The flood tenant's p95 dwell time."""
        return self.p95(self.workload.flood)


@dataclass(frozen=True)
class Comparison:
    """The same workload without and with group ids, side by side."""

    without: TenantRun
    with_groups: TenantRun

    @property
    def ratio(self) -> float:
        """How many times lower the quiet tenants' p95 dwell is with group ids."""
        fair = self.with_groups.quiet_p95()
        return math.inf if fair == 0 else self.without.quiet_p95() / fair

    def table(self) -> Table:
        """p95 dwell per tenant (flood first), then the quiet tenants together."""
        flood = self.without.workload.flood
        tenants = [flood, *sorted(t for t in self.without.dwell if t != flood)]
        rows = [
            (t, len(self.without.dwell.get(t, [])), self.without.p95(t), self.with_groups.p95(t))
            for t in tenants
        ]
        quiet = sum(len(self.without.dwell.get(t, [])) for t in tenants[1:])
        rows.append(
            (_("quiet tenants"), quiet, self.without.quiet_p95(), self.with_groups.quiet_p95())
        )
        shown = [
            (t, n, number(a, 1, grouping=False), number(b, 1, grouping=False))
            for t, n, a, b in rows
        ]
        columns = (
            N_("tenant"),
            N_("messages"),
            N_("p95 dwell without group ids (s)"),
            N_("with group ids (s)"),
        )
        return Table(columns, shown, verbatim=("tenant",))

    def __repr__(self) -> str:
        sent = len(self.without.tenant_of)
        delivered = [sent - len(r.missing) for r in (self.without, self.with_groups)]
        summary = _(
            "delivered and deleted: {without} of {sent} without group ids, {with_groups} of "
            "{sent} with them\nquiet tenants' p95 dwell: {ratio}x lower with group ids"
        ).format(
            without=delivered[0],
            with_groups=delivered[1],
            sent=sent,
            ratio=number(self.ratio, 1, grouping=False),
        )
        return f"{self.table()!r}\n{summary}"


class _Experiment:
    """The tasks of one run: a producer calling ``send`` on time, and the worker pool."""

    def __init__(self, lab: Lab, send: Send, workload: Workload, url: str, run: TenantRun) -> None:
        self.lab, self.send, self.workload, self.url, self.run = lab, send, workload, url, run
        self.sent_at: dict[str, float] = {}
        self.handled: dict[str, str] = {}
        self.arrivals = workload.arrivals()
        self.body: Callable[[Arrival], str] = body_of

    def produce(self, runner: Any, _done: Callable[[], bool]) -> None:
        """Spawn the producer: each arrival's send at its moment, on the lab's clock."""
        start = self.lab.clock.time()

        def loop() -> None:
            for arrival in self.arrivals:
                runner.wait_until(start + arrival.at)
                self.sent_at[arrival.key] = self.lab.clock.time()
                self.run.tenant_of[arrival.key] = arrival.tenant
                self.send(self.url, arrival.tenant, self.body(arrival))

        runner.spawn(loop, "producer")

    def handle(self, message: Message) -> None:
        """A consumer's work on one message: ``work`` seconds of lab time."""
        found = KEY.search(message.body)
        if found is None:
            self.run.unreadable += 1
        else:
            self.handled[message.id] = found.group(0)
            self.run.groups[found.group(0)] = message.group_id
        self.lab.wait(self.workload.work)

    def collect(self, result: ConsumeResult) -> None:
        """Each deleted message's dwell, from the pool's delete events."""
        done: set[str] = set()
        for event in result.events:
            key = self.handled.get(event.message_id or "")
            if event.kind != "deleted" or key is None or key not in self.sent_at or key in done:
                continue
            done.add(key)
            tenant = self.run.tenant_of[key]
            self.run.dwell.setdefault(tenant, []).append(event.time - self.sent_at[key])
        self.run.missing = [a.key for a in self.arrivals if a.key not in done]
        self.run.seconds = round(result.busy_time, 3)

    def go(self) -> TenantRun:
        """Run producer and consumers to the end; the filled :class:`TenantRun`."""
        w = self.workload
        pool = WorkerPool(
            self.lab.sqs,
            self.url,
            self.handle,
            workers=w.consumers,
            batch_size=w.batch_size,
            wait_time=20,
            stop=StopPolicy(idle_timeout=30),
        )
        self.collect(pool.run(beside=self.produce))
        return self.run


def check_virtual(lab: Lab) -> None:
    """Raise a clear error on a real clock (the experiment needs the virtual one)."""
    if not lab.virtual_time:
        raise LabConfigError(
            _("the noisy-neighbour experiment runs on the virtual clock: {why}").format(
                why=_(_REAL_CLOCK)
            )
        )


@requires(lab=LAB, send=SEND)
def run(
    lab: Lab,
    send: Send,
    workload: Workload | None = None,
    *,
    name: str = "tenants",
    body: Callable[[Arrival], str] | None = None,
) -> TenantRun:
    """Run ``workload`` (default: :class:`Workload`) on a new standard queue named ``name``-N,
    each message sent by ``send(queue_url, tenant, body)``; per-tenant dwell times."""
    check_virtual(lab)
    workload = workload or Workload()
    queue = f"{name}-{next(_runs)}"
    visibility = max(30, math.ceil(4 * workload.batch_size * workload.work))  # room for a batch
    attributes = {"VisibilityTimeout": str(visibility)}
    url = lab.sqs.create_queue(QueueName=queue, Attributes=attributes)["QueueUrl"]
    experiment = _Experiment(lab, send, workload, url, TenantRun(workload, queue))
    if body is not None:
        experiment.body = body
    return experiment.go()


@requires(lab=LAB)
def compare(
    lab: Lab, without: Send, with_groups: Send, workload: Workload | None = None
) -> Comparison:
    """The same workload sent by ``without`` and by ``with_groups``: a :class:`Comparison`."""
    workload = workload or Workload()
    return Comparison(
        run(lab, without, workload, name="tenants-plain"),
        run(lab, with_groups, workload, name="tenants-fair"),
    )
