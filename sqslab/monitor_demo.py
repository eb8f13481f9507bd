"""Chapter 6's experiment: a 12-minute workload with a 3-minute burst through a consumer group
that scales on backlog, seen as CloudWatch would (the monitor panel runs it with its sliders)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqslab import monitor, scaling
from sqslab.arguments import LAB, NAME, requires
from sqslab.scaling import ScalingPolicy, ScalingRun

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: Seconds a message may wait before it is late (the scaling target and the age alarm use it).
ACCEPTABLE_LATENCY = 60
#: Messages a minute outside the burst, and per receive: small enough to redraw in a second.
BASE_RATE = 5
BATCH_SIZE = 10


def burst_policy(processing: float, most_consumers: int) -> ScalingPolicy:
    """Scale 1..``most_consumers`` consumers of ``processing`` s a message to keep messages under
    :data:`ACCEPTABLE_LATENCY`."""
    return ScalingPolicy(ACCEPTABLE_LATENCY, processing, 1, most_consumers)


@requires(lab=LAB, name=NAME)
def burst_run(
    lab: Lab,
    name: str,
    *,
    burst: int,
    most_consumers: int,
    processing: float,
    on_minute: Callable[[ScalingRun], None] | None = None,
    every: int = 1,
) -> ScalingRun:
    """Simulate 12 minutes (``burst`` messages a minute in minutes 3-5) on a new queue ``name``;
    ``on_minute(run_so_far)`` is called every ``every`` simulated minutes (a live chart)."""
    arrivals = scaling.bursty_arrivals(base=BASE_RATE, burst=burst)
    return scaling.simulate(
        lab,
        burst_policy(processing, most_consumers),
        arrivals,
        batch_size=BATCH_SIZE,
        name=name,
        on_minute=on_minute,
        every=every,
    )


def summary(run: ScalingRun) -> dict[str, Any]:
    """A run's key numbers: messages, peak backlog, oldest message age, peak consumers, the alarms
    that fired, messages left in the queue at the end, and why it was skipped (if it was)."""
    m = run.metrics
    visible, in_flight = m.values(monitor.VISIBLE), m.values(monitor.NOT_VISIBLE)
    return {
        "messages": sum(run.arrivals),
        "peak_backlog": int(max((v or 0 for v in visible), default=0)),
        "oldest_age": max((v or 0 for v in m.values(monitor.AGE)), default=0),
        "peak_instances": max(run.instance_counts(), default=0),
        "alarms_fired": [name for name, h in run.alarms.items() if h.count("ALARM")],
        "left": int((visible[-1] or 0) + (in_flight[-1] or 0)) if visible else 0,
        "skipped": run.skipped,
    }
