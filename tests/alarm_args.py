"""The arguments of exercise 6.1's solution alarm (`put_metric_alarm`), shared by the tests that
store it with one change or another."""

from __future__ import annotations

from typing import Any

from sqslab import monitor


def stuck_alarm(name: str, queue: str = "shop-orders", **changes: Any) -> dict[str, Any]:
    """The 6.1 solution's alarm on ``queue`` named ``name``, with ``changes`` (None: left out)."""
    args: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": "AWS/SQS",
        "MetricName": monitor.AGE,
        "Dimensions": [{"Name": "QueueName", "Value": queue}],
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "Threshold": 180.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "missing",
        **changes,
    }
    return {k: v for k, v in args.items() if v is not None}
