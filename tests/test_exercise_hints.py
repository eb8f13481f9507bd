"""Graded hints: a failing check shows its first hint, a repeat (or ``hint=N``) shows more, a pass
forgets the repeats; every check the notebooks call takes part."""

from __future__ import annotations

import pytest

import sqslab.exercises as exercises
from sqslab.errors import WrongTypeError
from sqslab.exercises.arguments import WHOLE, expects
from sqslab.exercises.base import Check, first_problem, hint


@expects("ex9.9", answer=WHOLE)
def check_answer(answer: int) -> Check:
    return first_problem(
        "ex9.9",
        [
            (answer > 0, "the answer is a count: look at the sign", "it is 42"),
            (answer == 42, "close: count the towels again", "count twice", "it is 42"),
        ],
        "42 it is.",
    )


def test_first_call_shows_only_the_first_hint() -> None:
    check = check_answer(-1)
    assert (
        not check
        and check.level == 1
        and check.shown() == ("the answer is a count: look at the sign",)
    )
    assert "it is 42" not in repr(check)
    assert "pass hint=2" in repr(check)


def test_the_same_problem_again_shows_one_more_hint_each_time() -> None:
    check_answer(7)
    second = check_answer(7)
    assert second.level == 2 and "hint 2: count twice" in repr(second)
    third = check_answer(7)
    assert "hint 3: it is 42" in repr(third) and "more help" not in repr(third)
    assert check_answer(7).level == 3  # clamped to the hints there are


def test_another_problem_starts_over() -> None:
    check_answer(7)
    check_answer(7)
    assert check_answer(-1).level == 1


def test_a_pass_forgets_the_repeats() -> None:
    check_answer(7)
    assert check_answer(42) and repr(check_answer(42)) == "PASS [ex9.9] 42 it is."
    assert check_answer(7).level == 1


def test_hint_argument_asks_for_a_level() -> None:
    assert check_answer(7, hint=3).shown() == (
        "close: count the towels again",
        "count twice",
        "it is 42",
    )
    with pytest.raises(WrongTypeError, match="hint= takes a whole number"):
        check_answer(7, hint=0)


def test_a_wrong_argument_is_still_a_hint() -> None:
    assert "whole number" in check_answer("7").message


def test_hint_helper_and_hints_property() -> None:
    check = hint("ex9.9", "first", "second")
    assert check.hints == ("first", "second") and Check("ex9.9", True, "ok").hints == ()


def test_every_check_the_notebooks_call_is_graded() -> None:
    checks = [n for n in exercises.__all__ if n.startswith("check_")]
    assert checks and all(hasattr(getattr(exercises, n), "exercise") for n in checks)
