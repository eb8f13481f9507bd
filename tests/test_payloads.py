"""PayloadStore: Extended Client pointers, S3 round trips on moto, and a >1 MiB message end to end."""

from __future__ import annotations

import json

import pytest

from sqslab import facts
from sqslab.errors import LimitError
from sqslab.payloads import (
    LEGACY_POINTER_CLASS,
    POINTER_CLASS,
    SIZE_ATTRIBUTE,
    PayloadStore,
    content_hash,
    is_pointer,
    parse_pointer,
)
from sqslab.producer import Producer

BUCKET = "sqslab-test-payloads"


@pytest.fixture
def s3(lab):
    return lab.client("s3")


@pytest.fixture
def store(s3):
    the_store = PayloadStore(s3, BUCKET)
    the_store.ensure_bucket()
    return the_store


def object_keys(s3, bucket=BUCKET):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_ensure_bucket_creates_it_once(s3):
    store = PayloadStore(s3, BUCKET)
    store.ensure_bucket()
    store.ensure_bucket()
    assert BUCKET in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_ensure_bucket_creates_it_in_the_clients_region(lab):
    s3 = lab.session.client("s3", region_name="eu-west-1", endpoint_url=lab.endpoint_url)
    PayloadStore(s3, "sqslab-test-eu").ensure_bucket()
    assert s3.get_bucket_location(Bucket="sqslab-test-eu")["LocationConstraint"] == "eu-west-1"


def test_offload_writes_the_body_and_returns_an_extended_client_pointer(s3, store):
    body = "grüße " * 1000  # non-ASCII: the size attribute counts bytes, not characters
    pointer, attributes = store.offload(body)
    kind, where = json.loads(pointer)
    assert kind == POINTER_CLASS
    assert where["s3BucketName"] == BUCKET
    assert object_keys(s3) == [where["s3Key"]]
    assert where["s3Key"].startswith("sqslab-payloads/")
    assert attributes == {
        SIZE_ATTRIBUTE: {"DataType": "Number", "StringValue": str(len(body.encode()))}
    }
    stored = s3.get_object(Bucket=BUCKET, Key=where["s3Key"])["Body"].read()
    assert stored.decode() == body


def test_resolve_round_trip_and_plain_bodies_pass_through(store):
    pointer, attributes = store.offload("the real body")
    assert store.resolve(pointer, attributes) == "the real body"
    assert store.resolve(pointer) == "the real body"
    assert store.resolve("just text", {}) == "just text"


def test_keys_are_deterministic_and_never_shared_by_two_messages(s3, store):
    first = [parse_pointer(store.offload(b)[0]) for b in ("a", "b", "a")]
    other = PayloadStore(s3, BUCKET)
    again = [parse_pointer(other.offload(b)[0]) for b in ("a", "b", "a")]
    assert first == again
    assert len({key for _, key in first}) == 3
    assert first[0][1].endswith(content_hash("a")[:16])


@pytest.mark.parametrize(
    "body, expected",
    [
        (json.dumps([POINTER_CLASS, {"s3BucketName": "b", "s3Key": "k"}]), True),
        (json.dumps([LEGACY_POINTER_CLASS, {"s3BucketName": "b", "s3Key": "k"}]), True),
        (json.dumps(["some.other.Class", {"s3BucketName": "b", "s3Key": "k"}]), False),
        (json.dumps([POINTER_CLASS, {"s3BucketName": "b"}]), False),
        (json.dumps([POINTER_CLASS, "b/k"]), False),
        ('{"order": 1}', False),
        ("[not json", False),
        ("hello", False),
    ],
)
def test_is_pointer_recognises_only_extended_client_pointers(body, expected):
    assert is_pointer(body, None) is expected
    assert PayloadStore(None, "unused").is_pointer(body, {}) is expected


def test_delete_removes_the_object_and_resolve_then_explains(s3, store):
    pointer, attributes = store.offload("short-lived")
    assert store.delete(pointer, attributes) is True
    assert object_keys(s3) == []
    assert store.delete("plain message", {}) is False
    with pytest.raises(LookupError, match="is gone"):
        store.resolve(pointer, attributes)


def test_resolve_detects_a_payload_of_the_wrong_size(s3, store):
    pointer, attributes = store.offload("original")
    bucket, key = parse_pointer(pointer)
    s3.put_object(Bucket=bucket, Key=key, Body=b"tampered with")
    with pytest.raises(ValueError, match="has 13 bytes but the message says 8"):
        store.resolve(pointer, attributes)


def test_needs_offload_follows_threshold_always_and_queue_limit():
    assert not PayloadStore(None, BUCKET).needs_offload(1000, queue_limit=1024)
    assert PayloadStore(None, BUCKET).needs_offload(1025, queue_limit=1024)
    assert PayloadStore(None, BUCKET, threshold=100).needs_offload(101, queue_limit=1024)
    assert not PayloadStore(None, BUCKET, threshold=100).needs_offload(100, queue_limit=1024)
    assert PayloadStore(None, BUCKET, always=True).needs_offload(1, queue_limit=1024)


def test_threshold_beyond_the_sqs_limit_is_refused():
    too_big = int(facts.get("max_message_size").value) + 1
    with pytest.raises(LimitError, match="threshold must be a byte count"):
        PayloadStore(None, BUCKET, threshold=too_big)


def test_a_message_over_1_mib_goes_through_s3_and_is_resolved(lab, sqs, s3, store):
    url = sqs.create_queue(QueueName="big")["QueueUrl"]
    limit = int(facts.get("max_message_size").value)
    body = json.dumps({"blob": "x" * limit})
    assert len(body.encode()) > limit
    result = Producer(sqs, url, payloads=store).send(body, attributes={"kind": "report"})
    assert result.ok
    message = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"])["Messages"][0]
    assert is_pointer(message["Body"], message["MessageAttributes"])
    assert len(message["Body"]) < 200
    assert message["MessageAttributes"]["kind"]["StringValue"] == "report"
    size = message["MessageAttributes"][SIZE_ATTRIBUTE]["StringValue"]
    assert int(size) == len(body.encode())
    assert store.resolve(message["Body"], message["MessageAttributes"]) == body


def test_always_offloads_small_messages_in_batches_too(sqs, s3, s3_store_always):
    url = sqs.create_queue(QueueName="small")["QueueUrl"]
    result = Producer(sqs, url, payloads=s3_store_always).send_many(["one", "two", "three"])
    assert result.ok and result.requests == 1
    assert len(object_keys(s3)) == 3
    bodies = []
    for message in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]:
        assert is_pointer(message["Body"])
        bodies.append(s3_store_always.resolve(message["Body"]))
    assert sorted(bodies) == ["one", "three", "two"]


@pytest.fixture
def s3_store_always(s3):
    the_store = PayloadStore(s3, BUCKET, always=True)
    the_store.ensure_bucket()
    return the_store
