"""CloudWatch metric alarms, evaluated the way CloudWatch evaluates them, on sqslab's metric series.

An alarm takes one statistic of a metric per period, compares it with a threshold, and goes to
ALARM when at least ``datapoints_to_alarm`` (M) of the last ``evaluation_periods`` (N) datapoints
breach, OK when fewer. Missing datapoints follow ``treat_missing_data`` (default ``missing``):
CloudWatch looks back over an *evaluation range* longer than N, evaluates the N most recent real
datapoints when there are enough, and fills in missing ones only when there are fewer. The rules
here reproduce every example in AWS's tables (source in fact ``alarm_datapoints_to_alarm``):
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqslab import facts
from sqslab import metric_series as series
from sqslab.arguments import NAME, check_amount, check_finite, given, is_text, requires
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import N_, _
from sqslab.metric_cells import cell, clock, utc
from sqslab.metric_series import Metrics, Stat
from sqslab.numbers import short
from sqslab.tables import Table

OK, ALARM, INSUFFICIENT_DATA = "OK", "ALARM", "INSUFFICIENT_DATA"
STATES = (OK, ALARM, INSUFFICIENT_DATA)
COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}
SYMBOLS = {
    "GreaterThanOrEqualToThreshold": ">=",
    "GreaterThanThreshold": ">",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}
TREATMENTS = ("missing", "notBreaching", "breaching", "ignore")
#: How many datapoints beyond N CloudWatch looks back (AWS's examples: 5 for N = 3).
EXTRA_RANGE = 2


@dataclass(frozen=True)
class Rule:
    """How CloudWatch decides an alarm's state from its datapoints: the threshold and comparison,
    M of N, and the treatment of missing data (shared by :class:`Alarm` and stored alarms)."""

    threshold: float
    comparison: str
    n: int
    m: int
    treat_missing_data: str = "missing"

    def describe(self, stat: str, period: int) -> str:
        """The rule as an alarm's one-line description ends: ``Maximum >= 300 for 2 of 3 x 60 s
        (missing data: missing)``."""
        return _(
            "{stat} {symbol} {threshold} for {m} of {n} x {period} s (missing data: {treatment})"
        ).format(
            stat=stat,
            symbol=SYMBOLS[self.comparison],
            threshold=short(self.threshold),
            m=self.m,
            n=self.n,
            period=period,
            treatment=self.treat_missing_data,
        )

    def breaches(self, value: float) -> bool:
        """True when one datapoint is on the wrong side of the threshold."""
        return COMPARISONS[self.comparison](value, self.threshold)

    def decide(self, points: Sequence[float | None], current: str = INSUFFICIENT_DATA) -> str:
        """The state after evaluating ``points``, the evaluation range, oldest first (None = missing)."""
        real = [p for p in points if p is not None]
        if len(real) >= self.n:
            return ALARM if self._count(real[-self.n :]) >= self.m else OK
        breaching, fill = self._count(real), self.n - len(real)
        treat = self.treat_missing_data
        if treat == "breaching":
            return ALARM if breaching + fill >= self.m else OK
        if treat == "notBreaching" or breaching >= self.m:
            return ALARM if breaching >= self.m else OK
        if breaching < len(real):
            return OK  # a real datapoint within the threshold decides
        if treat == "ignore":
            return current
        if not real or points[-1] is not None:
            return INSUFFICIENT_DATA  # AWS: "- - - - X" and "- - - - -" give INSUFFICIENT_DATA
        return ALARM  # AWS: "X - - - -" goes to ALARM (no datapoint within the threshold)

    def _count(self, values: Sequence[float]) -> int:
        return sum(self.breaches(v) for v in values)

    @property
    def span(self) -> int:
        """Datapoints in the evaluation range: N plus the extra ones CloudWatch looks back."""
        return self.n + EXTRA_RANGE

    def states(
        self, values: Sequence[float | None], before: Sequence[float | None] = ()
    ) -> list[str]:
        """The state after each of ``values`` (oldest first), from INSUFFICIENT_DATA as a new alarm
        starts; ``before`` are earlier datapoints that fill the first evaluation ranges."""
        history = [*before, *values]
        state, states = INSUFFICIENT_DATA, []
        for i in range(len(before), len(history)):
            window = [None] * max(0, self.span - i - 1) + history[max(0, i - self.span + 1) : i + 1]
            state = self.decide(window, state)
            states.append(state)
        return states


class Watched(Protocol):
    """What an :class:`AlarmHistory` (and its chart) needs of an alarm: an :class:`Alarm`, or one
    stored in CloudWatch (:class:`sqslab.alarm_evaluator.StoredAlarm`)."""

    @property
    def name(self) -> str: ...

    @property
    def metric(self) -> str: ...

    @property
    def stat(self) -> str: ...

    @property
    def threshold(self) -> float: ...

    @property
    def queue(self) -> str | None: ...

    def breaches(self, value: float) -> bool: ...


@dataclass(frozen=True)
class Alarm:
    """A CloudWatch metric alarm on one AWS/SQS metric of one queue."""

    name: str
    metric: str
    threshold: float
    comparison: str = "GreaterThanThreshold"
    statistic: str | None = None
    period: int = 60
    evaluation_periods: int = 1
    datapoints_to_alarm: int | None = None
    treat_missing_data: str = "missing"
    queue: str | None = None

    def __post_init__(self) -> None:
        if not is_text(self.name):
            raise WrongTypeError(
                _("an Alarm's name is text, e.g. 'orders stuck'; got {given}").format(
                    given=given(self.name)
                )
            )
        if self.queue is not None and not is_text(self.queue):
            raise WrongTypeError(
                _("queue is the queue's name as text; got {given}").format(given=given(self.queue))
            )
        check_finite("threshold", self.threshold, "threshold=300")
        series.check_metric(self.metric)
        check_choice("comparison", self.comparison, COMPARISONS)
        check_choice("treat_missing_data", self.treat_missing_data, TREATMENTS)
        if self.statistic is not None:
            check_choice("statistic", self.statistic, series.STATISTICS)
        check_periods(self.period, self.evaluation_periods, self.datapoints_to_alarm)

    @property
    def m(self) -> int:
        """Datapoints to alarm (M); N when not given."""
        return self.datapoints_to_alarm or self.evaluation_periods

    @property
    def n(self) -> int:
        """Evaluation periods (N)."""
        return self.evaluation_periods

    @property
    def stat(self) -> str:
        """The statistic compared with the threshold (the metric's default when not given)."""
        return self.statistic or series.DEFAULT_STATISTIC[self.metric]

    @property
    def rule(self) -> Rule:
        """How this alarm decides its state (threshold, M of N, missing data)."""
        return Rule(self.threshold, self.comparison, self.n, self.m, self.treat_missing_data)

    def breaches(self, value: float) -> bool:
        """True when one datapoint is on the wrong side of the threshold."""
        return self.rule.breaches(value)

    def decide(self, points: Sequence[float | None], current: str = INSUFFICIENT_DATA) -> str:
        """The state after evaluating ``points``, the evaluation range, oldest first (None = missing)."""
        return self.rule.decide(points, current)

    def datapoints(self, metrics: Metrics) -> tuple[list[datetime], list[float | None]]:
        """This alarm's datapoints from ``metrics``: its statistic over periods of its length.
        Periods shorter than a minute (a demo squeezed on a real clock) count as minutes."""
        if self.queue is not None and metrics.queue != self.queue:
            raise LimitError(
                _(
                    "alarm {name!r} watches queue {queue!r}, these metrics are of {other!r}: "
                    "pass that queue's metrics"
                ).format(name=self.name, queue=self.queue, other=metrics.queue)
            )
        per = max(1, self.period // max(metrics.period, series.period_seconds()))
        found = metrics.data.get(self.metric, {})
        times, values = [], []
        for i in range(metrics.periods // per):
            starts = metrics.starts[i * per : (i + 1) * per]
            stats = [found[t] for t in starts if t in found]
            merged = _merge(stats)
            times.append(utc(starts[0]))
            values.append(None if merged is None else merged.get(self.stat))
        return times, values

    def evaluate(
        self, data: Metrics | Sequence[float | None], times: Sequence[datetime] | None = None
    ) -> AlarmHistory:
        """The alarm's state after each datapoint of ``data`` (Metrics, or a hand-made list of
        values with None for missing), starting from INSUFFICIENT_DATA as a new alarm does."""
        if isinstance(data, Metrics):
            times, values = self.datapoints(data)
        else:
            values = list(data)
            times = list(times) if times is not None else [None] * len(values)  # type: ignore[list-item]
        states = self.rule.states(values)
        return AlarmHistory(self, list(times), values, states)

    def describe(self) -> str:
        """One line such as ``orders age: ApproximateAgeOfOldestMessage Maximum >= 300 for 2 of 3 x 60 s``."""
        return _("{name}: {metric} {rule}").format(
            name=self.name, metric=self.metric, rule=self.rule.describe(self.stat, self.period)
        )

    def put_metric_alarm_args(self) -> dict[str, Any]:
        """The same alarm as keyword arguments of CloudWatch's ``put_metric_alarm``."""
        args: dict[str, Any] = {
            "AlarmName": self.name,
            "Namespace": series.NAMESPACE,
            "MetricName": self.metric,
            "Statistic": self.stat,
            "Period": self.period,
            "EvaluationPeriods": self.n,
            "DatapointsToAlarm": self.m,
            "Threshold": float(self.threshold),
            "ComparisonOperator": self.comparison,
            "TreatMissingData": self.treat_missing_data,
        }
        if self.queue is not None:
            args["Dimensions"] = [{"Name": "QueueName", "Value": self.queue}]
        return args


def _merge(stats: list[Stat]) -> Stat | None:
    if not stats:
        return None
    merged = stats[0]
    for stat in stats[1:]:
        merged = merged.merge(stat)
    return merged


@dataclass
class AlarmHistory:
    """An alarm's datapoints and the state after each of them."""

    alarm: Watched
    times: list[datetime]
    values: list[float | None]
    states: list[str] = field(default_factory=list)

    @property
    def state(self) -> str:
        """The state after the last datapoint."""
        return self.states[-1] if self.states else INSUFFICIENT_DATA

    def transitions(self) -> list[tuple[datetime | None, str, str]]:
        """(time, from, to) of every state change, the first one from INSUFFICIENT_DATA."""
        changes: list[tuple[datetime | None, str, str]] = []
        before = INSUFFICIENT_DATA
        for when, state in zip(self.times, self.states, strict=True):
            if state != before:
                changes.append((when, before, state))
            before = state
        return changes

    def first(self, state: str = ALARM) -> datetime | None:
        """When the alarm first entered ``state`` (None if it never did)."""
        for when, now in zip(self.times, self.states, strict=True):
            if now == state:
                return when
        return None

    def count(self, state: str = ALARM) -> int:
        """How many periods ended in ``state``."""
        return self.states.count(state)

    def table(self) -> Table:
        """One row per datapoint: time, value, whether it breached, and the state after it."""
        known = [t for t in self.times if t is not None]
        gaps = [(b - a).total_seconds() for a, b in zip(known, known[1:], strict=False)]
        step = min(gaps, default=60)
        rows = []
        for when, value, state in zip(self.times, self.values, self.states, strict=True):
            mark = "" if value is None else (N_("yes") if self.alarm.breaches(value) else N_("no"))
            shown = "" if when is None else clock(when, step)
            rows.append((shown, cell(value) or N_("missing"), mark, state))
        heading = N_("minute") if step >= 60 else N_("time")
        columns = (heading, self.alarm.stat, N_("breaching"), N_("state"))
        return Table(columns, rows, verbatim=(N_("state"),))

    def __repr__(self) -> str:
        return (
            f"<AlarmHistory {self.alarm.name!r}: {self.state}, {len(self.transitions())} changes>"
        )


def check_choice(what: str, value: str, choices: Sequence[str] | dict[str, Any]) -> str:
    """``value`` if it is one of ``choices``; a clear error naming them otherwise."""
    if value not in choices:
        raise LimitError(
            _("unknown {what} {value!r}: CloudWatch accepts {choices}").format(
                what=what, value=value, choices=", ".join(choices)
            )
        )
    return value


def check_periods(period: int, evaluation_periods: int, datapoints: int | None) -> None:
    """Period a multiple of 60 s, 1 <= M <= N, and N x period within one day (CloudWatch's rules)."""
    step = series.period_seconds()
    if not isinstance(period, int) or period < step or period % step:
        raise LimitError(
            _(
                "period {period!r} s is not allowed: AWS/SQS metrics have 1-minute datapoints, so "
                "an alarm period is a multiple of {step} s (60, 300, …)"
            ).format(period=period, step=step)
        )
    if not isinstance(evaluation_periods, int) or evaluation_periods < 1:
        raise LimitError(
            _("evaluation_periods must be 1 or more, got {n!r}").format(n=evaluation_periods)
        )
    if datapoints is not None and not 1 <= datapoints <= evaluation_periods:
        raise LimitError(
            _(
                "datapoints_to_alarm {m!r} must be between 1 and evaluation_periods ({n}): an "
                "alarm needs M of the last N datapoints, M <= N"
            ).format(m=datapoints, n=evaluation_periods)
        )
    window = facts.get("alarm_max_evaluation_window")
    if period * evaluation_periods > window.value:
        raise LimitError(
            _(
                "{n} periods of {period} s exceed the {window} CloudWatch evaluates at most: use "
                "fewer or shorter periods"
            ).format(n=evaluation_periods, period=period, window=window.translated("text"))
        )


def _queue_name(queue: str) -> str:
    return series.queue_name(queue)


@requires(queue=NAME)
def oldest_message_age(
    queue: str, seconds: float, *, periods: int = 1, datapoints: int | None = None
) -> Alarm:
    """ALARM when the oldest message has waited ``seconds`` or more (Maximum per minute)."""
    check_amount("seconds", seconds, example="oldest_message_age('orders', 300)")
    name = _queue_name(queue)
    return Alarm(
        f"{name} oldest message >= {seconds:g} s",
        series.AGE,
        seconds,
        "GreaterThanOrEqualToThreshold",
        "Maximum",
        evaluation_periods=periods,
        datapoints_to_alarm=datapoints,
        queue=name,
    )


@requires(dlq=NAME)
def dlq_not_empty(dlq: str) -> Alarm:
    """ALARM as soon as a dead-letter queue holds a visible message (Maximum > 0, 1 of 1).

    Watch ApproximateNumberOfMessagesVisible: a move into a DLQ is not a send, so its
    NumberOfMessagesSent stays 0."""
    name = _queue_name(dlq)
    return Alarm(
        f"{name} not empty", series.VISIBLE, 0, "GreaterThanThreshold", "Maximum", queue=name
    )


@requires(queue=NAME)
def backlog(queue: str, messages: int, *, periods: int = 3, datapoints: int | None = None) -> Alarm:
    """ALARM when ``messages`` or more wait visible in ``datapoints`` of ``periods`` minutes."""
    check_amount("messages", messages, example="backlog('orders', 500)")
    name = _queue_name(queue)
    return Alarm(
        f"{name} backlog >= {messages}",
        series.VISIBLE,
        messages,
        "GreaterThanOrEqualToThreshold",
        "Maximum",
        evaluation_periods=periods,
        datapoints_to_alarm=datapoints,
        queue=name,
    )


def evaluate_all(alarms: Sequence[Alarm], metrics: dict[str, Metrics]) -> dict[str, AlarmHistory]:
    """Each alarm evaluated on the metrics of its queue (``metrics`` maps queue name to Metrics)."""
    histories = {}
    for alarm in alarms:
        if alarm.queue not in metrics:
            known = ", ".join(metrics) or _("none")
            raise KeyError(
                _("no metrics for queue {queue!r} of alarm {name!r}; have: {known}").format(
                    queue=alarm.queue, name=alarm.name, known=known
                )
            )
        histories[alarm.name] = alarm.evaluate(metrics[alarm.queue])
    return histories
