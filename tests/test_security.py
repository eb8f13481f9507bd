"""Queue security: encryption at rest, TLS only, and policies open to anyone, audited on moto."""

from __future__ import annotations

import json
import re

import pytest

from sqslab import dlq, facts, security
from sqslab.errors import LimitError

REUSE = facts.get("kms_data_key_reuse")
ARN = "arn:aws:sqs:us-east-1:123456789012:q"


def _audit(sqs, url):
    return {f.check: f for f in security.audit(sqs, url)}


def test_a_fresh_moto_queue_has_sse_sqs_but_no_tls_rule(sqs):
    url = sqs.create_queue(QueueName="fresh")["QueueUrl"]
    found = _audit(sqs, url)
    assert found["encrypted at rest"].ok and found["encrypted at rest"].detail.startswith(
        security.SSE_SQS
    )
    assert not found["TLS only"].ok
    assert f"deny_insecure_transport({dlq.arn(sqs, url)!r})" in found["TLS only"].detail
    assert found["not open to anyone"].ok


def test_a_queue_without_sse_is_reported_with_the_fix(sqs):
    url = sqs.create_queue(QueueName="bare", Attributes={"SqsManagedSseEnabled": "false"})
    found = _audit(sqs, url["QueueUrl"])["encrypted at rest"]
    assert not found.ok and "SqsManagedSseEnabled=true" in found.detail


def test_kms_attributes_make_the_audit_report_sse_kms(sqs):
    attrs = security.kms_attributes("alias/orders", 600)
    assert attrs == {"KmsMasterKeyId": "alias/orders", "KmsDataKeyReusePeriodSeconds": "600"}
    url = sqs.create_queue(QueueName="kms", Attributes=attrs)["QueueUrl"]
    found = _audit(sqs, url)["encrypted at rest"]
    assert found.ok and found.detail.startswith(security.SSE_KMS)


def test_kms_wins_over_sse_sqs_and_none_when_neither():
    assert security.encryption({"KmsMasterKeyId": "k", "SqsManagedSseEnabled": "true"}) == "SSE-KMS"
    assert security.encryption({"SqsManagedSseEnabled": "TRUE"}) == "SSE-SQS"
    assert security.encryption({"KmsMasterKeyId": ""}) == security.NONE
    assert security.encryption({}) == security.NONE


@pytest.mark.parametrize("seconds", [int(REUSE.min) - 1, int(REUSE.value) + 1])
def test_kms_reuse_period_out_of_range_names_the_limits(seconds):
    with pytest.raises(LimitError, match=f"{seconds}: SQS allows") as err:
        security.kms_attributes(reuse_seconds=seconds)
    assert re.search(re.escape(f"{REUSE.min_text} to {REUSE.text}"), str(err.value))


def test_kms_reuse_period_limits_themselves_are_allowed():
    for seconds in (int(REUSE.min), int(REUSE.value)):
        assert security.kms_attributes(reuse_seconds=seconds)["KmsDataKeyReusePeriodSeconds"] == (
            str(seconds)
        )


def test_a_tls_only_policy_passes_the_audit(sqs):
    url = sqs.create_queue(QueueName="tls")["QueueUrl"]
    arn = dlq.arn(sqs, url)
    document = security.policy(security.deny_insecure_transport(arn))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
    found = _audit(sqs, url)
    assert found["TLS only"].ok and found["not open to anyone"].ok
    assert json.loads(document)["Version"] == security.POLICY_VERSION


def test_an_unconditional_allow_for_anyone_fails_the_audit(sqs):
    url = sqs.create_queue(QueueName="open")["QueueUrl"]
    arn = dlq.arn(sqs, url)
    allow = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}
    document = security.policy(allow, security.deny_insecure_transport(arn))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
    found = _audit(sqs, url)
    assert (
        not found["not open to anyone"].ok and "names nobody" in found["not open to anyone"].detail
    )
    assert found["TLS only"].ok


def test_statements_reads_a_list_a_single_statement_or_nothing():
    one = security.deny_insecure_transport(ARN)
    assert security.statements({}) == []
    assert security.statements({"Policy": security.policy(one, one)}) == [one, one]
    assert security.statements({"Policy": json.dumps({"Statement": one})}) == [one]


def test_denies_plain_http_accepts_bool_if_exists_and_any_principal_form():
    rule = security.deny_insecure_transport(ARN)
    assert security.denies_plain_http(rule)
    if_exists = rule | {"Condition": {"BoolIfExists": {"aws:SecureTransport": "false"}}}
    assert security.denies_plain_http(if_exists)
    assert security.denies_plain_http(rule | {"Principal": {"AWS": "*"}, "Action": ["*"]})


@pytest.mark.parametrize(
    "change",
    [
        {"Effect": "Allow"},
        {"Action": "sqs:SendMessage"},
        {"Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"]},
        {"Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
        {"Condition": {"Bool": {"aws:SecureTransport": "true"}}},
        {"Condition": {}},
    ],
)
def test_denies_plain_http_rejects_an_allow_or_a_narrower_rule(change):
    assert not security.denies_plain_http(security.deny_insecure_transport(ARN) | change)


def test_open_to_anyone_only_without_a_condition():
    allow = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage"}
    assert security.open_to_anyone(allow)
    assert security.open_to_anyone(allow | {"Principal": {"AWS": "*"}})
    narrowed = allow | {"Condition": {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:x"}}}
    assert not security.open_to_anyone(narrowed)
    assert not security.open_to_anyone(allow | {"Effect": "Deny"})
    assert not security.open_to_anyone(allow | {"Principal": {"Service": "sns.amazonaws.com"}})


def test_report_is_one_row_per_finding(sqs):
    url = sqs.create_queue(QueueName="reported")["QueueUrl"]
    findings = security.audit(sqs, url)
    table = security.report(findings)
    assert table.columns == ("check", "ok", "detail")
    assert table.column("check") == [f.check for f in findings]
    assert table.column("ok") == ["yes" if f.ok else "NO" for f in findings]


def test_list_forms_of_principal_and_condition_are_read_as_aws_reads_them():
    deny = security.deny_insecure_transport("arn:q") | {
        "Principal": {"AWS": ["*"]},
        "Condition": {"Bool": {"aws:SecureTransport": ["false"]}},
    }
    assert security.denies_plain_http(deny)
    allow = {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "sqs:*", "Resource": "arn:q"}
    assert security.open_to_anyone(allow)
    named = allow | {"Principal": {"AWS": ["arn:aws:iam::123456789012:role/checkout"]}}
    assert not security.open_to_anyone(named)


def test_a_tls_condition_does_not_make_an_allow_for_anyone_narrow():
    allow = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": "arn:q",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    assert security.open_to_anyone(allow)
    narrowed = allow | {"Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}}}
    assert not security.open_to_anyone(narrowed)


def test_a_tls_deny_on_another_queue_does_not_protect_this_one(sqs):
    url = sqs.create_queue(QueueName="payroll")["QueueUrl"]
    other = security.deny_insecure_transport("arn:aws:sqs:us-east-1:123456789012:card-events")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": security.policy(other)})
    assert not _audit(sqs, url)["TLS only"].ok
    assert security.denies_plain_http(other | {"Resource": "*"}, dlq.arn(sqs, url))


def test_the_aws_managed_key_is_named_with_what_it_cannot_do(sqs):
    attrs = security.kms_attributes(security.AWS_MANAGED_KEY)
    url = sqs.create_queue(QueueName="managed", Attributes=attrs)["QueueUrl"]
    detail = _audit(sqs, url)["encrypted at rest"].detail
    assert "cannot be changed" in detail and "SNS" in detail
