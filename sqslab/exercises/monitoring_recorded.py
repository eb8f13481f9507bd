"""Chapter 6's days as the moto backend records them, for a real clock: there the 22-minute
``shop-orders`` day and the hours-long ``refunds`` day cannot run in a notebook's time, and the lab
cannot publish into the endpoint's CloudWatch. The AWS/SQS datapoints each day left in moto's
CloudWatch ship in ``sqslab/data/monitoring_days.json`` (written by
``python -m sqslab.exercises.monitoring_recording``; a test checks it against a fresh run), and the
checks evaluate the learner's stored alarm over them with the same rules as on moto."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

from sqslab.i18n import N_
from sqslab.metric_series import NAMESPACE, Stat

if TYPE_CHECKING:
    from sqslab.alarm_evaluator import StoredAlarm

#: The file, inside the sqslab package.
DATA_FILE = "data/monitoring_days.json"
#: The statistics recorded per minute, from which every CloudWatch statistic follows.
RECORDED = ("SampleCount", "Sum", "Minimum", "Maximum")
#: What a learner is told a recorded day is.
WHY = N_(
    "on a real clock the day is not run (it is many minutes of traffic at one datapoint a minute) "
    "and the lab cannot publish into this endpoint's CloudWatch"
)


@dataclass(frozen=True)
class Recording:
    """One day as recorded on moto: its queue, start and end (clock seconds) and, per queue and
    metric, the statistics of each minute that had a datapoint (by the minute's start)."""

    kind: str
    queue: str
    start: float
    end: float
    stats: dict[str, dict[str, dict[float, Stat]]]

    def datapoints(self, alarm: StoredAlarm, first: float, count: int) -> list[float | None]:
        """The alarm's statistic for ``count`` periods from ``first``, as CloudWatch answers:
        values only for the exact namespace, metric and the one ``QueueName`` dimension."""
        dims = dict(alarm.dimensions)
        queue = dims.get("QueueName")
        found = self.stats.get(queue or "", {}).get(alarm.metric, {})
        if alarm.namespace != NAMESPACE or len(dims) != 1 or not found:
            return [None] * count
        values: list[float | None] = []
        for i in range(count):
            start = first + i * alarm.period
            inside = [s for t, s in sorted(found.items()) if start <= t < start + alarm.period]
            values.append(_merged(inside).get(alarm.stat) if inside else None)
        return values

    def as_json(self) -> dict[str, Any]:
        """The recording as plain data (the shape of :data:`DATA_FILE`)."""
        stats = {
            queue: {
                metric: {
                    str(int(t)): [s.samples, s.sum, s.minimum, s.maximum]
                    for t, s in sorted(points.items())
                }
                for metric, points in sorted(metrics.items())
            }
            for queue, metrics in sorted(self.stats.items())
        }
        return {"queue": self.queue, "start": self.start, "end": self.end, "stats": stats}


def _merged(stats: list[Stat]) -> Stat:
    total = stats[0]
    for stat in stats[1:]:
        total = total.merge(stat)
    return total


def from_json(kind: str, raw: dict[str, Any]) -> Recording:
    """A recording from its plain data."""
    stats = {
        queue: {
            metric: {float(t): Stat(int(v[0]), v[1], v[2], v[3]) for t, v in points.items()}
            for metric, points in metrics.items()
        }
        for queue, metrics in raw["stats"].items()
    }
    return Recording(kind, raw["queue"], float(raw["start"]), float(raw["end"]), stats)


def load(kind: str) -> Recording:
    """The recorded day ``kind`` (``orders`` or ``refunds``) shipped with sqslab."""
    text = resources.files("sqslab").joinpath(DATA_FILE).read_text("utf-8")
    return from_json(kind, json.loads(text)[kind])


def stat_of(values: dict[str, float]) -> Stat | None:
    """One minute's :class:`Stat` from CloudWatch's answers per recorded statistic (None when
    the minute has no datapoint)."""
    if any(values.get(name) is None for name in RECORDED):
        return None
    samples = values["SampleCount"]
    if not samples or math.isnan(samples):
        return None
    return Stat(int(samples), values["Sum"], values["Minimum"], values["Maximum"])
