"""Chapter 8: securing a queue — encryption at rest, TLS only, and who may send or receive.

:func:`deny_insecure_transport` and :func:`policy` build queue policies; :func:`audit` reads a
queue's attributes and reports what is protected and what is not, each finding with its fix.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqslab import dlq, facts
from sqslab.arguments import ARN, MAPPING, NAME, QUEUE_URL, SQS, check_count, given, requires
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import N_, _
from sqslab.tables import Table

POLICY_VERSION = "2012-10-17"
#: Condition keys that say *who* may call; any other condition (TLS, time) does not narrow that.
WHO_KEYS = (
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principalorgid",
    "aws:sourcevpce",
    "aws:sourcevpc",
)
#: The AWS managed key for SQS: its key policy cannot be changed and lets every principal of the
#: account that may use SQS use it; services that send to queues (SNS, S3, EventBridge) cannot.
AWS_MANAGED_KEY = "alias/aws/sqs"
SSE_SQS, SSE_KMS, NONE = "SSE-SQS", "SSE-KMS", N_("none")
#: The audit's checks, by the English names :attr:`Finding.check` keeps (shown translated).
ENCRYPTED, TLS_ONLY, NOT_OPEN = N_("encrypted at rest"), N_("TLS only"), N_("not open to anyone")
#: moto stores queue policies but never enforces them; the audit reads them as AWS would.
#: Read as ``MOTO_NOTE``, in the lab's language (see :func:`__getattr__`).
_MOTO_NOTE = N_(
    "moto keeps a queue's Policy but does not enforce it: a denied request still succeeds here. "
    "The audit reads the policy the way AWS would apply it."
)


def __getattr__(name: str) -> str:
    """``MOTO_NOTE`` in the language the lab speaks when it is read (PEP 562)."""
    if name == "MOTO_NOTE":
        return _(_MOTO_NOTE)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Finding:
    """One line of an audit: what was checked (in English, shown translated), whether it is
    fine, and what to do if not (in the lab's language)."""

    check: str
    ok: bool
    detail: str


@requires(queue_arn=ARN)
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
    for statement in statements:
        if not MAPPING.test(statement):
            raise WrongTypeError(
                _("each statement is a dict; got {given}").format(given=given(statement))
            )
    return json.dumps({"Version": POLICY_VERSION, "Statement": [dict(s) for s in statements]})


@requires(key_id=NAME)
def kms_attributes(key_id: str = "alias/aws/sqs", reuse_seconds: int = 300) -> dict[str, str]:
    """Queue attributes for SSE-KMS, the data key reuse period checked against its range."""
    reuse = facts.get("kms_data_key_reuse")
    check_count("reuse_seconds", reuse_seconds, minimum=None, example="reuse_seconds=3600")
    if not reuse.min <= reuse_seconds <= reuse.value:
        raise LimitError(
            _(
                "KmsDataKeyReusePeriodSeconds {value}: SQS allows {min} to {max}; a longer period "
                "means fewer KMS calls (cheaper), a shorter one less data under one key"
            ).format(
                value=reuse_seconds,
                min=reuse.translated("min_text"),
                max=reuse.translated("text"),
            )
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


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def actions(statement: Mapping[str, Any]) -> set[str]:
    """The statement's actions, lowercased (IAM action names are case-insensitive)."""
    return {str(a).lower() for a in as_list(statement.get("Action", []))}


def anyone(principal: Any) -> bool:
    """True when a policy principal means everybody: ``*``, ``{"AWS": "*"}`` or ``{"AWS": ["*"]}``."""
    if isinstance(principal, dict):
        principal = principal.get("AWS")
    return "*" in as_list(principal)


def covers(statement: Mapping[str, Any], queue_arn: str | None) -> bool:
    """True when a Resource of the statement is ``queue_arn``, or matches it through IAM's ``*``
    and ``?`` wildcards (any queue when ``queue_arn`` is None)."""
    resources = [str(r) for r in as_list(statement.get("Resource", []))]
    return queue_arn is None or any(fnmatch.fnmatchcase(queue_arn, r) for r in resources)


def narrows(value: Any) -> bool:
    """True when a condition value can leave callers out: ``*`` or ``?*`` alone match everyone."""
    return str(value).strip("*?") != ""


def names_who(statement: Mapping[str, Any]) -> bool:
    """True when a condition of the statement limits who may call (account, ARN, org, VPC) with
    a value that is not a bare wildcard."""
    return any(
        key.lower() in WHO_KEYS and all(narrows(v) for v in as_list(values))
        for block in statement.get("Condition", {}).values()
        if isinstance(block, dict)
        for key, values in block.items()
    )


def denies_plain_http(statement: Mapping[str, Any], queue_arn: str | None = None) -> bool:
    """True when the statement refuses all requests made without TLS (to ``queue_arn``): a Deny
    for everyone and every SQS action whose only condition is ``aws:SecureTransport`` false."""
    condition = statement.get("Condition", {})
    secure = {**condition.get("Bool", {}), **condition.get("BoolIfExists", {})}
    values = [str(v).lower() for v in as_list(secure.get("aws:SecureTransport", []))]
    keys = [k.lower() for block in condition.values() if isinstance(block, dict) for k in block]
    return (
        statement.get("Effect") == "Deny"
        and anyone(statement.get("Principal"))
        and bool(actions(statement) & {"sqs:*", "*"})
        and values == ["false"]
        and keys == ["aws:securetransport"]
        and covers(statement, queue_arn)
    )


def open_to_anyone(statement: Mapping[str, Any]) -> bool:
    """True when the statement allows any principal and no condition says who (a TLS or time
    condition does not)."""
    return (
        statement.get("Effect") == "Allow"
        and anyone(statement.get("Principal"))
        and not names_who(statement)
    )


def key_detail(attrs: Mapping[str, str]) -> str:
    """What the queue's encryption means for who controls the key."""
    kind = encryption(attrs)
    if kind == SSE_KMS and attrs.get("KmsMasterKeyId") == AWS_MANAGED_KEY:
        return _(
            "SSE-KMS with the AWS managed key {key}: its key policy cannot be changed and lets "
            "anyone in this account who may use SQS use the key (no other account); SNS, S3 and "
            "EventBridge cannot send to the queue. A customer managed key has a policy you write"
        ).format(key=AWS_MANAGED_KEY)
    if kind == SSE_KMS:
        return _(
            "SSE-KMS with {key}: its key policy (if it is a customer managed key, yours) decides "
            "who may use the key"
        ).format(key=attrs["KmsMasterKeyId"])
    if kind == SSE_SQS:
        return _("SSE-SQS: keys owned and managed by SQS")
    return _("set SqsManagedSseEnabled=true, or KmsMasterKeyId for a key you control")


@requires(sqs=SQS, url=QUEUE_URL)
def audit(sqs: Any, url: str) -> list[Finding]:
    """Encryption at rest, TLS enforcement and open access, read from the queue's attributes."""
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    found = statements(attrs)
    arn = attrs.get("QueueArn") or dlq.arn(sqs, url)
    tls = any(denies_plain_http(s, arn) for s in found)
    open_ = any(open_to_anyone(s) for s in found)
    return [
        Finding(ENCRYPTED, encryption(attrs) != NONE, key_detail(attrs)),
        Finding(
            TLS_ONLY,
            tls,
            _("a Deny on aws:SecureTransport=false for this queue")
            if tls
            else _("add security.deny_insecure_transport({arn!r}) to the queue policy").format(
                arn=arn
            ),
        ),
        Finding(
            NOT_OPEN,
            not open_,
            _("no Allow for Principal * without a condition on who calls")
            if not open_
            else _(
                "an Allow for Principal * names nobody (a TLS or time condition does not count): "
                "limit it with aws:SourceArn, aws:SourceAccount or aws:PrincipalArn"
            ),
        ),
    ]


def report(findings: list[Finding]) -> Table:
    """An audit as a table: check, ok, detail (the details already in the lab's language)."""
    return Table(
        (N_("check"), N_("ok"), N_("detail")),
        [(f.check, N_("yes") if f.ok else N_("NO"), f.detail) for f in findings],
        verbatim=("detail",),
    )
