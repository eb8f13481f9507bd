"""The fair-queue rules as pure functions, one documented rule at a time, at its exact edges."""

from __future__ import annotations

import pytest

from sqslab import facts
from sqslab.emulator.fair_rules import (
    Load,
    Tenant,
    Thresholds,
    noisy,
    over,
    overlap,
    serving_order,
    tenant_of,
)

NOW = 1_000_000.0
LIMITS = Thresholds.from_facts()
A, B, C, Q = Tenant("A"), Tenant("B"), Tenant("C"), Tenant("Q")


def busy(in_flight: int = 0, backlog: int = 5, processing: float = 0.0, sent: float = 0.0) -> Load:
    """A tenant's load with a backlog and a send ``sent`` seconds ago."""
    return Load(in_flight, backlog, processing, NOW - sent)


def fillers(in_flight: int, per_tenant: int = 10) -> dict[Tenant, Load]:
    """Tenants that hold ``in_flight`` messages in flight between them, none noisy by count."""
    loads = {}
    for i in range(0, in_flight, per_tenant):
        loads[Tenant(f"f{i}")] = busy(min(per_tenant, in_flight - i), backlog=0)
    return loads


def test_the_thresholds_are_the_registry_figures():
    assert LIMITS.in_flight_share == 10 and LIMITS.processing_share == 10
    assert LIMITS.min_in_flight == 30 and LIMITS.quiet_after == 300
    assert LIMITS.window == facts.get("fair_processing_window").value
    assert not facts.get("fair_processing_window").verified  # sqslab's choice, said so


def test_a_message_without_a_group_is_a_tenant_of_its_own():
    assert tenant_of("cust-1", "m1") == tenant_of("cust-1", "m2") == Tenant("cust-1")
    assert tenant_of(None, "m1") != tenant_of(None, "m2")
    assert tenant_of(None, "m1").shown == "(no group) m1"


@pytest.mark.parametrize(("own", "expected"), [(29, {}), (30, {A})])
def test_the_concurrency_rule_needs_30_of_its_own_in_flight(own, expected):
    loads = {A: busy(own)}  # alone in flight: 100 % of the in-flight messages
    assert set(noisy(loads, NOW, LIMITS)) == set(expected)


@pytest.mark.parametrize(("others", "expected"), [(270, set()), (269, {A})])
def test_the_concurrency_share_must_be_over_10_percent(others, expected):
    loads = {A: busy(30), **fillers(others)}  # 30 of 300 is exactly 10 %; 30 of 299 is over
    assert set(noisy(loads, NOW, LIMITS)) == expected


def test_over_is_strict_and_exact():
    assert not over(30, 300, 10) and over(30, 299, 10)
    assert not over(1, 10, 10) and over(1.000001, 10, 10)
    assert not over(5, 0, 10)


@pytest.mark.parametrize(("others", "expected"), [(9.0, set()), (8.99, {A})])
def test_the_processing_time_share_must_be_over_10_percent(others, expected):
    loads = {A: busy(1, processing=1.0), B: busy(1, processing=others, backlog=0)}
    assert set(noisy(loads, NOW, LIMITS)) == expected


def test_a_slow_tenant_with_one_message_in_flight_is_noisy_by_processing_time():
    loads = {A: busy(1, processing=20.0), B: busy(20, processing=20.0)}
    found = noisy(loads, NOW, LIMITS)
    assert list(found) == [A, B]  # B: 50 % of the time too; neither has 30 in flight
    assert found[A] == "50 % of the recent processing time"


def test_the_reason_names_the_rule():
    loads = {A: busy(100, processing=5.0)}
    assert noisy(loads, NOW, LIMITS)[A] == (
        "100 of the queue's 100 messages in flight; 100 % of the recent processing time"
    )


def test_a_drained_backlog_makes_the_tenant_quiet():
    assert noisy({A: busy(100, backlog=0)}, NOW, LIMITS) == {}
    assert set(noisy({A: busy(100, backlog=1)}, NOW, LIMITS)) == {A}


@pytest.mark.parametrize(("ago", "expected"), [(299.999, {A}), (300.0, set()), (301.0, set())])
def test_five_minutes_without_a_send_make_the_tenant_quiet(ago, expected):
    assert set(noisy({A: busy(100, sent=ago)}, NOW, LIMITS)) == expected


def test_a_tenant_never_seen_sending_is_quiet():
    assert noisy({A: Load(in_flight=100, backlog=5)}, NOW, LIMITS) == {}


def test_messages_without_a_group_are_never_noisy_but_count_in_the_shares():
    solo = {Tenant(None, f"m{i}"): busy(1, backlog=1, processing=50.0) for i in range(270)}
    assert noisy(solo, NOW, LIMITS) == {}
    assert noisy({A: busy(30), **solo}, NOW, LIMITS) == {}  # 30 of 300: exactly 10 %


def test_overlap_counts_only_the_window():
    assert overlap(0, 100, now=100, window=60) == 60
    assert overlap(50, 70, now=100, window=60) == 20
    assert overlap(0, 30, now=100, window=60) == 0
    assert overlap(90, 200, now=100, window=60) == 10  # still held: counted up to now
    assert overlap(120, 130, now=100, window=60) == 0  # after the instant


def _msgs(*tenants: str) -> list[tuple[str, int]]:
    return [(name, i) for i, name in enumerate(tenants)]


def test_quiet_tenants_are_served_first_in_their_order():
    visible = _msgs("A", "A", "Q", "A", "R", "Q")
    loads = {A: busy(40), Q: busy(0), Tenant("R"): busy(0)}
    order = serving_order(visible, lambda m: Tenant(m[0]), loads, {A})
    assert order == [("Q", 2), ("R", 4), ("Q", 5), ("A", 0), ("A", 1), ("A", 3)]


def test_nothing_is_dropped_and_without_noisy_tenants_the_order_stays():
    visible = _msgs("A", "B", "A", "Q")
    loads = {A: busy(40), B: busy(35), Q: busy(0)}
    assert serving_order(visible, lambda m: Tenant(m[0]), loads, set()) == visible
    order = serving_order(visible, lambda m: Tenant(m[0]), loads, {A, B})
    assert sorted(order) == sorted(visible)


def test_among_noisy_tenants_the_fewest_in_flight_is_served_first():
    visible = _msgs(*"AAAAAAAA", *"BBBBBBBB", "C")
    loads = {A: busy(40), B: busy(37), C: busy(0)}
    order = [name for name, _ in serving_order(visible, lambda m: Tenant(m[0]), loads, {A, B})]
    # C is quiet; B (37 in flight) gets three, then 40 each: ties go to the tenant seen first
    assert order == ["C", *"BBB", *"AB" * 5, *"AAA"]
