"""Chapter 6's CloudWatch alarm checks: the learner stores an alarm with ``put_metric_alarm``; the
check runs the exercise's day with the sampler publishing (:mod:`.monitoring_days`), evaluates the
stored alarm minute by minute with the sqslab alarm evaluator (:mod:`sqslab.alarm_evaluator`),
sets its final state in CloudWatch, and says what went wrong: no data, wrong metric, wrong
comparison, a page during the healthy part, a single datapoint, too late, or never. On a real clock
it evaluates the stored alarm over the day as recorded on moto and sets no state: the endpoint's
CloudWatch evaluates its alarms itself."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from sqslab import alarm_evaluator, facts
from sqslab.alarm_evaluator import StoredAlarm
from sqslab.alarms import ALARM, INSUFFICIENT_DATA, OK, SYMBOLS, AlarmHistory
from sqslab.exercises.arguments import Expected, expects
from sqslab.exercises.base import Check, Problem, first_problem, hint
from sqslab.exercises.monitoring_days import (
    CLEANED_AT,
    DEADLINE,
    HANG_AT,
    POISON_AT,
    orders_day,
    phase,
    refunds_day,
)
from sqslab.i18n import N_
from sqslab.i18n import translate as _
from sqslab.metric_cells import cell
from sqslab.metric_series import AGE, NAMESPACE, SENT, VISIBLE
from sqslab.numbers import short

if TYPE_CHECKING:
    from sqslab.exercises.monitoring_days import Day
    from sqslab.lab import Lab

#: The names the exercises ask for.
STUCK_ALARM = "shop-orders stuck"
DLQ_ALARM = "refunds-dlq not empty"

LAB_NOT_ALARM = Expected(
    N_(
        "the lab that sqslab.start() returned (lab): the check reads your alarm from CloudWatch "
        "by its name, not as an Alarm object"
    ),
    lambda v: all(hasattr(v, n) for n in ("sqs", "trace", "namespace", "client")),
)
NAME = Expected(
    N_("the AlarmName you gave put_metric_alarm, as text"), lambda v: isinstance(v, str)
)


def _setup(lab: Lab, exercise: str, name: str) -> Check | StoredAlarm:
    """The stored alarm, or the hint that says why there is none to check yet."""
    try:
        found = alarm_evaluator.stored(lab.client("cloudwatch"), [name])
    except (BotoCoreError, ClientError) as err:
        return hint(
            exercise,
            _(
                "not checked here: this endpoint's CloudWatch did not answer describe_alarms "
                "({error}), so the check cannot read your alarm. The moto backend "
                "(SQSLAB_BACKEND=moto) has one"
            ).format(error=err),
        )
    if not found:
        return hint(
            exercise,
            _(
                "CloudWatch has no alarm called {name!r} yet: store yours with the CloudWatch "
                "client's put_metric_alarm (section 4 shows its arguments), under exactly that "
                "AlarmName"
            ).format(name=name),
        )
    if found[0].rule is None:
        return hint(
            exercise,
            _(
                "sqslab cannot evaluate {name!r}: it is {why}. Use one metric with Statistic, and "
                "a GreaterThan... or LessThan... ComparisonOperator"
            ).format(name=name, why=found[0].unsupported),
        )
    return found[0]


def _run(lab: Lab, alarm: StoredAlarm, day: Day) -> AlarmHistory:
    """The alarm's history over the day; its state at the day's end is written to CloudWatch
    (not for a recorded day: the endpoint's CloudWatch evaluates the alarm itself)."""
    start, end = day.start.timestamp(), day.end.timestamp()
    if day.recording is not None:
        return alarm_evaluator.history(lab, alarm.name, start, end, day.recording.datapoints)
    alarm_evaluator.evaluate(lab, names=[alarm.name], at=end)
    return alarm_evaluator.history(lab, alarm.name, start, end)


def _where(day: Day, history: AlarmHistory) -> str:
    """Where the final state is: in CloudWatch (set by sqslab), or not set (a recorded day)."""
    if day.recording is not None:
        return _(
            "Evaluated over the day as recorded on the moto backend; here CloudWatch evaluates "
            "your alarm itself, over the datapoints it has, so sqslab sets no state."
        )
    return _("describe_alarms shows StateValue {state}, set by the {label}.").format(
        state=history.state, label=_(alarm_evaluator.LABEL)
    )


def _first(states: list[str], state: str, since: int = 0, until: int | None = None) -> int | None:
    """The first period index in [since, until) whose state is ``state``."""
    for i in range(since, len(states) if until is None else until):
        if states[i] == state:
            return i
    return None


def _dims(alarm: StoredAlarm) -> str:
    return ", ".join(f"{k}={v}" for k, v in alarm.dimensions) or _("no dimensions")


def _no_data(alarm: StoredAlarm, queue: str) -> tuple[str, ...]:
    """Hints for an alarm that found no datapoint at all."""
    return (
        _(
            "your alarm found no datapoint in the whole day: CloudWatch answers only for the "
            "exact namespace, metric name and dimensions an alarm names. Compare your alarm's "
            "with the query that returned values in your get_metric_data call"
        ),
        _(
            "the alarm looks up {namespace} {metric} with {dimensions}; the sampler published "
            "{expected} metrics with the one dimension QueueName={queue} (the queue's name, not "
            "its URL)"
        ).format(
            namespace=alarm.namespace or _("no namespace"),
            metric=alarm.metric or _("no metric"),
            dimensions=_dims(alarm),
            expected=NAMESPACE,
            queue=queue,
        ),
        f"Namespace={NAMESPACE!r}, Dimensions=[{{'Name': 'QueueName', 'Value': {queue!r}}}]",
    )


def _other_queue(alarm: StoredAlarm, day: Day, role: str) -> Problem:
    """The problem of an alarm on another queue that has data of its own."""
    return (
        alarm.queue == day.queue,
        _("your alarm watches QueueName={queue}, not {role}: look at its Dimensions").format(
            queue=alarm.queue, role=role
        ),
        _("the day's {role} is {queue!r}").format(role=role, queue=day.queue),
    )


def _stuck_problems(alarm: StoredAlarm, history: AlarmHistory, day: Day) -> list[Problem]:
    rule, states, values = alarm.rule, history.states, history.values
    assert rule is not None
    healthy = _first(states, ALARM, 0, HANG_AT)
    fired = _first(states, ALARM, HANG_AT)
    late = None if fired is None else fired + 1 - HANG_AT
    healthy_max = max((v or 0) for v in values[:HANG_AT])
    return [
        (any(v is not None for v in values), *_no_data(alarm, day.queue)),
        _other_queue(alarm, day, _("the orders queue")),
        (
            alarm.metric == AGE,
            _(
                "your alarm watches {metric}: {verdict}. Section 1's table names the metric that "
                "answers 'is anyone waiting too long? is a consumer stuck?'"
            ).format(metric=alarm.metric, verdict=_verdict(healthy, late)),
            _(
                "a stuck consumer on a quiet queue adds only a few messages a minute, while the "
                "importer kept dozens waiting for minutes: depth cannot tell them apart, and "
                "counts fall to 0 at night too"
            ),
            _("watch {metric}, the age of the oldest message").format(metric=AGE),
        ),
        (
            rule.comparison.startswith("GreaterThan"),
            _(
                "your alarm compares with {comparison}: it fires while the oldest order is young. "
                "Look at ComparisonOperator: a stuck consumer makes the oldest order older"
            ).format(comparison=rule.comparison),
            _("GreaterThanOrEqualToThreshold (or GreaterThanThreshold)"),
        ),
        (
            alarm.stat != "SampleCount",
            _(
                "your alarm's Statistic is SampleCount: it counts datapoints in a period (1 "
                "here), not seconds of waiting. Look at Statistic"
            ),
            _("Maximum: the oldest order's age in the minute"),
        ),
        (
            healthy is None,
            (
                _(
                    "your alarm went to ALARM on a single breaching datapoint during {phase} "
                    "(minute {minute} of the day), while the consumer was fine: it would page "
                    "someone for a healthy queue. Compare the values get_metric_data gives for "
                    "the healthy minutes with your Threshold and DatapointsToAlarm"
                )
                if rule.m == 1
                else _(
                    "your alarm went to ALARM during {phase} (minute {minute} of the day), while "
                    "the consumer was fine: it would page someone for a healthy queue. Compare "
                    "the values get_metric_data gives for the healthy minutes with your "
                    "Threshold and DatapointsToAlarm"
                )
            ).format(phase=phase(healthy or 0), minute=healthy),
            _(
                "in the healthy part the oldest order waited {seconds} s at most, and that for "
                "one minute; after the hang it grows by 60 s every minute"
            ).format(seconds=cell(healthy_max)),
            _(
                "a Threshold above {seconds} s with 2 of the last 3 datapoints stays OK through "
                "the lump and fires in time"
            ).format(seconds=cell(healthy_max)),
        ),
        (
            rule.m >= 2,
            _(
                "your alarm pages on a single breaching datapoint (DatapointsToAlarm {m} of "
                "EvaluationPeriods {n}): one slow minute would wake someone at night"
            ).format(m=rule.m, n=rule.n),
            _(
                "ask for at least 2 breaching datapoints: DatapointsToAlarm=2 with "
                "EvaluationPeriods 2 or 3"
            ),
        ),
        (
            fired is not None,
            _(
                "your alarm never went to ALARM after the consumer hung: the oldest order "
                "reached {seconds} s by the end of the day. Look at the Threshold against the "
                "values get_metric_data gives after the hang"
            ).format(seconds=cell(max((v or 0) for v in values))),
            _(
                "after the hang the oldest order is 60 s older every minute: to fire within "
                "{deadline} minutes with 2 datapoints it must cross the threshold by minute "
                "{minute}"
            ).format(deadline=DEADLINE, minute=DEADLINE - 1),
        ),
        (
            late is not None and late <= DEADLINE,
            _(
                "your alarm fired {late} minutes after the consumer hung; the exercise asks for "
                "{deadline} at most. Look at the Threshold and at how many datapoints it waits "
                "for"
            ).format(late=late, deadline=DEADLINE),
            _(
                "each minute after the hang adds 60 s to the oldest order's age; the alarm "
                "enters ALARM at the end of the minute that completes its M of N"
            ),
        ),
    ]


def _verdict(healthy: int | None, late: int | None) -> str:
    """What the alarm did on the day, as a clause."""
    if healthy is not None:
        return _(
            "it went to ALARM during {phase} (minute {minute} of the day), while the consumer "
            "was fine"
        ).format(phase=phase(healthy), minute=healthy)
    if late is None:
        return _("it never went to ALARM, although the consumer hung")
    return _("it went to ALARM {late} minute(s) after the consumer hung").format(late=late)


@expects("ex6.1", lab=LAB_NOT_ALARM, name=NAME)
def check_stuck_alarm(lab: Lab, name: str = STUCK_ALARM) -> Check:
    """Exercise 6.1: the CloudWatch alarm ``name`` stays OK through the healthy part of the
    shop-orders day, pages on at least 2 datapoints, and fires within 5 minutes of the hang."""
    exercise = "ex6.1"
    alarm = _setup(lab, exercise, name)
    if isinstance(alarm, Check):
        return alarm
    day = orders_day(lab)
    history = _run(lab, alarm, day)
    fired = _first(history.states, ALARM, HANG_AT)
    late = 0 if fired is None else fired + 1 - HANG_AT
    return first_problem(
        exercise,
        _stuck_problems(alarm, history, day),
        _(
            "{alarm}: OK through the lump, the importer and the quiet minutes; ALARM {late} "
            "minutes after the consumer hung. {where}"
        ).format(alarm=alarm.describe(), late=late, where=_where(day, history)),
    )


def _dlq_problems(alarm: StoredAlarm, history: AlarmHistory, day: Day) -> list[Problem]:
    rule, states, values = alarm.rule, history.states, history.values
    assert rule is not None
    quiet = states[:POISON_AT]
    fired = _first(states, ALARM)
    default = facts.get("alarm_missing_data_default").translated("text")
    after = states[CLEANED_AT]
    return [
        (any(v is not None for v in values), *_no_data(alarm, day.queue)),
        _other_queue(alarm, day, _("the dead-letter queue")),
        (
            alarm.metric != SENT,
            _(
                "your alarm watches the DLQ's {sent}: it never changes when a message moves in. "
                "Section 5 says what a move into a DLQ is (and is not)"
            ).format(sent=SENT),
            _("a move into a DLQ is not a send: {sent} stays 0. Watch {visible}").format(
                sent=SENT, visible=VISIBLE
            ),
        ),
        (
            ALARM not in quiet,
            _(
                "your alarm was in ALARM while the DLQ was quiet (no datapoints at all, missing "
                "data treated as {treatment}): look at TreatMissingData"
            ).format(treatment=rule.treat_missing_data),
            _(
                "an empty, untouched DLQ is healthy: its missing datapoints should count as not "
                "breaching"
            ),
        ),
        (
            INSUFFICIENT_DATA not in quiet,
            _(
                "your alarm was {state} while the DLQ was quiet: a queue nobody touches for hours "
                "publishes no datapoints, and your alarm treats missing data as {treatment!r}. "
                "Look at TreatMissingData"
            ).format(state=INSUFFICIENT_DATA, treatment=rule.treat_missing_data),
            _(
                "CloudWatch's default treatment is {default}; an empty, untouched DLQ is healthy, "
                "so its missing datapoints should count as not breaching"
            ).format(default=default),
            "TreatMissingData='notBreaching'",
        ),
        (
            fired == POISON_AT,
            _(
                "your alarm did not go to ALARM in the minute the first poison refund reached "
                "the DLQ (minute {minute}; it {fired}). Every dead letter is a failure someone "
                "must see: look at Threshold, ComparisonOperator and M of N"
            ).format(minute=POISON_AT, fired=_fired_words(fired)),
            _(
                "in that minute the DLQ's {visible} was 1: one datapoint above 0 should do it "
                "(GreaterThanThreshold 0, 1 of 1)"
            ).format(visible=VISIBLE),
        ),
        (
            after == OK,
            _(
                "the DLQ was emptied in minute {minute} but your alarm stayed {state}: with 0 "
                "dead letters it should clear. Look at the comparison ({symbol} {threshold}) and "
                "at how many datapoints it looks back (EvaluationPeriods {n})"
            ).format(
                minute=CLEANED_AT,
                state=after,
                symbol=SYMBOLS[rule.comparison],
                threshold=short(rule.threshold),
                n=rule.n,
            ),
            _(
                "0 messages must not breach, and the alarm should decide on the last minute "
                "alone: GreaterThanThreshold with Threshold 0, 1 of 1"
            ),
        ),
    ]


def _fired_words(fired: int | None) -> str:
    if fired is None:
        return _("never fired")
    return _("fired in minute {minute}").format(minute=fired)


@expects("ex6.3", lab=LAB_NOT_ALARM, name=NAME)
def check_dlq_alarm(lab: Lab, name: str = DLQ_ALARM) -> Check:
    """Exercise 6.3 (optional): the CloudWatch alarm ``name`` on ``refunds-dlq`` is OK while the
    DLQ is quiet (no datapoints), ALARM in the minute the first dead letter arrives, OK after."""
    exercise = "ex6.3"
    alarm = _setup(lab, exercise, name)
    if isinstance(alarm, Check):
        return alarm
    day = refunds_day(lab)
    history = _run(lab, alarm, day)
    return first_problem(
        exercise,
        _dlq_problems(alarm, history, day),
        _(
            "{alarm}: OK while the DLQ was quiet, ALARM in minute {poison} when the first dead "
            "letter arrived, OK after the clean-up in minute {cleaned}."
        ).format(alarm=alarm.describe(), poison=POISON_AT, cleaned=CLEANED_AT)
        + (f" {_where(day, history)}" if day.recording is not None else ""),
    )
