"""Chapter 8 checks: hints before the exercise is done, PASS for a right answer, the hint for each
mistake."""

from __future__ import annotations

import contextlib
import json

import pytest
from lambda_answers import raising_receipts, reporting_receipts

from sqslab import dlq, fanout, queues, security
from sqslab.exercises import check_partial_batch, check_payroll_locked, check_shop_fanout
from sqslab.exercises.beyond import INVOICES, PLACED, SHIPPING, TOPIC


def shop(lab, *, policy=True, warehouse_filter=True, raw=True, scope=None, statement=None):
    """Exercise 8.1's topic and queues, right unless told otherwise; the topic ARN."""
    sqs, sns = lab.sqs, lab.client("sns")
    topic = sns.create_topic(Name=TOPIC)["TopicArn"]
    for name in (INVOICES, SHIPPING):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = dlq.arn(sqs, url)
        if policy:
            document = fanout.delivery_policy(arn, topic)
            if statement:
                document["Statement"][0] |= statement
            allow = json.dumps(document)
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": allow})
        attributes = {"RawMessageDelivery": "true" if raw else "false"}
        if name == SHIPPING and warehouse_filter:
            attributes["FilterPolicy"] = json.dumps({"event": [PLACED]})
            if scope:
                attributes["FilterPolicyScope"] = scope
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)
    return topic


def test_fanout_check_hints_step_by_step(lab, sqs):
    assert "no topic named 'shop-events'" in check_shop_fanout(lab).message
    lab.client("sns").create_topic(Name=TOPIC)
    assert "create the queue(s)" in check_shop_fanout(lab).message
    for name in (INVOICES, SHIPPING):
        sqs.create_queue(QueueName=name)
    check = check_shop_fanout(lab)
    assert not check and f"{INVOICES!r} is not subscribed" in check.message


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        ({"policy": False}, "it has no Policy"),
        ({"statement": {"Action": "sqs:ReceiveMessage"}}, "sqs:SendMessage"),
        ({"scope": "MessageBody"}, "FilterPolicyScope='MessageBody'"),
        ({"warehouse_filter": False}, f"should get only {PLACED!r}"),
        ({"raw": False}, "JSON envelope"),
    ],
)
def test_fanout_check_names_each_mistake(lab, mistake, hint):
    shop(lab, **mistake)
    check = check_shop_fanout(lab)
    assert not check and hint in check.message


def test_fanout_check_accepts_anyone_limited_to_the_topic(lab):
    shop(lab, statement={"Principal": "*"})
    assert check_shop_fanout(lab)


def test_fanout_check_passes_again_and_leaves_other_messages_alone(lab, sqs):
    shop(lab)
    invoices = sqs.get_queue_url(QueueName=INVOICES)["QueueUrl"]
    sqs.send_message(QueueUrl=invoices, MessageBody="a real invoice")
    assert check_shop_fanout(lab) and check_shop_fanout(lab)
    assert [m["Body"] for m in queues.peek(lab, invoices)] == ["a real invoice"]


def _swallowing(event, context):
    for record in event["Records"]:
        with contextlib.suppress(ValueError):
            json.loads(record["body"])


@pytest.mark.parametrize(
    ("handler", "hint"),
    [
        (None, "define handle_receipts"),
        (raising_receipts, "good receipt(s) ended in the DLQ"),
        (_swallowing, "deleted as if it had succeeded"),
    ],
)
def test_partial_batch_check_names_each_mistake(lab, handler, hint):
    check = check_partial_batch(lab, handler)
    assert not check and hint in check.message


def test_partial_batch_check_catches_raising_when_the_bad_receipt_comes_alone(lab):
    # on a real clock the malformed receipt can come back in a batch of its own: raising then
    # parks it as reporting would, and only the raise itself tells the two apart
    def raising_when_alone(event, context):
        if len(event["Records"]) == 1:
            return raising_receipts(event, context)
        return reporting_receipts(event, context)

    check = check_partial_batch(lab, raising_when_alone)
    assert not check and "your handler raised an exception" in check.message


def test_partial_batch_check_says_when_the_answer_cannot_be_read(lab):
    def receipt_handles(event, context):
        bad = [r for r in event["Records"] if not r["body"].endswith("}")]
        return {"batchItemFailures": [{"itemIdentifier": r["receiptHandle"]} for r in bad]}

    check = check_partial_batch(lab, receipt_handles)
    assert not check and "cannot read" in check.message


def test_partial_batch_check_passes_a_reporting_handler_on_every_run(lab):
    assert check_partial_batch(lab, reporting_receipts)
    assert check_partial_batch(lab, reporting_receipts)


def test_a_malformed_response_fails_the_whole_batch_as_on_lambda(lab):
    def malformed(event, context):
        return {"batchItemFailures": "not a list of {'itemIdentifier': ...}"}

    check = check_partial_batch(lab, malformed)
    assert not check and "good receipt(s) ended in the DLQ" in check.message


def payroll(sqs, *, kms=True, reuse=3600, statements=None, key=None):
    url = sqs.create_queue(QueueName="payroll")["QueueUrl"]
    arn = dlq.arn(sqs, url)
    key = key or KMS_KEYS.pop()
    attributes = security.kms_attributes(key, reuse) if kms else {}
    chosen = [security.deny_insecure_transport(arn)] if statements is None else statements(arn)
    attributes["Policy"] = security.policy(*chosen)
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)


KMS_KEYS: list[str] = []


@pytest.fixture(autouse=True)
def a_customer_managed_key(lab):
    """One customer managed key for the payroll() helper to use (tests that need it)."""
    KMS_KEYS[:] = [lab.client("kms").create_key(Description="payroll")["KeyMetadata"]["KeyId"]]


@pytest.mark.parametrize(
    ("mistake", "hint"),
    [
        ({"kms": False}, "uses SSE-SQS"),
        ({"key": "alias/aws/sqs"}, "uses the AWS managed key"),
        ({"reuse": 300}, "one hour"),
        ({"statements": lambda arn: []}, "does not refuse plain HTTP"),
        (
            {
                "statements": lambda arn: [
                    security.deny_insecure_transport(arn),
                    {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": arn},
                ]
            },
            "names nobody",
        ),
    ],
)
def test_payroll_check_names_each_mistake(lab, sqs, mistake, hint):
    payroll(sqs, **mistake)
    check = check_payroll_locked(lab)
    assert not check and hint in check.message


def test_payroll_check_knows_a_missing_key_from_a_customer_managed_one(lab, sqs):
    payroll(sqs)
    url = sqs.get_queue_url(QueueName="payroll")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/no-such-key"})
    check = check_payroll_locked(lab)
    assert not check and "KMS has no key 'alias/no-such-key'" in check.message
    key = lab.client("kms").create_key(Description="payroll")["KeyMetadata"]["KeyId"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": key})
    assert check_payroll_locked(lab)


def test_payroll_check_hints_then_passes(lab, sqs):
    assert "no queue named 'payroll'" in check_payroll_locked(lab).message
    payroll(sqs)
    check = check_payroll_locked(lab)
    assert check, check.message
