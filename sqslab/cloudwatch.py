"""The AWS/SQS metrics of a queue as CloudWatch returns them on real AWS (``GetMetricData``)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqslab.metric_cells import utc
from sqslab.metric_series import (
    DEFAULT_STATISTIC,
    METRICS,
    NAMESPACE,
    Metrics,
    Stat,
    align,
    period_seconds,
)


def metric_queries(
    queue: str,
    period: int = 60,
    statistics: Mapping[str, str] | None = None,
    names: Sequence[str] = METRICS,
) -> list[dict[str, Any]]:
    """GetMetricData queries for the AWS/SQS metrics ``names`` of ``queue`` (ids m0, m1, …):
    the standard set unless told (add :data:`~sqslab.metric_series.FAIR` for a fair queue)."""
    chosen = {**DEFAULT_STATISTIC, **(statistics or {})}
    return [
        {
            "Id": f"m{i}",
            "Label": name,
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": name,
                    "Dimensions": [{"Name": "QueueName", "Value": queue}],
                },
                "Period": period,
                "Stat": chosen[name],
            },
            "ReturnData": True,
        }
        for i, name in enumerate(names)
    ]


def from_cloudwatch(
    cloudwatch: Any,
    queue: str,
    *,
    start: float,
    end: float,
    period: int | None = None,
    names: Sequence[str] = METRICS,
) -> Metrics:
    """The AWS/SQS metrics ``names`` of ``queue`` as CloudWatch returns them (GetMetricData), one
    statistic per metric (its default); periods without a datapoint stay missing."""
    period = period or period_seconds()
    first = align(start, period)
    periods = max(1, math.ceil((end - first) / period))
    queries = metric_queries(queue, period, names=names)
    labels = {q["Id"]: q["Label"] for q in queries}
    data: dict[str, dict[float, Stat]] = {}
    kwargs: dict[str, Any] = {
        "MetricDataQueries": queries,
        "StartTime": utc(first),
        "EndTime": utc(first + periods * period),
        "ScanBy": "TimestampAscending",
    }
    while True:
        page = cloudwatch.get_metric_data(**kwargs)
        for result in page.get("MetricDataResults", []):
            found = data.setdefault(labels[result["Id"]], {})
            for when, value in zip(result["Timestamps"], result["Values"], strict=True):
                found[align(when.timestamp(), period)] = Stat.total(float(value))
        if not page.get("NextToken"):
            break
        kwargs["NextToken"] = page["NextToken"]
    data = {name: points for name, points in data.items() if points}
    return Metrics(queue, first, periods, period, data, source="CloudWatch")
