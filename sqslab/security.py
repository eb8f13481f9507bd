"""Chapter 8: securing a queue — encryption at rest, TLS only, and who may send or receive.

:func:`deny_insecure_transport` and :func:`policy` build queue policies; :func:`audit` reads a
queue's attributes and reports what is protected and what is not, each finding with its fix.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqslab import dlq, facts
from sqslab.errors import LimitError
from sqslab.tables import Table

POLICY_VERSION = "2012-10-17"
SSE_SQS, SSE_KMS, NONE = "SSE-SQS", "SSE-KMS", "none"
#: moto stores queue policies but never enforces them; the audit reads them as AWS would.
MOTO_NOTE = (
    "moto keeps a queue's Policy but does not enforce it: a denied request still succeeds here. "
    "The audit reads the policy the way AWS would apply it."
)


@dataclass(frozen=True)
class Finding:
    """One line of an audit: what was checked, whether it is fine, and what to do if not."""

    check: str
    ok: bool
    detail: str


def deny_insecure_transport(queue_arn: str) -> dict[str, Any]:
    """A statement that refuses every request to the queue made without TLS."""
    return {
        "Sid": "tls-only",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "sqs:*",
        "Resource": queue_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def policy(*statements: Mapping[str, Any]) -> str:
    """A queue policy document (JSON text for the ``Policy`` attribute) holding ``statements``."""
    return json.dumps({"Version": POLICY_VERSION, "Statement": [dict(s) for s in statements]})


def kms_attributes(key_id: str = "alias/aws/sqs", reuse_seconds: int = 300) -> dict[str, str]:
    """Queue attributes for SSE-KMS, the data key reuse period checked against its range."""
    reuse = facts.get("kms_data_key_reuse")
    if not reuse.min <= reuse_seconds <= reuse.value:
        raise LimitError(
            f"KmsDataKeyReusePeriodSeconds {reuse_seconds}: SQS allows {reuse.min_text} to "
            f"{reuse.text}; a longer period means fewer KMS calls (cheaper), a shorter one less "
            "data under one key"
        )
    return {"KmsMasterKeyId": key_id, "KmsDataKeyReusePeriodSeconds": str(reuse_seconds)}


def encryption(attrs: Mapping[str, str]) -> str:
    """Which encryption at rest a queue's attributes say it has: SSE-KMS, SSE-SQS or none."""
    if attrs.get("KmsMasterKeyId"):
        return SSE_KMS
    if attrs.get("SqsManagedSseEnabled", "false").lower() == "true":
        return SSE_SQS
    return NONE


def statements(attrs: Mapping[str, str]) -> list[dict[str, Any]]:
    """The statements of a queue's Policy attribute (none when it has no policy)."""
    raw = attrs.get("Policy")
    if not raw:
        return []
    found = json.loads(raw).get("Statement", [])
    return [found] if isinstance(found, dict) else list(found)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def anyone(principal: Any) -> bool:
    """True when a policy principal means everybody: ``*``, ``{"AWS": "*"}`` or ``{"AWS": ["*"]}``."""
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    return "*" in _as_list(principal)


def denies_plain_http(statement: Mapping[str, Any]) -> bool:
    """True when the statement refuses all requests made without TLS."""
    condition = statement.get("Condition", {})
    secure = {**condition.get("Bool", {}), **condition.get("BoolIfExists", {})}
    values = [str(v).lower() for v in _as_list(secure.get("aws:SecureTransport", []))]
    actions = {str(a).lower() for a in _as_list(statement.get("Action", []))}
    return (
        statement.get("Effect") == "Deny"
        and anyone(statement.get("Principal"))
        and bool(actions & {"sqs:*", "*"})
        and values == ["false"]
    )


def open_to_anyone(statement: Mapping[str, Any]) -> bool:
    """True when the statement allows any principal with no condition to narrow it."""
    return (
        statement.get("Effect") == "Allow"
        and anyone(statement.get("Principal"))
        and not statement.get("Condition")
    )


def audit(sqs: Any, url: str) -> list[Finding]:
    """Encryption at rest, TLS enforcement and open access, read from the queue's attributes."""
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    found = statements(attrs)
    kind = encryption(attrs)
    arn = attrs.get("QueueArn") or dlq.arn(sqs, url)
    return [
        Finding(
            "encrypted at rest",
            kind != NONE,
            kind
            if kind != NONE
            else "set SqsManagedSseEnabled=true, or KmsMasterKeyId for a key you control",
        ),
        Finding(
            "TLS only",
            any(denies_plain_http(s) for s in found),
            "a Deny on aws:SecureTransport=false"
            if any(denies_plain_http(s) for s in found)
            else f"add security.deny_insecure_transport({arn!r}) to the queue policy",
        ),
        Finding(
            "not open to anyone",
            not any(open_to_anyone(s) for s in found),
            "no Allow for Principal * without a condition"
            if not any(open_to_anyone(s) for s in found)
            else "an Allow for Principal * has no Condition: name the account, role or topic",
        ),
    ]


def report(findings: list[Finding]) -> Table:
    """An audit as a table: check, ok, detail."""
    return Table(
        ("check", "ok", "detail"), [(f.check, "yes" if f.ok else "NO", f.detail) for f in findings]
    )
