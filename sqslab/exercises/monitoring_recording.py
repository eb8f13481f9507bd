"""Record chapter 6's days on a fresh moto lab into ``sqslab/data/monitoring_days.json``, the data
a real clock uses (:mod:`.monitoring_recorded`):

    python -m sqslab.exercises.monitoring_recording

Run it again whenever a day, the sampler or the metric publisher changes; a test fails until then.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqslab.exercises.monitoring_days import Day, orders_day, refunds_day
from sqslab.exercises.monitoring_recorded import DATA_FILE, RECORDED, Recording, stat_of
from sqslab.metric_cells import utc
from sqslab.metric_series import METRICS, NAMESPACE, Stat, align, period_seconds, queue_name

if TYPE_CHECKING:
    from sqslab.lab import Lab


def _minutes(cloudwatch: Any, queue: str, metric: str, start: float, end: float) -> dict:
    """Each minute's answer per recorded statistic for one metric of one queue."""
    step = period_seconds()
    queries = [
        {
            "Id": f"s{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": NAMESPACE,
                    "MetricName": metric,
                    "Dimensions": [{"Name": "QueueName", "Value": queue}],
                },
                "Period": step,
                "Stat": stat,
            },
        }
        for i, stat in enumerate(RECORDED)
    ]
    reply = cloudwatch.get_metric_data(
        MetricDataQueries=queries,
        StartTime=utc(align(start, step)),
        EndTime=utc(end),
        ScanBy="TimestampAscending",
    )
    found: dict[float, dict[str, float]] = {}
    for result in reply["MetricDataResults"]:
        stat = RECORDED[int(result["Id"][1:])]
        for when, value in zip(result["Timestamps"], result["Values"], strict=True):
            found.setdefault(when.timestamp(), {})[stat] = float(value)
    return found


def recording(lab: Lab, kind: str, day: Day) -> Recording:
    """What ``day`` left in the lab's (moto) CloudWatch, for every queue of the day."""
    cloudwatch = lab.client("cloudwatch")
    start, end = day.start.timestamp(), day.end.timestamp()
    stats: dict[str, dict[str, dict[float, Stat]]] = {}
    for url in day.urls.values():
        queue = queue_name(url)
        for metric in METRICS:
            answers = _minutes(cloudwatch, queue, metric, start, end)
            points = {t: stat_of(v) for t, v in answers.items()}
            kept = {t: s for t, s in points.items() if s is not None}
            if kept:
                stats.setdefault(queue, {})[metric] = kept
    return Recording(kind, day.queue, start, end, stats)


def record(lab: Lab) -> dict[str, Any]:
    """Run both days on ``lab`` (moto, virtual clock) and return what the data file holds."""
    if not lab.virtual_time:
        raise ValueError("the days are recorded on the moto backend's virtual clock")
    days = {"orders": orders_day(lab), "refunds": refunds_day(lab)}
    return {kind: recording(lab, kind, day).as_json() for kind, day in days.items()}


def dumps(data: dict[str, Any]) -> str:
    """The data file's text: indented, one minute's statistics to a line."""
    text = json.dumps(data, indent=1, sort_keys=True)
    return re.sub(r"\[\s+([^\[\]]*?)\s+\]", lambda m: f"[{' '.join(m[1].split())}]", text) + "\n"


def main() -> int:
    """Record on a fresh, quiet moto lab and write the data file."""
    from sqslab.lab import start

    lab = start("moto", quiet=True)
    try:
        data = record(lab)
    finally:
        lab.stop()
    target = Path(__file__).parents[1] / DATA_FILE
    target.write_text(dumps(data), encoding="utf-8")
    print(f"wrote {target.name}: {', '.join(data)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
