"""Chapter 8 after the content review: 8.1 insists on the attribute scope the exercise asks for,
8.4 on a TLS Deny that covers this queue and on no Allow open to everyone (a TLS or wildcard
condition does not name anyone), and on a customer managed key; every first hint is graded."""

from __future__ import annotations

import json

import pytest
from lambda_answers import raising_receipts

from sqslab import dlq, fanout, security
from sqslab.exercises import check_partial_batch, check_payroll_locked, check_shop_fanout
from sqslab.exercises.beyond import INVOICES, PLACED, SHIPPING, TOPIC

#: Pieces of the chapter's solutions that no first hint may contain.
SOLUTION_LINES = (
    "sns.create_topic(",
    "sns.subscribe(",
    "delivery_policy(",
    "json.dumps({",
    "'itemIdentifier': record",
    "sqs.create_queue(",
    "deny_insecure_transport(",
    "kms_attributes(",
)


def assert_graded(check) -> None:
    assert not check and len(check.hints) >= 2, check.hints
    assert not any(line in check.message for line in SOLUTION_LINES), check.message


def shop(lab, filter_policy, scope=None):
    """Exercise 8.1 done right except for shipping's filter (and its scope)."""
    sqs, sns = lab.sqs, lab.client("sns")
    topic = sns.create_topic(Name=TOPIC)["TopicArn"]
    for name in (INVOICES, SHIPPING):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = dlq.arn(sqs, url)
        policy = json.dumps(fanout.delivery_policy(arn, topic))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        attributes = {"RawMessageDelivery": "true"}
        if name == SHIPPING:
            attributes["FilterPolicy"] = json.dumps(filter_policy)
            if scope:
                attributes["FilterPolicyScope"] = scope
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)


@pytest.mark.parametrize(
    "filter_policy",
    [
        {"kind": [PLACED]},  # the old probes carried the event type in the body as "kind"
        {"event": [PLACED]},
        {"probe": [{"suffix": "-a"}]},  # even a filter that guesses the probes' ids
    ],
)
def test_a_body_scoped_filter_never_passes(lab, filter_policy):
    shop(lab, filter_policy, scope="MessageBody")
    check = check_shop_fanout(lab)
    assert_graded(check)
    assert "FilterPolicyScope='MessageBody'" in check.message


def test_the_attribute_scope_may_be_named_or_left_out(lab):
    shop(lab, {"event": [PLACED]}, scope="MessageAttributes")
    assert check_shop_fanout(lab)


def test_fanout_first_hints_are_graded(lab, sqs):
    assert_graded(check_shop_fanout(lab))
    lab.client("sns").create_topic(Name=TOPIC)
    for name in (INVOICES, SHIPPING):
        sqs.create_queue(QueueName=name)
    check = check_shop_fanout(lab)
    assert_graded(check)
    assert "sns.subscribe(" in check.hints[-1]


def test_a_wrong_attribute_filter_gets_a_graded_hint(lab):
    shop(lab, {"event": ["order_cancelled"]})
    check = check_shop_fanout(lab)
    assert_graded(check)
    assert "should get only" in check.message and "FilterPolicy" in check.hints[-1]


def test_partial_batch_first_hint_keeps_the_answer_back(lab):
    check = check_partial_batch(lab, raising_receipts)
    assert_graded(check)
    assert "raising fails the whole batch" in check.message
    assert "batchItemFailures" in check.hints[-1]


def payroll(lab, statements, key=None):
    """The payroll queue under a customer managed key, with the given policy statements."""
    sqs = lab.sqs
    url = sqs.create_queue(QueueName="payroll")["QueueUrl"]
    arn = dlq.arn(sqs, url)
    other = dlq.arn(sqs, sqs.create_queue(QueueName="other")["QueueUrl"])
    key = key or lab.client("kms").create_key()["KeyMetadata"]["KeyId"]
    attributes = security.kms_attributes(key, 3600)
    attributes["Policy"] = security.policy(*statements(arn, other))
    sqs.set_queue_attributes(QueueUrl=url, Attributes=attributes)


def allow_all(arn, condition):
    return {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": arn} | (
        {"Condition": condition} if condition else {}
    )


TLS_ONLY = {"Bool": {"aws:SecureTransport": "true"}}


@pytest.mark.parametrize(
    ("statements", "says"),
    [
        # the review's two cases
        (lambda arn, other: [allow_all(arn, TLS_ONLY)], "does not refuse plain HTTP"),
        (
            lambda arn, other: [security.deny_insecure_transport(other)],
            "does not refuse plain HTTP",
        ),
        (
            lambda arn, other: [security.deny_insecure_transport(arn), allow_all(arn, TLS_ONLY)],
            "names nobody",
        ),
        # a condition on who calls whose value is a bare wildcard names nobody either
        (
            lambda arn, other: [
                security.deny_insecure_transport(arn),
                allow_all(arn, {"ArnLike": {"aws:SourceArn": "*"}}),
            ],
            "names nobody",
        ),
        # a TLS Deny that spares some callers does not refuse every plain request
        (
            lambda arn, other: [
                security.deny_insecure_transport(arn)
                | {
                    "Condition": {
                        "Bool": {"aws:SecureTransport": "false"},
                        "StringEquals": {"aws:PrincipalAccount": "999999999999"},
                    }
                }
            ],
            "does not refuse plain HTTP",
        ),
    ],
)
def test_payroll_check_refuses_what_the_review_found(lab, statements, says):
    payroll(lab, statements)
    check = check_payroll_locked(lab)
    assert_graded(check)
    assert says in check.message


def test_a_tls_deny_written_with_a_wildcard_resource_covers_the_queue(lab):
    def wildcard(arn, other):
        return [security.deny_insecure_transport(arn.rsplit(":", 1)[0] + ":*")]

    payroll(lab, wildcard)
    assert check_payroll_locked(lab)


def test_an_allow_naming_the_account_is_not_open(lab):
    def account_only(arn, other):
        who = {"StringEquals": {"aws:SourceAccount": lab.account_id}}
        return [security.deny_insecure_transport(arn), allow_all(arn, who)]

    payroll(lab, account_only)
    assert check_payroll_locked(lab)


def test_the_aws_managed_key_is_not_enough_for_payroll(lab):
    payroll(lab, lambda arn, other: [security.deny_insecure_transport(arn)], key="alias/aws/sqs")
    check = check_payroll_locked(lab)
    assert_graded(check)
    assert "AWS managed key" in check.message and "create_key()" in check.hints[-1]


def test_the_audit_says_what_the_aws_managed_key_does_not_give(lab, sqs):
    url = sqs.create_queue(QueueName="cards")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=security.kms_attributes("alias/aws/sqs"))
    detail = security.audit(sqs, url)[0].detail
    assert "cannot be changed" in detail and "no other account" in detail
    assert "SNS, S3 and EventBridge" in detail
