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
from sqslab.metric_cells import cell
from sqslab.metric_series import AGE, NAMESPACE, SENT, VISIBLE

if TYPE_CHECKING:
    from sqslab.exercises.monitoring_days import Day
    from sqslab.lab import Lab

#: The names the exercises ask for.
STUCK_ALARM = "shop-orders stuck"
DLQ_ALARM = "refunds-dlq not empty"

LAB_NOT_ALARM = Expected(
    "the lab that sqslab.start() returned (lab): the check reads your alarm from CloudWatch by "
    "its name, not as an Alarm object",
    lambda v: all(hasattr(v, n) for n in ("sqs", "trace", "namespace", "client")),
)
NAME = Expected("the AlarmName you gave put_metric_alarm, as text", lambda v: isinstance(v, str))


def _setup(lab: Lab, exercise: str, name: str) -> Check | StoredAlarm:
    """The stored alarm, or the hint that says why there is none to check yet."""
    try:
        found = alarm_evaluator.stored(lab.client("cloudwatch"), [name])
    except (BotoCoreError, ClientError) as err:
        return hint(
            exercise,
            f"not checked here: this endpoint's CloudWatch did not answer describe_alarms ({err}), "
            "so the check cannot read your alarm. The moto backend (SQSLAB_BACKEND=moto) has one",
        )
    if not found:
        return hint(
            exercise,
            f"CloudWatch has no alarm called {name!r} yet: store yours with the CloudWatch "
            "client's put_metric_alarm (section 4 shows its arguments), under exactly that AlarmName",
        )
    if found[0].rule is None:
        return hint(
            exercise,
            f"sqslab cannot evaluate {name!r}: it is {found[0].unsupported}. Use one metric with "
            "Statistic, and a GreaterThan... or LessThan... ComparisonOperator",
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
        return (
            "Evaluated over the day as recorded on the moto backend; here CloudWatch evaluates "
            "your alarm itself, over the datapoints it has, so sqslab sets no state."
        )
    return f"describe_alarms shows StateValue {history.state}, set by the {alarm_evaluator.LABEL}."


def _first(states: list[str], state: str, since: int = 0, until: int | None = None) -> int | None:
    """The first period index in [since, until) whose state is ``state``."""
    for i in range(since, len(states) if until is None else until):
        if states[i] == state:
            return i
    return None


def _dims(alarm: StoredAlarm) -> str:
    return ", ".join(f"{k}={v}" for k, v in alarm.dimensions) or "no dimensions"


def _no_data(alarm: StoredAlarm, queue: str) -> tuple[str, ...]:
    """Hints for an alarm that found no datapoint at all."""
    return (
        "your alarm found no datapoint in the whole day: CloudWatch answers only for the exact "
        "namespace, metric name and dimensions an alarm names. Compare your alarm's with the "
        "query that returned values in your get_metric_data call",
        f"the alarm looks up {alarm.namespace or 'no namespace'} {alarm.metric or 'no metric'} "
        f"with {_dims(alarm)}; the sampler published {NAMESPACE} metrics with the one dimension "
        f"QueueName={queue} (the queue's name, not its URL)",
        f"Namespace={NAMESPACE!r}, Dimensions=[{{'Name': 'QueueName', 'Value': {queue!r}}}]",
    )


def _other_queue(alarm: StoredAlarm, day: Day, role: str) -> Problem:
    """The problem of an alarm on another queue that has data of its own."""
    return (
        alarm.queue == day.queue,
        f"your alarm watches QueueName={alarm.queue}, not {role}: look at its Dimensions",
        f"the day's {role} is {day.queue!r}",
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
        _other_queue(alarm, day, "the orders queue"),
        (
            alarm.metric == AGE,
            f"your alarm watches {alarm.metric}: {_verdict(healthy, late)}. Section 1's table "
            "names the metric that answers 'is anyone waiting too long? is a consumer stuck?'",
            "a stuck consumer on a quiet queue adds only a few messages a minute, while the "
            "importer kept dozens waiting for minutes: depth cannot tell them apart, and counts "
            "fall to 0 at night too",
            f"watch {AGE}, the age of the oldest message",
        ),
        (
            rule.comparison.startswith("GreaterThan"),
            f"your alarm compares with {rule.comparison}: it fires while the oldest order is "
            "young. Look at ComparisonOperator: a stuck consumer makes the oldest order older",
            "GreaterThanOrEqualToThreshold (or GreaterThanThreshold)",
        ),
        (
            alarm.stat != "SampleCount",
            "your alarm's Statistic is SampleCount: it counts datapoints in a period (1 here), "
            "not seconds of waiting. Look at Statistic",
            "Maximum: the oldest order's age in the minute",
        ),
        (
            healthy is None,
            f"your alarm went to ALARM{' on a single breaching datapoint' if rule.m == 1 else ''}"
            f" during {phase(healthy or 0)} (minute {healthy} of the day), while the "
            "consumer was fine: it would page someone for a healthy queue. Compare the values "
            "get_metric_data gives for the healthy minutes with your Threshold and "
            "DatapointsToAlarm",
            f"in the healthy part the oldest order waited {cell(healthy_max)} s at most, and that "
            "for one minute; after the hang it grows by 60 s every minute",
            f"a Threshold above {cell(healthy_max)} s with 2 of the last 3 datapoints stays OK "
            "through the lump and fires in time",
        ),
        (
            rule.m >= 2,
            f"your alarm pages on a single breaching datapoint (DatapointsToAlarm {rule.m} of "
            f"EvaluationPeriods {rule.n}): one slow minute would wake someone at night",
            "ask for at least 2 breaching datapoints: DatapointsToAlarm=2 with EvaluationPeriods "
            "2 or 3",
        ),
        (
            fired is not None,
            "your alarm never went to ALARM after the consumer hung: the oldest order reached "
            f"{cell(max((v or 0) for v in values))} s by the end of the day. Look at the "
            "Threshold against the values get_metric_data gives after the hang",
            f"after the hang the oldest order is 60 s older every minute: to fire within "
            f"{DEADLINE} minutes with 2 datapoints it must cross the threshold by minute "
            f"{DEADLINE - 1}",
        ),
        (
            late is not None and late <= DEADLINE,
            f"your alarm fired {late} minutes after the consumer hung; the exercise asks for "
            f"{DEADLINE} at most. Look at the Threshold and at how many datapoints it waits for",
            "each minute after the hang adds 60 s to the oldest order's age; the alarm enters "
            "ALARM at the end of the minute that completes its M of N",
        ),
    ]


def _verdict(healthy: int | None, late: int | None) -> str:
    """What the alarm did on the day, as a clause."""
    if healthy is not None:
        return (
            f"it went to ALARM during {phase(healthy)} (minute {healthy} of the day), while "
            "the consumer was fine"
        )
    if late is None:
        return "it never went to ALARM, although the consumer hung"
    return f"it went to ALARM {late} minute(s) after the consumer hung"


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
        f"{alarm.describe()}: OK through the lump, the importer and the quiet minutes; ALARM "
        f"{late} minutes after the consumer hung. {_where(day, history)}",
    )


def _dlq_problems(alarm: StoredAlarm, history: AlarmHistory, day: Day) -> list[Problem]:
    rule, states, values = alarm.rule, history.states, history.values
    assert rule is not None
    quiet = states[:POISON_AT]
    fired = _first(states, ALARM)
    default = facts.get("alarm_missing_data_default").text
    after = states[CLEANED_AT]
    return [
        (any(v is not None for v in values), *_no_data(alarm, day.queue)),
        _other_queue(alarm, day, "the dead-letter queue"),
        (
            alarm.metric != SENT,
            f"your alarm watches the DLQ's {SENT}: it never changes when a message moves in. "
            "Section 5 says what a move into a DLQ is (and is not)",
            f"a move into a DLQ is not a send: {SENT} stays 0. Watch {VISIBLE}",
        ),
        (
            ALARM not in quiet,
            f"your alarm was in ALARM while the DLQ was quiet (no datapoints at all, missing "
            f"data treated as {rule.treat_missing_data}): look at TreatMissingData",
            "an empty, untouched DLQ is healthy: its missing datapoints should count as not breaching",
        ),
        (
            INSUFFICIENT_DATA not in quiet,
            f"your alarm was {INSUFFICIENT_DATA} while the DLQ was quiet: a queue nobody touches "
            "for hours publishes no datapoints, and your alarm treats missing data as "
            f"{rule.treat_missing_data!r}. Look at TreatMissingData",
            f"CloudWatch's default treatment is {default}; an empty, untouched DLQ is healthy, so "
            "its missing datapoints should count as not breaching",
            "TreatMissingData='notBreaching'",
        ),
        (
            fired == POISON_AT,
            "your alarm did not go to ALARM in the minute the first poison refund reached the "
            f"DLQ (minute {POISON_AT}; it {_fired_words(fired)}). Every dead letter is a "
            "failure someone must see: look at Threshold, ComparisonOperator and M of N",
            f"in that minute the DLQ's {VISIBLE} was 1: one datapoint above 0 should do it "
            "(GreaterThanThreshold 0, 1 of 1)",
        ),
        (
            after == OK,
            f"the DLQ was emptied in minute {CLEANED_AT} but your alarm stayed {after}: "
            "with 0 dead letters it should clear. Look at the comparison "
            f"({SYMBOLS[rule.comparison]} {rule.threshold:g}) and at how many datapoints it looks "
            f"back (EvaluationPeriods {rule.n})",
            "0 messages must not breach, and the alarm should decide on the last minute alone: "
            "GreaterThanThreshold with Threshold 0, 1 of 1",
        ),
    ]


def _fired_words(fired: int | None) -> str:
    return "never fired" if fired is None else f"fired in minute {fired}"


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
        f"{alarm.describe()}: OK while the DLQ was quiet, ALARM in minute {POISON_AT} when "
        f"the first dead letter arrived, OK after the clean-up in minute {CLEANED_AT}."
        + (f" {_where(day, history)}" if day.recording is not None else ""),
    )
