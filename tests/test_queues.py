"""Chapter 1 helpers: names, attributes, the create_queue call, and the fidelity checks."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from sqslab import facts, queues
from sqslab.errors import LimitError


@pytest.mark.parametrize(
    "name, fifo, expected",
    [
        ("orders", False, None),
        ("orders-v2_eu", False, None),
        ("orders.fifo", True, None),
        ("", False, "cannot be empty"),
        ("x" * 81, False, "81 characters; SQS allows at most 80"),
        ("orders", True, "must end in '.fifo': use 'orders.fifo'"),
        ("orders.fifo", False, "add FifoQueue='true'"),
        ("my orders!", False, "characters ' !' are not allowed"),
        ("a.b", False, "'.' are not allowed"),
    ],
)
def test_name_problem(name, fifo, expected):
    problem = queues.name_problem(name, fifo)
    if expected is None:
        assert problem is None
    else:
        assert expected in problem


def test_check_name_raises_with_the_fix():
    with pytest.raises(LimitError, match="invalid queue name 'orders'.*'orders.fifo'"):
        queues.check_name("orders", fifo=True)


def test_build_attributes_keeps_only_non_defaults():
    attrs = queues.build_attributes(
        fifo=True, content_dedup=True, VisibilityTimeout=30, DelaySeconds=5
    )
    assert attrs == {"FifoQueue": "true", "ContentBasedDeduplication": "true", "DelaySeconds": "5"}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"VisibilityTimeout": 43201}, "VisibilityTimeout must be between 0 and 43200"),
        ({"MessageRetentionPeriod": 59}, "between 60 and 1209600"),
        ({"MaximumMessageSize": 2_000_000}, "between 1024 and 1048576"),
        ({"Colour": 1}, "unknown attribute 'Colour'"),
        ({"content_dedup": True}, "only on FIFO queues"),
    ],
)
def test_build_attributes_rejects_bad_values(kwargs, message):
    with pytest.raises(LimitError, match=message):
        queues.build_attributes(**kwargs)


def test_create_call_is_runnable_code(sqs):
    attrs = queues.build_attributes(fifo=True, VisibilityTimeout=120)
    code = queues.create_call("pay.fifo", attrs, tags={"team": "x"})
    url = eval(code, {"sqs": sqs})["QueueUrl"]
    assert url.endswith("/pay.fifo")
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "x"}
    assert queues.create_call("plain", {}) == "sqs.create_queue(QueueName='plain')"


@pytest.mark.parametrize(
    "attribute, value",
    [
        ("VisibilityTimeout", "43201"),
        ("MessageRetentionPeriod", "30"),
        ("DelaySeconds", "901"),
        ("ReceiveMessageWaitTimeSeconds", "21"),
        ("KmsDataKeyReusePeriodSeconds", "30"),
    ],
)
def test_fidelity_layer_rejects_what_aws_rejects(sqs, attribute, value):
    with pytest.raises(ClientError) as err:
        sqs.create_queue(QueueName="strict", Attributes={attribute: value})
    assert err.value.response["Error"]["Code"] == "InvalidAttributeValue"
    assert "sqslab fidelity layer" in str(err.value)
    url = sqs.create_queue(QueueName="strict")["QueueUrl"]
    with pytest.raises(ClientError, match=attribute):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={attribute: value})


def test_tables_render_from_the_registry():
    table = queues.attribute_table()
    names = [a.name for a in queues.ATTRIBUTES]
    assert table.column("attribute")[: len(names)] == names
    assert facts.get("visibility_timeout").default_text in table.column("default")
    comparison = queues.type_comparison()
    assert facts.get("fifo_in_flight").text in comparison.column("FIFO")
    assert facts.get("price_standard_per_million").text in comparison.column("standard")


def test_identity_and_depth(sqs):
    url = sqs.create_queue(QueueName="who")["QueueUrl"]
    ident = queues.identity(sqs, url)
    assert ident["arn"] == "arn:aws:sqs:us-east-1:123456789012:who"
    assert (ident["name"], ident["account"], ident["region"]) == (
        "who",
        "123456789012",
        "us-east-1",
    )
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.send_message(QueueUrl=url, MessageBody="b", DelaySeconds=60)
    sqs.receive_message(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="c")
    assert queues.depth(sqs, url) == (1, 1, 1)  # c visible, a in flight, b delayed
    assert ("VisibilityTimeout", "30") in queues.settings(sqs, url).rows


def test_create_checks_the_name_then_creates_with_the_attributes(sqs):
    url = queues.create(sqs, "made.fifo", {"FifoQueue": "true", "DelaySeconds": "15"}, fifo=True)
    assert url == sqs.get_queue_url(QueueName="made.fifo")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["DelaySeconds"] == "15" and attrs["FifoQueue"] == "true"
    with pytest.raises(LimitError, match="must end in '.fifo'"):
        queues.create(sqs, "plain", {"FifoQueue": "true"}, fifo=True)
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="plain")
