"""What chapter 7's step checks share: fresh queue names, calling the learner's function under a
call budget, saying what an error was, and reading a queue out to the last message.

Each step check (:mod:`.capstone_queues`, :mod:`.capstone_producer`, :mod:`.capstone_consumer`,
:mod:`.capstone_redrive`, :mod:`.capstone_books`) drives the learner's function on queues of its
own, so running a check again never meets an earlier run's messages.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from sqslab import facts, orders, realclock
from sqslab.faults import WorkerCrash
from sqslab.i18n import translate as _
from sqslab.numbers import short
from sqslab.orders import Order
from sqslab.orders.capstone_faults import BudgetExceeded, call_budget
from sqslab.realclock import DemoTime

if TYPE_CHECKING:
    from sqslab.lab import Lab

_runs = itertools.count(1)
#: How many times faster than written a check's scenario runs on a real clock.
SPEEDUP = 10


def check_time(lab: Lab, what: str, *, calls: bool = True, speedup: float = SPEEDUP) -> DemoTime:
    """The clock of a check's scenario: as written on the virtual clock; on a real one
    ``speedup`` times faster, and the check says so before it starts (and, with ``calls``, that
    the timeouts in the learner's calls are shortened too)."""
    demo = DemoTime(speedup, lab.virtual_time)
    if not demo.virtual:
        yours = (
            _(
                "; the timeouts and long polls in your calls are {speedup} times shorter too, "
                "rounded up to whole seconds"
            ).format(speedup=short(speedup))
            if calls
            else ""
        )
        print(
            _(
                "{label}: this check runs {what} {speedup} times faster than written (the "
                "30 s visibility timeout lasts {span}){yours}"
            ).format(
                label=_(realclock.LABEL),
                what=what,
                speedup=short(speedup),
                span=realclock.span(30 / speedup),
                yours=yours,
            )
        )
    return demo


def fresh_name(prefix: str) -> str:
    """A queue name (without .fifo) no earlier check run has used in this kernel."""
    return f"{prefix}-{next(_runs)}"


@dataclass
class Called:
    """What happened when a check called the learner's function."""

    value: Any = None
    error: BaseException | None = None
    crashed: bool = False
    looped: bool = False
    calls: int = 0
    busiest: str = ""

    @property
    def failed(self) -> bool:
        """True when the function raised (other than a simulated crash) or ran away."""
        return self.error is not None or self.looped


def call(lab: Lab, fn: Callable[..., Any], *args: Any, limit: int = 500) -> Called:
    """Call ``fn(*args)`` with at most ``limit`` SQS calls on the lab's client; a simulated
    :class:`~sqslab.faults.WorkerCrash` is noted, any other error kept, never raised."""
    budget = call_budget(lab.sqs, limit)
    try:
        return Called(value=fn(*args), calls=budget.used)
    except WorkerCrash:
        return Called(crashed=True, calls=budget.used)
    except BudgetExceeded:
        return Called(looped=True, calls=limit, busiest=budget.most_used())
    except Exception as err:  # noqa: BLE001 - the learner's code: report it, never crash
        return Called(error=err, calls=budget.used)
    finally:
        budget.undo()


def describe(err: BaseException) -> str:
    """An error as one line: the SQS error code and message, or the exception and its text."""
    if isinstance(err, ClientError):
        detail = err.response.get("Error", {})
        operation = getattr(err, "operation_name", None) or _("a call")
        return _("{operation} answered {code}: {message}").format(
            operation=operation,
            code=detail.get("Code", _("an error")),
            message=detail.get("Message", ""),
        )
    if isinstance(err, BotoCoreError):
        return _("boto3 refused a call: {error}").format(error=err)
    return f"{type(err).__name__}: {err}"


def error_hints(
    name: str, called: Called, *, loop_help: str = "", error_help: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The hints for a function that raised (``error_help`` first among the later ones) or ran
    away (then ``loop_help``); ``called.failed`` must hold."""
    if called.looped:
        first = _(
            "{name} does not stop: it made more than {calls} SQS calls, "
            "{busiest} most often, and was stopped there."
        ).format(name=name, calls=called.calls, busiest=called.busiest)
        return (first, loop_help) if loop_help else (first,)
    return (
        _("{name} stopped with an error: {error}").format(
            name=name, error=describe(called.error or RuntimeError())
        ),
        *error_help,
        _(
            "the error names the call and what SQS (or boto3) did not accept; the section above "
            "shows that call"
        ),
    )


def most(key: str) -> int:
    """A whole-number AWS limit from the fact registry (e.g. ``max_receive_messages``)."""
    return int(facts.get(key).value)


def drain(lab: Lab, url: str) -> list[dict[str, Any]]:
    """Every message of a queue, received and deleted (left out of the trace), in delivery order
    (on FIFO, each message group in its order), with system attributes."""
    sqs, found = lab.sqs, []
    with lab.trace.paused():
        while batch := sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=most("max_receive_messages"),
            MessageSystemAttributeNames=["All"],
        ).get("Messages", []):
            found += batch
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)
                ],
            )
    return found


def order_id_of(body: str) -> str:
    """The order id in a message body ('?' when the body is not an order)."""
    try:
        return str(json.loads(body)["order_id"])
    except (ValueError, KeyError, TypeError):
        return "?"


def ids(items: list[str], shown: int = 3) -> str:
    """A few ids, then how many more."""
    more = _(" and {count} more").format(count=len(items) - shown) if len(items) > shown else ""
    return ", ".join(items[:shown]) + more


def customers_orders(
    customers: list[str], per_customer: int, data: list[Order] | None = None
) -> list[Order]:
    """The first ``per_customer`` orders of each customer named, in created_at order."""
    data = data if data is not None else orders.load()
    taken: dict[str, int] = {}
    picked = []
    for order in data:
        if order.customer_id in customers and taken.get(order.customer_id, 0) < per_customer:
            taken[order.customer_id] = taken.get(order.customer_id, 0) + 1
            picked.append(order)
    return picked
