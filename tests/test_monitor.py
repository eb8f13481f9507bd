"""AWS/SQS metrics derived from the trace, checked against series computed by hand."""

from __future__ import annotations

import pytest

from sqslab import dlq, monitor
from sqslab.emulator.clock import EPOCH
from sqslab.timeline import QueueSettings, build
from sqslab.trace import CallRecord, MessageRef

T0 = EPOCH.timestamp()  # 09:00:00, a whole minute


def _call(seq, op, at, *, ended=None, refs=(), received=0, payload=0, entries=0, params=None):
    return CallRecord(
        seq=seq,
        operation=op,
        queue="q",
        started=T0 + at,
        ended=T0 + (ended if ended is not None else at),
        params=params or {},
        entries=entries,
        payload_bytes=payload,
        received=received,
        messages=list(refs),
    )


def _records():
    """m1 sent at 10 s, received at 30, deleted at 50; m2 and m3 sent in a batch at 20 (m3 delayed
    90 s); an empty receive at 40; m2 received at 75, times out at 105 (30 s timeout); m2 and m3
    received at 130; a failed send at 140 that counts nothing."""
    return [
        _call(1, "CreateQueue", 0, params={"Attributes": {"VisibilityTimeout": "30"}}),
        _call(2, "SendMessage", 10, refs=[MessageRef("m1")], payload=100, entries=1),
        _call(
            3,
            "SendMessageBatch",
            20,
            refs=[MessageRef("m2", entry_id="a"), MessageRef("m3", delay_seconds=90, entry_id="b")],
            payload=300,
            entries=2,
        ),
        _call(4, "ReceiveMessage", 29, ended=30, refs=[MessageRef("m1", "h1")], received=1),
        _call(5, "ReceiveMessage", 40, received=0),
        _call(6, "DeleteMessage", 50, refs=[MessageRef(receipt_handle="h1")], entries=1),
        _call(7, "ReceiveMessage", 75, refs=[MessageRef("m2", "h2")], received=1),
        _call(
            8,
            "ReceiveMessage",
            130,
            refs=[MessageRef("m2", "h3"), MessageRef("m3", "h4")],
            received=2,
        ),
        CallRecord(9, "SendMessage", "q", T0 + 140, T0 + 140, error="InvalidParameterValue"),
    ]


@pytest.fixture
def derived() -> monitor.Metrics:
    return monitor.derive(_records(), "q", start=T0, end=T0 + 150)


def test_periods_are_whole_minutes_up_to_the_end(derived):
    assert derived.periods == 3 and derived.period == 60
    assert [t.strftime("%H:%M") for t in derived.times()] == ["09:00", "09:01", "09:02"]


def test_counts_are_sums_per_minute_by_hand(derived):
    # minute 0: 3 sent, 1 message received (receive returned at 30 s), 1 empty receive, 1 delete
    assert derived.values(monitor.SENT) == [3, 0, 0]
    assert derived.values(monitor.RECEIVED) == [1, 1, 2]  # per message, not per call
    assert derived.values(monitor.EMPTY) == [1, 0, 0]  # per call
    assert derived.values(monitor.DELETED) == [1, 0, 0]
    assert derived.total(monitor.SENT) == 3  # the failed send at 140 s counts nothing


def test_sent_message_size_is_per_message(derived):
    size = derived.data[monitor.SIZE][T0]
    assert (size.samples, size.sum, size.minimum, size.maximum) == (3, 400, 100, 150)
    assert derived.values(monitor.SIZE) == [pytest.approx(400 / 3), None, None]
    assert derived.values(monitor.SIZE, "Maximum")[0] == 150


def test_gauges_are_sampled_at_the_end_of_each_period_by_hand(derived):
    # at 60 s: m1 deleted, m2 visible, m3 delayed until 110 s
    # at 120 s: m2 back (timed out at 105), m3 visible since 110
    # at 150 s (the end): m2 and m3 in flight since 130
    assert derived.values(monitor.VISIBLE) == [1, 2, 0]
    assert derived.values(monitor.NOT_VISIBLE) == [0, 0, 2]
    assert derived.values(monitor.DELAYED) == [1, 0, 0]
    # the oldest (m2 and m3, sent at 20 s) is 40, 100, 130 s old
    assert derived.values(monitor.AGE) == [40, 100, 130]


def test_a_snapshot_inside_a_period_replaces_the_derived_gauge():
    snap = monitor.Snapshot(T0 + 60, visible=7, not_visible=1, delayed=0, oldest_age=None)
    got = monitor.derive(_records(), "q", start=T0, end=T0 + 150, snapshots=[snap])
    assert got.values(monitor.VISIBLE) == [7, 2, 0]
    assert got.values(monitor.AGE) == [40, 100, 130]  # no age in the snapshot: derived kept


def test_poison_pills_leave_the_age_of_oldest():
    old = [
        _call(1, "SendMessage", 0, refs=[MessageRef("p")], entries=1),
        _call(2, "SendMessage", 5, refs=[MessageRef("n")], entries=1),
    ]
    old += [
        _call(3 + i, "ReceiveMessage", at, refs=[MessageRef("p", f"h{i}")], received=1)
        for i, at in enumerate((10, 50, 90))
    ]
    lives = build(old, {"q": QueueSettings(visibility_timeout=30, delay_seconds=0)}, until=T0 + 120)
    assert monitor.oldest_age(lives, lives.until, T0 + 60) == 60  # p, received twice, is oldest
    assert monitor.oldest_age(lives, lives.until, T0 + 120) == 115  # p received 3 times: n counts


def test_table_and_plain_data(derived):
    table = derived.table()
    assert table.columns[:3] == ("minute", "visible", "in flight")
    assert table.column("sent") == ["3", "0", "0"]
    assert derived[monitor.VISIBLE][1][1] == 2
    assert set(derived.as_dict()) == set(monitor.METRICS)


def test_bad_input_names_the_problem(derived):
    with pytest.raises(KeyError, match="unknown AWS/SQS metric"):
        derived.values("NumberOfMessages")
    with pytest.raises(ValueError, match="CloudWatch's are"):
        derived.values(monitor.SENT, "p99")
    with pytest.raises(ValueError, match="must come after start"):
        monitor.derive([], "q", start=T0, end=T0)


def test_sampler_and_trace_agree_on_moto(lab, sqs):
    url = sqs.create_queue(QueueName="watched", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    sampler = monitor.Sampler(lab, url)
    for i in range(4):
        sqs.send_message(QueueUrl=url, MessageBody=f"job {i}")
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=100)
    lab.wait(60)
    sampler.sample()
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2)
    lab.wait(60)
    sampler.sample()
    with_snapshots = sampler.metrics(url)
    from_trace = monitor.metrics(lab, url)
    for name in (monitor.VISIBLE, monitor.NOT_VISIBLE, monitor.DELAYED):
        assert with_snapshots.values(name) == from_trace.values(name)
    # at 120 s: the 2 received at 60 s came back at 105 s, the delayed one arrived at 100 s
    assert from_trace.values(monitor.VISIBLE) == [4, 5]
    assert from_trace.values(monitor.DELAYED) == [1, 0]
    assert with_snapshots.values(monitor.AGE) == pytest.approx(from_trace.values(monitor.AGE))
    assert len(lab.trace.for_queue("watched")) == 7  # the sampler's reads stay out of the trace


def test_a_dlq_is_seen_only_through_the_sampler(lab, sqs):
    pair = dlq.create_pair(
        sqs, "fragile", max_receive_count=1, source_attributes={"VisibilityTimeout": "10"}
    )
    sampler = monitor.Sampler(lab, pair.source_url, pair.dlq_url)
    sqs.send_message(QueueUrl=pair.source_url, MessageBody="poison")
    sqs.receive_message(QueueUrl=pair.source_url)
    lab.wait(15)
    sqs.receive_message(QueueUrl=pair.source_url)  # moves it to the DLQ
    lab.wait(45)
    sampler.sample()
    lab.wait(60)
    sampler.sample()
    seen = sampler.metrics(pair.dlq_url)
    assert seen.values(monitor.VISIBLE)[-1] == 1
    assert seen.values(monitor.SENT) == [0] * seen.periods  # a move into a DLQ is not a send
    assert seen.values(monitor.AGE)[-1] == 60  # from its first sighting in the DLQ, not the send
    assert monitor.metrics(lab, pair.dlq_url).values(monitor.VISIBLE)[-1] == 0  # trace alone


def test_metrics_need_traced_calls(lab, sqs):
    with lab.trace.paused():
        url = sqs.create_queue(QueueName="untraced")["QueueUrl"]
    with pytest.raises(ValueError, match="trace has no calls"):
        monitor.metrics(lab, url)


def test_cloudwatch_branch_reads_get_metric_data(lab):
    """moto publishes no AWS/SQS metrics: put some, and read them back as on AWS."""
    cloudwatch = lab.client("cloudwatch")
    points = {0: 5.0, 1: 8.0, 3: 2.0}  # minute 2 missing
    cloudwatch.put_metric_data(
        Namespace="AWS/SQS",
        MetricData=[
            {
                "MetricName": monitor.VISIBLE,
                "Dimensions": [{"Name": "QueueName", "Value": "orders"}],
                "Timestamp": monitor.utc(T0 + 60 * minute + 30),
                "Value": value,
            }
            for minute, value in points.items()
        ],
    )
    got = monitor.from_cloudwatch(cloudwatch, "orders", start=T0, end=T0 + 240)
    assert got.values(monitor.VISIBLE) == [5, 8, None, 2]
    assert monitor.SENT not in got  # nothing published, nothing invented
    assert got.source == "CloudWatch"


def test_a_cell_shows_whole_values_plainly_others_to_a_tenth_and_missing_as_blank():
    from sqslab.metric_cells import cell

    assert [cell(None), cell(0.0), cell(42.0), cell(2.5), cell(100 / 3)] == [
        "",
        "0",
        "42",
        "2.5",
        "33.3",
    ]


def test_utc_turns_clock_seconds_into_an_aware_utc_time():
    from datetime import UTC

    from sqslab.metric_cells import utc

    assert utc(T0) == EPOCH and utc(T0).tzinfo is UTC
    assert utc(T0 + 90).strftime("%H:%M:%S") == "09:01:30"


def test_queue_name_is_the_last_part_of_the_url():
    from sqslab.metric_series import queue_name

    assert queue_name("https://sqs.eu-west-1.amazonaws.com/123456789012/orders") == "orders"
    assert queue_name("orders") == "orders"


def test_from_trace_is_derive_with_the_queue_own_timeout(lab, sqs):
    url = sqs.create_queue(QueueName="timed", Attributes={"VisibilityTimeout": "20"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="job")
    sqs.receive_message(QueueUrl=url)
    lab.wait(25)
    got = monitor.from_trace(lab, url, end=lab.clock.time())
    assert got.values(monitor.VISIBLE)[-1] == 1  # back after 20 s (the default 30 s would hide it)
    settings = QueueSettings(visibility_timeout=20, delay_seconds=0)
    by_hand = monitor.derive(
        lab.trace.records, "timed", start=got.start, end=lab.clock.time(), settings=settings
    )
    assert got.table().rows == by_hand.table().rows


def test_monitor_re_exports_the_names_that_moved():
    from sqslab import metric_series, queue_metrics, sampler

    assert monitor.Sampler is sampler.Sampler and monitor.metrics is queue_metrics.metrics
    assert monitor.Metrics is metric_series.Metrics
    assert all(hasattr(monitor, name) for name in monitor.__all__)
