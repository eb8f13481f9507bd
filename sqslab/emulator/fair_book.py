"""The fair-queue layer's memory (see :mod:`.fair_queues`): per standard queue, each tenant's last
send and the deliveries its processing time is made of; the loads and serving order of a receive;
and the log of the receives the layer reordered, shown in labelled tables."""

from __future__ import annotations

import html
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqslab.emulator import state
from sqslab.emulator.fair_rules import (
    Load,
    Tenant,
    Thresholds,
    noisy,
    overlap,
    serving_order,
    tenant_of,
)
from sqslab.i18n import N_, _
from sqslab.numbers import number
from sqslab.tables import Table

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

#: The layer's name (``LABEL`` gives it in the lab's language).
_LABEL = N_("sqslab fidelity layer: fair queues (standard queues with MessageGroupId)")


def __getattr__(name: str) -> Any:
    """``LABEL`` in the language sqslab speaks when it is read."""
    if name == "LABEL":
        return _(_LABEL)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class Delivery:
    """One receive of one message: in flight from ``start`` until deleted (``end``), or until its
    visibility timeout ends (``deadline``, moved by ChangeMessageVisibility)."""

    tenant: Tenant
    message_id: str
    start: float
    deadline: float
    end: float | None = None

    @property
    def stop(self) -> float:
        """When the consumer's hold ended (or will end, if nothing else happens)."""
        return self.deadline if self.end is None else min(self.end, self.deadline)

    def finish(self, at: float) -> None:
        """The message was deleted (or received again) at ``at``: the hold ends there."""
        if self.end is None:
            self.end = max(self.start, at)


@dataclass
class QueueBook:
    """What the layer remembers of one standard queue."""

    last_send: dict[Tenant, float] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    open: dict[str, Delivery] = field(default_factory=dict)
    #: True once a message with a group id arrived: only then are holds noted (a queue without
    #: group ids costs the layer nothing).
    grouped: bool = False

    def sent(self, tenant: Tenant, at: float) -> None:
        """A message of ``tenant`` arrived at ``at`` (messages without a group id are not kept:
        they are never noisy)."""
        if tenant.group is not None:
            self.grouped = True
            self.last_send[tenant] = max(at, self.last_send.get(tenant, at))

    def received(self, tenant: Tenant, message_id: str, at: float, deadline: float) -> None:
        """A receive handed out ``message_id`` at ``at``, invisible until ``deadline``."""
        previous = self.open.get(message_id)
        if previous is not None:
            previous.finish(min(at, previous.deadline))
        delivery = Delivery(tenant, message_id, at, max(at, deadline))
        self.deliveries.append(delivery)
        self.open[message_id] = delivery

    def deleted(self, message_id: str, at: float) -> None:
        """The message was deleted at ``at``: its hold ends, if it still ran."""
        delivery = self.open.pop(message_id, None)
        if delivery is not None and at < delivery.deadline:
            delivery.finish(at)

    def moved(self, message_id: str, at: float, deadline: float) -> None:
        """A visibility change at ``at``: the hold now ends at ``deadline`` (``at`` if 0)."""
        delivery = self.open.get(message_id)
        if delivery is not None and delivery.end is None and at < delivery.deadline:
            delivery.deadline = max(at, deadline)

    def prune(self, now: float, limits: Thresholds) -> None:
        """Forget holds that ended before the window and sends too old to matter."""
        since = now - limits.window
        gone = [d for d in self.deliveries if d.stop <= since]
        if gone:
            self.deliveries = [d for d in self.deliveries if d.stop > since]
            for delivery in gone:
                if self.open.get(delivery.message_id) is delivery:
                    del self.open[delivery.message_id]
        for tenant, at in list(self.last_send.items()):
            if now - at >= limits.quiet_after:
                del self.last_send[tenant]

    def processing(self, now: float, window: float) -> dict[Tenant, float]:
        """Seconds each tenant's messages were held by consumers within the last ``window``."""
        spent: dict[Tenant, float] = {}
        for delivery in self.deliveries:
            seconds = overlap(delivery.start, delivery.stop, now, window)
            if seconds > 0:
                spent[delivery.tenant] = spent.get(delivery.tenant, 0.0) + seconds
        return spent


def tenant_of_message(message: Any) -> Tenant:
    """The tenant of a moto message."""
    return tenant_of(message.group_id, message.id)


@dataclass(frozen=True)
class Reorder:
    """One receive the layer served quiet tenants first in: when, where, who was noisy, why."""

    at: float
    queue: str
    noisy: tuple[tuple[str, str], ...]
    quiet_served: int
    noisy_served: int

    @property
    def time(self) -> datetime:
        """When it happened on the lab's clock, as a UTC datetime."""
        return datetime.fromtimestamp(self.at, tz=UTC)


class Labelled:
    """A table under the layer's label (text and HTML), so a reader knows who made it."""

    def __init__(self, label: str, table: Table) -> None:
        self.label, self.table = label, table

    def __len__(self) -> int:
        return len(self.table)

    def __repr__(self) -> str:
        return f"{self.label}\n{self.table!r}"

    def _repr_html_(self) -> str:
        return f"<p><em>{html.escape(self.label)}</em></p>{self.table._repr_html_()}"


class FairQueues:
    """The layer for one lab: every standard queue's book, the thresholds, the log."""

    def __init__(self, lab: Host, limits: Thresholds) -> None:
        self.lab = lab
        self.limits = limits
        self.log: list[Reorder] = []
        self._books: weakref.WeakKeyDictionary[Any, QueueBook] = weakref.WeakKeyDictionary()

    def book(self, queue: Any) -> QueueBook:
        """The book of ``queue`` (a moto Queue), created on first use."""
        if queue not in self._books:
            self._books[queue] = QueueBook()
        return self._books[queue]

    def watched(self, queue: Any) -> QueueBook | None:
        """The book of ``queue`` once a message with a group id arrived in it, else None."""
        book = self._books.get(queue)
        return book if book is not None and book.grouped else None

    def loads(self, queue: Any, now: float) -> dict[Tenant, Load]:
        """Each tenant's load on ``queue`` at ``now``, stored messages in moto's order."""
        found: dict[Tenant, Load] = {}
        for message in state.messages(queue):
            load = found.setdefault(tenant_of_message(message), Load())
            if message.visible:
                load.backlog += 1
            else:
                load.in_flight += 1
        book = self.book(queue)
        book.prune(now, self.limits)
        for tenant, seconds in book.processing(now, self.limits.window).items():
            found.setdefault(tenant, Load()).processing += seconds
        for tenant, at in book.last_send.items():
            if tenant in found:
                found[tenant].last_send = at
        return found

    def noisy(self, queue: Any, now: float) -> dict[Tenant, str]:
        """The noisy tenants of ``queue`` at ``now``, with why."""
        return noisy(self.loads(queue, now), now, self.limits)

    def order(self, queue: Any, visible: list[Any], now: float) -> tuple[list[Any], dict]:
        """``visible`` in the order a receive serves it now, and the noisy tenants (with why)."""
        if not any(m.group_id is not None for m in visible):
            return visible, {}
        loads = self.loads(queue, now)
        loud = noisy(loads, now, self.limits)
        if not loud:
            return visible, {}
        return serving_order(visible, tenant_of_message, loads, loud), loud

    def note(self, queue: Any, found: list[Any], loud: dict[Tenant, str], now: float) -> None:
        """Log a receive the layer reordered: what it returned, from quiet and noisy tenants."""
        from_noisy = sum(tenant_of_message(m) in loud for m in found)
        reasons = tuple((t.shown, why) for t, why in loud.items())
        self.log.append(Reorder(now, queue.name, reasons, len(found) - from_noisy, from_noisy))

    def table(self) -> Labelled:
        """The receives served quiet tenants first, one row each."""
        rows = [
            (
                r.time.strftime("%H:%M:%S.%f")[:-3],
                r.queue,
                ", ".join(shown for shown, _ in r.noisy),
                r.quiet_served,
                r.noisy_served,
            )
            for r in self.log
        ]
        columns = ("time", "queue", "noisy tenants", "quiet served", "noisy served")
        return Labelled(_(_LABEL), Table(columns, rows))

    def tenants(self, queue: Any, now: float) -> Labelled:
        """Every tenant of ``queue`` now: in flight, waiting, recent processing, last send, and
        whether (and why) it is noisy."""
        loads = self.loads(queue, now)
        loud = noisy(loads, now, self.limits)
        rows = [
            (
                tenant.shown,
                load.in_flight,
                load.backlog,
                number(load.processing, 1, grouping=False),
                "" if load.last_send is None else number(now - load.last_send, 1, grouping=False),
                loud.get(tenant, ""),
            )
            for tenant, load in loads.items()
        ]
        columns = ("tenant", "in flight", "waiting", "processing (s)", "last send (s ago)", "noisy")
        return Labelled(f"{_(_LABEL)}: queue {queue.name}", Table(columns, rows))
