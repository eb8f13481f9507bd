"""Arguments a learner passes to sqslab's helpers, checked at the door: an int where a queue URL
goes, the lab where the SQS client goes, a str where a list goes gets a
:class:`~sqslab.errors.WrongTypeError` that says what was expected, what came and how to call it,
instead of an AttributeError from deep inside."""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import N_, _

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Expected:
    """What one argument must be: how to say it (with an example), and the test. ``what`` is
    translated where it is shown: mark a fixed one with ``N_``."""

    what: str
    test: Callable[[Any], bool]


def is_lab(value: Any) -> bool:
    """True for a running lab (what ``sqslab.start()`` returns)."""
    return all(hasattr(value, name) for name in ("sqs", "trace", "namespace", "client"))


def is_client(value: Any, service: str) -> bool:
    """True for a boto3 client of ``service`` (``sqs``, ``s3``…)."""
    model = getattr(getattr(value, "meta", None), "service_model", None)
    return getattr(model, "service_name", None) == service


def is_sqs(value: Any) -> bool:
    """True for a boto3 SQS client."""
    return is_client(value, "sqs")


def is_list(value: Any) -> bool:
    """True for a list or tuple (a str is one value, not a list of them)."""
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def is_whole(value: Any) -> bool:
    """True for an int that is not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    """True for a real number that is not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def is_text(value: Any) -> bool:
    """True for a str with something in it besides spaces."""
    return isinstance(value, str) and bool(value.strip())


def list_of(kind: type, example: str) -> Expected:
    """A list whose items are all ``kind``."""
    return Expected(
        f"a list of {kind.__name__}, e.g. {example}",
        lambda v: is_list(v) and all(isinstance(i, kind) for i in v),
    )


def instance(kind: type, example: str) -> Expected:
    """An instance of ``kind``."""
    return Expected(f"a {kind.__name__}, e.g. {example}", lambda v: isinstance(v, kind))


LAB = Expected(N_("the lab that sqslab.start() returned (lab)"), is_lab)
SQS = Expected(N_("the lab's SQS client (sqs = lab.sqs)"), is_sqs)
NAME = Expected(N_("a name as text, e.g. 'orders'"), is_text)
TEXT = Expected(N_("text (a str)"), lambda v: isinstance(v, str))
QUEUE_URL = Expected(
    N_("a queue URL as text, e.g. url = sqs.create_queue(QueueName='orders')['QueueUrl']"),
    lambda v: is_text(v) and "/" in v,
)
ARN = Expected(
    N_(
        "an ARN as text, e.g. sqs.get_queue_attributes(QueueUrl=url, "
        "AttributeNames=['QueueArn'])['Attributes']['QueueArn']"
    ),
    lambda v: isinstance(v, str) and v.startswith("arn:"),
)
LIST = Expected(N_("a list (or tuple) of your items"), is_list)
MAPPING = Expected(N_("a dict"), lambda v: isinstance(v, Mapping))
WHOLE = Expected(N_("a whole number (an int)"), is_whole)
NUMBER = Expected(N_("a number"), is_number)
CALLABLE = Expected(N_("your function, defined with def"), callable)


def given(value: Any) -> str:
    """What a learner passed, in words: ``None``, ``the lab``, ``int 42``, ``str 'abc'``."""
    if value is None:
        return "None"
    if is_lab(value):
        return _("the lab")
    for service in ("sqs", "sns", "s3"):
        if is_client(value, service):
            return _("the {service} client").format(service=service.upper())
    text = repr(value)
    return f"{type(value).__name__} {text if len(text) <= 40 else text[:40] + '…'}"


def call_of(function: Callable[..., Any]) -> str:
    """How to call ``function``: ``sqslab.queues.depth(sqs, url)``; a class by its name, an
    exercise check through ``sqslab.exercises``."""
    required = [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        and p.name != "self"
    ]
    name = function.__qualname__.removesuffix(".__init__")
    return f"{learner_module(function)}.{name}({', '.join(required)})"


def learner_module(function: Callable[..., Any]) -> str:
    """Where a learner finds ``function``: its own module if the notebooks use it, else the
    learner module that re-exports it (``sqslab.monitor`` for the sampler's ``Sampler``)."""
    import sys

    learners = sys.modules["sqslab"].LEARNER_MODULES  # loaded first: no import (no cycle)
    module = function.__module__
    if module.startswith("sqslab.exercises"):
        return "sqslab.exercises"
    if module.removeprefix("sqslab.") in learners:
        return module
    owner = function.__qualname__.split(".")[0]
    defined = getattr(sys.modules.get(module), owner, None)
    for name in learners:
        loaded = sys.modules.get(f"sqslab.{name}")
        if defined is not None and getattr(loaded, owner, None) is defined:
            return f"sqslab.{name}"
    return module


def problem(function: Callable[..., Any], name: str, want: Expected, value: Any) -> str:
    """The text for one argument that is not what it should be."""
    text = _(
        "{name} should be {what}, but it got {given}: call {call} with the names your notebook uses"
    )
    return text.format(name=name, what=_(want.what), given=given(value), call=call_of(function))


def first_wrong(
    function: Callable[..., Any], expected: dict[str, Expected], args: Any, kwargs: Any
) -> str | None:
    """The problem with the first argument that fails its test, or None (arguments left at
    their defaults are not tested)."""
    try:
        bound = inspect.signature(function).bind(*args, **kwargs)
    except TypeError:
        return None  # a missing or unknown argument: Python's own error says it best
    for name, want in expected.items():
        if name in bound.arguments and not want.test(bound.arguments[name]):
            return problem(function, name, want, bound.arguments[name])
    return None


def requires(**expected: Expected) -> Callable[[F], F]:
    """Decorate a helper: an argument that fails its :class:`Expected` test raises
    :class:`~sqslab.errors.WrongTypeError` naming what was expected and what was given."""

    def decorate(helper: F) -> F:
        @functools.wraps(helper)
        def checked(*args: Any, **kwargs: Any) -> Any:
            wrong = first_wrong(helper, expected, args, kwargs)
            if wrong:
                raise WrongTypeError(wrong)
            return helper(*args, **kwargs)

        return checked  # type: ignore[return-value]

    return decorate


def check_amount(
    name: str, value: Any, *, minimum: float = 0, above: bool = False, example: str = ""
) -> float:
    """``value`` as a finite number at least ``minimum`` (above it, with ``above``); otherwise a
    :class:`WrongTypeError` or :class:`LimitError` naming the rule and ``example``."""
    fix = f", e.g. {example}" if example else ""
    if not is_number(value):
        raise WrongTypeError(f"{name} must be a number{fix}; got {given(value)}")
    low = value <= minimum if above else value < minimum
    if not math.isfinite(value) or low:
        rule = f"above {minimum:g}" if above else f"{minimum:g} or more"
        raise LimitError(f"{name} must be a finite number {rule}{fix}; got {value!r}")
    return float(value)


def check_finite(name: str, value: Any, example: str = "") -> float:
    """``value`` as a finite number (any sign); otherwise a clear sqslab error."""
    fix = f", e.g. {example}" if example else ""
    if not is_number(value):
        raise WrongTypeError(f"{name} must be a number{fix}; got {given(value)}")
    if not math.isfinite(value):
        raise LimitError(f"{name} must be a finite number{fix}; got {value!r}")
    return float(value)


def check_count(name: str, value: Any, *, minimum: int | None = 0, example: str = "") -> int:
    """``value`` as a whole number at least ``minimum`` (any, with None); otherwise a clear
    sqslab error."""
    fix = f", e.g. {example}" if example else ""
    if not is_whole(value):
        raise WrongTypeError(f"{name} must be a whole number{fix}; got {given(value)}")
    if minimum is not None and value < minimum:
        raise LimitError(f"{name} must be {minimum} or more{fix}; got {value}")
    return int(value)
