"""Exercise 7.5's check: the worked answer passes; reconciliations a learner gets wrong (money in
floats, the DLQ ignored, order compared across passes, duplicates counted in the ledger only)
each get a hint about that case, with no line of the answer in it. The check's expected answers
agree with the reference reconciliation."""

from __future__ import annotations

from collections import Counter

from capstone_answers import answers, leaked

from sqslab import orders
from sqslab.exercises import check_order_books
from sqslab.exercises.capstone_books import cases, expected_books
from sqslab.orders import EXACTLY_ONCE, IN_ORDER, REVENUE, Ledger


def books(order_list, ledger, dlq_orders, *, dlq=True, by_phase=True, dollars=False):
    """A learner's reconciliation with switches for the usual mistakes."""
    counted = Counter(e.order_id for e in ledger)
    if dlq:
        counted += Counter(o["order_id"] for o in dlq_orders)
    late, latest = [], {}
    for e in ledger:
        key = (e.customer_id, e.phase) if by_phase else e.customer_id
        if key in latest and e.created_at < latest[key]:
            late.append(e.order_id)
        latest[key] = max(latest.get(key, e.created_at), e.created_at)

    def money(cents):
        return cents / 100 if dollars else cents

    charged = sum(money(e.total_cents) for e in ledger)
    charged += sum(money(o["total_cents"]) for o in dlq_orders) if dlq else 0
    gap = charged - sum(money(o.total_cents) for o in order_list)
    return {
        "missing": [o.order_id for o in order_list if not counted[o.order_id]],
        "duplicated": [i for i, n in counted.items() if n > 1],
        "out_of_order": late,
        "revenue_gap_cents": gap * 100 if dollars else gap,
    }


def in_dollars(order_list, ledger, dlq_orders):
    return books(order_list, ledger, dlq_orders, dollars=True)


def rounded_down_dollars(order_list, ledger, dlq_orders):
    answer = in_dollars(order_list, ledger, dlq_orders)
    return {**answer, "revenue_gap_cents": int(answer["revenue_gap_cents"])}


def ignores_the_dlq(order_list, ledger, dlq_orders):
    return books(order_list, ledger, dlq_orders, dlq=False)


def across_passes(order_list, ledger, dlq_orders):
    return books(order_list, ledger, dlq_orders, by_phase=False)


def ledger_duplicates_only(order_list, ledger, dlq_orders):
    answer = books(order_list, ledger, dlq_orders)
    twice = [i for i, n in Counter(e.order_id for e in ledger).items() if n > 1]
    return {**answer, "duplicated": twice}


def hinted(fn, *phrases):
    check = check_order_books(fn)
    assert not check, check.message
    for phrase in phrases:
        assert phrase in check.message, check.message
    assert not leaked(check.message), leaked(check.message)
    return check


def test_the_answer_and_the_switchless_learner_pass(lab):
    for _ in range(2):
        assert check_order_books(answers(lab).reconcile_books)
    assert check_order_books(books)


def test_before_it_is_written():
    assert "define reconcile_books" in check_order_books(None).message
    hinted(lambda order_list, ledger, dlq_orders: None, "return a dict with the keys")


def test_money_in_floats():
    hinted(in_dollars, "float", "Keep integer cents")
    hinted(rounded_down_dollars, "not -3620", "one cent off")


def test_the_dlq_ignored():
    hinted(ignores_the_dlq, "wait in the DLQ", "accounted for, not missing")
    assert "dlq_orders" in check_order_books(ignores_the_dlq, hint=2).more[0]


def test_order_compared_across_passes():
    hinted(across_passes, "redriven from the DLQ", "a pass of its own")


def test_duplicates_counted_in_the_ledger_only():
    hinted(ledger_duplicates_only, "processed and is also in the DLQ", "counted twice")


def test_a_learner_error_is_reported():
    def crashes(order_list, ledger, dlq_orders):
        return {o["order_id"] for o in dlq_orders} | {e["order_id"] for e in ledger}

    hinted(crashes, "raised TypeError")


def test_expected_answers_agree_with_the_reference_reconciliation():
    for case in cases():
        want = expected_books(case)
        result = orders.reconcile(case.orders, Ledger(list(case.ledger)), case.dlq)
        assert result.check(EXACTLY_ONCE).passed == (not want["missing"] and not want["duplicated"])
        assert result.check(IN_ORDER).passed == (not want["out_of_order"])
        assert result.check(REVENUE).passed == (
            want["revenue_gap_cents"] == 0 and case.name != "cent"
        )
