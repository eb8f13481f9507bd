"""The redrive layer: message move tasks, RedriveAllowPolicy and DLQ rules as AWS documents them.

Each behaviour here is one plain moto 5.2 lacks (it raises NotImplementedError for move tasks,
drops RedriveAllowPolicy and accepts any maxReceiveCount or a FIFO DLQ for a standard queue)."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import moto.sqs.models as sqs_models
import moto.sqs.responses as sqs_responses
import pytest
from botocore.exceptions import ClientError

from sqslab import dlq, facts
from sqslab.emulator import clock as clocks
from sqslab.emulator import dedup, realism, redrive, timepatch
from sqslab.emulator.session import emulator_session
from sqslab.errors import LabConfigError
from sqslab.lab import Lab, start


@pytest.fixture
def layer(lab: Lab) -> Iterator[Lab]:
    """The moto lab with the redrive layer on."""
    undo = redrive.install(lab)
    yield lab
    undo()


def arn_of(sqs: Any, url: str) -> str:
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]


def depth(sqs: Any, url: str) -> int:
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return sum(int(attrs[n]) for n in names)


def dead_letter(sqs: Any, pair: dlq.QueuePair, bodies: list[str], **send: Any) -> None:
    """Send ``bodies`` to the source and receive until moto has moved them all to the DLQ."""
    for body in bodies:
        sqs.send_message(QueueUrl=pair.source_url, MessageBody=body, **send)
    for _ in range(len(bodies) + 2):
        if depth(sqs, pair.source_url) == 0:
            break
        sqs.receive_message(QueueUrl=pair.source_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert depth(sqs, pair.dlq_url) == len(bodies)


def receive_all(sqs: Any, url: str, **kwargs: Any) -> list[dict[str, Any]]:
    """Every message now visible in a queue (received, so they stay in flight)."""
    found: list[dict[str, Any]] = []
    for _ in range(100):
        batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, **kwargs).get("Messages")
        if not batch:
            return found
        found += batch
    raise AssertionError(f"{url} never ran dry")


def drain(sqs: Any, url: str) -> None:
    """Receive and delete every message of a queue."""
    for message in receive_all(sqs, url):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def error(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    err = excinfo.value.response["Error"]
    return err["Code"], err["Message"]


def only_task(sqs: Any, source_arn: str) -> dict[str, Any]:
    return sqs.list_message_move_tasks(SourceArn=source_arn)["Results"][0]


# --- redrive ------------------------------------------------------------------


def test_redrive_without_destination_goes_back_to_the_source_as_new_messages(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    attrs = {"kind": {"DataType": "String", "StringValue": "order"}}
    dead_letter(sqs, pair, ["a", "b", "c"], MessageAttributes=attrs)
    peeked = sqs.receive_message(QueueUrl=pair.dlq_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    old_ids = {m["MessageId"] for m in peeked["Messages"]}
    rate = 2
    started = layer.clock.time()

    sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=rate)
    layer.wait(5)

    back = receive_all(
        sqs, pair.source_url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )
    assert [m["Body"] for m in back] == ["a", "b", "c"]  # oldest first
    assert not {m["MessageId"] for m in back} & old_ids  # new messages
    assert {m["Attributes"]["ApproximateReceiveCount"] for m in back} == {"1"}
    sent = [int(m["Attributes"]["SentTimestamp"]) for m in back]
    assert sent == [int((started + k / rate) * 1000) for k in (1, 2, 3)]  # each at its own move
    assert all(m["MessageAttributes"] == attrs for m in back)
    assert depth(sqs, pair.dlq_url) == 0
    task = only_task(sqs, pair.dlq_arn)
    assert task["Status"] == redrive.COMPLETED
    assert "DestinationArn" not in task and "TaskHandle" not in task


def test_redrive_to_another_queue(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    dead_letter(sqs, pair, ["a", "b"])
    target = sqs.create_queue(QueueName="orders-retry")["QueueUrl"]

    sqs.start_message_move_task(SourceArn=pair.dlq_arn, DestinationArn=arn_of(sqs, target))
    layer.wait(1)

    assert [m["Body"] for m in receive_all(sqs, target)] == ["a", "b"]
    assert depth(sqs, pair.source_url) == 0 and depth(sqs, pair.dlq_url) == 0
    task = only_task(sqs, pair.dlq_arn)
    assert task["DestinationArn"] == arn_of(sqs, target)
    assert (task["ApproximateNumberOfMessagesMoved"], task["Status"]) == (2, redrive.COMPLETED)


def test_each_message_returns_to_its_own_source(layer):
    sqs = layer.sqs
    first = dlq.create_pair(sqs, "billing", max_receive_count=1)
    policy = dlq.redrive_policy(first.dlq_arn, 1)
    second_url = sqs.create_queue(QueueName="shipping", Attributes={"RedrivePolicy": policy})[
        "QueueUrl"
    ]
    second = dlq.QueuePair(second_url, first.dlq_url, arn_of(sqs, second_url), first.dlq_arn, 1)
    dead_letter(sqs, first, ["bill"])
    _send_to_shared_dlq(sqs, second)

    sqs.start_message_move_task(SourceArn=first.dlq_arn)
    layer.wait(1)

    assert [m["Body"] for m in receive_all(sqs, first.source_url)] == ["bill"]
    assert [m["Body"] for m in receive_all(sqs, second.source_url)] == ["ship"]


def _send_to_shared_dlq(sqs: Any, pair: dlq.QueuePair) -> None:
    """Move one message from a second source into a DLQ that already holds one."""
    sqs.send_message(QueueUrl=pair.source_url, MessageBody="ship")
    for _ in range(2):
        sqs.receive_message(QueueUrl=pair.source_url, VisibilityTimeout=0)
    assert depth(sqs, pair.dlq_url) == 2


def test_fifo_dlq_redrives_back_to_its_fifo_source_keeping_the_group(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "payments", fifo=True, max_receive_count=1)
    for n in range(3):  # one group each, so the test does not depend on the fifo_groups layer
        sqs.send_message(
            QueueUrl=pair.source_url,
            MessageBody=f"p{n}",
            MessageGroupId=f"customer-{n}",
            MessageDeduplicationId=f"p{n}",
        )
    for _ in range(3):
        sqs.receive_message(QueueUrl=pair.source_url, MaxNumberOfMessages=10, VisibilityTimeout=0)
    assert depth(sqs, pair.dlq_url) == 3

    sqs.start_message_move_task(SourceArn=pair.dlq_arn)
    layer.wait(1)

    back = receive_all(sqs, pair.source_url, MessageSystemAttributeNames=["MessageGroupId"])
    assert [m["Body"] for m in back] == ["p0", "p1", "p2"]
    assert [m["Attributes"]["MessageGroupId"] for m in back] == [f"customer-{n}" for n in range(3)]


@pytest.mark.parametrize(("fifo", "left_after_two_more_days"), [(False, 0), (True, 1)])
def test_dlq_retention_counts_from_the_first_send_on_standard_and_from_the_move_on_fifo(
    layer, fifo, left_after_two_more_days
):
    sqs, day = layer.sqs, 24 * 3600
    four_days = {"MessageRetentionPeriod": str(4 * day)}
    pair = dlq.create_pair(
        sqs,
        "retention-fifo" if fifo else "retention",
        fifo=fifo,
        max_receive_count=1,
        source_attributes=four_days,
        dlq_attributes=four_days,
    )
    send = {"MessageGroupId": "g", "MessageDeduplicationId": "d"} if fifo else {}
    layer.wait(3 * day)  # not yet: the send below is what starts the clock
    sent_at = layer.clock.time()
    sqs.send_message(QueueUrl=pair.source_url, MessageBody="late", **send)
    layer.wait(3 * day)  # three days in the source before anyone fails it
    for _ in range(2):  # the first receive fails; the second moves the message to the DLQ
        sqs.receive_message(QueueUrl=pair.source_url, VisibilityTimeout=0)
    assert depth(sqs, pair.dlq_url) == 1
    moved_at = layer.clock.time()
    stamp = receive_all(sqs, pair.dlq_url, MessageSystemAttributeNames=["SentTimestamp"])
    assert int(stamp[0]["Attributes"]["SentTimestamp"]) // 1000 == int(
        moved_at if fifo else sent_at
    )

    layer.wait(2 * day)  # 5 days after the send, 2 after the move; the DLQ keeps 4 days
    assert depth(sqs, pair.dlq_url) == left_after_two_more_days


def test_rate_is_honoured_on_the_virtual_clock(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    dead_letter(sqs, pair, [f"m{n}" for n in range(10)])

    handle = sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=3)[
        "TaskHandle"
    ]
    assert only_task(sqs, pair.dlq_arn)["ApproximateNumberOfMessagesMoved"] == 0
    layer.wait(2)

    task = only_task(sqs, pair.dlq_arn)
    assert task["Status"] == redrive.RUNNING and task["TaskHandle"] == handle
    assert task["ApproximateNumberOfMessagesMoved"] == 6
    assert task["ApproximateNumberOfMessagesToMove"] == 10
    assert task["MaxNumberOfMessagesPerSecond"] == 3
    assert (depth(sqs, pair.source_url), depth(sqs, pair.dlq_url)) == (6, 4)

    layer.wait(2)
    task = only_task(sqs, pair.dlq_arn)
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == (redrive.COMPLETED, 10)
    assert "TaskHandle" not in task


def test_without_a_rate_the_task_moves_at_the_documented_maximum(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    dead_letter(sqs, pair, [f"m{n}" for n in range(10)])
    fastest = facts.get("move_task_max_rate").value

    sqs.start_message_move_task(SourceArn=pair.dlq_arn)
    layer.wait(4 / fastest)

    task = only_task(sqs, pair.dlq_arn)
    assert task["ApproximateNumberOfMessagesMoved"] == 4
    assert "MaxNumberOfMessagesPerSecond" not in task  # only returned when it was given


def test_a_long_poll_on_the_destination_wakes_when_the_task_delivers(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    dead_letter(sqs, pair, ["late"])
    sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=1)
    before = layer.clock.time()

    got = sqs.receive_message(QueueUrl=pair.source_url, WaitTimeSeconds=20).get("Messages", [])

    assert [m["Body"] for m in got] == ["late"]
    assert layer.clock.time() - before == pytest.approx(1.0, abs=1e-3)


def test_list_returns_the_newest_tasks_first(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    started = []
    for rate in (1, 2, 3):
        dead_letter(sqs, pair, [f"r{rate}"])
        started.append(int(layer.clock.time() * 1000))
        sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=rate)
        layer.wait(1)
        drain(sqs, pair.source_url)

    default = sqs.list_message_move_tasks(SourceArn=pair.dlq_arn)["Results"]
    most = int(facts.get("move_task_list_max_results").value)
    every = sqs.list_message_move_tasks(SourceArn=pair.dlq_arn, MaxResults=most)["Results"]

    assert [t["MaxNumberOfMessagesPerSecond"] for t in default] == [3]
    assert [t["MaxNumberOfMessagesPerSecond"] for t in every] == [3, 2, 1]
    assert [t["StartedTimestamp"] for t in every] == started[::-1]
    assert {t["Status"] for t in every} == {redrive.COMPLETED}
    assert all(t["SourceArn"] == pair.dlq_arn for t in every)


def test_cancel_freezes_the_moved_count(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    dead_letter(sqs, pair, [f"m{n}" for n in range(10)])
    handle = sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"
    ]
    layer.wait(2)

    assert sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"] == 2
    assert only_task(sqs, pair.dlq_arn)["Status"] == redrive.CANCELLING
    layer.wait(5)

    task = only_task(sqs, pair.dlq_arn)
    assert (task["Status"], task["ApproximateNumberOfMessagesMoved"]) == (redrive.CANCELLED, 2)
    assert (depth(sqs, pair.source_url), depth(sqs, pair.dlq_url)) == (2, 8)
    with pytest.raises(ClientError) as caught:
        sqs.cancel_message_move_task(TaskHandle=handle)
    assert error(caught)[0] == "ResourceNotFoundException"


def test_only_one_active_task_per_source(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    dead_letter(sqs, pair, [f"m{n}" for n in range(5)])
    handle = sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=1)[
        "TaskHandle"
    ]

    with pytest.raises(ClientError) as caught:
        sqs.start_message_move_task(SourceArn=pair.dlq_arn)
    assert error(caught)[0] == "InvalidParameterValue"
    assert "Only one active task is allowed" in error(caught)[1]

    sqs.cancel_message_move_task(TaskHandle=handle)
    layer.wait(1)
    sqs.start_message_move_task(SourceArn=pair.dlq_arn)  # the cancelled task is no longer active
    layer.wait(1)
    assert depth(sqs, pair.dlq_url) == 0


def test_task_handle_is_base64_json_of_task_id_and_source(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    handle = sqs.start_message_move_task(SourceArn=pair.dlq_arn)["TaskHandle"]

    doc = json.loads(base64.b64decode(handle))
    assert doc["sourceArn"] == pair.dlq_arn and doc["taskId"]


def test_task_fails_when_its_destination_is_deleted(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    dead_letter(sqs, pair, [f"m{n}" for n in range(5)])
    target = sqs.create_queue(QueueName="orders-retry")["QueueUrl"]
    sqs.start_message_move_task(
        SourceArn=pair.dlq_arn, DestinationArn=arn_of(sqs, target), MaxNumberOfMessagesPerSecond=1
    )
    layer.wait(2)
    sqs.delete_queue(QueueUrl=target)
    layer.wait(2)

    task = only_task(sqs, pair.dlq_arn)
    assert (task["Status"], task["FailureReason"]) == (redrive.FAILED, redrive.NO_QUEUE)
    assert task["ApproximateNumberOfMessagesMoved"] == 2
    assert depth(sqs, pair.dlq_url) == 3


def test_a_message_sent_straight_to_the_dlq_has_no_source_to_return_to(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    sqs.send_message(QueueUrl=pair.dlq_url, MessageBody="by hand")

    sqs.start_message_move_task(SourceArn=pair.dlq_arn)
    layer.wait(1)

    task = only_task(sqs, pair.dlq_arn)
    assert (task["Status"], task["FailureReason"]) == (redrive.FAILED, redrive.UNKNOWN_SOURCE)
    assert depth(sqs, pair.dlq_url) == 1


# --- move task errors ---------------------------------------------------------


def test_source_must_be_a_dead_letter_queue(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    plain = sqs.create_queue(QueueName="plain")["QueueUrl"]

    for arn in (pair.source_arn, arn_of(sqs, plain)):
        with pytest.raises(ClientError) as caught:
            sqs.start_message_move_task(SourceArn=arn)
        assert error(caught) == (
            "InvalidParameterValue",
            f"Source queue must be configured as a Dead Letter Queue. ({redrive.LABEL})",
        )


def test_missing_queues_are_not_found(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    gone = sqs.create_queue(QueueName="gone")["QueueUrl"]
    gone_arn = arn_of(sqs, gone)
    sqs.delete_queue(QueueUrl=gone)

    calls = {
        "SourceArn": lambda: sqs.start_message_move_task(SourceArn=gone_arn),
        "DestinationArn": lambda: sqs.start_message_move_task(
            SourceArn=pair.dlq_arn, DestinationArn=gone_arn
        ),
    }
    for parameter, call in calls.items():
        with pytest.raises(sqs.exceptions.ResourceNotFoundException, match=parameter):
            call()
    with pytest.raises(sqs.exceptions.ResourceNotFoundException):
        sqs.list_message_move_tasks(SourceArn=gone_arn)


def test_rate_outside_the_documented_range_is_refused(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    fact = facts.get("move_task_max_rate")

    for rate in (int(fact.min) - 1, int(fact.value) + 1):
        with pytest.raises(ClientError) as caught:
            sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=rate)
        code, message = error(caught)
        assert code == "InvalidParameterValue" and "MaxNumberOfMessagesPerSecond" in message
    assert sqs.list_message_move_tasks(SourceArn=pair.dlq_arn)["Results"] == []


def test_max_results_outside_the_documented_range_is_refused(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    fact = facts.get("move_task_list_max_results")

    for count in (int(fact.min) - 1, int(fact.value) + 1):
        with pytest.raises(ClientError) as caught:
            sqs.list_message_move_tasks(SourceArn=pair.dlq_arn, MaxResults=count)
        assert error(caught)[0] == "InvalidParameterValue"


def test_destination_must_be_of_the_dlqs_type(layer):
    sqs = layer.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    fifo = sqs.create_queue(QueueName="retry.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]

    with pytest.raises(ClientError) as caught:
        sqs.start_message_move_task(SourceArn=pair.dlq_arn, DestinationArn=arn_of(sqs, fifo))
    assert error(caught)[0] == "InvalidParameterValue"
    assert "same type" in error(caught)[1]


def test_an_invalid_task_handle_is_refused(layer):
    with pytest.raises(ClientError) as caught:
        layer.sqs.cancel_message_move_task(TaskHandle="not-a-handle")
    assert error(caught)[0] == "InvalidParameterValue"
    assert "TaskHandle" in error(caught)[1]


# --- DLQ configuration --------------------------------------------------------


def test_dlq_must_be_of_the_sources_type(layer):
    sqs = layer.sqs
    standard = sqs.create_queue(QueueName="standard-dlq")["QueueUrl"]
    fifo = sqs.create_queue(QueueName="fifo-dlq.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    cases = [
        ("orders", {}, fifo),  # plain moto accepts this one
        ("orders.fifo", {"FifoQueue": "true"}, standard),  # plain moto: InvalidParameterCombination
    ]
    for name, kind, target in cases:
        policy = dlq.redrive_policy(arn_of(sqs, target), 3)
        with pytest.raises(ClientError) as caught:
            sqs.create_queue(QueueName=name, Attributes={**kind, "RedrivePolicy": policy})
        assert error(caught)[0] == "InvalidParameterValue"
        assert "Dead-letter queue must be same type of queue as the source" in error(caught)[1]


def test_max_receive_count_outside_the_range_is_refused(layer):
    sqs = layer.sqs
    target = arn_of(sqs, sqs.create_queue(QueueName="orders-dlq")["QueueUrl"])
    source = sqs.create_queue(QueueName="orders")["QueueUrl"]
    fact = facts.get("max_receive_count")

    for count in (int(fact.min) - 1, int(fact.value) + 1):
        policy = json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count})
        with pytest.raises(ClientError) as caught:
            sqs.set_queue_attributes(QueueUrl=source, Attributes={"RedrivePolicy": policy})
        assert error(caught)[0] == "InvalidParameterValue"
        assert f"maxReceiveCount: {count}" in error(caught)[1]
    for count in (int(fact.min), int(fact.value)):
        policy = json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": count})
        sqs.set_queue_attributes(QueueUrl=source, Attributes={"RedrivePolicy": policy})


def _policy(permission: str, *arns: str) -> str:
    doc: dict[str, Any] = {"redrivePermission": permission}
    if arns:
        doc["sourceQueueArns"] = list(arns)
    return json.dumps(doc)


def test_redrive_allow_policy_is_stored_and_returned(layer):
    sqs = layer.sqs
    source_arn = "arn:aws:sqs:us-east-1:123456789012:orders"
    policy = _policy("byQueue", source_arn)
    url = sqs.create_queue(QueueName="orders-dlq", Attributes={"RedriveAllowPolicy": policy})[
        "QueueUrl"
    ]

    named = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedriveAllowPolicy"])
    every = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert named["Attributes"] == {"RedriveAllowPolicy": policy}
    assert every["Attributes"]["RedriveAllowPolicy"] == policy

    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": ""})
    every = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])
    assert "RedriveAllowPolicy" not in every["Attributes"]


def test_deny_all_refuses_every_source_queue(layer):
    sqs = layer.sqs
    target = sqs.create_queue(
        QueueName="closed-dlq", Attributes={"RedriveAllowPolicy": _policy("denyAll")}
    )["QueueUrl"]
    policy = dlq.redrive_policy(arn_of(sqs, target), 3)
    existing = sqs.create_queue(QueueName="existing")["QueueUrl"]

    with pytest.raises(ClientError) as caught:
        sqs.create_queue(QueueName="orders", Attributes={"RedrivePolicy": policy})
    assert error(caught)[0] == "InvalidParameterValue" and "denyAll" in error(caught)[1]
    with pytest.raises(ClientError):
        sqs.set_queue_attributes(QueueUrl=existing, Attributes={"RedrivePolicy": policy})
    attrs = sqs.get_queue_attributes(QueueUrl=existing, AttributeNames=["All"])["Attributes"]
    assert "RedrivePolicy" not in attrs


def test_by_queue_admits_only_the_listed_sources(layer):
    sqs = layer.sqs
    allowed = sqs.create_queue(QueueName="allowed")["QueueUrl"]
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    target = sqs.create_queue(
        QueueName="picky-dlq",
        Attributes={"RedriveAllowPolicy": _policy("byQueue", arn_of(sqs, allowed))},
    )["QueueUrl"]
    policy = dlq.redrive_policy(arn_of(sqs, target), 3)

    sqs.set_queue_attributes(QueueUrl=allowed, Attributes={"RedrivePolicy": policy})
    with pytest.raises(ClientError) as caught:
        sqs.set_queue_attributes(QueueUrl=other, Attributes={"RedrivePolicy": policy})
    assert error(caught)[0] == "InvalidParameterValue"
    assert arn_of(sqs, other) in error(caught)[1]


def _too_many_arns() -> str:
    count = int(facts.get("redrive_allow_max_source_queues").value) + 1
    return _policy("byQueue", *(f"arn:aws:sqs:us-east-1:123456789012:q{n}" for n in range(count)))


@pytest.mark.parametrize(
    "policy",
    [
        _policy("byQueue"),
        _too_many_arns(),
        _policy("allowAll", "arn:aws:sqs:us-east-1:123456789012:q"),
        _policy("allowSome"),
        '{"redrivePermission": "denyAll", "extra": 1}',
        "not json",
    ],
    ids=[
        "byQueue-without-arns",
        "too-many-arns",
        "arns-without-byQueue",
        "bad-permission",
        "unknown-field",
        "not-json",
    ],
)
def test_invalid_redrive_allow_policies_are_refused(layer, policy):
    with pytest.raises(ClientError) as caught:
        layer.sqs.create_queue(QueueName="dlq", Attributes={"RedriveAllowPolicy": policy})
    code, message = error(caught)
    assert code == "InvalidParameterValue" and "RedriveAllowPolicy" in message


# --- install and undo ---------------------------------------------------------


def _moto_state() -> dict[str, Any]:
    """What the layer may replace, as it stands now."""
    backend, queue = vars(sqs_models.SQSBackend), vars(sqs_models.Queue)
    return {
        "get_queue": backend["get_queue"],
        "get_queue_attributes": backend["get_queue_attributes"],
        "_set_attributes": queue["_set_attributes"],
        "add_message": queue["add_message"],
        "arrivals": timepatch.arrival_sources(),
        "actions": {
            name: vars(sqs_responses.SQSResponse).get(name)
            for name in (
                "start_message_move_task",
                "list_message_move_tasks",
                "cancel_message_move_task",
            )
        },
    }


def _without_redrive() -> dict[str, Any]:
    """Switch off a redrive layer the lab may have started with; what moto looks like then."""
    layer = redrive.current()
    if layer is not None:
        layer.undo()
    return _moto_state()


def test_undo_restores_plain_moto(lab):
    before = _without_redrive()
    undo = redrive.install(lab)
    assert _moto_state() != before
    undo()

    assert _moto_state() == before and redrive.current() is None
    sqs = lab.sqs
    pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
    with pytest.raises(NotImplementedError):
        sqs.start_message_move_task(SourceArn=pair.dlq_arn)
    with pytest.raises(sqs.exceptions.ClientError, match="InvalidAttributeName"):
        sqs.get_queue_attributes(QueueUrl=pair.dlq_url, AttributeNames=["RedriveAllowPolicy"])


def test_lab_stop_undoes_the_layer():
    before = _moto_state()
    lab = start("moto", quiet=True)
    redrive.install(lab)
    first = redrive.current()
    assert redrive.install(lab) == first.undo and redrive.current() is first  # kept, not stacked
    lab.stop()
    assert redrive.current() is None
    assert _moto_state()["actions"] == before["actions"]


def test_coexists_with_the_realism_and_dedup_layers(lab):
    dedup.install(lab)  # kept if the lab started with it
    before = _without_redrive()
    undo = redrive.install(lab)
    noise = realism.enable(lab, duplicates=0, reorder=0)
    pair = dlq.create_pair(lab.sqs, "orders", max_receive_count=1)
    dead_letter(lab.sqs, pair, ["a"])
    lab.sqs.start_message_move_task(SourceArn=pair.dlq_arn)
    lab.wait(1)
    assert [m["Body"] for m in receive_all(lab.sqs, pair.source_url)] == ["a"]

    noise.disable()
    undo()
    assert _moto_state() == before


def test_refuses_a_lab_without_a_virtual_clock():
    lab = Lab("endpoint", emulator_session(), clocks.RealClock(), endpoint_url="http://127.0.0.1:9")
    with pytest.raises(LabConfigError, match="moto"):
        redrive.install(lab)


def test_server_backend_runs_move_tasks_over_http():
    lab = start("server", quiet=True)
    try:
        redrive.install(lab)
        sqs = lab.sqs
        target = sqs.create_queue(
            QueueName="closed-dlq", Attributes={"RedriveAllowPolicy": _policy("denyAll")}
        )["QueueUrl"]
        with pytest.raises(ClientError):
            policy = dlq.redrive_policy(arn_of(sqs, target), 3)
            sqs.create_queue(QueueName="refused", Attributes={"RedrivePolicy": policy})
        pair = dlq.create_pair(sqs, "orders", max_receive_count=1)
        dead_letter(sqs, pair, ["a", "b", "c"])
        sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=1)
        lab.wait(2)
        assert only_task(sqs, pair.dlq_arn)["ApproximateNumberOfMessagesMoved"] == 2
        assert depth(sqs, pair.source_url) == 2
    finally:
        lab.stop()
