"""The FIFO deduplication fidelity layer: AWS's 5-minute window, even after delete, and its scopes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Any

import boto3
import moto.sqs.models as sqs_models
import pytest

from sqslab import facts
from sqslab.emulator import dedup
from sqslab.emulator.clock import RealClock
from sqslab.errors import LabConfigError
from sqslab.lab import MOTO_ACCOUNT, Lab, start

WINDOW = facts.get("fifo_dedup_window").value
HIGH_THROUGHPUT = {"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"}


@pytest.fixture
def layer(lab: Lab) -> Iterator[dedup.Dedup]:
    """The layer installed on the lab, undone after the test."""
    undo = dedup.install(lab)
    yield dedup.current()
    undo()


@pytest.fixture
def plain(lab: Lab) -> Lab:
    """The lab with the layer off, whether or not the lab's start installed it."""
    if (running := dedup.current()) is not None:
        running.undo()
    return lab


def _moto_methods() -> tuple[Any, Any]:
    """What the layer wraps in moto: the backend's send and the queue's enqueue."""
    return sqs_models.SQSBackend.__dict__["send_message"], sqs_models.Queue.__dict__["add_message"]


def _fifo(sqs: Any, name: str = "orders.fifo", **attributes: str) -> str:
    """Create a FIFO queue with extra attributes; returns its URL."""
    attrs = {"FifoQueue": "true", **attributes}
    return sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]


def _send(sqs: Any, url: str, body: str, dedup_id: str | None = "d", group: str = "g") -> Any:
    """Send one FIFO message (dedup_id=None leaves it to content-based deduplication)."""
    extra = {} if dedup_id is None else {"MessageDeduplicationId": dedup_id}
    return sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group, **extra)


def _drain(sqs: Any, url: str) -> list[str]:
    """Receive and delete everything receivable now; returns the bodies in delivery order."""
    bodies: list[str] = []
    while got := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages"):
        for message in got:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _moto_queue(lab: Lab, url: str) -> Any:
    """The moto Queue object behind ``url``."""
    return sqs_models.sqs_backends[MOTO_ACCOUNT][lab.region].get_queue(url.rsplit("/", 1)[-1])


# --- the gap: what plain moto does --------------------------------------------


def test_plain_moto_redelivers_after_delete_with_a_new_message_id(plain, sqs):
    url = _fifo(sqs)
    first = _send(sqs, url, "charge card")
    repeat = _send(sqs, url, "charge card")
    assert repeat["MessageId"] != first["MessageId"]  # AWS answers with the first MessageId
    assert _drain(sqs, url) == ["charge card"]
    again = _send(sqs, url, "charge card")
    assert _drain(sqs, url) == ["charge card"]  # AWS: not delivered again within the window
    assert again["MessageId"] != first["MessageId"]


def test_plain_moto_ignores_message_group_scope(plain, sqs):
    url = _fifo(sqs, **HIGH_THROUGHPUT)
    _send(sqs, url, "a", group="A")
    _send(sqs, url, "b", group="B")
    assert _drain(sqs, url) == ["a"]  # AWS: the same id in another group is another message


# --- the layer ---------------------------------------------------------------


def test_repeat_after_delete_is_accepted_not_delivered_and_names_the_first(lab, sqs, layer):
    url = _fifo(sqs)
    first = _send(sqs, url, "charge card")
    assert _drain(sqs, url) == ["charge card"]
    lab.wait(60)
    repeat = _send(sqs, url, "charge card, retried")
    assert repeat["MessageId"] == first["MessageId"]
    assert repeat["SequenceNumber"] == first["SequenceNumber"]
    assert repeat["MD5OfMessageBody"] == hashlib.md5(b"charge card, retried").hexdigest()
    assert _drain(sqs, url) == []


def test_repeat_while_the_first_is_queued_names_the_first(lab, sqs, layer):
    url = _fifo(sqs)
    first = _send(sqs, url, "one")
    repeat = _send(sqs, url, "two")
    other = _send(sqs, url, "three", dedup_id="other")
    assert repeat["MessageId"] == first["MessageId"] != other["MessageId"]
    assert _drain(sqs, url) == ["one", "three"]


def test_the_window_runs_from_the_first_send_and_then_ends(lab, sqs, layer):
    url = _fifo(sqs)
    first = _send(sqs, url, "v1")
    _drain(sqs, url)
    lab.wait(WINDOW - 1)
    assert _send(sqs, url, "v2")["MessageId"] == first["MessageId"]
    assert _drain(sqs, url) == []
    lab.wait(2)  # past the first send's window: the repeat at WINDOW - 1 did not extend it
    later = _send(sqs, url, "v3")
    assert later["MessageId"] != first["MessageId"]
    assert _drain(sqs, url) == ["v3"]
    assert _send(sqs, url, "v4")["MessageId"] == later["MessageId"]  # a new window opened


def test_content_based_deduplication_remembers_the_body_after_delete(lab, sqs, layer):
    url = _fifo(sqs, ContentBasedDeduplication="true")
    first = _send(sqs, url, "same body", dedup_id=None)
    assert _drain(sqs, url) == ["same body"]
    assert _send(sqs, url, "same body", dedup_id=None)["MessageId"] == first["MessageId"]
    _send(sqs, url, "other body", dedup_id=None)
    assert _drain(sqs, url) == ["other body"]
    lab.wait(WINDOW + 1)
    _send(sqs, url, "same body", dedup_id=None)
    assert _drain(sqs, url) == ["same body"]


def test_an_explicit_id_equal_to_the_body_hash_is_a_duplicate(lab, sqs, layer):
    url = _fifo(sqs, ContentBasedDeduplication="true")
    first = _send(sqs, url, "hello", dedup_id=None)
    _drain(sqs, url)
    digest = hashlib.sha256(b"hello").hexdigest()
    assert _send(sqs, url, "bye", dedup_id=digest)["MessageId"] == first["MessageId"]
    assert _drain(sqs, url) == []


def test_batch_entries_are_deduplicated_within_and_across_batches(lab, sqs, layer):
    url = _fifo(sqs)
    entries = [
        {"Id": "a", "MessageBody": "first", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "b", "MessageBody": "again", "MessageGroupId": "g", "MessageDeduplicationId": "1"},
        {"Id": "c", "MessageBody": "other", "MessageGroupId": "g", "MessageDeduplicationId": "2"},
    ]
    reply = sqs.send_message_batch(QueueUrl=url, Entries=entries)
    ids = {entry["Id"]: entry["MessageId"] for entry in reply["Successful"]}
    assert not reply.get("Failed") and set(ids) == {"a", "b", "c"}
    assert ids["a"] == ids["b"] != ids["c"]
    assert _drain(sqs, url) == ["first", "other"]
    second = sqs.send_message_batch(QueueUrl=url, Entries=entries[1:2])["Successful"]
    assert second[0]["Id"] == "b" and second[0]["MessageId"] == ids["a"]
    assert _drain(sqs, url) == []


def test_message_group_scope_makes_the_id_unique_per_group(lab, sqs, layer):
    url = _fifo(sqs, **HIGH_THROUGHPUT)
    in_a = _send(sqs, url, "a", group="A")
    in_b = _send(sqs, url, "b", group="B")
    assert in_a["MessageId"] != in_b["MessageId"]
    assert sorted(_drain(sqs, url)) == ["a", "b"]
    assert _send(sqs, url, "a again", group="A")["MessageId"] == in_a["MessageId"]
    assert _send(sqs, url, "b again", group="B")["MessageId"] == in_b["MessageId"]
    assert _drain(sqs, url) == []


def test_message_group_scope_delivers_a_second_group_while_the_first_is_queued(lab, sqs, layer):
    url = _fifo(sqs, **HIGH_THROUGHPUT)
    _send(sqs, url, "a", group="A")
    _send(sqs, url, "b", group="B")  # moto alone would drop this one: same id still queued
    received = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert sorted(m["Body"] for m in received) == ["a", "b"]
    assert {m["Attributes"]["MessageDeduplicationId"] for m in received} == {"d"}


def test_queue_scope_makes_the_id_unique_across_groups(lab, sqs, layer):
    url = _fifo(sqs)
    in_a = _send(sqs, url, "a", group="A")
    _drain(sqs, url)
    assert _send(sqs, url, "b", group="B")["MessageId"] == in_a["MessageId"]
    assert _drain(sqs, url) == []


def test_standard_queues_are_untouched(lab, sqs, layer):
    url = sqs.create_queue(QueueName="plain")["QueueUrl"]
    ids = {sqs.send_message(QueueUrl=url, MessageBody="same")["MessageId"] for _ in range(3)}
    assert len(ids) == 3
    assert _drain(sqs, url) == ["same"] * 3


def test_moves_to_a_dead_letter_queue_are_not_sends(lab, sqs, layer):
    dlq = _fifo(sqs, "orders-dlq.fifo")
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
    policy = {"deadLetterTargetArn": dlq_arn["QueueArn"], "maxReceiveCount": 1}
    url = _fifo(sqs, RedrivePolicy=json.dumps(policy), VisibilityTimeout="10")
    _send(sqs, dlq, "sent to the DLQ")
    assert _drain(sqs, dlq) == ["sent to the DLQ"]
    _send(sqs, url, "poison")  # same dedup id "d" as the DLQ's own send
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "poison"
    lab.wait(10)
    assert sqs.receive_message(QueueUrl=url).get("Messages") is None  # moved on this receive
    assert _drain(sqs, dlq) == ["poison"]


def test_memory_is_pruned_as_windows_end(lab, sqs, layer):
    url = _fifo(sqs)
    for i in range(3):
        _send(sqs, url, str(i), dedup_id=str(i))
    memory = layer.memory(_moto_queue(lab, url))
    assert len(memory) == 3
    lab.wait(WINDOW)
    _send(sqs, url, "new", dedup_id="new")
    assert len(memory) == 1


def test_undo_restores_plain_moto(plain, sqs):
    before = _moto_methods()
    undo = dedup.install(plain)
    assert all(ours is not theirs for ours, theirs in zip(_moto_methods(), before, strict=True))
    assert _moto_methods()[1].__wrapped__ is before[1]  # wraps the clock's enqueue, not moto's
    undo()
    assert _moto_methods() == before and dedup.current() is None
    assert plain._on_stop.count(dedup.uninstall) == 1  # one stop hook, harmless once off
    undo()  # a second undo is harmless
    url = _fifo(sqs)
    first = _send(sqs, url, "x")
    _drain(sqs, url)
    assert _send(sqs, url, "x")["MessageId"] != first["MessageId"]
    assert _drain(sqs, url) == ["x"]


def test_lab_stop_undoes_the_layer():
    plain_moto = _moto_methods()
    lab = start("moto", quiet=True)
    dedup.install(lab)
    lab.stop()
    assert dedup.current() is None and _moto_methods() == plain_moto


def test_install_twice_keeps_one_layer(lab, sqs):
    undo = dedup.install(lab)
    layer = dedup.current()
    assert dedup.install(lab) == undo and dedup.current() is layer
    assert lab._on_stop.count(dedup.uninstall) == 1
    undo()


def test_installing_on_a_new_lab_replaces_the_old_layer():
    old = start("moto", quiet=True)
    dedup.install(old)
    new = start("moto", quiet=True)  # starting a lab stops the previous one
    try:
        dedup.install(new)
        assert dedup.current().lab is new
    finally:
        new.stop()
    assert dedup.current() is None


@pytest.mark.parametrize("backend", ["aws", "endpoint"])
def test_real_service_backends_get_a_clear_error(backend):
    session = boto3.Session(
        region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing"
    )
    remote = Lab(backend, session, RealClock(), endpoint_url="http://127.0.0.1:9")
    with pytest.raises(LabConfigError, match="in-process moto backends") as err:
        dedup.install(remote)
    assert repr(backend) in str(err.value) and "sqslab.start('moto')" in str(err.value)
    assert dedup.current() is None


def test_server_backend_deduplicates_over_http():
    lab = start("server", quiet=True)
    try:
        dedup.install(lab)
        url = _fifo(lab.sqs)
        first = _send(lab.sqs, url, "x")
        assert _drain(lab.sqs, url) == ["x"]
        assert _send(lab.sqs, url, "x")["MessageId"] == first["MessageId"]
        assert _drain(lab.sqs, url) == []
    finally:
        lab.stop()
    assert dedup.current() is None


def test_description_quotes_aws_and_names_the_sources():
    for text in (dedup.LABEL, dedup.SEND_MESSAGE_URL, dedup.SET_QUEUE_ATTRIBUTES_URL):
        assert text in dedup.DESCRIPTION
    for quote in (dedup.WINDOW_QUOTE, dedup.DELETED_QUOTE, dedup.SCOPE_QUOTE):
        assert quote in dedup.DESCRIPTION
        assert quote in " ".join(dedup.__doc__.split())
    assert dedup.DEDUP_ID_URL in dedup.__doc__ and dedup.HIGH_THROUGHPUT_URL in dedup.__doc__
    assert facts.get("fifo_dedup_window").text in dedup.DESCRIPTION
