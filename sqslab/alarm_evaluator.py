"""The sqslab alarm evaluator, emulating CloudWatch on moto: it reads the metric alarms stored in
moto's CloudWatch (``describe_alarms``), evaluates each one with :mod:`sqslab.alarms` (M of N,
missing data) over the datapoints CloudWatch holds (``get_metric_data``), and sets its state
(``set_alarm_state``) with a reason that says it was sqslab.

moto 5.2 stores alarms but never evaluates them: a new alarm stays OK, "Unchecked: Initial alarm
creation" (on AWS it starts INSUFFICIENT_DATA, fact ``alarm_initial_state``). On the moto
backends the sampler calls :func:`evaluate` after publishing each minute (see
:mod:`sqslab.metric_publisher`), so ``describe_alarms`` shows ALARM and OK as AWS would. On AWS,
CloudWatch evaluates its alarms itself and nothing here runs.

Not evaluated (left as they are, :attr:`StoredAlarm.unsupported` says why): metric math alarms,
anomaly detection comparisons, percentile statistics.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab.alarms import ALARM, COMPARISONS, INSUFFICIENT_DATA, OK, SYMBOLS, AlarmHistory, Rule
from sqslab.errors import LabConfigError
from sqslab.i18n import N_, _
from sqslab.metric_cells import cell, utc
from sqslab.metric_publisher import closed_period, publishes
from sqslab.metric_series import NAMESPACE, STATISTICS, align

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: Who set the state, at the start of every reason this module writes.
LABEL = N_("sqslab alarm evaluator, emulating CloudWatch on moto")
#: moto's reason for an alarm nobody evaluated yet.
UNCHECKED = "Unchecked"


@dataclass(frozen=True)
class StoredAlarm:
    """A metric alarm as CloudWatch stores it (one ``MetricAlarms`` entry of describe_alarms)."""

    name: str
    namespace: str
    metric: str
    dimensions: tuple[tuple[str, str], ...]
    stat: str
    period: int
    rule: Rule | None
    state: str
    reason: str
    unsupported: str | None = None

    @classmethod
    def of(cls, described: dict[str, Any]) -> StoredAlarm:
        """The alarm from its describe_alarms entry."""
        dims = tuple((d["Name"], d["Value"]) for d in described.get("Dimensions", []))
        stat = described.get("Statistic") or described.get("ExtendedStatistic") or ""
        comparison = described.get("ComparisonOperator", "")
        n = int(described.get("EvaluationPeriods") or 1)
        why = _unsupported(described, stat, comparison)
        rule = None
        if why is None:
            m = int(described.get("DatapointsToAlarm") or n)
            treat = described.get("TreatMissingData") or "missing"
            rule = Rule(float(described["Threshold"]), comparison, n, m, treat)
        state = described.get("StateValue", INSUFFICIENT_DATA)
        reason = described.get("StateReason", "")
        return cls(
            described["AlarmName"],
            described.get("Namespace", ""),
            described.get("MetricName", ""),
            dims,
            stat,
            int(described.get("Period") or 60),
            rule,
            INSUFFICIENT_DATA if reason.startswith(UNCHECKED) else state,
            reason,
            why,
        )

    @property
    def queue(self) -> str | None:
        """The QueueName dimension, if the alarm has one."""
        return dict(self.dimensions).get("QueueName")

    @property
    def threshold(self) -> float:
        """The threshold (NaN for an alarm sqslab does not evaluate)."""
        return self.rule.threshold if self.rule is not None else float("nan")

    def breaches(self, value: float) -> bool:
        """True when one datapoint is on the wrong side of the threshold."""
        return self.rule is not None and self.rule.breaches(value)

    def query(self) -> dict[str, Any]:
        """The alarm's metric as one GetMetricData query (id ``m``)."""
        metric = {
            "Namespace": self.namespace,
            "MetricName": self.metric,
            "Dimensions": [{"Name": k, "Value": v} for k, v in self.dimensions],
        }
        return {
            "Id": "m",
            "MetricStat": {"Metric": metric, "Period": self.period, "Stat": self.stat},
        }

    def describe(self) -> str:
        """One line: metric, dimensions, statistic, comparison, M of N, missing data."""
        dims = ", ".join(f"{k}={v}" for k, v in self.dimensions) or _("no dimensions")
        if self.rule is None:
            return _("{name}: not evaluated by sqslab ({why})").format(
                name=self.name, why=self.unsupported
            )
        return _("{name}: {namespace} {metric} ({dimensions}) {rule}").format(
            name=self.name,
            namespace=self.namespace,
            metric=self.metric,
            dimensions=dims,
            rule=self.rule.describe(self.stat, self.period),
        )


def _unsupported(described: dict[str, Any], stat: str, comparison: str) -> str | None:
    """Why sqslab cannot evaluate an alarm, or None."""
    if described.get("Metrics"):
        return _("a metric math alarm")
    if comparison not in COMPARISONS:
        return _("comparison {comparison} (anomaly detection)").format(
            comparison=comparison or _("missing")
        )
    if stat not in STATISTICS:
        return _("statistic {stat} (sqslab evaluates {known})").format(
            stat=stat or _("missing"), known=", ".join(STATISTICS)
        )
    return None


def stored(cloudwatch: Any, names: list[str] | None = None) -> list[StoredAlarm]:
    """The metric alarms in CloudWatch (only ``names``, when given), in name order."""
    kwargs: dict[str, Any] = {"AlarmNames": names} if names else {}
    found: list[StoredAlarm] = []
    while True:
        page = cloudwatch.describe_alarms(**kwargs)
        found += [StoredAlarm.of(a) for a in page.get("MetricAlarms", [])]
        if not page.get("NextToken"):
            return sorted(found, key=lambda a: a.name)
        kwargs["NextToken"] = page["NextToken"]


def datapoints(cloudwatch: Any, alarm: StoredAlarm, first: float, count: int) -> list[float | None]:
    """The alarm's statistic for ``count`` periods from ``first`` (clock seconds), None where
    CloudWatch has no datapoint."""
    if not _exists(cloudwatch, alarm):
        return [None] * count
    found: dict[float, float] = {}
    kwargs: dict[str, Any] = {
        "MetricDataQueries": [alarm.query()],
        "StartTime": utc(first),
        "EndTime": utc(first + count * alarm.period),
        "ScanBy": "TimestampAscending",
    }
    while True:
        page = cloudwatch.get_metric_data(**kwargs)
        for result in page.get("MetricDataResults", []):
            for when, value in zip(result["Timestamps"], result["Values"], strict=True):
                found[when.timestamp()] = float(value)
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    return [found.get(first + i * alarm.period) for i in range(count)]


def _exists(cloudwatch: Any, alarm: StoredAlarm) -> bool:
    """Whether the alarm's metric can have data: AWS/SQS metrics exist only per QueueName, and
    moto 5.2's GetMetricData ignores the namespace once dimensions are given, so another
    namespace is looked up with ListMetrics first."""
    if not alarm.dimensions:
        return alarm.namespace != NAMESPACE
    if alarm.namespace == NAMESPACE:
        return True
    dims = [{"Name": k, "Value": v} for k, v in alarm.dimensions]
    listed = cloudwatch.list_metrics(
        Namespace=alarm.namespace, MetricName=alarm.metric, Dimensions=dims
    )
    return bool(listed.get("Metrics"))


#: Where an alarm's datapoints come from: (alarm, first period's start, periods) -> values.
Source = Callable[[StoredAlarm, float, int], list[float | None]]


def history(
    lab: Lab, name: str, start: float, end: float, source: Source | None = None
) -> AlarmHistory:
    """How the stored alarm ``name`` went from ``start`` to ``end`` (clock seconds): its state
    after each period, as CloudWatch would have evaluated it, from INSUFFICIENT_DATA. The
    datapoints come from the lab's CloudWatch, or from ``source`` (a recorded day)."""
    alarm = _one(lab, name)
    if alarm.rule is None:
        raise LabConfigError(
            _("sqslab does not evaluate alarm {name!r}: {why}").format(
                name=name, why=alarm.unsupported
            )
        )
    period = alarm.period
    first = align(start, period)
    count = max(1, int((closed_period(end, period) - first) // period) + 1)
    earlier = alarm.rule.span - 1
    if source is None:
        cloudwatch = lab.client("cloudwatch")
        source = functools.partial(datapoints, cloudwatch)
    values = source(alarm, first - earlier * period, earlier + count)
    states = alarm.rule.states(values[earlier:], before=values[:earlier])
    times = [utc(first + i * period) for i in range(count)]
    return AlarmHistory(alarm, times, values[earlier:], states)


def _one(lab: Lab, name: str) -> StoredAlarm:
    found = stored(lab.client("cloudwatch"), [name])
    if not found:
        raise LabConfigError(
            _("CloudWatch has no alarm called {name!r}: put it with put_metric_alarm").format(
                name=name
            )
        )
    return found[0]


def evaluate(
    lab: Lab,
    *,
    names: list[str] | None = None,
    queues: list[str] | None = None,
    at: float | None = None,
) -> dict[str, str]:
    """Evaluate the stored alarms (``names``, or the AWS/SQS alarms on ``queues``, or all) at clock
    seconds ``at`` (default now) and set the state of each that changed; returns name -> state."""
    if not publishes(lab):
        raise LabConfigError(
            _(
                "on this backend CloudWatch evaluates alarms itself (or has no AWS/SQS data from "
                "sqslab): read their state with describe_alarms"
            )
        )
    cloudwatch = lab.client("cloudwatch")
    now = lab.clock.time() if at is None else at
    states = {}
    for alarm in stored(cloudwatch, names):
        if alarm.rule is None or (queues is not None and not _watches(alarm, queues)):
            continue
        states[alarm.name] = _settle(lab, cloudwatch, alarm, now)
    return states


def _watches(alarm: StoredAlarm, queues: list[str]) -> bool:
    return alarm.namespace == NAMESPACE and alarm.queue in queues


def _settle(lab: Lab, cloudwatch: Any, alarm: StoredAlarm, now: float) -> str:
    """The alarm's state at ``now``; written to CloudWatch when it changed or was never set."""
    rule = alarm.rule
    assert rule is not None
    last = closed_period(now, alarm.period)
    first = last - (rule.span - 1) * alarm.period
    window = datapoints(cloudwatch, alarm, first, rule.span)
    state = rule.decide(window, alarm.state)
    if state != alarm.state or alarm.reason.startswith(UNCHECKED):
        times = [first + i * alarm.period for i in range(rule.span)]
        cloudwatch.set_alarm_state(
            AlarmName=alarm.name,
            StateValue=state,
            StateReason=reason(alarm, state, list(zip(times, window, strict=True))),
            StateReasonData=json.dumps(_reason_data(alarm, now, times, window)),
        )
    return state


def reason(alarm: StoredAlarm, state: str, window: list[tuple[float, float | None]]) -> str:
    """Why the alarm is in ``state``, given the evaluation range (time, value), oldest first."""
    rule = alarm.rule
    assert rule is not None
    real = [(t, v) for t, v in window if v is not None]
    recent = real[-rule.n :]
    breaching = [(t, v) for t, v in recent if rule.breaches(v)]
    test = f"{SYMBOLS[rule.comparison]} {rule.threshold:g}"
    if state == INSUFFICIENT_DATA or not real:
        dims = ", ".join(f"{k}={v}" for k, v in alarm.dimensions) or _("no dimensions")
        return _(
            "{label}: {real} datapoint(s) in the last {periods} periods of {metric} "
            "({dimensions}), fewer than {n} (missing data: {treatment})"
        ).format(
            label=_(LABEL),
            real=len(real),
            periods=len(window),
            metric=alarm.metric,
            dimensions=dims,
            n=rule.n,
            treatment=rule.treat_missing_data,
        )
    shown = ", ".join(
        _("{value} at {time}").format(value=cell(v), time=f"{utc(t):%H:%M}")
        for t, v in reversed(breaching)
    )
    verdict = {ALARM: "ALARM", OK: "OK"}.get(state, state)
    text = (
        _(
            "{label}: {breaching} of the last {recent} datapoints {test} ({shown}); {m} of {n} "
            "needed for ALARM, so {verdict}"
        )
        if shown
        else _(
            "{label}: {breaching} of the last {recent} datapoints {test} (none); {m} of {n} "
            "needed for ALARM, so {verdict}"
        )
    )
    return text.format(
        label=_(LABEL),
        breaching=len(breaching),
        recent=len(recent),
        test=test,
        shown=shown,
        m=rule.m,
        n=rule.n,
        verdict=verdict,
    )


def _reason_data(
    alarm: StoredAlarm, now: float, times: list[float], values: list[float | None]
) -> dict[str, Any]:
    """The machine-readable side of the reason, shaped like CloudWatch's StateReasonData."""
    return {
        "version": "1.0",
        "evaluator": LABEL,
        "queryDate": utc(now).isoformat(),
        "statistic": alarm.stat,
        "period": alarm.period,
        "threshold": alarm.threshold,
        "evaluatedDatapoints": [
            {"timestamp": utc(t).isoformat(), **({} if v is None else {"value": v})}
            for t, v in zip(times, values, strict=True)
        ],
    }
