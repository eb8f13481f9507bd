"""Chapter 6 on a real clock (a `sqslab server` in its own process, the endpoint backend): the
alarm checks give moto's verdicts over the recorded days and set no state, a check without
CloudWatch says it did not check, the sampler squeezes its minute for a demo, an age the lab
cannot know is left blank, and the monitor panel says its run is skipped."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from botocore.exceptions import EndpointConnectionError
from test_exercises_monitoring import (
    DLQ_MISTAKES,
    STUCK_MISTAKES,
    STUCK_PASSES,
    put,
    put_dlq,
)

from sqslab import alarms, dlq, monitor, widgets
from sqslab.derived_metrics import UNKNOWN_AGE as UNKNOWN
from sqslab.emulator.server import server_process
from sqslab.errors import LimitError
from sqslab.exercises import check_dlq_alarm, check_stuck_alarm
from sqslab.exercises.base import Check
from sqslab.lab import Lab, start
from sqslab.metric_series import Metrics, Stat

#: How a passing check ends on moto, and on a real clock.
ON_MOTO, ON_REAL = " describe_alarms shows StateValue", " Evaluated over the day as recorded"
CASES = (
    [("stuck", changes) for changes, _ in STUCK_PASSES + STUCK_MISTAKES]
    + [("dlq", changes) for changes, _ in DLQ_MISTAKES]
    + [("dlq", {})]
)


def _checked(lab: Lab) -> list[Check]:
    """Every case's check on ``lab``, each alarm stored under a name of its own (shown as NAME)."""
    found = []
    for kind, changes in CASES:
        if kind == "stuck":
            name = put(lab, **changes)
            check = check_stuck_alarm(lab, name)
        else:
            name = put_dlq(lab, **dict(changes))
            check = check_dlq_alarm(lab, name)
        found.append(replace(check, message=check.message.replace(name, "NAME")))
    return found


@pytest.fixture(scope="module")
def on_moto() -> list[Check]:
    """The verdicts on moto, where the days run (before any real-clock lab starts)."""
    lab = start("moto", quiet=True)
    try:
        return _checked(lab)
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def real(on_moto: list[Check]) -> Iterator[Lab]:
    """A lab on the endpoint backend against a fresh real-clock `sqslab server`."""
    before = os.environ.get("SQSLAB_ENDPOINT_URL")
    with server_process() as url:
        os.environ["SQSLAB_ENDPOINT_URL"] = url
        lab = start("endpoint", quiet=True)
        try:
            yield lab
        finally:
            lab.stop()
            if before is None:
                os.environ.pop("SQSLAB_ENDPOINT_URL", None)
            else:
                os.environ["SQSLAB_ENDPOINT_URL"] = before


def test_the_alarm_checks_give_moto_s_verdicts_on_a_real_clock(real, on_moto):
    assert not real.virtual_time
    for (kind, changes), moto, here in zip(CASES, on_moto, _checked(real), strict=True):
        assert bool(here) == bool(moto), (kind, changes, here.message)
        if here:
            assert here.message.split(ON_REAL)[0] == moto.message.split(ON_MOTO)[0].rstrip()
            assert "so sqslab sets no state" in here.message
        else:
            assert (here.message, here.more) == (moto.message, moto.more), (kind, changes)


def test_a_passing_alarm_gets_no_state_from_sqslab_on_a_real_clock(real):
    name = put(real)
    assert check_stuck_alarm(real, name)
    stored = real.client("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"][0]
    assert stored["StateReason"].startswith("Unchecked")  # CloudWatch's own, untouched
    assert not real.sqs.list_queues().get("QueueUrls")  # no day ran here


def test_a_check_says_plainly_when_the_endpoint_has_no_cloudwatch():
    class NoCloudWatch:
        def describe_alarms(self, **_: object) -> dict:
            raise EndpointConnectionError(endpoint_url="http://127.0.0.1:9")

    class RealLab:
        virtual_time = False
        sqs = trace = namespace = None

        def client(self, name: str) -> NoCloudWatch:
            return NoCloudWatch()

    for check in (check_stuck_alarm(RealLab()), check_dlq_alarm(RealLab())):
        assert not check and check.message.startswith("not checked here")
        assert "did not answer describe_alarms" in check.message


def test_the_sampler_squeezes_its_minute_for_a_demo_on_a_real_clock(real):
    url = real.sqs.create_queue(QueueName="squeezed")["QueueUrl"]
    sampler = monitor.Sampler(real, url, period=1)
    for _ in range(2):
        real.sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "job"} for i in range(3)]
        )
        real.wait(1)
        sampler.sample()
    metrics = sampler.metrics(url)
    assert metrics.period == 1 and metrics.periods >= 2
    assert metrics.total(monitor.SENT) == 6
    assert max(v or 0 for v in metrics.values(monitor.VISIBLE)) == 6
    assert max(v or 0 for v in metrics.values(monitor.AGE)) >= 1  # from the trace of the sends
    table = metrics.table()
    assert table.columns[0] == "time"
    assert all(len(t) == len("09:00:00") for t in table.column("time"))
    with pytest.raises(LimitError, match="a minute squeezed by a demo"):
        monitor.Sampler(real, url, period=1.5)


def test_a_squeezed_minute_is_refused_on_the_virtual_clock(lab):
    url = lab.sqs.create_queue(QueueName="plain")["QueueUrl"]
    with pytest.raises(LimitError, match="whole number of minutes"):
        monitor.Sampler(lab, url, period=6)


def test_a_dead_letter_s_age_is_left_blank_on_a_real_clock(real):
    pair = dlq.create_pair(
        real.sqs, "pay", max_receive_count=1, source_attributes={"VisibilityTimeout": "1"}
    )
    watch = monitor.Sampler(real, pair.source_url, pair.dlq_url, period=2)
    real.sqs.send_message(QueueUrl=pair.source_url, MessageBody="poison")
    real.sqs.receive_message(QueueUrl=pair.source_url)
    real.wait(1.5)
    real.sqs.receive_message(QueueUrl=pair.source_url)  # the move
    for _ in range(2):
        real.wait(2)
        watch.sample()
    dead = watch.metrics(pair.dlq_url)
    visible, ages = dead.values(monitor.VISIBLE), dead.values(monitor.AGE)
    moved = [i for i, v in enumerate(visible) if v]
    assert moved and all(ages[i] is None for i in moved)  # never made up as 0
    assert "" in dead.table([monitor.VISIBLE, monitor.AGE]).column("oldest (s)")
    history = alarms.dlq_not_empty(pair.dlq_url).evaluate(dead)
    assert history.states[-1] == "ALARM" and len(history.states) == dead.periods
    source = watch.metrics(pair.source_url)
    assert all(v is not None for v in source.values(monitor.AGE))  # sent here: derived


def test_an_alarm_counts_a_squeezed_period_as_a_minute():
    start = datetime(2026, 1, 5, 9, tzinfo=UTC).timestamp()
    data = {monitor.VISIBLE: {start + 10 * i: Stat.total(v) for i, v in enumerate([0, 1, 1, 0])}}
    squeezed = Metrics("jobs", start, 4, 10, data)
    history = alarms.backlog("jobs", 1, periods=2, datapoints=2).evaluate(squeezed)
    assert history.values == [0, 1, 1, 0]
    assert history.states == ["OK", "OK", "ALARM", "OK"]
    assert history.table().column("time")[1] == "09:00:10"
    minutes = Metrics("jobs", start, 4, 60, {monitor.VISIBLE: {start: Stat.total(3)}})
    assert alarms.backlog("jobs", 1, periods=1).evaluate(minutes).values == [3, None, None, None]


def test_the_monitor_panel_says_its_run_is_skipped_on_a_real_clock(real, capsys):
    panel = widgets.monitor_panel(real, live_every=12)
    assert capsys.readouterr().out.startswith("real clock: skipped scaling.simulate")
    assert panel.run_result is not None and panel.run_result.skipped
    assert "skipped on a real clock" in panel.report.value and panel.frames == 0


def test_an_age_nobody_can_know_leaves_the_period_without_a_datapoint():
    start = datetime(2026, 1, 5, 9, tzinfo=UTC).timestamp()
    unknown = monitor.Snapshot(start + 30, visible=1, not_visible=0, delayed=0, oldest_age=UNKNOWN)
    got = monitor.derive([], "dlq", start=start, end=start + 120, snapshots=[unknown])
    assert got.values(monitor.VISIBLE) == [1, 0] and got.values(monitor.AGE) == [None, 0]
