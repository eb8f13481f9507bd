"""The scaling policy of EC2 Auto Scaling's SQS recipe, as numbers: backlog per instance, the
target (acceptable latency / processing time per message), the desired instance count, and a
bursty workload to try it on. :mod:`sqslab.scaling` runs it over time and re-exports all of it.
https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-using-sqs-queue.html
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqslab.arguments import check_count, check_finite
from sqslab.errors import LimitError
from sqslab.i18n import _
from sqslab.numbers import short


def backlog_per_instance(visible: float, instances: int) -> float:
    """Visible messages per running instance (infinite with messages and no instance)."""
    check_finite("visible", visible, "backlog_per_instance(120, 4)")
    check_count("instances", instances, minimum=None)
    if visible < 0 or instances < 0:
        raise LimitError(
            _("backlog and instances cannot be negative, got {visible} and {instances}").format(
                visible=visible, instances=instances
            )
        )
    if instances == 0:
        return math.inf if visible else 0.0
    return visible / instances


def target(acceptable_latency: float, seconds_per_message: float) -> float:
    """Acceptable backlog per instance: how many messages one instance may have waiting."""
    check_finite("acceptable_latency", acceptable_latency, "target(10, 0.1) = 100")
    check_finite("seconds_per_message", seconds_per_message, "target(10, 0.1) = 100")
    if acceptable_latency <= 0 or seconds_per_message <= 0:
        raise LimitError(
            _(
                "acceptable latency ({latency} s) and processing time per message ({seconds} s) "
                "must both be positive, e.g. target(10, 0.1) = 100"
            ).format(latency=acceptable_latency, seconds=seconds_per_message)
        )
    return acceptable_latency / seconds_per_message


def desired_instances(
    visible: float, target_backlog: float, min_instances: int = 1, max_instances: int = 10
) -> int:
    """ceil(backlog / target), clamped to [min_instances, max_instances]."""
    check_bounds(min_instances, max_instances)
    check_finite("visible", visible, "desired_instances(120, 30)")
    check_finite("target_backlog", target_backlog, "desired_instances(120, 30)")
    if target_backlog <= 0:
        raise LimitError(
            _("the target backlog per instance must be positive, got {target}").format(
                target=target_backlog
            )
        )
    wanted = math.ceil(round(visible / target_backlog, 9))
    return max(min_instances, min(max_instances, wanted))


def check_bounds(min_instances: int, max_instances: int) -> None:
    """0 <= min <= max, max at least 1, both whole numbers."""
    check_count("min_instances", min_instances, minimum=None, example="min_instances=1")
    check_count("max_instances", max_instances, minimum=None, example="max_instances=8")
    if min_instances < 0 or max_instances < 1 or min_instances > max_instances:
        raise LimitError(
            _(
                "instances must satisfy 0 <= min <= max and max >= 1, got min={min}, max={max}: "
                "e.g. min_instances=1, max_instances=8"
            ).format(min=min_instances, max=max_instances)
        )


@dataclass(frozen=True)
class ScalingPolicy:
    """Target tracking on backlog per instance, within a minimum and maximum group size."""

    acceptable_latency: float
    seconds_per_message: float
    min_instances: int = 1
    max_instances: int = 10

    def __post_init__(self) -> None:
        check_bounds(self.min_instances, self.max_instances)
        target(self.acceptable_latency, self.seconds_per_message)

    @property
    def target(self) -> float:
        """Acceptable backlog per instance."""
        return target(self.acceptable_latency, self.seconds_per_message)

    def desired(self, visible: float) -> int:
        """How many instances the policy wants for ``visible`` waiting messages."""
        return desired_instances(visible, self.target, self.min_instances, self.max_instances)

    def describe(self) -> str:
        """The formula with this policy's numbers."""
        return _(
            "target = {latency} s / {seconds} s per message = {target} messages per instance; "
            "instances = ceil(visible / {target}) within {min}..{max}"
        ).format(
            latency=short(self.acceptable_latency),
            seconds=short(self.seconds_per_message),
            target=short(self.target),
            min=self.min_instances,
            max=self.max_instances,
        )


def bursty_arrivals(
    minutes: int = 12,
    base: int = 20,
    burst: int = 150,
    start: int = 3,
    length: int = 3,
    quiet: int = 2,
) -> list[int]:
    """Messages per minute: ``base``, ``burst`` for ``length`` minutes from ``start``, and nothing
    in the last ``quiet`` minutes (idle consumers then show empty receives)."""
    if minutes < 1 or base < 0 or burst < 0 or quiet < 0:
        raise LimitError(_("arrivals need minutes >= 1 and non-negative rates and quiet minutes"))
    rates = [burst if start <= m < start + length else base for m in range(minutes)]
    return [0 if m >= minutes - quiet else rate for m, rate in enumerate(rates)]
