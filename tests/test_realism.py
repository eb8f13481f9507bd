"""The at-least-once realism layer: lost deletes and out-of-order receives on standard queues only."""

from __future__ import annotations

from typing import Any

import boto3
import moto.sqs.models as sqs_models
import pytest

from sqslab import facts
from sqslab.emulator import realism
from sqslab.emulator.clock import RealClock
from sqslab.lab import Lab, start

VISIBILITY = int(facts.get("visibility_timeout").default)
MAX_BATCH = int(facts.get("max_receive_messages").value)
COUNT_ATTR = ["ApproximateReceiveCount"]


def _moto_methods() -> tuple[Any, Any, Any]:
    """What the layer replaces in moto: receive, delete and the list of receivable messages."""
    return (
        sqs_models.SQSBackend.__dict__["receive_message"],
        sqs_models.SQSBackend.__dict__["delete_message"],
        sqs_models.Queue.__dict__["messages"],
    )


def _send(sqs: Any, url: str, count: int, fifo: bool = False) -> list[str]:
    """Send bodies "0".."count-1" in order (one message group on FIFO); returns their MessageIds."""
    ids = []
    for i in range(count):
        extra = {"MessageGroupId": "g", "MessageDeduplicationId": str(i)} if fifo else {}
        ids.append(sqs.send_message(QueueUrl=url, MessageBody=str(i), **extra)["MessageId"])
    return ids


def _receive(sqs: Any, url: str, most: int = 1) -> list[dict[str, Any]]:
    """One short-poll receive asking for the receive count."""
    reply = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=most, MessageSystemAttributeNames=COUNT_ATTR
    )
    return reply.get("Messages", [])


def _drain(lab: Lab, url: str) -> list[tuple[str, int]]:
    """Receive one at a time and delete each, waiting out the visibility timeout when empty.

    Returns (body, receive count) per delivery; stops once a full timeout brings nothing back.
    """
    seen: list[tuple[str, int]] = []
    while True:
        got = _receive(lab.sqs, url)
        if not got:
            lab.wait(VISIBILITY)
            got = _receive(lab.sqs, url)
            if not got:
                return seen
        message = got[0]
        seen.append((message["Body"], int(message["Attributes"]["ApproximateReceiveCount"])))
        lab.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def _queue(sqs: Any, name: str = "orders") -> str:
    return sqs.create_queue(QueueName=name)["QueueUrl"]


def _fifo_queue(sqs: Any) -> str:
    attrs = {"FifoQueue": "true"}
    return sqs.create_queue(QueueName="orders.fifo", Attributes=attrs)["QueueUrl"]


def test_layer_off_delivers_each_message_once_in_order(lab, sqs):
    url = _queue(sqs)
    _send(sqs, url, 8)
    assert realism.current() is None
    assert _drain(lab, url) == [(str(i), 1) for i in range(8)]


def test_layer_with_zero_chances_changes_nothing(lab, sqs):
    url = _queue(sqs)
    _send(sqs, url, 8)
    with realism.enable(lab, duplicates=0.0, reorder=0.0) as layer:
        assert _drain(lab, url) == [(str(i), 1) for i in range(8)]
    assert layer.stats == realism.RealismStats(duplicates=0, reorders=0)
    assert layer.log == []


def test_every_deleted_message_comes_back_once_after_the_visibility_timeout(lab, sqs):
    url = _queue(sqs)
    ids = _send(sqs, url, 4)
    layer = realism.enable(lab, duplicates=1.0, reorder=0.0)
    first = _receive(sqs, url, MAX_BATCH)
    assert [m["MessageId"] for m in first] == ids
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[0]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first[1]["ReceiptHandle"])
    entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(first[2:])]
    batch = sqs.delete_message_batch(QueueUrl=url, Entries=entries)
    assert len(batch["Successful"]) == 2 and not batch.get("Failed")

    # moto stays truthful: the copies are still there, in flight, until the timeout runs out
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "4"
    lab.wait(VISIBILITY - 1)
    assert _receive(sqs, url, MAX_BATCH) == []
    lab.wait(1)
    again = _receive(sqs, url, MAX_BATCH)
    assert sorted(m["MessageId"] for m in again) == sorted(ids)
    assert all(m["Attributes"]["ApproximateReceiveCount"] == "2" for m in again)
    handles = {m["ReceiptHandle"] for m in first}
    assert not handles & {m["ReceiptHandle"] for m in again}

    # at most once per message by default: this time the deletes go through
    for message in again:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    lab.wait(VISIBILITY)
    assert _receive(sqs, url, MAX_BATCH) == []
    assert layer.stats.duplicates == 4
    assert sorted(layer.duplicated_ids()) == sorted(ids)
    assert len(layer.table()) == len(layer.log)


def test_max_duplicates_lets_a_message_come_back_more_often(lab, sqs):
    url = _queue(sqs)
    _send(sqs, url, 1)
    realism.enable(lab, duplicates=1.0, reorder=0.0, max_duplicates=3)
    assert _drain(lab, url) == [("0", 1), ("0", 2), ("0", 3), ("0", 4)]


def test_a_long_poll_picks_up_the_duplicate_inside_its_wait(lab, sqs):
    url = _queue(sqs)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5"})
    _send(sqs, url, 1)
    realism.enable(lab, duplicates=1.0, reorder=0.0)
    first = _receive(sqs, url)[0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    start_time = lab.clock.time()
    wait = int(facts.get("long_poll_max_wait").value)
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=wait)["Messages"]
    assert again[0]["MessageId"] == first["MessageId"]
    assert lab.clock.time() - start_time == 5


def _seeded_run(seed: int) -> tuple[list[str], list[tuple[str, int]]]:
    """A fresh lab: 20 messages through the layer; returns (duplicated ids, deliveries)."""
    lab = start("moto", quiet=True)
    try:
        url = _queue(lab.sqs)
        _send(lab.sqs, url, 20)
        layer = realism.enable(lab, duplicates=0.3, reorder=0.3, seed=seed)
        deliveries = _drain(lab, url)
        return layer.duplicated_ids(), deliveries
    finally:
        lab.stop()


def test_same_seed_same_duplicates_and_order():
    duplicated, deliveries = _seeded_run(7)
    assert duplicated, "a 30% chance over 20 messages should lose some deletes"
    assert _seeded_run(7) == (duplicated, deliveries)
    assert _seeded_run(8) != (duplicated, deliveries)
    bodies = [body for body, _ in deliveries]
    assert sorted(set(bodies)) == sorted(str(i) for i in range(20))
    assert len(bodies) == 20 + len(duplicated)
    assert all(count == bodies[: n + 1].count(body) for n, (body, count) in enumerate(deliveries))


def test_reorder_serves_a_standard_queue_out_of_order(lab, sqs):
    url = _queue(sqs)
    _send(sqs, url, 10)
    layer = realism.enable(lab, duplicates=0.0, reorder=1.0)
    bodies = [body for body, _ in _drain(lab, url)]
    assert bodies != sorted(bodies, key=int)
    assert sorted(bodies, key=int) == [str(i) for i in range(10)]
    assert layer.stats.reorders > 0
    assert layer.stats.duplicates == 0


def test_reorder_reaches_at_most_window_minus_one_places_back(lab, sqs):
    url = _queue(sqs)
    _send(sqs, url, 10)
    realism.enable(lab, duplicates=0.0, reorder=1.0, window=2)
    batch = [int(m["Body"]) for m in _receive(sqs, url, MAX_BATCH)]
    assert batch == [1, 0, *range(2, 10)]


def test_fifo_queues_are_never_touched(lab, sqs):
    url = _fifo_queue(sqs)
    _send(sqs, url, 10, fifo=True)
    layer = realism.enable(lab, duplicates=1.0, reorder=1.0)
    assert _drain(lab, url) == [(str(i), 1) for i in range(10)]
    assert layer.log == []


def test_disable_restores_exactly_what_was_replaced(lab, sqs):
    before = _moto_methods()
    layer = realism.enable(lab, duplicates=1.0, reorder=1.0)
    assert all(a is not b for a, b in zip(_moto_methods(), before, strict=True))
    realism.disable(lab)
    assert _moto_methods() == before
    assert not layer.active and realism.current() is None
    url = _queue(sqs)
    _send(sqs, url, 5)
    assert _drain(lab, url) == [(str(i), 1) for i in range(5)]
    assert layer.log == []


def test_context_manager_switches_the_layer_off(lab, sqs):
    before = _moto_methods()
    with realism.enable(lab, duplicates=1.0) as layer:
        assert realism.current() is layer and layer.active
    assert realism.current() is None and _moto_methods() == before


def test_lab_stop_undoes_the_layer():
    plain_moto = _moto_methods()
    lab = start("moto", quiet=True)
    layer = realism.enable(lab)
    lab.stop()
    assert realism.current() is None and not layer.active
    assert _moto_methods() == plain_moto


def test_enable_twice_replaces_the_previous_settings(lab, sqs):
    before = _moto_methods()
    first = realism.enable(lab, duplicates=1.0, reorder=1.0)
    second = realism.enable(lab, duplicates=0.0, reorder=0.0)
    assert not first.active and second.active and realism.current() is second
    wrapped = sqs_models.SQSBackend.__dict__["receive_message"].__wrapped__
    assert wrapped is before[0]
    url = _queue(sqs)
    _send(sqs, url, 5)
    assert _drain(lab, url) == [(str(i), 1) for i in range(5)]
    assert first.log == [] and second.log == []
    assert lab._on_stop.count(realism.uninstall) == 1  # stop hooks do not pile up
    realism.disable(lab)
    assert _moto_methods() == before


@pytest.mark.parametrize("backend", ["aws", "endpoint"])
def test_real_service_backends_say_the_layer_is_off_and_later_cells_still_run(backend, capsys):
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    remote = Lab(backend, session, RealClock(), endpoint_url="http://127.0.0.1:9")
    with realism.enable(remote, duplicates=0.5) as layer:
        said = capsys.readouterr().out
        assert f"off on the {backend!r} backend" in said and "at-least-once" in said
        assert layer.active is False and realism.current() is None
        assert layer.stats.duplicates == 0 and layer.duplicated_ids() == []
        assert "off: duplicates=0.5" in layer.describe()
    with pytest.raises(ValueError, match="duplicates is a probability"):
        realism.enable(remote, duplicates=2.0)  # the settings are still checked


@pytest.mark.parametrize(
    "settings, error, words",
    [
        ({"duplicates": 1.5}, ValueError, "duplicates is a probability from 0 to 1"),
        ({"reorder": -0.1}, ValueError, "reorder is a probability from 0 to 1"),
        ({"duplicates": True}, ValueError, "duplicates is a probability"),
        ({"window": 1}, ValueError, "window must be 2 or more"),
        ({"max_duplicates": 0}, ValueError, "max_duplicates must be 1 or more"),
        ({"seed": "x"}, TypeError, "seed must be a whole number"),
    ],
)
def test_bad_settings_are_refused(lab, settings, error, words):
    with pytest.raises(error, match=words):
        realism.enable(lab, **settings)
    assert realism.current() is None


def test_server_backend_sees_the_layer_over_http():
    lab = start("server", quiet=True)
    try:
        url = _queue(lab.sqs)
        ids = _send(lab.sqs, url, 3)
        layer = realism.enable(lab, duplicates=1.0, reorder=0.0)
        deliveries = _drain(lab, url)
        assert deliveries == [("0", 1), ("1", 1), ("2", 1), ("0", 2), ("1", 2), ("2", 2)]
        assert layer.duplicated_ids() == ids
    finally:
        lab.stop()


def test_description_quotes_aws_and_names_the_source():
    fact = facts.get("at_least_once_delivery")
    assert fact.source == realism.AT_LEAST_ONCE_URL
    for text in (realism.AT_LEAST_ONCE_URL, realism.STANDARD_QUEUES_URL, realism.LABEL):
        assert text in realism.DESCRIPTION
    assert "you might get that message copy again" in realism.DESCRIPTION
    assert "best-effort attempt to maintain the order" in realism.DESCRIPTION
    assert realism.AT_LEAST_ONCE_QUOTE in realism.__doc__.replace("\n", " ")


def test_stats_read_as_a_sentence():
    assert str(realism.RealismStats(duplicates=3, reorders=1)) == (
        "the layer injected 3 duplicates and 1 reorder"
    )
