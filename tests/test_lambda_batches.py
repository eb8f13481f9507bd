"""A Lambda-style SQS trigger without Lambda: the event, partial batch failures, and the mapping's
limits and advice."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from sqslab import dlq, facts, queues
from sqslab import lambda_batches as lb
from sqslab.consumer import Message
from sqslab.errors import LimitError

BATCH = ["a", "b", "c"]


@pytest.mark.parametrize("response", [None, {}, [], {"batchItemFailures": []}])
def test_no_failures_reported_means_the_whole_batch_succeeded(response):
    assert lb.failures(response, BATCH) == set()


def test_listed_ids_fail_and_only_those():
    response = {"batchItemFailures": [{"itemIdentifier": "b"}, {"itemIdentifier": "c"}]}
    assert lb.failures(response, BATCH) == {"b", "c"}


@pytest.mark.parametrize(
    "items",
    [
        [{"itemIdentifier": "zzz"}],  # not in the batch
        [{"itemIdentifier": ""}],
        [{"itemIdentifier": None}],
        [{"id": "a"}],  # wrong key name
        [{"itemIdentifier": "a"}, {"itemIdentifier": "zzz"}],
    ],
)
def test_an_invalid_identifier_fails_the_whole_batch(items):
    assert lb.failures({"batchItemFailures": items}, BATCH) == set(BATCH)


def _received(sqs, url):
    raw = sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,
        MessageAttributeNames=["All"],
        MessageSystemAttributeNames=["All"],
    )["Messages"]
    return [Message.from_sqs(m) for m in raw]


def test_event_has_the_shape_lambda_gives_a_function(sqs):
    url = sqs.create_queue(QueueName="trigger")["QueueUrl"]
    sqs.send_message(
        QueueUrl=url,
        MessageBody="hello",
        MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}},
    )
    sqs.send_message(QueueUrl=url, MessageBody="bye")
    batch = _received(sqs, url)
    arn = dlq.arn(sqs, url)
    records = lb.event(batch, arn)["Records"]
    assert [r["messageId"] for r in records] == [m.id for m in batch]
    assert [r["body"] for r in records] == [m.body for m in batch]
    assert {r["eventSource"] for r in records} == {"aws:sqs"}
    assert {r["eventSourceARN"] for r in records} == {arn}
    assert [r["receiptHandle"] for r in records] == [m.receipt_handle for m in batch]
    attrs = {r["body"]: r["messageAttributes"] for r in records}
    kind = attrs["hello"]["kind"]
    assert kind["stringValue"] == "greeting" and kind["dataType"] == "String"
    assert kind["binaryValue"] is None and kind["stringListValues"] == []
    assert attrs["bye"] == {}
    assert records[0]["attributes"]["ApproximateReceiveCount"] == "1"


def test_batch_handler_passes_the_event_and_reports_failures(sqs):
    url = sqs.create_queue(QueueName="wrapped")["QueueUrl"]
    for body in ("ok", "bad"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    batch = _received(sqs, url)
    calls = []

    def handler(event, context):
        calls.append((event, context))
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]} for r in event["Records"] if r["body"] == "bad"
            ]
        }

    failed = lb.batch_handler(handler, "arn:q")(batch)
    assert failed == {m.id for m in batch if m.body == "bad"}
    ((event, context),) = calls
    assert context is lb.NO_CONTEXT and event == lb.event(batch, "arn:q")


BODIES = ["ok-1", "poison-1", "ok-2", "ok-3", "poison-2"]


@pytest.fixture
def pair(lab, sqs):
    """A source queue with a DLQ after 3 receives, holding good and poison messages."""
    made = dlq.create_pair(sqs, "jobs", max_receive_count=3)
    for body in BODIES:
        sqs.send_message(QueueUrl=made.source_url, MessageBody=body)
    return made


def test_run_deletes_good_records_once_and_dead_letters_poison(lab, sqs, pair):
    seen = Counter()

    def handler(event, context):
        seen.update(r["body"] for r in event["Records"])
        return {
            "batchItemFailures": [
                {"itemIdentifier": r["messageId"]}
                for r in event["Records"]
                if r["body"].startswith("poison")
            ]
        }

    result = lb.run(lab, pair.source_url, handler)
    good = [b for b in BODIES if b.startswith("ok")]
    poison = [b for b in BODIES if b.startswith("poison")]
    assert {b: seen[b] for b in good} == dict.fromkeys(good, 1)
    assert {b: seen[b] for b in poison} == dict.fromkeys(poison, pair.max_receive_count)
    assert result.deleted == len(good) and len(result.processed) == len(good)
    assert result.failures == len(poison) * pair.max_receive_count
    assert sum(queues.depth(sqs, pair.source_url)) == 0
    assert sorted(m["Body"] for m in queues.peek(lab, pair.dlq_url)) == poison


def test_a_raising_handler_brings_the_whole_batch_back(lab, sqs, pair):
    seen = Counter()

    def handler(event, context):
        seen.update(r["body"] for r in event["Records"])
        if seen["poison-1"] == 1:
            raise RuntimeError("first attempt fails")

    result = lb.run(lab, pair.source_url, handler)
    assert seen == Counter(dict.fromkeys(BODIES, 2))
    assert result.failures == len(BODIES) and result.deleted == len(BODIES)
    assert sum(queues.depth(sqs, pair.source_url)) == sum(queues.depth(sqs, pair.dlq_url)) == 0


def test_run_uses_the_batch_size(lab, sqs, pair):
    sizes = []
    lb.run(lab, pair.source_url, lambda event, _: sizes.append(len(event["Records"])), batch_size=2)
    assert sum(sizes) == len(BODIES) and max(sizes) == 2


STANDARD_MAX = facts.get("lambda_batch_max_standard")
FIFO_MAX = facts.get("lambda_batch_max_fifo")
WINDOW = facts.get("lambda_batching_window")
MULTIPLE = int(facts.get("lambda_visibility_multiple").value)
RECEIVES = int(facts.get("lambda_max_receive_count").value)
GOOD = dict(batch_size=10, visibility_timeout=MULTIPLE * 30, function_timeout=30)


def test_a_good_mapping_has_no_problems():
    assert lb.mapping_problems(**GOOD, max_receive_count=RECEIVES) == []
    biggest = GOOD | dict(batch_size=int(STANDARD_MAX.value), batching_window=1)
    assert lb.mapping_problems(**biggest, max_receive_count=RECEIVES) == []


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        (dict(batch_size=int(STANDARD_MAX.value) + 1, batching_window=1), STANDARD_MAX.text),
        (dict(batch_size=0), STANDARD_MAX.text),
        (dict(batch_size=int(FIFO_MAX.value) + 1, fifo=True), FIFO_MAX.text),
        (dict(batch_size=5, fifo=True, batching_window=1), "MaximumBatchingWindowInSeconds=0"),
        (dict(batch_size=100, batching_window=int(WINDOW.value) + 1), WINDOW.text),
        (dict(batch_size=100, batching_window=-1), WINDOW.text),
        (dict(batch_size=11, batching_window=0), "batching window of at least 1 s"),
        (dict(function_timeout=31, visibility_timeout=30), "raise VisibilityTimeout"),
    ],
)
def test_settings_lambda_refuses_raise_with_the_limit(settings, match):
    with pytest.raises(LimitError, match=re.escape(match)):
        lb.mapping_problems(**(GOOD | settings), max_receive_count=RECEIVES)


def test_fifo_batch_limit_names_fifo_and_standard_limit_names_standard():
    with pytest.raises(LimitError, match="FIFO"):
        lb.mapping_problems(**(GOOD | dict(batch_size=11, fifo=True)), max_receive_count=RECEIVES)
    assert lb.mapping_problems(**(GOOD | dict(fifo=True)), max_receive_count=RECEIVES) == []


def test_short_visibility_is_advice_not_an_error():
    for visibility in (MULTIPLE * 30 - 1, 30):  # 30 s: equal to the function timeout, accepted
        settings = GOOD | dict(visibility_timeout=visibility)
        (advice,) = lb.mapping_problems(**settings, max_receive_count=RECEIVES)
        assert f"visibility timeout {visibility} s is under {MULTIPLE}" in advice
        assert f"({MULTIPLE * 30} s)" in advice


def test_no_dlq_and_few_receives_are_advice():
    (no_dlq,) = lb.mapping_problems(**GOOD, max_receive_count=None)
    assert "no DLQ" in no_dlq and f"maxReceiveCount {RECEIVES} or more" in no_dlq
    (few,) = lb.mapping_problems(**GOOD, max_receive_count=RECEIVES - 1)
    assert f"maxReceiveCount {RECEIVES - 1} is under {RECEIVES}" in few


def test_advice_lines_add_up():
    advice = lb.mapping_problems(**(GOOD | dict(visibility_timeout=30)), max_receive_count=None)
    assert len(advice) == 2


def test_a_binary_attribute_keeps_its_value_in_the_record(sqs):
    url = sqs.create_queue(QueueName="binary")["QueueUrl"]
    attribute = {"DataType": "Binary", "BinaryValue": b"\x01\x02"}
    sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={"blob": attribute})
    (message,) = _received(sqs, url)
    blob = lb.record(message, "arn:q")["messageAttributes"]["blob"]
    assert blob["dataType"] == "Binary" and blob["binaryValue"] == "AQI="  # base64 of 01 02


@pytest.mark.parametrize("response", ["ok", ["id"], {"batchItemFailures": "id"}])
def test_a_response_of_another_shape_fails_the_whole_batch(response):
    assert lb.failures(response, ["a", "b"]) == {"a", "b"}


def test_mapping_without_report_batch_item_failures_gets_advice():
    (advice,) = lb.mapping_problems(
        **GOOD, max_receive_count=RECEIVES, report_batch_item_failures=False
    )
    assert "FunctionResponseTypes=['ReportBatchItemFailures']" in advice
