"""The lab's way to a queue's AWS/SQS metrics: CloudWatch's on AWS, derived from the trace on every
other backend (re-exported as :func:`sqslab.monitor.metrics`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqslab.cloudwatch import from_cloudwatch
from sqslab.derived_metrics import from_trace
from sqslab.errors import LimitError
from sqslab.metric_series import Metrics, queue_name

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.sampler import Sampler


def metrics(
    lab: Lab,
    queue_url: str,
    *,
    sampler: Sampler | None = None,
    start: float | None = None,
    end: float | None = None,
) -> Metrics:
    """The AWS/SQS metrics of a queue: from CloudWatch on AWS, derived on every other backend.

    ``start`` defaults to the queue's first traced call and ``end`` to now (lab clock seconds).
    """
    name = queue_name(queue_url)
    end = lab.clock.time() if end is None else end
    if lab.backend == "aws":
        if start is None:
            raise LimitError("on AWS give start= (clock seconds) for the CloudWatch query")
        return from_cloudwatch(lab.client("cloudwatch"), name, start=start, end=end)
    if sampler is None:
        return from_trace(lab, queue_url, start=start, end=end)
    snapshots = sampler.snapshots.get(name, [])
    return from_trace(
        lab, queue_url, snapshots=snapshots, start=start, end=end, period=sampler.period
    )
