"""The fair-queue CloudWatch gauges derived from the trace, checked against values worked out by
hand, and against the layer on moto."""

from __future__ import annotations

import pytest

from sqslab import facts, fair_metrics, monitor
from sqslab.emulator import fair_queues
from sqslab.emulator.clock import EPOCH
from sqslab.emulator.fair_rules import Tenant, Thresholds
from sqslab.timeline import QueueSettings, build
from sqslab.trace import CallRecord, MessageRef

T0 = EPOCH.timestamp()  # 09:00:00, a whole minute
HOUR = {"q": QueueSettings(visibility_timeout=3600, delay_seconds=0)}


def _call(seq, op, at, refs, queue="q"):
    return CallRecord(seq, op, queue, T0 + at, T0 + at, messages=list(refs))


def _sent(seq, at, ids, group=None, delay=None, queue="q"):
    refs = [MessageRef(i, entry_id=i, group_id=group, delay_seconds=delay) for i in ids]
    return _call(seq, "SendMessageBatch", at, refs, queue)


def _received(seq, at, ids, queue="q"):
    return _call(seq, "ReceiveMessage", at, [MessageRef(i, f"h-{i}") for i in ids], queue)


A = [f"a{i}" for i in range(40)]


def _records(queue: str = "q", grouped: bool = True) -> list[CallRecord]:
    """Tenant A sends 40 at 1 s and 35 are received at 10 s; tenant Q sends q0 at 20 s and q1
    delayed 100 s; s0 (no group) at 30 s; q0 received at 70 s; A's last 5 received at 200 s."""
    group = (lambda g: g) if grouped else (lambda g: None)
    return [
        _sent(1, 1, A, group("A"), queue=queue),
        _received(2, 10, A[:35], queue),
        _sent(3, 20, ["q0"], group("Q"), queue=queue),
        _sent(4, 20, ["q1"], group("Q"), delay=100, queue=queue),
        _sent(5, 30, ["s0"], queue=queue),
        _received(6, 70, ["q0"], queue),
        _received(7, 200, A[35:], queue),
    ]


def _derive(records, queue="q"):
    settings = QueueSettings(visibility_timeout=3600, delay_seconds=0)
    return monitor.derive(records, queue, start=T0, end=T0 + 240, settings=settings)


def test_the_metric_names_are_the_registry_ones():
    assert ", ".join(monitor.FAIR) == facts.get("fair_queue_metrics").text
    assert all(monitor.DEFAULT_STATISTIC[name] == "Maximum" for name in monitor.FAIR)


def test_fair_gauges_by_hand():
    got = _derive(_records())
    # 60 s: A (35 of 35 in flight, 5 waiting) is noisy; q0 and s0 wait, q1 is delayed
    # 120 s: q0 in flight; q1 still delayed just before 120; A noisy (its send 119 s ago)
    # 180 s: q1 visible since 120 s; 240 s: A drained at 200 s, so quiet: its 40 count
    assert got.values(monitor.NOISY) == [1, 1, 1, 0]
    assert got.values(monitor.QUIET_VISIBLE) == [2, 1, 2, 2]
    assert got.values(monitor.QUIET_NOT_VISIBLE) == [0, 1, 1, 41]
    assert got.values(monitor.QUIET_DELAYED) == [1, 1, 0, 0]
    assert got.values(monitor.QUIET_AGE) == [40, 100, 160, 239]  # Q's at 20 s, then A's at 1 s
    assert got.values(monitor.VISIBLE) == [7, 6, 7, 2]  # the queue as a whole, for contrast
    assert got.source.endswith(fair_metrics.LABEL) and "sqslab fidelity layer" in got.source


def test_the_table_and_plain_data_show_them_for_a_fair_queue():
    got = _derive(_records())
    assert set(got.as_dict()) == set(monitor.KNOWN)
    assert got.table().columns[-5:] == tuple(monitor.SHORT[n] for n in monitor.FAIR)
    assert got.table().column("noisy groups") == ["1", "1", "1", "0"]


@pytest.mark.parametrize(("queue", "grouped"), [("q", False), ("q.fifo", True)])
def test_no_fair_gauges_without_group_ids_or_on_fifo(queue, grouped):
    got = _derive(_records(queue, grouped), queue)
    assert not any(name in got for name in monitor.FAIR)
    assert set(got.as_dict()) == set(monitor.METRICS)
    assert got.source == "derived from the trace (moto)"


def test_five_minutes_after_its_last_send_the_tenant_counts_as_quiet():
    lives = build(_records()[:2], HOUR, until=T0 + 400)
    limits = Thresholds.from_facts()
    assert list(fair_metrics.noisy_at(lives, T0 + 300, limits)) == [Tenant("A")]
    assert fair_metrics.noisy_at(lives, T0 + 301, limits) == {}  # sent at 1 s: 300 s ago


def test_processing_time_is_read_from_the_receives():
    records = [_sent(1, 0, ["s1", "s2"], "S"), _received(2, 0, ["s1"]), _sent(3, 5, ["t1"], "T")]
    records.append(_received(4, 5, ["t1"]))
    records.append(_call(5, "DeleteMessage", 6, [MessageRef(receipt_handle="h-t1")]))
    lives = build(records, HOUR, until=T0 + 100)
    loads = fair_metrics.loads_at(lives, T0 + 50, Thresholds.from_facts())
    assert loads[Tenant("S")].processing == 50 and loads[Tenant("T")].processing == 1
    assert loads[Tenant("S")].in_flight == 1 and loads[Tenant("S")].backlog == 1


def test_the_trace_keeps_each_message_group():
    records = _records()
    assert {ref.group_id for ref in records[0].messages} == {"A"}
    lives = build(records, HOUR, until=T0 + 240)
    assert lives.get("a0").group_id == "A" and lives.get("s0").group_id is None


def test_derived_gauges_agree_with_the_layer_on_moto(lab, sqs):
    url = sqs.create_queue(QueueName="agree", Attributes={"VisibilityTimeout": "3600"})["QueueUrl"]
    for _ in range(30):
        entries = [{"Id": str(n), "MessageBody": "x", "MessageGroupId": "flood"} for n in range(10)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)
    for _ in range(10):
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    for n in range(10):
        sqs.send_message(QueueUrl=url, MessageBody="y", MessageGroupId=f"tenant{n}")
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    lab.wait(1)
    got = monitor.metrics(lab, url)
    status = fair_queues.tenants(url).table
    noisy = [
        t for t, why in zip(status.column("tenant"), status.column("noisy"), strict=True) if why
    ]
    assert noisy == ["flood"] and got.values(monitor.NOISY) == [1]
    assert got.values(monitor.QUIET_NOT_VISIBLE) == [10] and got.values(monitor.QUIET_VISIBLE) == [
        0
    ]
    assert got.values(monitor.NOT_VISIBLE) == [110] and got.values(monitor.VISIBLE) == [200]


def test_the_sampler_publishes_the_fair_gauges_into_moto_cloudwatch(lab, sqs):
    url = sqs.create_queue(QueueName="tenants", Attributes={"VisibilityTimeout": "3600"})[
        "QueueUrl"
    ]
    sampler = monitor.Sampler(lab, url)
    for minute in range(3):
        entries = [{"Id": str(n), "MessageBody": "x", "MessageGroupId": "flood"} for n in range(10)]
        for _ in range(4):
            sqs.send_message_batch(QueueUrl=url, Entries=entries)
        sqs.send_message(QueueUrl=url, MessageBody="y", MessageGroupId=f"tenant{minute}")
        for _ in range(4):
            sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
        lab.wait(60)
        sampler.sample()
    derived = sampler.metrics(url)
    published = monitor.from_cloudwatch(
        lab.client("cloudwatch"), "tenants", start=T0, end=lab.clock.time(), names=monitor.KNOWN
    )
    assert published.table(monitor.FAIR).rows == derived.table(monitor.FAIR).rows
    assert published.values(monitor.NOISY) == [1, 1, 1]
    assert published.values(monitor.QUIET_NOT_VISIBLE) == [1, 2, 3]


def test_the_default_cloudwatch_queries_stay_the_standard_set():
    assert [q["Label"] for q in monitor.metric_queries("q")] == list(monitor.METRICS)
    fair = monitor.metric_queries("q", names=monitor.KNOWN)
    assert [q["Label"] for q in fair][-5:] == list(monitor.FAIR)
