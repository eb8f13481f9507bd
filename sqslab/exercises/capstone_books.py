"""Exercise 7.5: the learner's ``reconcile_books(order_list, ledger, dlq_orders)`` balances the
books of a run: which orders are missing, which were processed (or parked) more than once, which
were processed after a later order of the same customer in the same pass, and the revenue gap in
integer cents.

The check hands it ledgers with the faults a real run can leave behind, built from real orders: a
clean run; orders parked in the DLQ; an order processed twice and one lost; an order processed out
of turn next to a redriven one that was overtaken (allowed: another pass); an order charged a cent
too much; an order both processed and in the DLQ. It compares each answer with
:func:`expected_books`, which follows :mod:`sqslab.orders.reconciliation`'s rules.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqslab.exercises.arguments import FUNCTION, expects
from sqslab.exercises.base import Check, hint
from sqslab.exercises.capstone_common import ids
from sqslab.exercises.capstone_scenarios import scenario_orders
from sqslab.i18n import translate as _
from sqslab.orders import AFTER_REDRIVE, FIRST_PASS, Ledger, Order, Processed, money

EXERCISE = "ex7.5"
NAME = "reconcile_books"
KEYS = ("missing", "duplicated", "out_of_order", "revenue_gap_cents")
#: Three customers' orders: CUST-002 (3), CUST-005 (2) and CUST-019 (1), in created_at order.
ORDERS = ("ORD-10001", "ORD-10003", "ORD-10005", "ORD-10009", "ORD-10010", "ORD-10011")


@dataclass(frozen=True)
class Books:
    """One case: the input orders, the ledger (processing order), what is in the DLQ."""

    name: str
    story: str
    orders: list[Order]
    ledger: list[Processed]
    dlq: list[dict[str, Any]]


def entry(order: Order, seq: int, phase: str = FIRST_PASS, total: int | None = None) -> Processed:
    """A ledger entry for ``order`` (charged ``total`` cents, its own total by default)."""
    charged = order.total_cents if total is None else total
    return Processed(seq, order.order_id, order.customer_id, order.created_at, charged, phase=phase)


def ledger_of(
    orders: list[Order],
    phases: dict[str, str] | None = None,
    totals: dict[str, int] | None = None,
) -> list[Processed]:
    """Entries for ``orders`` in the given processing order (phases and charged totals by id)."""
    phases, totals = phases or {}, totals or {}
    return [
        entry(o, n, phases.get(o.order_id, FIRST_PASS), totals.get(o.order_id))
        for n, o in enumerate(orders, 1)
    ]


def cases() -> list[Books]:
    """The ledgers the check hands to the learner's function, simplest first."""
    data = scenario_orders(ORDERS)
    by = {o.order_id: o for o in data}
    a1, c1, b1, b2, a2, a3 = (by[i] for i in ORDERS)
    redrive = f"{AFTER_REDRIVE} 1"
    return [
        Books("clean", _("every order processed once, in order"), data, ledger_of(data), []),
        Books(
            "dlq",
            _("{first} and {second} wait in the DLQ").format(first=a2.order_id, second=a3.order_id),
            data,
            ledger_of([a1, c1, b1, b2]),
            [a2.record, a3.record],
        ),
        Books(
            "twice",
            _("{twice} was processed twice and {lost} was lost").format(
                twice=b1.order_id, lost=c1.order_id
            ),
            data,
            ledger_of([a1, b1, b2, b1, a2, a3]),
            [],
        ),
        Books(
            "order",
            _(
                "{early} was processed before {first} in the first pass, and "
                "{redriven}, redriven from the DLQ, after {later}"
            ).format(early=a2.order_id, first=a1.order_id, redriven=b1.order_id, later=b2.order_id),
            data,
            ledger_of([c1, a2, a1, a3, b2, b1], {b1.order_id: redrive}),
            [],
        ),
        Books(
            "cent",
            _("{order} was charged one cent more than its total").format(order=b2.order_id),
            data,
            ledger_of(data, totals={b2.order_id: b2.total_cents + 1}),
            [],
        ),
        Books(
            "both",
            _("{order} was processed and is also in the DLQ").format(order=a3.order_id),
            data,
            ledger_of(data),
            [a3.record],
        ),
    ]


def expected_books(case: Books) -> dict[str, Any]:
    """The right answer for a case (the rules of :mod:`sqslab.orders.reconciliation`)."""
    processed = Counter(e.order_id for e in case.ledger)
    counted = processed + Counter(str(r["order_id"]) for r in case.dlq)
    late: list[str] = []
    latest: dict[tuple[str, str], str] = {}
    for e in sorted(case.ledger, key=lambda e: e.seq):
        key = (e.customer_id, e.phase)
        if key in latest and e.created_at < latest[key]:
            late.append(e.order_id)
        latest[key] = max(latest.get(key, e.created_at), e.created_at)
    charged = sum(e.total_cents for e in case.ledger) + sum(int(r["total_cents"]) for r in case.dlq)
    return {
        "missing": sorted(o.order_id for o in case.orders if not counted[o.order_id]),
        "duplicated": sorted(i for i, n in counted.items() if n > 1),
        "out_of_order": sorted(late),
        "revenue_gap_cents": charged - sum(o.total_cents for o in case.orders),
    }


def _as_ids(value: Any) -> list[str] | None:
    """A list of order ids from a list/set/tuple of texts (sorted), else None."""
    if isinstance(value, list | set | tuple | frozenset) and all(isinstance(v, str) for v in value):
        return sorted(set(value))
    return None


def _answer_problem(case: Books, got: Any) -> tuple[str, ...] | None:
    """What is wrong with the learner's answer to one case, as hints (None when it is right)."""
    if not isinstance(got, dict) or not set(KEYS) <= set(got):
        return (
            _("{name} returned {value}; return a dict with the keys {keys}").format(
                name=NAME, value=f"{got!r:.80}", keys=", ".join(KEYS)
            ),
        )
    want = expected_books(case)
    for key in KEYS[:3]:
        given = _as_ids(got[key])
        if given is None:
            return (
                _("{key} should be a list of order ids; {name} gave {value}").format(
                    key=key, name=NAME, value=f"{got[key]!r:.60}"
                ),
            )
        if given != want[key]:
            return _list_hint(case, key, given, want[key])
    return _gap_hint(case, got["revenue_gap_cents"], want["revenue_gap_cents"])


def _list_hint(case: Books, key: str, given: list[str], want: list[str]) -> tuple[str, ...]:
    """Hints for a wrong list: what is extra or missing in it, and why, for this case."""
    extra = [i for i in given if i not in want]
    short = [i for i in want if i not in given]
    parked = {str(r["order_id"]) for r in case.dlq}
    found = _("for a run where {story}, {key} is {given}, not {want}").format(
        story=case.story, key=key, given=given or "[]", want=want or "[]"
    )
    if key == "missing" and set(extra) & parked:
        return (
            _(
                "{found}: an order waiting in the DLQ is accounted for, not missing. Look at how "
                "dlq_orders counts."
            ).format(found=found),
            _("an order is missing when it is neither in the ledger nor in dlq_orders"),
        )
    if key == "out_of_order" and case.name == "order" and extra:
        return (
            _(
                "{found}: {ids} was processed after a redrive, a pass of its own; the DLQ "
                "takes an order out of line, and the reconciliation notes that without failing "
                "it."
            ).format(found=found, ids=ids(extra)),
            _("compare a customer's orders only with others of the same phase (entry.phase)"),
        )
    if key == "duplicated" and case.name == "both":
        return (
            _("{found}: an order processed and also waiting in the DLQ is counted twice.").format(
                found=found
            ),
            _("count each order's ledger entries and its copies in dlq_orders together"),
        )
    what = {
        "missing": _("orders neither in the ledger nor in dlq_orders"),
        "duplicated": _("orders counted more than once across the ledger and dlq_orders"),
        "out_of_order": _(
            "orders processed after a later-placed order of the same customer, in the same phase"
        ),
    }[key]
    return (
        _("{found}. {key} lists {what}").format(found=found, key=key, what=what)
        + (
            _("; {ids} belong(s) there").format(ids=ids(short))
            if short
            else _("; {ids} do(es) not").format(ids=ids(extra))
        ),
        _(
            "the ledger is in processing order; each entry has order_id, customer_id, "
            "created_at, total_cents and phase"
        ),
    )


def _gap_hint(case: Books, gap: Any, want: int) -> tuple[str, ...] | None:
    """Hints for a wrong revenue gap (None when right): floats, dollars, the DLQ left out."""
    if isinstance(gap, bool) or not isinstance(gap, int):
        return (
            _(
                "revenue_gap_cents is {type} {value}: money in floats drifts "
                "(0.1 + 0.2 != 0.3), so the books never balance to the cent. Keep integer cents."
            ).format(type=type(gap).__name__, value=repr(gap)),
            _("add up total_cents as integers; never divide by 100 before the end"),
        )
    if gap == want:
        return None
    parked = sum(int(r["total_cents"]) for r in case.dlq)
    why = (
        _("; {money} of orders wait in the DLQ and count as accounted for").format(
            money=money(parked)
        )
        if parked and gap == want - parked
        else ""
    )
    if abs(gap - want) == 1:
        why = _("; one cent off is what a sum in floats (dollars) leaves behind")
    return (
        _("for a run where {story}, revenue_gap_cents is {gap}, not {want}{why}").format(
            story=case.story, gap=gap, want=want, why=why
        ),
        _(
            "the gap is (what the ledger charged + the totals in dlq_orders) - the input's "
            "totals, in integer cents, never divided by 100"
        ),
    )


@expects(EXERCISE, fn=FUNCTION)
def check_order_books(fn: Callable[..., Any] | None) -> Check:
    """Exercise 7.5: ``fn(order_list, ledger, dlq_orders)`` finds what each faulty run left: the
    missing, the duplicated, the out-of-order orders and the revenue gap in cents."""
    if fn is None:
        return hint(
            EXERCISE,
            _("define {name}(order_list, ledger, dlq_orders), then run this check").format(
                name=NAME
            ),
        )
    for case in cases():
        try:
            got = fn(list(case.orders), Ledger(list(case.ledger)), copy.deepcopy(case.dlq))
        except Exception as err:  # noqa: BLE001 - the learner's code: report it, never crash
            return hint(
                EXERCISE,
                _("{name} raised {error}: {text} (for a run where {story})").format(
                    name=NAME, error=type(err).__name__, text=err, story=case.story
                ),
            )
        problem = _answer_problem(case, got)
        if problem:
            return hint(EXERCISE, *problem)
    return Check(
        EXERCISE,
        True,
        _(
            "{name} balanced {count} runs' books: lost and duplicated orders, an order "
            "in the DLQ and one both processed and parked, out-of-order processing within a pass "
            "(not a redriven order overtaken), and a one-cent overcharge."
        ).format(name=NAME, count=len(cases())),
    )
