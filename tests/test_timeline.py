"""The timeline follows each message through the trace; scenarios run on moto's virtual clock."""

from __future__ import annotations

import pytest

from sqslab import facts, timeline

DEFAULT_VISIBILITY = facts.get("visibility_timeout").default


def _queue(sqs, name, **attributes):
    """Create a queue with string attributes; returns its URL."""
    attrs = {k: str(v) for k, v in attributes.items()}
    return sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]


def _receive(sqs, url, **kwargs):
    """The messages one receive returns (possibly none)."""
    return sqs.receive_message(QueueUrl=url, **kwargs).get("Messages", [])


def test_a_message_not_deleted_comes_back_after_the_visibility_timeout(lab, sqs):
    url = _queue(sqs, "work", VisibilityTimeout=30)
    t0 = lab.clock.time()
    sqs.send_message(QueueUrl=url, MessageBody="job")
    lab.wait(5)
    first = _receive(sqs, url)
    lab.wait(29)
    assert _receive(sqs, url) == []  # still hidden at +34 s
    lab.wait(1)
    second = _receive(sqs, url)  # back at +35 s = 5 + 30
    assert second[0]["MessageId"] == first[0]["MessageId"]
    lab.wait(2)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=second[0]["ReceiptHandle"])
    lab.wait(3)
    tl = timeline.of(lab, url)
    life = tl.get("m1")
    assert life.message_id == first[0]["MessageId"] and life.receive_count == 2
    one, two = life.receives
    assert (one.start - t0, one.end - t0, one.ending) == (5, 35, "timed out")
    assert (two.start - t0, two.end - t0, two.ending) == (35, 37, "deleted")
    assert life.timed_out_at == [t0 + 35]
    assert life.deleted_at - t0 == 37
    assert [(a - t0, b - t0) for a, b in life.visible_spans(tl.until)] == [(0, 5)]
    assert tl.until - t0 == 40 and tl.start == t0


def test_a_delayed_message_waits_before_it_is_visible(lab, sqs):
    url = _queue(sqs, "later", DelaySeconds=20)
    t0 = lab.clock.time()
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="own delay", DelaySeconds=3)
    lab.wait(10)
    got = _receive(sqs, url, MaxNumberOfMessages=10)
    assert [m["Body"] for m in got] == ["own delay"]
    lab.wait(15)
    tl = timeline.of(lab, url)
    queue_delay, own_delay = tl.get("m1"), tl.get("m2")
    assert queue_delay.delayed_until - t0 == 20 and own_delay.delayed_until - t0 == 3
    kinds = [(s.kind, s.start - t0, s.end - t0) for s in queue_delay.spans(tl.until)]
    assert kinds == [("delayed", 0, 20), ("visible", 20, 25)]
    assert own_delay.spans(tl.until)[:2] == [
        timeline.Span("delayed", t0, t0 + 3),
        timeline.Span("visible", t0 + 3, t0 + 10),
    ]


def test_queue_settings_come_from_the_queue_when_it_was_created_before_the_trace(lab, sqs):
    url = _queue(sqs, "older", DelaySeconds=7, VisibilityTimeout=11)
    lab.trace.clear()
    t0 = lab.clock.time()
    sqs.send_message(QueueUrl=url, MessageBody="m")
    lab.wait(7)
    _receive(sqs, url)
    lab.wait(20)
    life = timeline.of(lab, url).get("m1")
    assert life.delayed_until - t0 == 7
    assert (life.receives[0].end - t0, life.receives[0].ending) == (18, "timed out")
    assert len(lab.trace) == 2  # of() reads the attributes outside the trace


def test_a_heartbeat_extends_the_span_until_the_new_deadline(lab, sqs):
    url = _queue(sqs, "beat", VisibilityTimeout=30)
    t0 = lab.clock.time()
    sqs.send_message(QueueUrl=url, MessageBody="slow job")
    handle = _receive(sqs, url)[0]["ReceiptHandle"]
    lab.wait(20)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=30)
    lab.wait(29)
    assert _receive(sqs, url) == []  # +49 s: the heartbeat moved the deadline to +50 s
    lab.wait(1)
    assert len(_receive(sqs, url)) == 1
    life = timeline.of(lab, url).get("m1")
    beat = life.receives[0]
    assert beat.extended and beat.extensions == [t0 + 20]
    assert (beat.deadline - t0, beat.end - t0, beat.ending) == (50, 50, "timed out")
    assert beat.how == "extended x1, timed out"
    assert life.receives[1].start - t0 == 50


def test_a_heartbeat_then_delete(lab, sqs):
    url = _queue(sqs, "beat-delete", VisibilityTimeout=10)
    t0 = lab.clock.time()
    sqs.send_message(QueueUrl=url, MessageBody="job")
    handle = _receive(sqs, url, VisibilityTimeout=5)[0]["ReceiptHandle"]
    for _ in range(3):
        lab.wait(4)
        sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=5)
    lab.wait(2)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    (only,) = timeline.of(lab, url).get("m1").receives
    assert only.extensions == [t0 + 4, t0 + 8, t0 + 12]
    assert (only.end - t0, only.ending, only.how) == (14, "deleted", "extended x3, deleted")


def test_setting_visibility_to_zero_releases_the_message(lab, sqs):
    url = _queue(sqs, "release")
    t0 = lab.clock.time()
    sqs.send_message(QueueUrl=url, MessageBody="give back")
    handle = _receive(sqs, url)[0]["ReceiptHandle"]
    lab.wait(3)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)
    lab.wait(1)
    assert len(_receive(sqs, url)) == 1  # visible again right away
    life = timeline.of(lab, url).get("m1")
    released, again = life.receives
    assert (released.end - t0, released.ending) == (3, "released")
    assert (again.start - t0, again.ending) == (4, "in flight")
    assert [(s.kind, s.start - t0) for s in life.spans(lab.clock.time())] == [
        ("in flight", 0),
        ("visible", 3),
        ("in flight", 4),
    ]
    assert life.timed_out_at == []


def test_a_batch_delete_ends_only_the_entries_that_succeeded(lab, sqs):
    url = _queue(sqs, "batch", VisibilityTimeout=60)
    t0 = lab.clock.time()
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": str(i)} for i in range(3)]
    )
    got = _receive(sqs, url, MaxNumberOfMessages=10)
    lab.wait(2)
    entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got[:2])]
    sqs.delete_message_batch(
        QueueUrl=url, Entries=[*entries, {"Id": "bad", "ReceiptHandle": "not-a-handle"}]
    )
    lab.wait(100)
    tl = timeline.of(lab, url)
    by_id = {life.message_id: life for life in tl}
    for m in got[:2]:
        life = by_id[m["MessageId"]]
        assert life.deleted_at - t0 == 2 and life.receives[0].ending == "deleted"
    kept = by_id[got[2]["MessageId"]]
    assert kept.deleted_at is None
    assert (kept.receives[0].end - t0, kept.receives[0].ending) == (60, "timed out")
    assert kept.visible_spans(tl.until) == [(t0 + 60, tl.until)]


def test_a_receive_still_in_flight_ends_at_until(lab, sqs):
    url = _queue(sqs, "open")
    sqs.send_message(QueueUrl=url, MessageBody="m")
    _receive(sqs, url)
    lab.wait(DEFAULT_VISIBILITY / 2)
    tl = timeline.of(lab, url)
    receive = tl.get("m1").receives[0]
    assert receive.open and receive.ending == "in flight"
    assert tl.get("m1").spans(tl.until)[-1] == timeline.Span(
        "in flight", receive.start, tl.until, "in flight"
    )


def test_a_visibility_change_on_the_queue_applies_to_later_receives(lab, sqs):
    url = _queue(sqs, "changing")
    sqs.send_message(QueueUrl=url, MessageBody="m")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "4"})
    first = _receive(sqs, url)[0]
    lab.wait(4)
    assert _receive(sqs, url, VisibilityTimeout=9)[0]["MessageId"] == first["MessageId"]
    tl = timeline.build(lab.trace)
    one, two = tl.get("m1").receives
    assert one.deadline - one.start == 4 and two.deadline - two.start == 9


def test_build_keeps_queues_apart_and_ends_at_the_last_call(lab, sqs):
    a, b = _queue(sqs, "a", VisibilityTimeout=5), _queue(sqs, "b")
    sqs.send_message(QueueUrl=a, MessageBody="in a")
    sqs.send_message(QueueUrl=b, MessageBody="in b")
    lab.wait(3)
    _receive(sqs, a)
    lab.wait(10)
    tl = timeline.build(lab.trace)
    assert [life.queue for life in tl] == ["a", "b"]
    assert tl.until == lab.trace[-1].ended  # the receive: waiting makes no call
    assert tl.get("m1").receives[0].ending == "in flight"
    later = timeline.build(lab.trace, until=lab.clock.time())
    assert later.get("m1").receives[0].ending == "timed out"
    only_b = timeline.build(lab.trace.for_queue("b"))
    assert [life.queue for life in only_b] == ["b"] and only_b.get("m1").receive_count == 0


def test_a_message_sent_before_the_trace_starts_at_its_first_receive(lab, sqs):
    url = _queue(sqs, "before")
    sqs.send_message(QueueUrl=url, MessageBody="old")
    lab.wait(5)
    lab.trace.clear()
    _receive(sqs, url)
    tl = timeline.of(lab, url)
    life = tl.get("m1")
    assert life.sent_at is None and tl.start == life.receives[0].start
    assert [s.kind for s in life.spans(tl.until)] == ["in flight"]


def test_table_and_lookups(lab, sqs):
    url = _queue(sqs, "tabled", VisibilityTimeout=10)
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sent = sqs.send_message(QueueUrl=url, MessageBody="b", DelaySeconds=2)
    _receive(sqs, url)
    lab.wait(12)
    got = _receive(sqs, url, MaxNumberOfMessages=10)
    for m in got:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    tl = timeline.of(lab, url)
    table = tl.table()
    assert table.columns == timeline.COLUMNS
    assert table.column("message") == ["m1", "m2"]
    assert table.column("id")[1] == sent["MessageId"][: timeline.SHORT_ID]
    assert table.column("receives") == ["2", "1"]
    assert table.column("visible at") == ["0.0", "2.0"]
    assert table.column("deleted") == ["12.0", "12.0"]
    assert table.column("in flight")[0] == "0.0-10.0 timed out; 12.0-12.0 deleted"
    assert tl.get(sent["MessageId"]) is tl.get("m2")
    with pytest.raises(KeyError, match="known labels: m1, m2"):
        tl.get("m9")
    assert repr(tl) == "<Timeline: 2 messages, 3 receives, 2 deleted, over 12.0 s>"


def test_an_empty_trace_gives_an_empty_timeline():
    tl = timeline.build([], until=100.0)
    assert len(tl) == 0 and tl.start == 100.0 and len(tl.table()) == 0
