"""The SQS cost meter: price traced calls the way AWS bills them, and estimate what batching and
long polling save.

AWS counts every API action as a request, and each 64 KiB chunk of a request's payload as one
request (so a request bills at least 1). Prices are list prices from :mod:`sqslab.facts`; the
monthly free tier is never subtracted here.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqslab import facts, numbers
from sqslab.arguments import check_count, check_finite, given
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import N_, _
from sqslab.tables import Table
from sqslab.trace import HANDLE_OPERATIONS, CallRecord

FIFO_SUFFIX = ".fifo"
SECONDS_PER_HOUR = 3600
PER_MILLION = 1_000_000
SEND_OPERATIONS = ("SendMessage", "SendMessageBatch")
COLUMNS = (
    N_("operation"),
    N_("calls"),
    N_("billed requests"),
    N_("empty receives"),
    N_("messages"),
    N_("dollars"),
)
#: The label of a bill's last row (the operation column holds API names, shown as they are).
TOTAL = N_("total")
#: The headers :func:`as_table` gives a :func:`batch_size_curve` (field names, spaced).
BATCH_POINT_COLUMNS = (N_("batch size"), N_("requests"), N_("dollars per million"))


def is_fifo(queue: str | None) -> bool:
    """True when ``queue`` (a name or URL) is a FIFO queue: its name ends with ``.fifo``."""
    return bool(queue) and str(queue).rstrip("/").endswith(FIFO_SUFFIX)


def price_per_million(fifo: bool = False) -> float:
    """List price in dollars per million requests for a standard or FIFO queue."""
    return facts.get("price_fifo_per_million" if fifo else "price_standard_per_million").value


def chunk_bytes() -> int:
    """The payload size that bills as one request (64 KiB)."""
    return int(facts.get("billing_chunk").value)


def billed_requests(payload_bytes: int) -> int:
    """Requests one call bills: one per started 64 KiB chunk of its payload, at least 1."""
    check_count("payload_bytes", payload_bytes, example="billed_requests(200 * 1024)")
    return max(1, math.ceil(payload_bytes / chunk_bytes()))


def messages_moved(rec: CallRecord) -> int:
    """Messages a call sent, received, deleted or changed successfully (0 for other calls)."""
    if rec.operation in SEND_OPERATIONS:
        return len(rec.message_ids)
    if rec.operation == "ReceiveMessage":
        return rec.received
    if rec.operation in HANDLE_OPERATIONS:
        return sum(ref.ok for ref in rec.messages)
    return 0


@dataclass
class OperationCost:
    """Calls of one operation and what they bill."""

    operation: str
    calls: int = 0
    requests: int = 0
    fifo_requests: int = 0
    empty_receives: int = 0
    messages: int = 0

    @property
    def dollars(self) -> float:
        """List price of the billed requests (FIFO ones at the FIFO price)."""
        standard = self.requests - self.fifo_requests
        fifo = self.fifo_requests * price_per_million(fifo=True)
        return (standard * price_per_million(fifo=False) + fifo) / PER_MILLION

    def add(self, rec: CallRecord) -> None:
        """Count one traced call."""
        billed = billed_requests(rec.payload_bytes)
        self.calls += 1
        self.requests += billed
        self.fifo_requests += billed if is_fifo(rec.queue) else 0
        self.empty_receives += int(
            rec.operation == "ReceiveMessage" and rec.ok and not rec.received
        )
        self.messages += messages_moved(rec)


@dataclass
class Bill:
    """What a set of traced calls costs at list price, per operation.

    The free tier (``free_tier_requests`` a month) is not subtracted: ``free_tier_applied`` is
    always False, so the dollars are what the same traffic costs once the free tier is used up.
    """

    operations: dict[str, OperationCost] = field(default_factory=dict)
    free_tier_requests: int = field(
        default_factory=lambda: int(facts.get("free_tier_requests").value)
    )
    free_tier_applied: bool = False

    @property
    def calls(self) -> int:
        """Every call, of every operation."""
        return sum(op.calls for op in self.operations.values())

    @property
    def requests(self) -> int:
        """Billed requests (64 KiB chunks counted)."""
        return sum(op.requests for op in self.operations.values())

    @property
    def empty_receives(self) -> int:
        """ReceiveMessage calls that returned no message."""
        return sum(op.empty_receives for op in self.operations.values())

    @property
    def dollars(self) -> float:
        """List price of every billed request, free tier ignored."""
        return sum(op.dollars for op in self.operations.values())

    def messages(self, *operations: str) -> int:
        """Messages moved by the given operations (all operations when none are given)."""
        wanted = operations or tuple(self.operations)
        return sum(op.messages for name, op in self.operations.items() if name in wanted)

    def per_million_messages(self, messages: int) -> float:
        """Dollars per million messages, when this bill delivered ``messages`` messages."""
        if messages <= 0:
            raise LimitError(
                _(
                    "cannot price per message for {messages} messages; pass how many messages "
                    "this traffic delivered (at least 1), e.g. bill.messages('ReceiveMessage')"
                ).format(messages=messages)
            )
        return self.dollars / messages * PER_MILLION

    def table(self) -> Table:
        """One row per operation and a total row; dollars at list price."""
        rows = [
            (op.operation, op.calls, op.requests, op.empty_receives, op.messages, money(op.dollars))
            for op in self.operations.values()
        ]
        total = (TOTAL, self.calls, self.requests, self.empty_receives, "", money(self.dollars))
        return Table(COLUMNS, [*rows, total])

    def __repr__(self) -> str:
        return _(
            "<Bill: {calls} calls, {requests} billed requests ({empty} empty receives), "
            "{dollars} at list price, free tier not applied>"
        ).format(
            calls=self.calls,
            requests=self.requests,
            empty=self.empty_receives,
            dollars=money(self.dollars),
        )


def money(dollars: float) -> str:
    """Dollars to the tenth of a micro-dollar, enough to show a single request's price."""
    return numbers.money(dollars, 7)


def bill(records: Iterable[CallRecord]) -> Bill:
    """Price traced calls: per operation, calls, billed requests, empty receives, messages, dollars.

    Every recorded call counts, failed ones included (AWS bills each API action as a request)."""
    result = Bill()
    if not isinstance(records, Iterable) or isinstance(records, str):
        raise WrongTypeError(f"bill() prices traced calls: pass lab.trace; got {given(records)}")
    for rec in records:
        if not isinstance(rec, CallRecord):
            raise WrongTypeError(f"bill() prices traced calls (lab.trace); got {given(rec)}")
        result.operations.setdefault(rec.operation, OperationCost(rec.operation)).add(rec)
    return result


# --- Estimators for charts ------------------------------------------------------------------


class BatchPoint(NamedTuple):
    """One point of :func:`batch_size_curve`."""

    batch_size: int
    requests: int
    dollars_per_million: float


#: The polling styles :func:`polling_cost` compares (marked here, shown in the lab's language).
SHORT_POLLING, LONG_POLLING = N_("short polling"), N_("long polling")
#: The headers :func:`as_table` gives a :func:`polling_cost` (field names, spaced).
POLLING_COST_COLUMNS = (
    N_("mode"),
    N_("wait seconds"),
    N_("receives"),
    N_("empty receives"),
    N_("dollars"),
)


class PollingCost(NamedTuple):
    """Receives one consumer makes over a period with one polling style, and their price."""

    mode: str
    wait_seconds: float
    receives: float
    empty_receives: float
    dollars: float


class MonthlyCost(NamedTuple):
    """A month of one workload: messages, billed requests, requests past the free tier, dollars."""

    messages: int
    requests: int
    billable: int
    dollars: float


def monthly(
    messages: int,
    *,
    batch_size: int = 10,
    payload_bytes: int = 1024,
    fifo: bool = False,
    free_tier: bool = True,
) -> MonthlyCost:
    """Send, receive and delete ``messages`` in a month, in batches of ``batch_size``, at list price.

    Model: full batches both ways, no empty receives (long polling on a busy queue), one delete
    batch per receive; the free tier counts once per account, so pass ``free_tier=False`` for a
    second queue. Volume discounts above the first pricing tier are not modelled.
    """
    sends = send_requests(messages, batch_size, payload_bytes)
    receives = sends  # a full receive carries the same payload the send did
    deletes = math.ceil(messages / batch_size)
    requests = sends + receives + deletes
    free = int(facts.get("free_tier_requests").value) if free_tier else 0
    billable = max(0, requests - free)
    return MonthlyCost(
        messages, requests, billable, billable * price_per_million(fifo) / PER_MILLION
    )


def max_batch_size(payload_bytes: int) -> int:
    """The largest batch of ``payload_bytes`` messages one SendMessageBatch may carry."""
    check_payload(payload_bytes)
    entries = int(facts.get("batch_max_entries").value)
    return min(entries, int(facts.get("batch_max_bytes").value) // payload_bytes)


def check_payload(payload_bytes: int) -> None:
    """Raise a clear error unless ``payload_bytes`` is a size one message may have."""
    limit = facts.get("max_message_size")
    check_count("payload_bytes", payload_bytes, minimum=None, example="payload_bytes=1024")
    if payload_bytes < 1:
        raise LimitError(
            _("payload_bytes is {value}; a message carries at least 1 byte").format(
                value=payload_bytes
            )
        )
    if payload_bytes > limit.value:
        raise LimitError(
            _(
                "a message of {bytes} bytes is over the SQS limit of {limit} ({limit_bytes} "
                "bytes); keep large payloads in S3 and send a pointer"
            ).format(
                bytes=numbers.number(payload_bytes),
                limit=limit.translated("text"),
                limit_bytes=numbers.number(limit.value),
            )
        )


def check_batch(batch_size: int, payload_bytes: int) -> None:
    """Raise a clear error unless ``batch_size`` messages of ``payload_bytes`` fit one batch."""
    entries = facts.get("batch_max_entries")
    total = facts.get("batch_max_bytes")
    check_count("batch_size", batch_size, minimum=None, example="batch_size=10")
    if not 1 <= batch_size <= entries.value:
        raise LimitError(
            _("batch size {size} is not allowed; a batch holds 1 to {entries}").format(
                size=batch_size, entries=entries.translated("text")
            )
        )
    if batch_size * payload_bytes > total.value:
        raise LimitError(
            _(
                "a batch of {size} messages of {bytes} bytes is {total} bytes; one "
                "SendMessageBatch carries at most {limit} ({limit_bytes} bytes): use batches of "
                "at most {most}"
            ).format(
                size=batch_size,
                bytes=numbers.number(payload_bytes),
                total=numbers.number(batch_size * payload_bytes),
                limit=total.translated("text"),
                limit_bytes=numbers.number(total.value),
                most=max_batch_size(payload_bytes),
            )
        )


def send_requests(messages: int, batch_size: int, payload_bytes: int) -> int:
    """Billed requests to send ``messages`` messages of ``payload_bytes`` in batches of ``batch_size``."""
    check_count("messages", messages, minimum=None, example="monthly(10_000_000)")
    if messages < 0:
        raise LimitError(_("messages must be 0 or more, got {messages}").format(messages=messages))
    check_payload(payload_bytes)
    check_batch(batch_size, payload_bytes)
    full, rest = divmod(messages, batch_size)
    last = billed_requests(rest * payload_bytes) if rest else 0
    return full * billed_requests(batch_size * payload_bytes) + last


def batch_size_curve(
    messages: int,
    payload_bytes: int,
    sizes: Iterable[int] | None = None,
    fifo: bool = False,
) -> list[BatchPoint]:
    """(batch size, billed requests, dollars per million messages) for sending ``messages``.

    ``sizes`` defaults to 1 up to the largest batch these messages fit in (at most 10).
    """
    check_count("messages", messages, minimum=None, example="batch_size_curve(1000, 1024)")
    if messages < 1:
        raise LimitError(
            _("messages must be at least 1 to price per message, got {messages}").format(
                messages=messages
            )
        )
    chosen = range(1, max_batch_size(payload_bytes) + 1) if sizes is None else sizes
    points = []
    for size in chosen:
        requests = send_requests(messages, size, payload_bytes)
        points.append(BatchPoint(size, requests, requests * price_per_million(fifo) / messages))
    return points


def polling_cost(
    hours: float = 1.0,
    messages_per_hour: float = 0.0,
    short_poll_every: float = 1.0,
    fifo: bool = False,
) -> list[PollingCost]:
    """Receives of one consumer over ``hours``: short polling every ``short_poll_every`` seconds
    vs long polling with the maximum WaitTimeSeconds, on a queue that is idle or sparse.

    Model: messages arrive evenly spaced, at most one per poll; each receive bills 1 request.
    A long poll returns as soon as a message arrives, so between two arrivals ``gap`` seconds
    apart it makes ceil(gap / wait) - 1 empty receives.
    """
    for name, value in (("hours", hours), ("short_poll_every", short_poll_every)):
        check_finite(name, value, example="polling_cost(hours=24, short_poll_every=1)")
    check_finite("messages_per_hour", messages_per_hour, example="messages_per_hour=60")
    if hours <= 0 or short_poll_every <= 0 or messages_per_hour < 0:
        raise LimitError(
            "hours and short_poll_every must be above 0 and messages_per_hour 0 or more, got "
            f"hours={hours}, short_poll_every={short_poll_every}, "
            f"messages_per_hour={messages_per_hour}"
        )
    wait = float(facts.get("long_poll_max_wait").value)
    messages = messages_per_hour * hours
    short_calls = hours * SECONDS_PER_HOUR / short_poll_every
    short_empty = max(0.0, short_calls - messages)
    if messages:
        polls_per_gap = math.ceil(SECONDS_PER_HOUR / messages_per_hour / wait)
        long_empty = messages * float(max(polls_per_gap - 1, 0))
    else:
        long_empty = hours * SECONDS_PER_HOUR / wait
    long_calls = long_empty + messages
    price = price_per_million(fifo) / PER_MILLION
    return [
        PollingCost(SHORT_POLLING, 0.0, short_calls, short_empty, short_calls * price),
        PollingCost(LONG_POLLING, wait, long_calls, long_empty, long_calls * price),
    ]


def as_table(rows: Sequence[BatchPoint] | Sequence[PollingCost]) -> Table:
    """Estimator rows (from :func:`batch_size_curve` or :func:`polling_cost`) as a table."""
    if not rows:
        raise LimitError("no rows to show; pass the list an estimator returned")
    columns = [name.replace("_", " ") for name in rows[0]._fields]
    return Table(columns, [[_cell(name, v) for name, v in row._asdict().items()] for row in rows])


def _cell(name: str, value: object) -> object:
    """A table cell: dollars as money, float counts rounded to 0.1."""
    if name.startswith("dollars"):
        return money(float(value))  # type: ignore[arg-type]
    if isinstance(value, float):
        return numbers.number(value, 1)
    return value
