"""Live snapshots of queues: a :class:`Sampler` reads their gauges every minute on the lab's clock,
as CloudWatch samples AWS/SQS, and on moto the age of the oldest message moto does not report.

On the moto backends each sample also plays SQS's and CloudWatch's parts: the queue's AWS/SQS
datapoints go into moto's CloudWatch (:mod:`sqslab.metric_publisher`) and the alarms stored there
on the sampled queues are evaluated (:mod:`sqslab.alarm_evaluator`). On AWS, SQS publishes and
CloudWatch evaluates by themselves, so the sampler only reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqslab import alarm_evaluator, queue_metrics
from sqslab.derived_metrics import UNKNOWN_AGE, unseen_messages
from sqslab.emulator import state
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import _
from sqslab.metric_publisher import Publisher, publishes
from sqslab.metric_series import (
    DELAYED,
    NOT_VISIBLE,
    VISIBLE,
    Metrics,
    Snapshot,
    align,
    period_seconds,
    poison_receives,
    queue_name,
)

if TYPE_CHECKING:
    from sqslab.consumer import Consumer, ConsumeResult
    from sqslab.lab import Lab

#: The SQS queue attributes behind the three count gauges.
ATTRIBUTES = {
    VISIBLE: "ApproximateNumberOfMessages",
    NOT_VISIBLE: "ApproximateNumberOfMessagesNotVisible",
    DELAYED: "ApproximateNumberOfMessagesDelayed",
}


def _moto_queue(lab: Lab, name: str) -> Any | None:
    """moto's own queue object, when the lab runs moto in this process; else None."""
    if not lab.virtual_time:
        return None
    return state.queue(lab.account_id, lab.region, name)


def _check_sampler(lab: Any, urls: tuple[Any, ...], period: Any) -> None:
    """The lab, queue URLs as text, and a period that is a whole number of minutes in seconds
    (on a real clock, or fewer whole seconds: a minute squeezed by ``lab.demo_time``)."""
    from sqslab.arguments import LAB, QUEUE_URL, call_of, given, is_whole, problem

    if not LAB.test(lab):
        raise WrongTypeError(problem(Sampler.__init__, "lab", LAB, lab))
    for url in urls:
        if not QUEUE_URL.test(url):
            raise WrongTypeError(problem(Sampler.__init__, "each queue URL", QUEUE_URL, url))
    step = period_seconds()
    if period is None or (is_whole(period) and period >= step and period % step == 0):
        return
    if not lab.virtual_time and is_whole(period) and 1 <= period < step:
        return  # a minute squeezed by lab.demo_time on a real clock
    raise LimitError(
        _(
            "period is a whole number of minutes in seconds ({step}, 300…), as CloudWatch samples "
            "AWS/SQS (on a real clock also a minute squeezed by a demo, demo({step})); got "
            "{given}: call {call}"
        ).format(step=step, given=given(period), call=call_of(Sampler.__init__))
    )


class Sampler:
    """Reads queues' gauges every minute on the lab's clock, as CloudWatch samples them.

    ``sample()`` takes one snapshot of each queue now; ``task(runner, done)`` samples at every minute
    boundary beside other scheduled tasks; ``watch(consumer)`` runs a consumer with it.
    On moto it also keeps the age of the oldest message (which moto does not report): a message
    moved into a dead-letter queue counts from when the sampler first saw it there, as AWS counts
    a DLQ's age from the move. On the moto backends each sample is published into moto's
    CloudWatch as AWS/SQS and the CloudWatch alarms on the watched queues are evaluated; on a real
    AWS endpoint SQS publishes these metrics itself, so the sampler publishes nothing there.
    """

    def __init__(self, lab: Lab, *queue_urls: str, period: int | None = None) -> None:
        if not queue_urls:
            raise LimitError(_("give the Sampler at least one queue URL to watch"))
        _check_sampler(lab, queue_urls, period)
        self.lab = lab
        self.urls = list(queue_urls)
        self.period = period or period_seconds()
        self.snapshots: dict[str, list[Snapshot]] = {self.name(u): [] for u in self.urls}
        self._first_seen: dict[tuple[str, str], float] = {}
        self.publisher = Publisher(lab) if publishes(lab) else None

    @staticmethod
    def name(url: str) -> str:
        """A queue's name from its URL."""
        return queue_name(url)

    def sample(self) -> list[Snapshot]:
        """One snapshot of every queue at the current time (left out of the trace); on the moto
        backends also published into CloudWatch, with the alarms on these queues evaluated."""
        taken = []
        with self.lab.trace.paused():
            for url in self.urls:
                taken.append(self._snapshot(url))
        if self.publisher is not None:
            names = [self.name(url) for url in self.urls]
            self.publisher.publish(dict(zip(names, taken, strict=True)))
            alarm_evaluator.evaluate(self.lab, queues=names, at=taken[-1].time)
        return taken

    def _snapshot(self, url: str) -> Snapshot:
        attrs = self.lab.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=list(ATTRIBUTES.values())
        )["Attributes"]
        now = self.lab.clock.time()
        name = self.name(url)
        snap = Snapshot(
            now,
            int(attrs.get(ATTRIBUTES[VISIBLE], 0)),
            int(attrs.get(ATTRIBUTES[NOT_VISIBLE], 0)),
            int(attrs.get(ATTRIBUTES[DELAYED], 0)),
            self._oldest_age(name, now),
        )
        if snap.oldest_age is None and unseen_messages(self.lab.trace.records, name, snap):
            snap = replace(snap, oldest_age=UNKNOWN_AGE)  # off moto: dead letters, or others'
        self.snapshots[name].append(snap)
        return snap

    def _oldest_age(self, name: str, now: float) -> float | None:
        """The age of the oldest message from moto's own queue, or None off moto."""
        queue = _moto_queue(self.lab, name)
        if queue is None:
            return None
        is_dlq = bool(state.dead_letter_sources(queue))
        ages = []
        for message in state.stored(queue):
            seen = self._first_seen.setdefault((name, message.id), now)
            if message.receives >= poison_receives():
                continue
            enqueued = seen if is_dlq else message.sent
            ages.append(now - enqueued)
        return max(ages, default=0.0)

    def task(self, runner: Any, done: Callable[[], bool]) -> None:
        """Spawn a task on ``runner`` that samples at each period boundary until ``done()``."""

        def loop() -> None:
            while not done():
                boundary = align(self.lab.clock.time(), self.period) + self.period
                runner.wait_until(boundary, wake_if=done)
                if self.lab.clock.time() >= boundary:
                    self.sample()

        runner.spawn(loop, "sampler")

    def watch(self, consumer: Consumer) -> ConsumeResult:
        """Run ``consumer`` (a Consumer or WorkerPool) with this sampler beside it."""
        return consumer.run(beside=self.task)

    def metrics(self, url: str, start: float | None = None, end: float | None = None) -> Metrics:
        """The metrics of one watched queue, with this sampler's snapshots for the gauges, in
        periods of the sampler's period."""
        return queue_metrics.metrics(self.lab, url, sampler=self, start=start, end=end)
