"""Exercise 4.4: the group id for the shop's order queue, one standard queue that all customers'
orders share.

The learner's ``send_order(queue_url, order)`` sends one order (a dict: ``order_id``,
``customer_id``, ``product_id``) with the MessageGroupId they choose. On the virtual clock the
check runs it under a seeded flood: customer :data:`FLOODER` sends a burst of orders and keeps
sending while twelve other customers order now and then; consumers receive, work and delete; the
quiet customers' p95 dwell time (send -> delete) is measured (:mod:`sqslab.fairness`). It then
reads back which group each order carried and names the choice: none, one constant id, the order
id, a random id, the product, or the customer (the one that passes). On a real clock it sends a
few orders and judges the group ids alone.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqslab import fairness
from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, hint
from sqslab.exercises.fifo import drain
from sqslab.i18n import translate as _
from sqslab.numbers import number

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex4.4"
#: The customer whose bulk import floods the queue, and the customers who order now and then.
FLOODER = "CUST-900"
CUSTOMERS = tuple(f"CUST-{n}" for n in range(101, 113))
PRODUCTS = ("PROD-A", "PROD-B", "PROD-C", "PROD-D", "PROD-E")
#: The check's workload: the chapter's experiment, with the shop's customers and order ids.
WORKLOAD = fairness.Workload(
    flood=FLOODER, quiet=CUSTOMERS, quiet_tenants=len(CUSTOMERS), prefix="ORD"
)
#: The quiet customers' p95 dwell must be at least this many times lower than the flooder's.
FACTOR = 5
#: Orders the check sends on a real clock (it judges their group ids only).
REAL_CLOCK_ORDERS = 15
QUEUE = "shop-orders-check"
SendOrder = Callable[[str, dict[str, Any]], Any]
_samples = itertools.count(1)

# The choices the check tells apart.
NONE, SOME, CONSTANT, ORDER, PRODUCT, RANDOM, CUSTOMER, OTHER = (
    "none",
    "some",
    "constant",
    "order",
    "product",
    "random",
    "customer",
    "other",
)


def order_of(arrival: fairness.Arrival) -> dict[str, str]:
    """The order an arrival of :data:`WORKLOAD` stands for (its product from its number)."""
    product = PRODUCTS[int(arrival.key.rsplit("-", 1)[1]) % len(PRODUCTS)]
    return {"order_id": arrival.key, "customer_id": arrival.tenant, "product_id": product}


def body_of(arrival: fairness.Arrival) -> str:
    """The order as the check hands it over, as JSON text (the harness passes it on as a dict)."""
    return json.dumps(order_of(arrival))


def follows(groups: dict[str, str], orders: dict[str, dict[str, str]], field: str) -> bool:
    """True when the groups match ``field`` one to one: one group per value, one value per group."""
    by_group: dict[str, set[str]] = {}
    by_value: dict[str, set[str]] = {}
    for key, group in groups.items():
        value = orders[key][field]
        by_group.setdefault(group, set()).add(value)
        by_value.setdefault(value, set()).add(group)
    return all(len(v) == 1 for v in by_group.values()) and all(
        len(g) == 1 for g in by_value.values()
    )


def choice(groups: dict[str, str | None], orders: dict[str, dict[str, str]]) -> str:
    """Which group id the learner chose, read from the groups the orders carried."""
    seen = {k: g for k, g in groups.items() if k in orders}
    given = {k: g for k, g in seen.items() if g is not None}
    if not given:
        return NONE
    if len(given) < len(seen):
        return SOME
    if len(set(given.values())) == 1:
        return CONSTANT
    if all(orders[k]["order_id"] in g for k, g in given.items()):
        return ORDER
    if follows(given, orders, "customer_id"):
        return CUSTOMER
    if follows(given, orders, "product_id"):
        return PRODUCT
    return RANDOM if len(set(given.values())) == len(given) else OTHER


class OrderRun:
    """One run of the learner's ``send_order`` under the flood; what it measured."""

    def __init__(self, lab: Lab, send_order: SendOrder) -> None:
        self.lab, self.send_order = lab, send_order
        self.orders = {a.key: order_of(a) for a in WORKLOAD.arrivals()}
        self.error: BaseException | None = None
        self.run: fairness.TenantRun | None = None

    def send(self, url: str, _tenant: str, body: str) -> None:
        """The harness's send: the learner's, given the order as a dict; stops at its first error."""
        if self.error is not None:
            return
        try:
            self.send_order(url, json.loads(body))
        except Exception as err:  # noqa: BLE001 - the learner's function: its error is a hint
            self.error = err

    def go(self) -> OrderRun:
        """Run the flood (virtual clock), or send a few orders and read their groups (real)."""
        with self.lab.trace.paused():
            if self.lab.virtual_time:
                self.run = fairness.run(self.lab, self.send, WORKLOAD, name=QUEUE, body=body_of)
            else:
                self.run = self.sample()
        return self

    def sample(self) -> fairness.TenantRun:
        """A real clock: a few orders sent and received back, their group ids noted."""
        run = fairness.TenantRun(WORKLOAD, QUEUE)
        url = self.lab.sqs.create_queue(QueueName=f"{QUEUE}-{next(_samples)}")["QueueUrl"]
        for arrival in WORKLOAD.arrivals()[-REAL_CLOCK_ORDERS:]:
            self.send(url, arrival.tenant, body_of(arrival))
        for message in drain(self.lab, url):
            found = fairness.KEY.search(message.get("Body", ""))
            if found is None:
                run.unreadable += 1
            else:
                run.groups[found.group(0)] = message.get("Attributes", {}).get("MessageGroupId")
        return run

    @property
    def measured(self) -> str:
        """The quiet customers' and the flooder's p95 dwell, as a sentence (virtual clock only)."""
        if self.run is None or not self.run.dwell:
            return ""
        return " " + _(
            "While {flooder} flooded the queue, the other {customers} customers' p95 wait (send "
            "to delete) was {quiet} s, {flooder}'s {flood} s."
        ).format(
            flooder=FLOODER,
            customers=len(CUSTOMERS),
            quiet=number(self.run.quiet_p95(), 1, grouping=False),
            flood=number(self.run.flood_p95(), 1, grouping=False),
        )

    def fair_enough(self) -> bool:
        """True when the quiet customers waited at least :data:`FACTOR` times less (or, on a
        real clock, nothing was measured)."""
        if self.run is None or not self.run.dwell:
            return not self.lab.virtual_time
        return self.run.quiet_p95() * FACTOR <= self.run.flood_p95()

    def verdict(self) -> Check:
        """PASS for one group per customer that kept the quiet customers' wait low."""
        self.go()
        if self.error is not None:
            return raised(self.error)
        run = self.run
        if run is None or run.unreadable or not run.groups:
            return hint(
                EXERCISE,
                _(
                    "the check could not find its orders in the messages it received: send the "
                    "order itself as the body, as JSON text"
                ),
                "MessageBody=json.dumps(order)",
            )
        picked = choice(run.groups, self.orders)
        if picked == CUSTOMER and self.fair_enough() and not run.missing:
            return Check(EXERCISE, True, success(self))
        return wrong(picked, self)


def raised(error: BaseException) -> Check:
    """The learner's send raised."""
    if isinstance(error, NotImplementedError):
        return hint(EXERCISE, _("send_order is not written yet: write it in the cell above"))
    return hint(
        EXERCISE,
        _(
            "send_order raised {kind}: {error}. It gets the queue's URL and one order (a dict) "
            "and sends one message to a standard queue"
        ).format(kind=type(error).__name__, error=error),
        _(
            "send to the queue_url the check passes in; a standard queue takes a MessageGroupId "
            "but no MessageDeduplicationId"
        ),
    )


def wrong(picked: str, run: OrderRun) -> Check:
    """The hint for each wrong choice, with what the check measured."""
    said = run.measured
    look = _("Which tenant does the queue have to protect the others from (section 6)?")
    code = "MessageGroupId=order['customer_id']"
    texts = {
        NONE: (
            _(
                "no order carried a MessageGroupId, so every message was a tenant of its own and "
                "none was ever noisy: the orders were served oldest first.{said} {look}"
            ).format(said=said, look=look),
            _(
                "fair queues tell tenants apart by MessageGroupId alone; without it there is no "
                "noisy tenant to hold back"
            ),
            code,
        ),
        SOME: (
            _(
                "some orders carried a MessageGroupId and some did not: the ones without are "
                "tenants of their own.{said} Give every order a group id, the same way each time"
            ).format(said=said),
        ),
        CONSTANT: (
            _(
                "every order carried the same MessageGroupId: the whole queue was one tenant, so "
                "there was no quiet tenant to serve first.{said} {look}"
            ).format(said=said, look=look),
            _("a group id on a fair queue names the tenant an order belongs to"),
            code,
        ),
        ORDER: (
            _(
                "each order's group was its own order id: every order was a tenant with one "
                "message, never noisy, so {flooder}'s orders were served like everyone's.{said} "
                "{look}"
            ).format(flooder=FLOODER, said=said, look=look),
            _("the group must be shared by all the orders of the tenant that floods"),
            code,
        ),
        RANDOM: (
            _(
                "every order got a group of its own, a new one each send: one-message tenants "
                "are never noisy, so nothing changed.{said} (A retry would also land in another "
                "group.) {look}"
            ).format(said=said, look=look),
            _("the group id must be the same for every order of one tenant, and stable"),
            code,
        ),
        PRODUCT: (
            _(
                "the orders were grouped by product: {flooder}'s orders fill every product's "
                "group, so every group was noisy and the other customers' orders waited inside "
                "them.{said} {look}"
            ).format(flooder=FLOODER, said=said, look=look),
            _("a tenant is who sends the traffic, not what it is about"),
            code,
        ),
        OTHER: (
            _(
                "the group ids follow neither the customers nor anything else the check knows: a "
                "customer's orders landed in several groups, or several customers shared "
                "one.{said} {look}"
            ).format(said=said, look=look),
            _("one group per customer, the same for all of that customer's orders"),
            code,
        ),
        CUSTOMER: (
            _(
                "one group per customer, yet the quiet customers did not wait at least {factor} "
                "times less than {flooder}.{said} Is send_order sending to the queue it is given?"
            ).format(factor=FACTOR, flooder=FLOODER, said=said),
        ),
    }
    return hint(EXERCISE, *texts[picked])


def success(run: OrderRun) -> str:
    """The PASS text."""
    if run.run is None or not run.run.dwell:
        return _(
            "one MessageGroupId per customer, the same for each of a customer's orders (on a real "
            "clock the check judges the group ids only; the wait is measured on the virtual one)."
        )
    quiet, flood = run.run.quiet_p95(), run.run.flood_p95()
    times = number(flood / quiet, 0, grouping=False) if quiet else _("far")
    return _(
        "one MessageGroupId per customer: while {flooder} flooded the queue, the other "
        "{customers} customers' p95 wait was {quiet} s, {times} times less than {flooder}'s "
        "{flood} s, and every order was delivered."
    ).format(
        flooder=FLOODER,
        customers=len(CUSTOMERS),
        quiet=number(quiet, 1, grouping=False),
        times=times,
        flood=number(flood, 1, grouping=False),
    )


@expects(EXERCISE, lab=LAB, send_order=FUNCTION)
def check_order_groups(lab: Lab, send_order: SendOrder | None) -> Check:
    """Exercise 4.4: ``send_order(queue_url, order)`` groups the shop's orders by customer."""
    if send_order is None:
        return hint(
            EXERCISE,
            _("define send_order in the cell above and run that cell, then run this check"),
            _("send_order(queue_url, order): one send_message with the group id you choose"),
        )
    return OrderRun(lab, send_order).verdict()
