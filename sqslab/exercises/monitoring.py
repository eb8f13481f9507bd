"""Chapter 6 auto-checks. Exercises 6.1 and 6.3 check an alarm the learner stored in CloudWatch
(:mod:`.monitoring_alarms`, on the days of :mod:`.monitoring_days`); exercise 6.2 runs
:func:`sqslab.scaling.simulate` with the learner's policy on a fixed thumbnail burst
(:func:`run_thumbnails`).
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

from sqslab import metric_series, scaling
from sqslab.exercises.arguments import LAB, Expected, expects, given, requires
from sqslab.exercises.base import Check, Problem, first_problem, hint
from sqslab.exercises.monitoring_alarms import check_dlq_alarm, check_stuck_alarm
from sqslab.exercises.monitoring_days import orders_day, refunds_day
from sqslab.i18n import N_
from sqslab.i18n import translate as _
from sqslab.numbers import short
from sqslab.scaling import ScalingPolicy, ScalingRun

if TYPE_CHECKING:
    from sqslab.lab import Lab

MINUTE = 60
#: Seconds of work per thumbnail, the promise (no thumbnail waits longer), the largest group.
THUMBNAIL_SECONDS = 2
THUMBNAIL_GOAL = 90
THUMBNAIL_MAX_INSTANCES = 10
THUMBNAIL_BATCH = 10

_runs = itertools.count(1)

__all__ = [
    "check_dlq_alarm",
    "check_scaling_target",
    "check_stuck_alarm",
    "orders_day",
    "refunds_day",
    "run_thumbnails",
    "thumbnail_arrivals",
]


def thumbnail_arrivals() -> list[int]:
    """Exercise 6.2's workload: 10 thumbnails a minute, 90 a minute for 3 minutes from 09:01."""
    return scaling.bursty_arrivals(minutes=7, base=10, burst=90, start=1, length=3, quiet=2)


@requires(
    lab=LAB,
    policy=Expected(
        N_("a scaling.ScalingPolicy(acceptable_latency=..., seconds_per_message=...)"),
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


def _policy_problems(policy: ScalingPolicy) -> list[Problem]:
    """What is wrong with the policy before any simulation, least telling hint first."""
    factor = THUMBNAIL_SECONDS / policy.seconds_per_message
    effect = (
        _("{factor} times too large: too few instances").format(factor=short(factor))
        if factor > 1
        else _("{factor} times too small: too many instances").format(factor=short(1 / factor))
    )
    per_instance = MINUTE / THUMBNAIL_SECONDS
    peak = max(thumbnail_arrivals())
    return [
        (
            math.isclose(policy.seconds_per_message, THUMBNAIL_SECONDS),
            _(
                "the policy assumes {seconds} s of work per thumbnail; the exercise says how long "
                "one takes. Look at seconds_per_message"
            ).format(seconds=short(policy.seconds_per_message)),
            _(
                "each thumbnail takes {seconds} s, so target = acceptable latency / processing "
                "time comes out {effect}"
            ).format(seconds=THUMBNAIL_SECONDS, effect=effect),
        ),
        (
            policy.min_instances <= 1,
            _(
                "min_instances={n} keeps instances running through quiet hours that one could "
                "handle. Look at the group's minimum"
            ).format(n=policy.min_instances),
            _("let the backlog scale the group out from a single instance"),
        ),
        (
            policy.max_instances <= THUMBNAIL_MAX_INSTANCES,
            _("max_instances={n} is over the budget the exercise gives").format(
                n=policy.max_instances
            ),
            _("the budget allows at most {n} instances").format(n=THUMBNAIL_MAX_INSTANCES),
        ),
        (
            policy.max_instances * per_instance >= peak,
            _(
                "{n} instances clear at most {clear} thumbnails a minute, the burst brings "
                "{peak}: look at max_instances"
            ).format(
                n=policy.max_instances,
                clear=short(policy.max_instances * per_instance),
                peak=peak,
            ),
            _("each instance clears {clear} a minute ({seconds} s each)").format(
                clear=short(per_instance), seconds=THUMBNAIL_SECONDS
            ),
        ),
    ]


@expects("ex6.2", lab=LAB)
def check_scaling_target(lab: Lab, policy: Any) -> Check:
    """Exercise 6.2: with ``policy`` no thumbnail of the burst waits longer than the goal (90 s),
    and the queue is empty at the end."""
    exercise = "ex6.2"
    if not isinstance(policy, ScalingPolicy):
        return hint(
            exercise,
            _(
                "thumb_policy should be a ScalingPolicy built from the exercise's numbers "
                "(section 6 builds one); it got {given}"
            ).format(given=given(policy)),
        )
    before = first_problem(exercise, _policy_problems(policy), "")
    if not before:
        return before
    if not lab.virtual_time:
        return hint(
            exercise,
            _(
                "not checked here: your policy's numbers fit the exercise (target {target} "
                "thumbnails per instance), but whether the oldest thumbnail stays within {goal} s "
                "needs the burst run through scaling.simulate, which is skipped here: {why}. Run "
                "this check on the moto backend (SQSLAB_BACKEND=moto, the default)"
            ).format(target=short(policy.target), goal=THUMBNAIL_GOAL, why=_(scaling.REAL_CLOCK)),
        )
    return _after_run(exercise, policy, run_thumbnails(lab, policy))


def _after_run(exercise: str, policy: ScalingPolicy, run: ScalingRun) -> Check:
    m = run.metrics
    oldest = max(v or 0 for v in m.values(metric_series.AGE))
    left = (m.values(metric_series.VISIBLE)[-1] or 0) + (
        m.values(metric_series.NOT_VISIBLE)[-1] or 0
    )
    peak = max(run.instance_counts())
    summary = _(
        "target {target} thumbnails per instance: peak {peak} instances, oldest thumbnail "
        "{oldest} s (goal {goal} s)"
    ).format(target=short(policy.target), peak=peak, oldest=short(oldest), goal=THUMBNAIL_GOAL)
    at_promise = policy.acceptable_latency >= THUMBNAIL_GOAL
    return first_problem(
        exercise,
        [
            (
                oldest <= THUMBNAIL_GOAL,
                _(
                    "{summary}: too slow. Think about what the group does in the minute before it "
                    "notices the burst"
                ).format(summary=summary),
                _(
                    "the group scales once a minute on a 1-minute metric, so a thumbnail also "
                    "waits for that reaction: aim the acceptable latency below the goal"
                )
                if at_promise
                else _("lower the acceptable latency: a smaller target scales out sooner"),
            ),
            (
                not left,
                _("{summary}, but {left} left in the queue at the end").format(
                    summary=summary, left=short(left)
                ),
            ),
        ],
        _("{summary}; {minutes} instance-minutes for {count} thumbnails.").format(
            summary=summary, minutes=sum(run.instance_counts()), count=sum(run.arrivals)
        ),
    )
