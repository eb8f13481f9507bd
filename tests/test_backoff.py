"""BackoffPolicy: exponential ceilings, the three jitter modes, determinism and argument checks."""

from __future__ import annotations

import random
import statistics

import pytest

from sqslab.backoff import BackoffPolicy


def test_ceiling_grows_by_factor_from_base_and_stops_at_cap():
    policy = BackoffPolicy(base=0.5, cap=10.0, factor=3.0, jitter="none")
    assert [policy.ceiling(n) for n in range(1, 6)] == [0.5, 1.5, 4.5, 10.0, 10.0]


def test_no_jitter_waits_exactly_the_ceiling():
    policy = BackoffPolicy(base=1.0, cap=60.0, jitter="none")
    rng = random.Random(1)
    assert [policy.delay(n, rng) for n in range(1, 8)] == [1, 2, 4, 8, 16, 32, 60]


@pytest.mark.parametrize("attempt", [1, 2, 5, 12])
def test_full_jitter_stays_between_zero_and_the_ceiling(attempt):
    policy = BackoffPolicy(base=0.1, cap=30.0, jitter="full")
    rng = random.Random(attempt)
    draws = [policy.delay(attempt, rng) for _ in range(500)]
    top = policy.ceiling(attempt)
    assert all(0 <= d <= top for d in draws)
    assert statistics.mean(draws) == pytest.approx(top / 2, rel=0.15)


def test_equal_jitter_keeps_at_least_half_the_ceiling():
    policy = BackoffPolicy(base=2.0, cap=100.0, jitter="equal")
    rng = random.Random(3)
    draws = [policy.delay(4, rng) for _ in range(500)]
    top = policy.ceiling(4)
    assert all(top / 2 <= d <= top for d in draws)
    assert max(draws) - min(draws) > top / 4


def test_delays_are_reproducible_per_seed():
    policy = BackoffPolicy()
    assert policy.delays(6, seed=7) == policy.delays(6, seed=7)
    assert policy.delays(6, seed=7) != policy.delays(6, seed=8)
    assert len(policy.delays(6)) == 6
    assert policy.delays(0) == []


def test_a_huge_attempt_number_waits_the_cap_without_overflow():
    policy = BackoffPolicy(base=0.05, cap=2.0, jitter="none")
    assert policy.delay(5000, random.Random(0)) == 2.0


def test_factor_one_is_a_constant_wait():
    policy = BackoffPolicy(base=3.0, cap=10.0, factor=1.0, jitter="none")
    assert policy.delays(4) == [3.0, 3.0, 3.0, 3.0]


def test_policy_is_immutable():
    policy = BackoffPolicy()
    with pytest.raises(AttributeError):
        policy.base = 5.0  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"base": 0}, "base must be a finite number above 0"),
        ({"base": -1.0}, "base must be a finite number above 0"),
        ({"cap": float("inf")}, "cap must be a finite number above 0"),
        ({"base": 5.0, "cap": 1.0}, "cap (1.0 s) is below base (5.0 s)"),
        ({"factor": 0.5}, "factor must be at least 1"),
        ({"jitter": "decorrelated"}, "choose one of full, equal, none"),
    ],
)
def test_bad_policy_arguments_are_explained(kwargs, fragment):
    with pytest.raises(ValueError) as info:
        BackoffPolicy(**kwargs)
    assert fragment in str(info.value)


@pytest.mark.parametrize("attempt, error", [(0, ValueError), (-2, ValueError), (1.5, TypeError)])
def test_attempts_count_from_one(attempt, error):
    with pytest.raises(error, match="first retry"):
        BackoffPolicy().delay(attempt, random.Random(0))


def test_base_must_be_a_number():
    with pytest.raises(TypeError, match="number of seconds"):
        BackoffPolicy(base="1")  # type: ignore[arg-type]


def test_delays_rejects_a_negative_count():
    with pytest.raises(ValueError, match="0 or more"):
        BackoffPolicy().delays(-1)
