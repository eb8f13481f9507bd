"""What each exercise check is given: an argument of the wrong kind (an int for the lab, the lab
for the SQS client, a string for a list) gets a HINT that says what was expected and what came,
instead of an AttributeError from deep inside the check. Helpers that return no Check raise
:class:`~sqslab.errors.WrongTypeError` instead (:func:`sqslab.arguments.requires`)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from sqslab import classroom
from sqslab.arguments import (
    CALLABLE,
    LAB,
    LIST,
    SQS,
    TEXT,
    Expected,
    first_wrong,
    given,
    is_list,
    is_text,
    is_whole,
    requires,
)
from sqslab.errors import WrongTypeError
from sqslab.exercises.base import HINT_LEVELS, Check
from sqslab.i18n import N_
from sqslab.i18n import translate as _

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "CALLABLE",
    "FUNCTION",
    "LAB",
    "LIST",
    "NAME",
    "SQS",
    "TEXT",
    "WHOLE",
    "Expected",
    "expects",
    "given",
    "is_list",
    "list_of",
    "one_of",
    "requires",
]

NAME = Expected(N_("a queue name as text, e.g. 'orders'"), is_text)
WHOLE = Expected(N_("a whole number (an int)"), is_whole)
FUNCTION = Expected(
    N_("a function you defined with def (or None before you wrote it)"),
    lambda v: v is None or callable(v),
)


def list_of(kind: type, example: str) -> Expected:
    """A list whose items are all ``kind``; None (not run yet) is left to the check."""
    return Expected(
        f"a list of {kind.__name__} (or None before you ran it), e.g. {example}",
        lambda v: v is None or (is_list(v) and all(isinstance(i, kind) for i in v)),
    )


def one_of(kind: type, example: str) -> Expected:
    """An instance of ``kind``; None (not run yet) is left to the check."""
    return Expected(
        f"a {kind.__name__} (or None before you ran it), e.g. {example}",
        lambda v: v is None or isinstance(v, kind),
    )


def reported(check: Check) -> Check:
    """``check``, with a line saying whether it reached the classroom board (workshop mode)."""
    line = classroom.REPORTER.report(check)
    return replace(check, board=line) if line else check


def expects(exercise: str, **expected: Expected) -> Callable[[F], F]:
    """Decorate a check: an argument that fails its :class:`Expected` test gets a HINT for
    ``exercise`` naming what was expected and what was given; the check itself does not run.

    The decorated check also takes ``hint=N`` (show the first N hints), and shows one more hint
    each time it fails again with the same problem."""

    def decorate(check: F) -> F:
        @functools.wraps(check)
        def checked(*args: Any, hint: int | None = None, **kwargs: Any) -> Any:
            if hint is not None and not (is_whole(hint) and hint >= 1):
                text = _("hint= takes a whole number from 1 up, not {hint}")
                raise WrongTypeError(text.format(hint=repr(hint)))
            wrong = first_wrong(check, expected, args, kwargs)
            result = Check(exercise, False, wrong) if wrong else check(*args, **kwargs)
            return reported(HINT_LEVELS.level(result, hint))

        checked.exercise = exercise  # type: ignore[attr-defined]
        return checked  # type: ignore[return-value]

    return decorate
