"""The scenarios exercise 7.3's check runs the learner's consumer through, one fault each, and what
each run left behind (:class:`Outcome`).

Each scenario gets a FIFO queue and its FIFO DLQ of its own (maxReceiveCount 3, visibility 30 s,
as the chapter's), a few real orders from ``data/orders.jsonl``, and an
:class:`~sqslab.orders.OrderStep` with scripted faults. The learner's
``consume_orders(sqs, queue_url, step, done)`` is then run the way a consumer service runs it:
again after it returns or its worker crashes, while orders are still in the queue. ``done`` is the
same set on every run, as a durable store of processed order ids would be.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import dlq, orders, queues
from sqslab.exercises.capstone_common import Called, call, fresh_name, order_id_of
from sqslab.i18n import N_
from sqslab.i18n import translate as _
from sqslab.numbers import short
from sqslab.orders import Order, OrderStep, StepFaults
from sqslab.orders.capstone_faults import Rival, inject_delete_failures
from sqslab.orders.demo_calls import demo_calls
from sqslab.trace import CallRecord

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.realclock import DemoTime

VISIBILITY = 30
MAX_RECEIVES = 3
#: How often the service starts the consumer again at most, and its calls per start.
MAX_RUNS = 12
CALLS_PER_RUN = 200
#: How long the slow order's work takes (longer than the visibility timeout).
SLOW_SECONDS = 45.0
#: The orders the scenarios use (customers: A has three, B two, C one, P a poison order first).
A, B, C = ("ORD-10001", "ORD-10010", "ORD-10011"), ("ORD-10005", "ORD-10009"), ("ORD-10003",)
P = ("ORD-10013", "ORD-10122", "ORD-10141")
STEADY = A + B + C


@dataclass(frozen=True)
class Scenario:
    """One run of the learner's consumer: the fault (a marked text naming ``{order}``), the
    orders sent (a copy sent again at the end), the step's scripted faults, delete entries
    failing, and whether every message should be received once only."""

    name: str
    told: str
    orders: tuple[str, ...]
    copies: tuple[str, ...] = ()
    transient: tuple[str, ...] = ()
    crash: tuple[str, ...] = ()
    slow: tuple[str, ...] = ()
    failing_deletes: int = 0
    single_delivery: bool = False

    @property
    def fault(self) -> str:
        """The fault, in the lab's language, with the order it hits."""
        order = (self.transient or self.crash or self.copies or self.slow or self.orders)[0]
        return _(self.told).format(order=order, seconds=short(SLOW_SECONDS), visibility=VISIBILITY)


SCENARIOS = (
    Scenario("steady", N_("no fault"), STEADY, single_delivery=True),
    Scenario(
        "transient",
        N_("{order} failed once with a payment-gateway timeout"),
        STEADY,
        transient=A[:1],
    ),
    Scenario("crash", N_("the worker died while processing {order}"), STEADY, crash=A[1:2]),
    Scenario(
        "copy",
        N_(
            "{order} arrived a second time as a new message, as a redrive or a late resend makes it"
        ),
        A[:2] + B[:1],
        copies=A[:1],
    ),
    Scenario(
        "delete",
        N_("DeleteMessageBatch failed 2 entries once with an internal error"),
        STEADY,
        failing_deletes=2,
        single_delivery=True,
    ),
    Scenario(
        "slow",
        N_(
            "{order} took {seconds} s, more than the {visibility} s visibility timeout, "
            "while a second worker polled the queue"
        ),
        A,
        slow=A[:1],
    ),
    Scenario("poison", N_("{order}, a poison order, failed every time"), P + B),
)


@dataclass
class Outcome:
    """What a scenario's runs did and left: the step (its ledger and log), the queues, the calls."""

    scenario: Scenario
    step: OrderStep
    pair: dlq.QueuePair
    sent: list[Order]
    message_orders: dict[str, str]
    runs: list[Called] = field(default_factory=list)
    rival: list[str] = field(default_factory=list)
    parked: list[str] = field(default_factory=list)
    left: int = 0
    calls: list[CallRecord] = field(default_factory=list)

    @property
    def crashes(self) -> int:
        """Runs that ended in the simulated crash."""
        return sum(1 for r in self.runs if r.crashed)

    def processed(self) -> Counter[str]:
        """How many times each order was processed: the ledger, plus the second worker's."""
        return Counter(e.order_id for e in self.step.ledger) + Counter(
            order_id_of(body) for body in self.rival
        )

    def receives(self) -> list[CallRecord]:
        """The learner's ReceiveMessage calls on the scenario's queue."""
        return [r for r in self.calls if r.operation == "ReceiveMessage"]


def scenario_orders(names: tuple[str, ...], data: list[Order] | None = None) -> list[Order]:
    """The orders named, in created_at order."""
    data = data if data is not None else orders.load()
    wanted = set(names)
    return [o for o in data if o.order_id in wanted]


def _send(lab: Lab, url: str, sent: list[Order], copies: list[Order]) -> dict[str, str]:
    """Send the orders (copies last, with a deduplication id of their own); MessageId -> order."""
    found = {}
    with lab.trace.paused():
        for order, dedup in [(o, o.order_id) for o in sent] + [
            (o, f"{o.order_id}-again") for o in copies
        ]:
            reply = lab.sqs.send_message(
                QueueUrl=url,
                MessageBody=order.body,
                MessageGroupId=order.customer_id,
                MessageDeduplicationId=dedup,
            )
            found[reply["MessageId"]] = order.order_id
    return found


def run_scenario(
    lab: Lab, fn: Callable[..., Any], scenario: Scenario, demo: DemoTime | None = None
) -> Outcome:
    """Run the learner's consumer through ``scenario`` until its queue is empty (or it gives up);
    with ``demo``, every duration goes through it, the timeouts in each SQS call included."""
    if demo is None:
        return _run(lab, fn, scenario, None)
    with demo_calls(lab.sqs, demo):
        return _run(lab, fn, scenario, demo)


def _run(lab: Lab, fn: Callable[..., Any], scenario: Scenario, demo: DemoTime | None) -> Outcome:
    with lab.trace.paused():
        pair = dlq.create_pair(
            lab.sqs,
            f"{fresh_name('check-consume')}.fifo",
            fifo=True,
            max_receive_count=MAX_RECEIVES,
            source_attributes={"VisibilityTimeout": str(VISIBILITY)},
        )
    sent = scenario_orders(scenario.orders)
    rival = Rival(lab, pair.source_url, VISIBILITY)
    faults = StepFaults(
        transient={i: 1 for i in scenario.transient},
        crash={i: 1 for i in scenario.crash},
        slow={i: SLOW_SECONDS for i in scenario.slow},
        while_slow=lambda _order_id: rival.poll(),
    )
    step = OrderStep(lab, failure_rate=0.0, faults=faults, demo=demo)
    messages = _send(lab, pair.source_url, sent, scenario_orders(scenario.copies))
    outcome = Outcome(scenario, step, pair, sent, messages)
    first_call = len(lab.trace)
    failing = scenario.failing_deletes
    injector = inject_delete_failures(
        lab.sqs, lambda _id, attempt: attempt == 1 and len(injector.injected) < failing
    )
    try:
        _serve(lab, fn, outcome)
    finally:
        injector.undo()
    name = pair.source_url.rstrip("/").rsplit("/", 1)[-1]
    outcome.calls = [r for r in lab.trace.records[first_call:] if r.queue == name]
    outcome.rival = list(rival.received)
    with lab.trace.paused():
        outcome.parked = [order_id_of(m["Body"]) for m in queues.peek(lab, pair.dlq_url)]
        outcome.left = sum(queues.depth(lab.sqs, pair.source_url))
    return outcome


def _serve(lab: Lab, fn: Callable[..., Any], outcome: Outcome) -> None:
    """Start the consumer again and again, as a service would, while its queue holds orders."""
    done: set[str] = set()
    for _run in range(MAX_RUNS):
        before = len(lab.trace)
        called = call(
            lab, fn, lab.sqs, outcome.pair.source_url, outcome.step, done, limit=CALLS_PER_RUN
        )
        outcome.runs.append(called)
        if called.failed:
            return
        with lab.trace.paused():
            if not sum(queues.depth(lab.sqs, outcome.pair.source_url)):
                return
        received = any(r.operation == "ReceiveMessage" for r in lab.trace.records[before:])
        short = any(
            r.operation == "ReceiveMessage" and not r.params.get("WaitTimeSeconds")
            for r in lab.trace.records[before:]
        )
        if not received or short:
            return  # nothing would change on another start: the check says why
