"""Scaling consumers on the queue's backlog, the way EC2 Auto Scaling's SQS policy does it.

AWS's formula (fact ``sqs_scaling_backlog_per_instance``): backlog per instance =
ApproximateNumberOfMessages / running instances; the target (acceptable backlog per instance) =
acceptable latency / processing time per message; the desired count is the backlog divided by the
target, rounded up, within the group's minimum and maximum (the arithmetic is in
:mod:`sqslab.scaling_policy`, re-exported here).
https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-using-sqs-queue.html

:func:`simulate` runs it over time on the virtual clock: a bursty producer, a pool of consumer
instances that grows and shrinks each minute from the sampled backlog, and the AWS/SQS metrics of
the run (:mod:`sqslab.monitor`) with alarms (:mod:`sqslab.alarms`) evaluated on them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqslab import alarms as alarm_presets
from sqslab import facts, monitor, realclock
from sqslab.alarms import Alarm, AlarmHistory
from sqslab.arguments import LAB, check_count, check_finite, requires
from sqslab.arguments import instance as instance_of
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import N_, _
from sqslab.metric_cells import cell, utc
from sqslab.monitor import Metrics, Sampler
from sqslab.scaling_policy import (
    ScalingPolicy,
    backlog_per_instance,
    bursty_arrivals,
    check_bounds,
    desired_instances,
    target,
)
from sqslab.scheduler import scheduler_for
from sqslab.tables import Table
from sqslab.timeline import QueueSettings

if TYPE_CHECKING:
    from sqslab.lab import Lab

__all__ = [
    "ScalingPolicy",
    "ScalingRun",
    "backlog_per_instance",
    "bursty_arrivals",
    "check_bounds",
    "default_alarms",
    "desired_instances",
    "simulate",
    "target",
]

#: Why :func:`simulate` is skipped on a real clock.
REAL_CLOCK = N_(
    "it plays minutes of traffic one after another, and on a real clock each simulated minute "
    "takes a real one"
)
#: Sends per simulated minute: arrivals are spread over this many instants, 10 s apart.
TICKS_PER_MINUTE = 6
#: A worker's long poll (the SQS maximum, fact ``long_poll_max_wait``).
LONG_POLL = 20


@dataclass
class ScalingRun:
    """What a scaling simulation did: the queue's metrics, instances per minute, alarm histories."""

    queue: str
    policy: ScalingPolicy
    arrivals: list[int]
    metrics: Metrics
    instances: list[tuple[datetime, int]]
    alarms: dict[str, AlarmHistory] = field(default_factory=dict)
    finished: bool = True
    #: Why the run did not happen (on a real clock); empty for a run that ran.
    skipped: str = ""

    def instance_counts(self) -> list[int]:
        """Instances running in each minute."""
        return [n for _, n in self.instances]

    def table(self) -> Table:
        """One row per minute: arrivals, backlog, in flight, oldest age, instances, alarm states."""
        if self.skipped:
            head = _("{queue}: skipped on a real clock").format(queue=self.queue)
            return Table((head,), [(self.skipped,)], verbatim=(head,))
        m = self.metrics
        columns = (monitor.VISIBLE, monitor.NOT_VISIBLE, monitor.AGE, monitor.DELETED)
        values = {name: m.values(name) for name in columns}
        rows = []
        for i, when in enumerate(m.times()):
            cells = [cell(values[name][i]) for name in columns]
            states = [h.states[i] if i < len(h.states) else "" for h in self.alarms.values()]
            arrived = self.arrivals[i] if i < len(self.arrivals) else 0
            count = self.instances[i][1] if i < len(self.instances) else ""
            rows.append((when.strftime("%H:%M"), arrived, *cells, count, *states))
        heads = (N_("minute"), N_("arrivals"), *(monitor.SHORT[n] for n in columns))
        return Table((*heads, N_("instances"), *self.alarms), rows, verbatim=tuple(self.alarms))

    def __repr__(self) -> str:
        peak = max(self.instance_counts(), default=0)
        return (
            f"<ScalingRun {self.queue!r}: {len(self.instances)} minutes, "
            f"{sum(self.arrivals)} messages, peak {peak} instances>"
        )


@dataclass
class _Instance:
    """One consumer instance of the simulated group."""

    name: str
    stopping: bool = False


class _Simulation:
    """The tasks of one run: controller (sampling, scaling), producer, consumer instances."""

    def __init__(
        self, lab: Lab, url: str, policy: ScalingPolicy, arrivals: list[int], **kw: Any
    ) -> None:
        self.lab, self.url, self.policy, self.arrivals = lab, url, policy, arrivals
        self.name = Sampler.name(url)
        self.processing_time: float = kw["processing_time"]
        self.batch_size: int = kw["batch_size"]
        self.minutes: int = kw["minutes"]
        self.alarms: list[Alarm] = kw["alarms"]
        self.on_minute: Callable[[ScalingRun], None] | None = kw["on_minute"]
        self.every: int = kw["every"]
        self.sampler = Sampler(lab, url)
        self.scheduler = scheduler_for(lab.clock)
        self.pool: list[_Instance] = []
        self.instances: list[tuple[datetime, int]] = []
        self.start = lab.clock.time()

    def run(self) -> ScalingRun:
        self.scheduler.spawn(self._controller, "controller")
        self.scheduler.spawn(self._producer, "producer")
        self.scheduler.run()
        return self.result(self.start + self.minutes * 60, finished=True)

    def result(self, end: float, finished: bool) -> ScalingRun:
        """The run so far (or complete): metrics up to ``end`` and alarms on them."""
        metrics = monitor.derive(
            self.lab.trace.records,
            self.name,
            start=self.start,
            end=end,
            settings=self.settings,
            snapshots=self.sampler.snapshots[self.name],
        )
        histories = {a.name: a.evaluate(metrics) for a in self.alarms}
        return ScalingRun(
            self.name,
            self.policy,
            self.arrivals,
            metrics,
            list(self.instances),
            histories,
            finished,
        )

    @property
    def settings(self) -> QueueSettings:
        return QueueSettings.aws_defaults().updated({"VisibilityTimeout": self.visibility})

    @property
    def visibility(self) -> int:
        """A visibility timeout comfortably longer than one batch takes to process."""
        return max(30, math.ceil(2 * self.batch_size * self.processing_time))

    # -- controller: sample each minute, then scale ------------------------------------------

    def _controller(self) -> None:
        self._scale_to(self.policy.desired(0))
        for minute in range(1, self.minutes + 1):
            self.scheduler.wait_until(self.start + 60 * minute)
            (snap,) = self.sampler.sample()
            if minute < self.minutes:
                self._scale_to(self.policy.desired(snap.visible))
            if self.on_minute is not None and (minute % self.every == 0 or minute == self.minutes):
                self.on_minute(self.result(self.lab.clock.time(), finished=minute == self.minutes))
        for instance in self.pool:
            instance.stopping = True

    def _running(self) -> list[_Instance]:
        return [i for i in self.pool if not i.stopping]

    def _scale_to(self, count: int) -> None:
        """Start or stop instances (newest stop first) so ``count`` run; record the count."""
        running = self._running()
        for instance in running[count:]:
            instance.stopping = True
        for _start in range(count - len(running)):
            instance = _Instance(f"instance-{len(self.pool) + 1}")
            self.pool.append(instance)
            self.scheduler.spawn(functools.partial(self._consume, instance), instance.name)
        self.instances.append((utc(self.lab.clock.time()), len(self._running())))

    # -- producer ----------------------------------------------------------------------------

    def _producer(self) -> None:
        sqs, seq = self.lab.sqs, 0
        for minute, count in enumerate(self.arrivals[: self.minutes]):
            for tick in range(TICKS_PER_MINUTE):
                self.scheduler.wait_until(self.start + 60 * minute + tick * 60 / TICKS_PER_MINUTE)
                share = count // TICKS_PER_MINUTE + (tick < count % TICKS_PER_MINUTE)
                for first in range(0, share, 10):
                    entries = [
                        {"Id": str(i), "MessageBody": f"order {seq + i + 1:05d}"}
                        for i in range(min(10, share - first))
                    ]
                    sqs.send_message_batch(QueueUrl=self.url, Entries=entries)
                    seq += len(entries)

    # -- one consumer instance ---------------------------------------------------------------

    def _consume(self, instance: _Instance) -> None:
        sqs = self.lab.sqs
        while not instance.stopping:
            got = sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=self.batch_size, WaitTimeSeconds=LONG_POLL
            ).get("Messages", [])
            if not got:
                continue
            if instance.stopping:  # scaled in during the long poll: hand the messages back
                self._change(got, 0)
                return
            self.lab.clock.sleep(self.processing_time * len(got))  # one message after another
            sqs.delete_message_batch(
                QueueUrl=self.url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)
                ],
            )

    def _change(self, messages: list[dict[str, Any]], timeout: int) -> None:
        self.lab.sqs.change_message_visibility_batch(
            QueueUrl=self.url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": timeout}
                for i, m in enumerate(messages)
            ],
        )


def default_alarms(queue: str, policy: ScalingPolicy) -> list[Alarm]:
    """Oldest message older than the acceptable latency (2 of 2 minutes), and a backlog of more
    than what the largest group clears within the acceptable latency (2 of 3 minutes)."""
    most = math.ceil(policy.target * policy.max_instances)
    return [
        alarm_presets.oldest_message_age(queue, policy.acceptable_latency, periods=2),
        alarm_presets.backlog(queue, most, periods=3, datapoints=2),
    ]


def _check_arrivals(arrivals: Any) -> list[int]:
    """Messages per minute: a list of whole numbers, 0 or more each."""
    from sqslab.arguments import given, is_list

    if not is_list(arrivals):
        raise WrongTypeError(
            _(
                "arrivals is a list of messages per minute, e.g. [20, 20, 150, 20] or "
                "scaling.bursty_arrivals(); got {given}"
            ).format(given=given(arrivals))
        )
    return [
        check_count(f"arrivals[{i}]", n, example="[20, 150, 20]") for i, n in enumerate(arrivals)
    ]


@requires(lab=LAB, policy=instance_of(ScalingPolicy, "ScalingPolicy(10, 0.1)"))
def simulate(
    lab: Lab,
    policy: ScalingPolicy,
    arrivals: Sequence[int] | None = None,
    *,
    processing_time: float | None = None,
    batch_size: int = 5,
    name: str = "scaling-demo",
    alarms: Sequence[Alarm] | None = None,
    on_minute: Callable[[ScalingRun], None] | None = None,
    every: int = 1,
) -> ScalingRun:
    """Run ``arrivals`` (messages per minute) through a consumer group scaled by ``policy`` every
    minute; each message takes ``processing_time`` (default: the policy's) of virtual time.

    ``on_minute(run_so_far)`` is called every ``every`` simulated minutes (a live chart).
    Runs on the virtual clock only; keep it to hundreds of messages (moto slows with depth). On a
    real clock it says so and returns an empty run (``skipped`` says why) that later cells can use.
    """
    arrivals = _check_arrivals(arrivals if arrivals is not None else bursty_arrivals())
    what = _("scaling.simulate of {name!r} ({minutes} minutes)").format(
        name=name, minutes=len(arrivals)
    )
    if not realclock.virtual_only(lab, what, _(REAL_CLOCK)):
        return skipped_run(lab, policy, arrivals, name, alarms)
    top = int(facts.get("max_receive_messages").value)
    if not 1 <= batch_size <= top:
        raise LimitError(
            _("batch_size {size} is out of range: a receive returns 1 to {top}").format(
                size=batch_size, top=top
            )
        )
    if every < 1:
        raise LimitError(_("every must be 1 or more minutes, got {every}").format(every=every))
    seconds = policy.seconds_per_message if processing_time is None else processing_time
    if check_finite("processing_time", seconds, "processing_time=0.5") <= 0:
        raise LimitError(
            _("processing_time must be positive, got {seconds}").format(seconds=seconds)
        )
    _to_next_minute(lab)
    visibility = max(30, math.ceil(2 * batch_size * seconds))
    url = lab.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": str(visibility)})[
        "QueueUrl"
    ]
    queue = Sampler.name(url)
    sim = _Simulation(
        lab,
        url,
        policy,
        arrivals,
        processing_time=seconds,
        batch_size=batch_size,
        minutes=len(arrivals),
        alarms=list(alarms) if alarms is not None else default_alarms(queue, policy),
        on_minute=on_minute,
        every=every,
    )
    return sim.run()


def _to_next_minute(lab: Lab) -> None:
    """Wait for the next whole minute, so simulated minutes line up with metric periods."""
    now = lab.clock.time()
    boundary = monitor.align(now)
    if boundary < now:
        lab.wait(boundary + 60 - now)


def skipped_run(
    lab: Lab,
    policy: ScalingPolicy,
    arrivals: list[int],
    name: str,
    alarms: Sequence[Alarm] | None,
) -> ScalingRun:
    """The empty run :func:`simulate` gives on a real clock: no queue, no datapoints, no
    instances; its table, its metrics' source and its alarm histories say it was skipped."""
    start = monitor.align(lab.clock.time())
    why = _("skipped on a real clock: {why}").format(why=_(REAL_CLOCK))
    metrics = Metrics(name, start, 0, data={}, source=why)
    watching = list(alarms) if alarms is not None else default_alarms(name, policy)
    histories = {a.name: AlarmHistory(a, [], [], []) for a in watching}
    return ScalingRun(name, policy, arrivals, metrics, [], histories, finished=False, skipped=why)
