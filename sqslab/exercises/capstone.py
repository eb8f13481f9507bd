"""Chapter 7 auto-checks: what the naive pipeline lost (exercise 7.2); and two checks the chapter
no longer calls, kept while ``sqslab.exercises`` still exports them: the fixed processing step
and settings that keep healthy orders out of the DLQ (once exercises 7.1 and 7.3, now the step
checks of :mod:`.capstone_queues` and :mod:`.capstone_producer`).

The settings check replays the orders of every customer who has a poison order (the only ones
whose healthy orders can be held back behind a failing one) through the capstone pipeline with
the learner's settings, on a few seeds, so a choice that works only by luck on one run is caught.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqslab import orders
from sqslab.errors import LimitError
from sqslab.exercises.arguments import FUNCTION, LAB, expects, list_of, one_of
from sqslab.exercises.base import Check
from sqslab.naive import NaiveRun
from sqslab.orders import Order, money

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: The pipeline settings exercise 7.3 may change, and the seeds its replays run on.
SETTINGS = ("max_receive_count", "receive_batch")
SEEDS = (0, 1, 2)
#: The most receives exercise 7.3 accepts: each one is a retry of a poison order nobody hears of.
MOST_RECEIVES = 10
DEFAULTS = {"max_receive_count": 3, "receive_batch": 10}

_replays = itertools.count(1)
ORDERS = list_of(Order, "data = orders.load()")


# --- 7.1 the fixed processing step ----------------------------------------------------------


def _quantities(order: Order) -> list[Any]:
    return [item["quantity"] for item in order.record["items"]]


def _is_cents(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _total_problem(fn: Callable[[dict[str, Any]], Any], order: Order) -> str | None:
    """What is wrong with ``fn`` on one order (None when it gives the order's total)."""
    record = copy.deepcopy(order.record)
    try:
        got = fn(record)
    except Exception as err:  # noqa: BLE001 - the learner's function: report, never crash
        return (
            f"total_fixed raised {type(err).__name__}: {err} on {order.order_id} (quantities "
            f"{_quantities(order)!r}): turn each quantity into a whole number with int(...) "
            "before multiplying"
        )
    if record != order.record:
        return (
            f"total_fixed changed the record of {order.order_id}: compute from it without "
            "rewriting it; the same record is the message body you may redrive or audit"
        )
    if got is None:
        return f"total_fixed returned None for {order.order_id}: return the total in cents"
    if not _is_cents(got):
        if isinstance(got, float) and round(got * 100) == order.total_cents:
            return f"total_fixed returned {got!r} for {order.order_id}: that is dollars; work in integer cents"
        return (
            f"total_fixed returned {type(got).__name__} {got!r} for {order.order_id}: return an "
            "int of cents (money in floats drifts: 0.1 + 0.2 != 0.3)"
        )
    if got != order.total_cents:
        return (
            f"{order.order_id}: total_fixed gives {money(got)}, the order is {money(order.total_cents)}"
            f" (quantities {_quantities(order)!r}): add up quantity x unit_price_cents over "
            "record['items']"
        )
    return None


@expects("ex7.1", fn=FUNCTION, order_list=ORDERS)
def check_fixed_total(
    fn: Callable[[dict[str, Any]], Any] | None, order_list: list[Order] | None = None
) -> Check:
    """Exercise 7.1: ``fn(record)`` gives each order's total in integer cents from its items,
    the legacy orders' string quantities included, without trusting the client's total."""
    exercise = "ex7.1"
    if not callable(fn):
        return Check(
            exercise,
            False,
            "define total_fixed(record) -> int: the total in cents from record['items'], "
            "whatever JSON type each quantity came as",
        )
    data = order_list if order_list is not None else orders.load()
    poison = [o for o in data if o.poison]
    for order in poison + [o for o in data if not o.poison]:  # the legacy orders first
        problem = _total_problem(fn, order)
        if problem:
            return Check(exercise, False, problem)
    sample = poison[0] if poison else data[0]
    tampered = copy.deepcopy(sample.record)
    tampered["total_cents"] = sample.total_cents + 100
    try:
        trusted = fn(tampered) == tampered["total_cents"]
    except Exception:  # noqa: BLE001 - it worked on every real order; a crash here is its own
        trusted = False
    if trusted:
        return Check(
            exercise,
            False,
            "total_fixed returns the total the client sent (record['total_cents']): compute it "
            "from the items, so a client with an old price list or a bug cannot set its own price",
        )
    return Check(
        exercise,
        True,
        f"total_fixed gives the right integer total for all {len(data)} orders, the "
        f"{len(poison)} legacy ones with quantities sent as strings included "
        f"({money(sum(o.total_cents for o in data))} in all).",
    )


# --- 7.2 what the naive pipeline lost -----------------------------------------------------


def _failed_ids(run: NaiveRun) -> set[str]:
    """Orders with at least one failed processing in the naive run (its failure log)."""
    return {line.split(":", 1)[0] for line in run.failed}


def _lost_orders_problem(run: NaiveRun, given: list[str]) -> str | None:
    """What is wrong with the learner's list of lost orders (None when it is right)."""
    expected = run.lost()
    known = {o.order_id for o in run.order_list}
    failed = _failed_ids(run)
    if set(given) == failed and failed != set(expected):
        saved = sorted(failed - set(expected))
        return (
            f"that is every order whose processing failed (nv.failed), but {len(saved)} of them "
            f"({', '.join(saved[:3])}) came again as a duplicate delivery and were processed: "
            "an order is lost only when nv.ledger has no entry for it"
        )
    unknown = [i for i in given if i not in known]
    if unknown:
        return f"not order ids of the input: {', '.join(map(repr, unknown[:3]))}"
    if len(given) != len(set(given)):
        return "list each lost order once"
    extra = [i for i in given if i not in expected]
    if extra:
        return (
            f"{len(extra)} of your orders were processed (e.g. {extra[0]}, in nv.ledger): "
            "lost means never processed"
        )
    missing = [i for i in expected if i not in given]
    if missing:
        return (
            f"{len(missing)} lost orders are missing from your list (e.g. {missing[0]}): check "
            "every order of data against the ids in nv.ledger"
        )
    return None


@expects("ex7.2", run=one_of(NaiveRun, "nv = naive.run_naive(lab, data)"))
def check_naive_losses(run: NaiveRun | None, lost_orders: Any, lost_revenue: Any) -> Check:
    """Exercise 7.2: the orders the naive run never processed, and their revenue in cents."""
    exercise = "ex7.2"
    if run is None:
        return Check(
            exercise, False, "run the naive pipeline first: nv = naive.run_naive(lab, data)"
        )
    if lost_orders is None:
        return Check(
            exercise,
            False,
            "set lost_orders to the ids of the orders the naive run never processed: compare "
            "the order ids of data with those in nv.ledger (without nv.lost())",
        )
    if isinstance(lost_orders, str) or not hasattr(lost_orders, "__iter__"):
        return Check(exercise, False, "lost_orders should be a list (or set) of order ids")
    given = [str(i) for i in lost_orders]
    problem = _lost_orders_problem(run, given)
    if problem:
        return Check(exercise, False, problem)
    lost = set(run.lost())
    cents = sum(o.total_cents for o in run.order_list if o.order_id in lost)
    if lost_revenue is None:
        return Check(
            exercise,
            False,
            "the list is right; now lost_revenue: the total_cents of those orders added up",
        )
    if isinstance(lost_revenue, float) and round(lost_revenue * 100) == cents:
        return Check(exercise, False, "lost_revenue is in dollars: give it in integer cents")
    if not _is_cents(lost_revenue) or lost_revenue != cents:
        return Check(
            exercise,
            False,
            f"lost_revenue is {lost_revenue!r}; add up order.total_cents (integer cents) over "
            "the orders in your list",
        )
    return Check(
        exercise,
        True,
        f"the naive run lost {len(lost)} of {len(run.order_list)} orders worth {money(cents)}: each "
        "was deleted before a processing that failed; its log names them, no queue holds them.",
    )


# --- 7.3 settings that keep healthy orders out of the DLQ -----------------------------------


def replay_orders(order_list: list[Order] | None = None) -> list[Order]:
    """The orders of every customer who has a poison order, in created_at order."""
    data = order_list if order_list is not None else orders.load()
    customers = {o.customer_id for o in data if o.poison}
    return [o for o in data if o.customer_id in customers]


def replay(lab: Lab, settings: dict[str, Any], seed: int, order_list: list[Order]) -> Any:
    """One run of the capstone pipeline (send, process, fix, redrive, process) on ``order_list``."""
    pipeline = orders.OrderPipeline(
        lab, order_list, name=f"replay-{next(_replays)}-s{seed}", seed=seed, **settings
    )
    pipeline.run()
    return pipeline


def _settings_problem(settings: Any) -> str | None:
    """What is wrong with the settings before any run (None when they may be tried)."""
    if not isinstance(settings, dict):
        return "settings should be a dict, e.g. {'max_receive_count': 3, 'receive_batch': 10}"
    unknown = sorted(set(settings) - set(SETTINGS))
    if unknown:
        return f"this exercise sets only {' and '.join(SETTINGS)}; not {', '.join(unknown)}"
    receives = settings.get("max_receive_count", DEFAULTS["max_receive_count"])
    if isinstance(receives, int) and receives > MOST_RECEIVES:
        return (
            f"max_receive_count={receives} retries a poison order {receives} times before anyone "
            f"hears of it; keep it at {MOST_RECEIVES} or less"
        )
    return None


def _held_back_hint(settings: dict[str, int], seed: int, healthy: list[str]) -> str:
    """The hint for healthy orders that reached the DLQ on one replay."""
    receives = settings.get("max_receive_count", DEFAULTS["max_receive_count"])
    batch = settings.get("receive_batch", DEFAULTS["receive_batch"])
    found = f"{len(healthy)} healthy order(s) still went to the DLQ (seed {seed}: {', '.join(healthy[:3])})"
    if batch > 1 and receives > DEFAULTS["max_receive_count"]:
        return (
            f"with max_receive_count={receives}, {found}: an order held back behind its "
            "customer's failing one is received in the same batch, again and again, so its "
            "receive count climbs with the failing order's; a higher limit gives both more "
            "tries. What decides whether a held-back order is received at all?"
        )
    if batch > 1:
        return (
            f"{found}, held back behind their customer's failing order: every receive that "
            "returns them counts. A FIFO receive returns as many messages of one group as it "
            "may; how many may it return?"
        )
    return f"{found}; pipeline.dead_letter_reasons() says why"


@expects("ex7.3", lab=LAB, order_list=ORDERS)
def check_healthy_kept(
    lab: Lab, settings: dict[str, int] | None, order_list: list[Order] | None = None
) -> Check:
    """Exercise 7.3: with ``settings`` no healthy order reaches the DLQ, on every replay seed, and
    each replay reconciles."""
    exercise = "ex7.3"
    if settings is None:
        return Check(
            exercise,
            False,
            "set settings = {'max_receive_count': ..., 'receive_batch': ...} (the defaults are "
            "3 and 10)",
        )
    problem = _settings_problem(settings)
    if problem:
        return Check(exercise, False, problem)
    data = replay_orders(order_list)
    poison = {o.order_id for o in data if o.poison}
    requests = []
    for seed in SEEDS:
        try:
            pipeline = replay(lab, settings, seed, data)
        except (LimitError, ValueError, TypeError) as err:
            return Check(exercise, False, f"the pipeline refused these settings: {err}")
        healthy = [i for i in pipeline.dead_lettered if i not in poison]
        if healthy:
            return Check(exercise, False, _held_back_hint(settings, seed, healthy))
        result = pipeline.reconcile()
        if not result.ok:
            return Check(exercise, False, f"seed {seed} did not reconcile: {result.failed()[0]}")
        requests.append(pipeline.bill().requests)
    baseline = replay(lab, DEFAULTS, SEEDS[0], data).bill().requests
    return Check(
        exercise,
        True,
        f"no healthy order reached the DLQ in {len(SEEDS)} replays of the {len(data)} orders of "
        f"the customers with a poison order, and each reconciled. The price: {requests[0]} billed "
        f"requests against {baseline} with the defaults (seed {SEEDS[0]}).",
    )
