"""Chapter 6 auto-checks: an alarm for a stuck consumer, a scaling target, a dead-letter queue alarm.

Exercises 6.1 and 6.3 evaluate the learner's :class:`~sqslab.alarms.Alarm` on prepared minute-by-
minute series (:func:`stuck_or_burst`, :func:`quiet_dlq`), written out by hand below so that every
number can be followed; exercise 6.2 runs :func:`sqslab.scaling.simulate` with the learner's policy
on a fixed thumbnail burst (:func:`run_thumbnails`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqslab import facts, monitor, scaling
from sqslab.alarms import ALARM, INSUFFICIENT_DATA, OK, Alarm, AlarmHistory
from sqslab.emulator.clock import EPOCH
from sqslab.exercises.arguments import LAB, NAME, Expected, expects, given, requires
from sqslab.exercises.base import Check
from sqslab.monitor import Metrics, Stat
from sqslab.scaling import ScalingPolicy, ScalingRun
from sqslab.tables import Table

if TYPE_CHECKING:
    from sqslab.lab import Lab

T0 = EPOCH.timestamp()  # 09:00, the lab's first minute
MINUTE = 60

# --- exercise 6.1: the same 12 minutes of "orders", twice -----------------------------------------
#: A healthy consumer (about 100 messages a minute) and a batch job that drops 240 messages at
#: 09:02: the backlog jumps, the oldest waits 115 s once (end of 09:03), and all is done by 09:05.
BURST = {
    monitor.SENT: [5, 5, 245, 5, 5, 5, 5, 5, 5, 5, 5, 5],
    monitor.DELETED: [4, 5, 100, 100, 55, 5, 5, 5, 5, 5, 5, 5],
    monitor.VISIBLE: [0, 0, 136, 41, 0, 0, 0, 0, 0, 0, 0, 0],
    monitor.NOT_VISIBLE: [1, 1, 10, 10, 1, 1, 1, 1, 1, 1, 1, 1],
    monitor.AGE: [8, 9, 55, 115, 8, 9, 8, 9, 8, 9, 8, 9],
}
#: The same steady 5 messages a minute; the consumer hangs at 09:04 and deletes nothing more. The
#: backlog grows by only 5 a minute, while the oldest message (sent just before the hang and
#: back from its visibility timeout) gets 60 s older every minute.
STUCK = {
    monitor.SENT: [5] * 12,
    monitor.DELETED: [4, 5, 5, 5, 0, 0, 0, 0, 0, 0, 0, 0],
    monitor.VISIBLE: [0, 0, 0, 0, 6, 11, 16, 21, 26, 31, 36, 41],
    monitor.NOT_VISIBLE: [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    monitor.AGE: [8, 9, 8, 9, 65, 125, 185, 245, 305, 365, 425, 485],
}
#: The minute the consumer hangs, and how many minutes later the alarm must have fired.
STUCK_AT = 4
STUCK_DEADLINE = 5

# --- exercise 6.2: thumbnails -------------------------------------------------------------------
#: Seconds of work per thumbnail, the promise (no thumbnail waits longer), the largest group.
THUMBNAIL_SECONDS = 2
THUMBNAIL_GOAL = 90
THUMBNAIL_MAX_INSTANCES = 10
THUMBNAIL_BATCH = 10

# --- exercise 6.3: a dead-letter queue that is quiet for hours -----------------------------------
#: No datapoints until 09:05 (a queue nobody uses is not active, so AWS publishes nothing); a
#: poison message is moved in during 09:05, a second in 09:07; a redrive at 09:09 empties it.
DLQ = {
    monitor.SENT: [None] * 5 + [0, 0, 0, 0, 0, None, None],
    monitor.VISIBLE: [None] * 5 + [1, 1, 2, 2, 0, None, None],
    monitor.NOT_VISIBLE: [None] * 5 + [0, 0, 0, 0, 0, None, None],
    monitor.AGE: [None] * 5 + [30, 90, 150, 210, 0, None, None],
}
DLQ_FIRST = 5
DLQ_REDRIVEN = 9

_runs = itertools.count(1)


def prepared(series: Mapping[str, Sequence[float | None]], queue: str) -> Metrics:
    """Hand-written per-minute values (None = no datapoint) as :class:`Metrics` from 09:00."""
    periods = len(next(iter(series.values())))
    data = {
        name: {T0 + i * MINUTE: Stat.total(float(v)) for i, v in enumerate(values) if v is not None}
        for name, values in series.items()
    }
    return Metrics(queue, T0, periods, MINUTE, data, source="prepared for exercise 6")


@requires(queue=NAME)
def stuck_or_burst(queue: str = "orders") -> dict[str, Metrics]:
    """Exercise 6.1's two days of ``queue``: ``"burst"`` (healthy) and ``"stuck"`` (a hung consumer)."""
    return {"burst": prepared(BURST, queue), "stuck": prepared(STUCK, queue)}


@requires(queue=NAME)
def quiet_dlq(queue: str = "payments-dlq") -> Metrics:
    """Exercise 6.3's dead-letter queue: quiet (no datapoints), two poison messages, a redrive."""
    return prepared(DLQ, queue)


def _hhmm(when: datetime | None) -> str:
    return "never" if when is None else when.strftime("%H:%M")


def _not_an_alarm(exercise: str, variable: str, example: str, got: Any = None) -> Check:
    hint = f"define {variable} as an Alarm, e.g. {variable} = {example}"
    return Check(exercise, False, hint if got is None else f"{hint} (it got {given(got)})")


def _fired_at(history: AlarmHistory) -> datetime | None:
    """When the alarm entered ALARM: the end of the first datapoint evaluated as ALARM."""
    for when, state in zip(history.times, history.states, strict=True):
        if state == ALARM:
            return datetime.fromtimestamp(when.timestamp() + history.alarm.period, tz=when.tzinfo)
    return None


@expects("ex6.1")
def check_stuck_alarm(alarm: Any) -> Check:
    """Exercise 6.1: ALARM within 5 minutes of a hung consumer, OK through a healthy burst, and on
    at least two datapoints."""
    exercise = "ex6.1"
    if not isinstance(alarm, Alarm):
        return _not_an_alarm(
            exercise,
            "stuck_alarm",
            "alarms.oldest_message_age('orders', seconds, periods=N, datapoints=M)",
            alarm,
        )
    days = stuck_or_burst(alarm.queue or "orders")
    burst, stuck = (alarm.evaluate(days[k]) for k in ("burst", "stuck"))
    if alarm.metric != monitor.AGE:
        return Check(
            exercise,
            False,
            f"your alarm watches {alarm.metric}: it was in ALARM for {burst.count()} of "
            f"{len(burst.states)} minutes of the healthy burst and {stuck.count()} of "
            f"{len(stuck.states)} of the stuck consumer. The backlog of a "
            f"stuck consumer stays small ({max(STUCK[monitor.VISIBLE])} at most) while a healthy "
            f"burst makes it large ({max(BURST[monitor.VISIBLE])}): depth alone cannot tell them "
            f"apart. Watch {monitor.AGE}",
        )
    if not alarm.comparison.startswith("GreaterThan"):
        return Check(
            exercise,
            False,
            f"{alarm.comparison} fires when the oldest message is young: a stuck consumer makes "
            "it old, so compare with GreaterThanOrEqualToThreshold",
        )
    if alarm.m < 2:
        return Check(
            exercise,
            False,
            f"the alarm fires on a single breaching datapoint ({alarm.m} of {alarm.n}): one slow "
            "minute pages someone. Ask for at least 2 (datapoints=M of periods=N, M >= 2)",
        )
    if burst.count():
        high = [_minute(i) for i, v in enumerate(BURST[monitor.AGE]) if alarm.breaches(v)]
        return Check(
            exercise,
            False,
            f"the alarm fired at {_hhmm(_fired_at(burst))} during the healthy burst: its oldest "
            f"message was past the threshold in {len(high)} minute(s) ({', '.join(high)}). Raise "
            "the threshold or require more breaching datapoints",
        )
    fired = _fired_at(stuck)
    hung = _minute(STUCK_AT)
    if fired is None:
        return Check(
            exercise,
            False,
            f"the alarm never fired on the stuck consumer (hung at {hung}, oldest message "
            f"{max(STUCK[monitor.AGE])} s old at the end): check the comparison "
            "(GreaterThanOrEqualToThreshold) and lower the threshold",
        )
    late = (fired.timestamp() - T0) / MINUTE - STUCK_AT
    if late > STUCK_DEADLINE:
        return Check(
            exercise,
            False,
            f"the alarm fired at {_hhmm(fired)}, {late:g} minutes after the consumer hung at "
            f"{hung}; it should fire within {STUCK_DEADLINE} minutes: lower the threshold or use fewer "
            "datapoints",
        )
    return Check(
        exercise,
        True,
        f"{alarm.describe()} stays OK through the burst and fires at {_hhmm(fired)}, {late:g} "
        f"minutes after the consumer hung.",
    )


def _minute(index: int) -> str:
    return datetime.fromtimestamp(T0 + index * MINUTE, tz=EPOCH.tzinfo).strftime("%H:%M")


def thumbnail_arrivals() -> list[int]:
    """Exercise 6.2's workload: 10 thumbnails a minute, 90 a minute for 3 minutes from 09:01."""
    return scaling.bursty_arrivals(minutes=7, base=10, burst=90, start=1, length=3, quiet=2)


@requires(
    lab=LAB,
    policy=Expected(
        "a scaling.ScalingPolicy(acceptable_latency=..., seconds_per_message=...)",
        lambda v: isinstance(v, ScalingPolicy),
    ),
)
def run_thumbnails(lab: Lab, policy: ScalingPolicy) -> ScalingRun:
    """Run the thumbnail burst through a group scaled by ``policy`` (each takes 2 s)."""
    return scaling.simulate(
        lab,
        policy,
        thumbnail_arrivals(),
        processing_time=THUMBNAIL_SECONDS,
        batch_size=THUMBNAIL_BATCH,
        name=f"thumbnails-{next(_runs)}",
        alarms=[],
    )


def _policy_problem(policy: Any) -> str | None:
    """What is wrong with the policy before any simulation (None when it may work)."""
    if not isinstance(policy, ScalingPolicy):
        hint = (
            "define thumb_policy = scaling.ScalingPolicy(acceptable_latency=..., "
            "seconds_per_message=..., min_instances=1, max_instances=...)"
        )
        return hint if policy is None else f"{hint} (it got {given(policy)})"
    if not math.isclose(policy.seconds_per_message, THUMBNAIL_SECONDS):
        factor = THUMBNAIL_SECONDS / policy.seconds_per_message
        effect = (
            f"{factor:g} times too large: too few instances"
            if factor > 1
            else f"{1 / factor:g} times too small: too many instances"
        )
        return (
            f"the policy assumes {policy.seconds_per_message:g} s per thumbnail, but each takes "
            f"{THUMBNAIL_SECONDS} s: target = acceptable latency / processing time comes out "
            f"{effect}"
        )
    if policy.min_instances > 1:
        return (
            f"min_instances={policy.min_instances} keeps instances running through quiet "
            "hours: use min_instances=1 and let the backlog scale the group out"
        )
    if policy.max_instances > THUMBNAIL_MAX_INSTANCES:
        return f"the budget allows at most {THUMBNAIL_MAX_INSTANCES} instances (max_instances)"
    per_instance = MINUTE / THUMBNAIL_SECONDS
    peak = max(thumbnail_arrivals())
    if policy.max_instances * per_instance < peak:
        return (
            f"{policy.max_instances} instances clear at most "
            f"{policy.max_instances * per_instance:g} thumbnails a minute, the burst brings "
            f"{peak}: raise max_instances"
        )
    return None


@expects("ex6.2", lab=LAB)
def check_scaling_target(lab: Lab, policy: Any) -> Check:
    """Exercise 6.2: with ``policy`` no thumbnail of the burst waits longer than the goal (90 s),
    and the queue is empty at the end."""
    exercise = "ex6.2"
    problem = _policy_problem(policy)
    if problem is not None:
        return Check(exercise, False, problem)
    if not lab.virtual_time:
        return Check(
            exercise,
            False,
            "this check simulates minutes of traffic on the lab's virtual clock: run it on the "
            "moto backend (SQSLAB_BACKEND=moto, the default)",
        )
    run = run_thumbnails(lab, policy)
    m = run.metrics
    oldest = max(v or 0 for v in m.values(monitor.AGE))
    left = (m.values(monitor.VISIBLE)[-1] or 0) + (m.values(monitor.NOT_VISIBLE)[-1] or 0)
    peak = max(run.instance_counts())
    summary = (
        f"target {policy.target:g} thumbnails per instance: peak {peak} instances, oldest "
        f"thumbnail {oldest:g} s (goal {THUMBNAIL_GOAL} s)"
    )
    if oldest > THUMBNAIL_GOAL:
        why = (
            "the group scales once a minute on a 1-minute metric, so a thumbnail also waits "
            "for that reaction: aim the acceptable latency below the goal"
            if policy.acceptable_latency >= THUMBNAIL_GOAL
            else "lower the acceptable latency: a smaller target scales out sooner"
        )
        return Check(exercise, False, f"{summary}: too slow; {why}")
    if left:
        return Check(exercise, False, f"{summary}, but {left:g} left in the queue at the end")
    instance_minutes = sum(run.instance_counts())
    return Check(
        exercise,
        True,
        f"{summary}; {instance_minutes} instance-minutes for {sum(run.arrivals)} thumbnails.",
    )


@expects("ex6.3")
def check_dlq_alarm(alarm: Any) -> Check:
    """Exercise 6.3 (optional): a DLQ alarm that fires in the minute the first message arrives,
    is OK while the DLQ is quiet (no datapoints) and OK again after the redrive."""
    exercise = "ex6.3"
    if not isinstance(alarm, Alarm):
        return _not_an_alarm(
            exercise, "dlq_alarm", "alarms.Alarm('payments-dlq not empty', ...)", alarm
        )
    history = alarm.evaluate(quiet_dlq(alarm.queue or "payments-dlq"))
    quiet, states = history.states[:DLQ_FIRST], history.states
    fired, first = _fired_at(history), _minute(DLQ_FIRST)
    if alarm.metric == monitor.SENT:
        return Check(
            exercise,
            False,
            f"a DLQ's {monitor.SENT} stays 0: a move into a DLQ is not a send. Watch "
            f"{monitor.VISIBLE}",
        )
    if ALARM in quiet:
        return Check(
            exercise,
            False,
            f"the alarm fired at {_hhmm(fired)}, before any message reached the DLQ: with no "
            "datapoints, treat missing data as notBreaching (not breaching), and compare with "
            "GreaterThanThreshold 0",
        )
    if INSUFFICIENT_DATA in quiet:
        default = facts.get("alarm_missing_data_default").text
        return Check(
            exercise,
            False,
            f"the alarm is {INSUFFICIENT_DATA} while the DLQ is quiet and sends no datapoints "
            f"(treat_missing_data={alarm.treat_missing_data!r}; default {default}). An empty, "
            "quiet DLQ is fine: treat_missing_data='notBreaching'",
        )
    if fired is None or history.states[DLQ_FIRST] != ALARM:
        return Check(
            exercise,
            False,
            f"a message reached the DLQ in the minute {first} but the alarm fired "
            f"{'never' if fired is None else 'at ' + _hhmm(fired)}: every "
            "message in a DLQ is a failure someone must look at, so one datapoint with more than "
            "0 visible messages (1 of 1, GreaterThanThreshold 0) should fire it",
        )
    if states[DLQ_REDRIVEN] != OK:
        return Check(
            exercise,
            False,
            f"the DLQ was emptied at {_minute(DLQ_REDRIVEN)} but the alarm stayed "
            f"{states[DLQ_REDRIVEN]}: it should clear when no message is left",
        )
    return Check(
        exercise,
        True,
        f"{alarm.describe()} is OK while the DLQ is quiet, fires in the minute {first} when the first "
        f"message arrives and clears after the redrive at {_minute(DLQ_REDRIVEN)}.",
    )


def side_by_side(
    days: dict[str, Metrics], names: Sequence[str] = (monitor.VISIBLE, monitor.AGE)
) -> Table:
    """One row per minute: each day's value of each metric, side by side (e.g. burst vs stuck)."""
    first = next(iter(days.values()))
    columns = [(day, name) for day in days for name in names]
    values = {(day, name): days[day].values(name) for day, name in columns}
    rows = [
        (when.strftime("%H:%M"), *(monitor.cell(values[c][i]) or "missing" for c in columns))
        for i, when in enumerate(first.times())
    ]
    return Table(("minute", *(f"{day}: {monitor.SHORT[name]}" for day, name in columns)), rows)
