"""Chapter 3's experiment: processing time against the visibility timeout, with failures and a
heartbeat, on two workers (the consumer panel runs it with its sliders' values). On a real clock
every duration of a run can be divided by a speed-up, so a run of minutes takes seconds."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqslab import timeline
from sqslab.arguments import LAB, NAME, requires
from sqslab.consumer import ConsumeResult, Message, StopPolicy, WorkerPool
from sqslab.realclock import DemoTime

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.timeline import Timeline


def outcome(result: ConsumeResult, messages: int) -> dict[str, float]:
    """What a consumer run achieved: processed, duplicates, failures, left, seconds of queue time."""
    counts = Counter(result.processed)
    return {
        "messages": messages,
        "processed": len(counts),
        "duplicates": sum(1 for n in counts.values() if n > 1),
        "failures": result.failures,
        "left": messages - len(counts),
        "seconds": round(result.busy_time, 3),
    }


@dataclass(frozen=True)
class TimeoutRun:
    """One run of :func:`work_vs_timeout`: the consumer's result and each message's timeline."""

    messages: int
    result: ConsumeResult
    timeline: Timeline

    def summary(self) -> dict[str, float]:
        """The run's :func:`outcome` (what the chapter 3 panel keeps as ``last``)."""
        return outcome(self.result, self.messages)


@requires(lab=LAB, name=NAME)
def work_vs_timeout(
    lab: Lab,
    name: str,
    *,
    work: int,
    visibility: int,
    failure_rate: float,
    heartbeat: bool,
    seed: int,
    messages: int = 5,
    speedup: float = 1,
) -> TimeoutRun:
    """Two workers, one message per receive, on ``messages`` jobs of ``work`` s in a new queue
    (``visibility`` s) failing at ``failure_rate``; a heartbeat extends every third of the timeout.
    On a real clock every duration is ``speedup`` times shorter (the timeout and the long poll
    rounded to the whole seconds SQS takes)."""
    demo = DemoTime(speedup, lab.virtual_time)
    sqs = lab.sqs
    url = sqs.create_queue(
        QueueName=name, Attributes={"VisibilityTimeout": str(round(demo(visibility)))}
    )["QueueUrl"]
    for i in range(messages):
        sqs.send_message(QueueUrl=url, MessageBody=f"job {i + 1}")
    rng = random.Random(seed)

    def handler(message: Message) -> None:
        lab.wait(demo(work))
        if rng.random() < failure_rate:
            raise RuntimeError("the handler failed")

    beat = demo(max(1, visibility // 3)) if heartbeat else None
    # one message per receive, so each message's own processing time meets its own timeout
    pool = WorkerPool(
        sqs,
        url,
        handler,
        workers=2,
        batch_size=1,
        wait_time=max(1, round(demo(20))),
        heartbeat_interval=beat,
        stop=StopPolicy(idle_timeout=demo(60), until=demo(600)),
    )
    result = pool.run()
    return TimeoutRun(messages, result, timeline.of(lab, url))
