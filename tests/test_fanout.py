"""SNS -> SQS fan-out on moto: filter policies route each published message to the right queues."""

from __future__ import annotations

import json

import pytest

from sqslab import dlq, fanout, queues
from sqslab.errors import LimitError


def _publish(lab, made, body, **attributes):
    lab.client("sns").publish(
        TopicArn=made.topic_arn,
        Message=json.dumps(body),
        MessageAttributes={
            k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()
        },
    )


ORDERS = [
    {"id": 1, "total": 50, "region": "eu"},
    {"id": 2, "total": 150, "region": "us"},
    {"id": 3, "total": 250, "region": "eu"},
    {"id": 4, "total": 100, "region": "ap"},
]


def _ids(bodies):
    return [json.loads(b)["id"] for b in bodies]


@pytest.fixture
def orders(lab):
    """A topic with an unfiltered queue, an attribute filter and a numeric body filter."""
    made = fanout.build(
        lab,
        "orders",
        [
            fanout.Subscriber("everything"),
            fanout.Subscriber("europe", {"region": ["eu"]}),
            fanout.Subscriber(
                "mid-size",
                {"total": [{"numeric": [">=", 100, "<", 200]}]},
                scope="MessageBody",
            ),
        ],
    )
    for order in ORDERS:
        _publish(lab, made, order, region=order["region"])
    return made


def test_each_queue_gets_exactly_what_its_filter_matches(lab, orders):
    got = fanout.delivered(lab, orders)
    assert _ids(got["everything"]) == [o["id"] for o in ORDERS]
    assert _ids(got["europe"]) == [o["id"] for o in ORDERS if o["region"] == "eu"]
    assert _ids(got["mid-size"]) == [o["id"] for o in ORDERS if 100 <= o["total"] < 200]


def test_body_filter_ignores_message_attributes(lab):
    made = fanout.build(
        lab, "by-body", [fanout.Subscriber("eu-body", {"region": ["eu"]}, scope="MessageBody")]
    )
    _publish(lab, made, {"id": 1, "region": "us"}, region="eu")
    _publish(lab, made, {"id": 2, "region": "eu"}, region="us")
    assert _ids(fanout.delivered(lab, made)["eu-body"]) == [2]


def test_raw_delivery_gives_the_published_body_itself(lab, sqs, orders):
    got = sqs.receive_message(QueueUrl=orders.queue_urls["everything"])["Messages"][0]
    assert json.loads(got["Body"]) == ORDERS[0]


def test_envelope_delivery_unwraps_to_the_published_body(lab, sqs):
    made = fanout.build(lab, "wrapped", [fanout.Subscriber("enveloped", raw=False)])
    _publish(lab, made, ORDERS[1], region="us")
    assert fanout.delivered(lab, made)["enveloped"] == [json.dumps(ORDERS[1])]
    body = sqs.receive_message(QueueUrl=made.queue_urls["enveloped"])["Messages"][0]["Body"]
    envelope = json.loads(body)
    assert envelope["Type"] == "Notification" and envelope["TopicArn"] == made.topic_arn
    assert json.loads(fanout.unwrap(body)) == ORDERS[1]


def test_unwrap_leaves_other_bodies_unchanged():
    assert fanout.unwrap("not json") == "not json"
    plain = json.dumps({"Type": "Order", "Message": "inner"})
    assert fanout.unwrap(plain) == plain
    assert fanout.unwrap("[1, 2]") == "[1, 2]"


def test_subscriptions_carry_raw_flag_filter_and_scope(lab, orders):
    sns = lab.client("sns")
    attrs = sns.get_subscription_attributes(SubscriptionArn=orders.subscriptions["mid-size"])
    attrs = attrs["Attributes"]
    assert attrs["RawMessageDelivery"] == "true"
    assert attrs["FilterPolicyScope"] == "MessageBody"
    assert json.loads(attrs["FilterPolicy"]) == {"total": [{"numeric": [">=", 100, "<", 200]}]}
    assert "FilterPolicy" not in fanout.Subscriber("q").attributes()
    assert fanout.Subscriber("q", raw=False).attributes() == {"RawMessageDelivery": "false"}


def test_delivery_policy_lets_only_this_topic_send():
    topic = "arn:aws:sns:us-east-1:123456789012:orders"
    queue = "arn:aws:sqs:us-east-1:123456789012:inbox"
    (statement,) = fanout.delivery_policy(queue, topic)["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == queue
    assert statement["Principal"] == {"Service": "sns.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    assert statement["Condition"] == {"ArnEquals": {"aws:SourceArn": topic}}


def test_build_puts_the_delivery_policy_on_each_queue(sqs, orders):
    for url in orders.queue_urls.values():
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]
        expected = fanout.delivery_policy(dlq.arn(sqs, url), orders.topic_arn)
        assert json.loads(attrs["Policy"]) == expected


def test_delivered_leaves_the_messages_in_their_queues(lab, sqs, orders):
    first = fanout.delivered(lab, orders)
    assert fanout.delivered(lab, orders) == first
    for name, url in orders.queue_urls.items():
        assert queues.depth(sqs, url)[0] == len(first[name])


def test_fifo_topic_delivers_in_order_and_drops_duplicates(lab):
    made = fanout.build(lab, "prices.fifo", [fanout.Subscriber("shop.fifo")])
    sns = lab.client("sns")
    for dedup, body in [("a", "p1"), ("b", "p2"), ("a", "p1 again"), ("c", "p3")]:
        sns.publish(
            TopicArn=made.topic_arn, Message=body, MessageGroupId="g", MessageDeduplicationId=dedup
        )
    assert fanout.delivered(lab, made) == {"shop.fifo": ["p1", "p2", "p3"]}


def test_standard_topic_refuses_a_fifo_queue_and_names_the_fix(lab):
    with pytest.raises(ValueError, match=r"\.fifo") as err:
        fanout.build(lab, "events", [fanout.Subscriber("jobs.fifo")])
    assert "jobs.fifo" in str(err.value) and "events" in str(err.value)


def test_an_unknown_filter_scope_is_refused_when_the_subscriber_is_made(lab):
    with pytest.raises(LimitError, match="MessageBody"):
        fanout.Subscriber("q", {"region": ["eu"]}, scope="Body")


def test_a_bad_subscriber_is_refused_before_anything_is_created(lab, sqs):
    subscribers = [fanout.Subscriber("fine"), fanout.Subscriber("jobs.fifo")]
    with pytest.raises(ValueError, match="FIFO topic"):
        fanout.build(lab, "events", subscribers)
    assert lab.client("sns").list_topics()["Topics"] == []
    assert sqs.list_queues().get("QueueUrls", []) == []


def test_a_fifo_topic_also_feeds_a_standard_queue(lab):
    made = fanout.build(
        lab, "ledger.fifo", [fanout.Subscriber("books.fifo"), fanout.Subscriber("search")]
    )
    lab.client("sns").publish(
        TopicArn=made.topic_arn, Message="m1", MessageGroupId="g", MessageDeduplicationId="1"
    )
    assert fanout.delivered(lab, made) == {"books.fifo": ["m1"], "search": ["m1"]}


TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:shop"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:billing"


def test_the_delivery_policy_is_what_topic_may_send_accepts():
    (statement,) = fanout.delivery_policy(QUEUE_ARN, TOPIC_ARN)["Statement"]
    assert fanout.topic_may_send(statement, QUEUE_ARN, TOPIC_ARN) is None
    anyone = statement | {"Principal": "*"}
    assert fanout.topic_may_send(anyone, QUEUE_ARN, TOPIC_ARN) is None


@pytest.mark.parametrize(
    ("change", "missing"),
    [
        ({"Effect": "Deny"}, "Allow"),
        ({"Principal": {"AWS": "arn:aws:iam::123456789012:root"}}, "sns.amazonaws.com"),
        ({"Action": "sqs:ReceiveMessage"}, "sqs:SendMessage"),
        ({"Resource": "arn:aws:sqs:us-east-1:123456789012:other"}, "this queue's ARN"),
        ({"Condition": {"ArnNotEquals": {"aws:SourceArn": TOPIC_ARN}}}, "ArnEquals"),
    ],
)
def test_topic_may_send_names_what_is_missing(change, missing):
    (statement,) = fanout.delivery_policy(QUEUE_ARN, TOPIC_ARN)["Statement"]
    assert missing in fanout.topic_may_send(statement | change, QUEUE_ARN, TOPIC_ARN)
