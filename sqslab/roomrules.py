"""What a learner's key may do on a room server: use SQS queues and SNS topics named
``<namespace>-…`` and nothing of anyone else's.

Every queue or topic a request names must carry the learner's prefix: ``QueueName``,
``QueueNamePrefix``, ``QueueUrl``, the queue in the request path, SNS ``Name``, and every SQS or SNS
ARN or queue URL in any parameter (JSON strings such as ``RedrivePolicy`` included). Message bodies,
subjects and message attributes are data, not references, and are not read. An SQS or SNS action
that names nothing is refused, except the listings made safe: ``ListQueues`` gets the learner's
prefix, ``ListTopics`` and ``ListSubscriptions`` answers are filtered to the learner's topics.
S3, CloudWatch, KMS and STS (the other services the course uses) are open to learners but shared;
their requests are still refused when they name another learner's queue or topic (an S3 bucket
notification, an alarm action). Any other service is refused. The one exception is the classroom
board queue, where a learner may send their own reports (:mod:`sqslab.roomboard`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode
from xml.etree import ElementTree

from sqslab import roomboard, workshop
from sqslab.i18n import _
from sqslab.roomwire import Denied

#: Services a learner's key reaches, as moto names their backends, with their AWS names.
LEARNER_SERVICES = {
    "sqs": "SQS",
    "sns": "SNS",
    "s3": "S3",
    "cloudwatch": "CloudWatch",
    "kms": "KMS",
    "sts": "STS",
}
#: Services whose resources the room isolates by name prefix.
ISOLATED = ("sqs", "sns")
#: Parameters that carry message data rather than names of resources.
PAYLOAD_KEYS = frozenset(
    {
        "MessageBody",
        "Message",
        "Subject",
        "MessageAttributes",
        "MessageAttribute",
        "MessageSystemAttributes",
        "MessageSystemAttribute",
    }
)
#: Nameless SQS/SNS actions a learner may still call (made safe by the room server).
LISTINGS = ("ListQueues", "ListTopics", "ListSubscriptions")
_ARN = re.compile(r"arn:[^\s\"'<>,;&()\[\]{}\\]*", re.IGNORECASE)
_QUEUE_URL = re.compile(r"https?://[^/\s\"'<>]+/\d{12}/([^/?#\s\"'<>&]*)", re.IGNORECASE)
_ACCOUNT = re.compile(r"\d{12}")


@dataclass
class Verdict:
    """An allowed learner request: its (possibly rewritten) body and a filter for the answer."""

    body: bytes
    keep: Callable[[str], bool] | None = None


@dataclass
class Call:
    """A request as the rules read it: the moto backend it goes to, its WSGI environ and body."""

    service: str
    environ: dict[str, Any]
    body: bytes

    @property
    def content_type(self) -> str:
        """The request's media type, lowercased, without parameters."""
        return self.environ.get("CONTENT_TYPE", "").split(";")[0].strip().lower()

    def body_kind(self) -> str:
        """How the body is encoded: form, json, cbor, xml, raw, or none."""
        start = self.body.lstrip()[:1]
        if not self.body:
            return "none"
        if self.content_type == "application/x-www-form-urlencoded":
            return "form"
        if self.content_type == "application/cbor":
            return "cbor"
        return {b"{": "json", b"[": "json", b"<": "xml"}.get(start, "raw")

    def query(self) -> list[tuple[str, str]]:
        """The query string's parameters."""
        return parse_qsl(self.environ.get("QUERY_STRING", ""), keep_blank_values=True)

    def params(self) -> list[tuple[str, str]]:
        """Every (key path, text) in the query string and the body, decoded by its encoding."""
        found = [pair for key, value in self.query() for pair in flatten(value, key)]
        if self.service == "s3" and "notification" not in dict(self.query()):
            return found  # object data and other S3 bodies name no queue or topic
        return found + list(body_params(self.body, self.body_kind()))

    def actions(self) -> set[str]:
        """Every action the request asks for (X-Amz-Target and any ``Action`` parameter)."""
        found = {v for k, v in self.params() if k == "Action"}
        target = self.environ.get("HTTP_X_AMZ_TARGET", "")
        if target:
            found.add(target.rsplit(".", 1)[-1])
        return found


def body_params(body: bytes, kind: str) -> Iterator[tuple[str, str]]:
    """(key path, text) of every value in a body; unreadable bodies are scanned as plain text."""
    try:
        if kind == "form":
            for key, value in parse_qsl(body.decode(), keep_blank_values=True):
                yield from flatten(value, key)
        elif kind == "json":
            yield from flatten(json.loads(body))
        elif kind == "cbor":
            from sqslab.emulator.server import cbor_loads

            yield from flatten(cbor_loads(body))
        elif kind == "xml":
            for element in ElementTree.fromstring(body).iter():
                yield from flatten(element.text or "", element.tag.rsplit("}", 1)[-1])
                yield from element.attrib.items()
        elif kind == "raw":
            yield "", body.decode("utf-8", "replace")
    except Exception:  # a body that does not parse is still scanned, as plain text
        yield "", body.decode("utf-8", "replace")


def flatten(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """(dotted key path, text) of every leaf of a decoded JSON/CBOR value; JSON inside strings
    (a RedrivePolicy, a queue policy) is opened too."""
    if isinstance(value, dict):
        for name, item in value.items():
            yield from flatten(item, f"{key}.{name}" if key else str(name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from flatten(item, f"{key}.{index}")
    elif isinstance(value, bytes):
        yield key, value.decode("utf-8", "replace")
    elif isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            yield from flatten(json.loads(value), key)
        except ValueError:
            yield key, value
    elif value is not None:
        yield key, str(value)


def arn_names(text: str) -> Iterator[tuple[str, str]]:
    """(kind, name) of each SQS/SNS ARN in ``text``: the resource field, and for SQS every field
    after it too (moto reads a queue ARN's last field)."""
    for match in _ARN.finditer(text):
        fields = match.group(0).split(":")
        service = fields[2].lower() if len(fields) > 2 else ""
        if service not in ISOLATED:
            continue
        kind = "queue" if service == "sqs" else "topic"
        rest = fields[5:] or [""]
        for name in rest if service == "sqs" else rest[:1]:
            yield kind, name


def path_names(call: Call) -> Iterator[tuple[str, str]]:
    """Queue names in an SQS request path (``/<account>/<queue>``), decoded and as sent."""
    raw = call.environ.get("RAW_URI", "").split("?", 1)[0]
    for path in (call.environ.get("PATH_INFO", ""), raw, unquote(raw)):
        for segment in path.split("/")[1:]:
            if segment and not _ACCOUNT.fullmatch(segment):
                yield "queue", segment


def named(call: Call) -> Iterator[tuple[str, str]]:
    """(kind, name) of every queue and topic the request names."""
    if call.service == "sqs":
        yield from path_names(call)
    for key, value in call.params():
        parts = key.split(".")
        if PAYLOAD_KEYS.intersection(parts):
            continue
        leaf = parts[-1]
        if call.service == "sqs" and (leaf == "QueueName" or (leaf == "QueueNamePrefix" and value)):
            yield "queue", value  # an empty ListQueues prefix is replaced by the learner's
        elif call.service == "sqs" and leaf == "QueueUrl":
            yield "queue", value.split("/")[-1]
        elif call.service == "sns" and leaf == "Name":
            yield "topic", value
        yield from arn_names(value)
        for match in _QUEUE_URL.finditer(value):
            yield "queue", match.group(1)


def rule(namespace: str) -> str:
    """The room's rule for one learner, as denials state it."""
    return _("{namespace} may only use queues and topics whose names start with '{prefix}'").format(
        namespace=namespace, prefix=workshop.prefix(namespace)
    )


def names_the(kind: str, name: str) -> str:
    """ "this request names the queue 'x'", in the server's language."""
    if kind == "topic":
        return _("this request names the topic {name}").format(name=repr(name))
    return _("this request names the queue {name}").format(name=repr(name))


def check(namespace: str, call: Call) -> Verdict:
    """Allow a learner's request (perhaps rewritten or filtered) or raise :class:`Denied`."""
    if "HTTP_X_MOTO_ACCOUNT_ID" in call.environ:
        raise Denied(
            "AccessDenied", _("the room has one account: drop the x-moto-account-id header")
        )
    if call.service not in LEARNER_SERVICES:
        offered = ", ".join(LEARNER_SERVICES.values())
        raise Denied(
            "AccessDenied",
            _(
                "the room server offers learners {offered} only; {service} is not part of the "
                "course (ask the instructor)"
            ).format(offered=offered, service=repr(call.service)),
        )
    prefix = workshop.prefix(namespace)
    names = list(named(call))
    if call.service == "sqs" and roomboard.names_board(names):
        roomboard.check_board(namespace, call)  # the classroom board: own reports only
        return Verdict(call.body)
    for kind, name in names:
        if not name.startswith(prefix):
            raise Denied("AccessDenied", f"{rule(namespace)}; {names_the(kind, name)}")
    if call.service not in ISOLATED:
        return Verdict(call.body)
    return check_action(namespace, call, bool(names))


def check_action(namespace: str, call: Call, names_any: bool) -> Verdict:
    """The SQS/SNS part: one action, parameters in the body, nameless actions only if listings."""
    actions = call.actions()
    if call.body_kind() not in ("json", "form", "none"):
        raise Denied(
            "AccessDenied",
            _(
                "the room server reads {service} requests with a JSON or form body only (as the "
                "AWS SDKs send them); this one is {kind}"
            ).format(service=call.service.upper(), kind=call.content_type or _("untyped")),
        )
    if len(actions) != 1 or call.environ.get("QUERY_STRING"):
        raise Denied(
            "AccessDenied",
            _(
                "the room server takes one {service} action per request, with its parameters in "
                "the body (as the AWS SDKs send them); got {actions}"
            ).format(service=call.service.upper(), actions=sorted(actions)),
        )
    action = actions.pop()
    if action == "ListQueues":
        return Verdict(with_prefix(call, workshop.prefix(namespace)))
    if action in LISTINGS:
        return Verdict(call.body, keep=lambda arn: own_topic(arn, namespace))
    if not names_any:
        raise Denied(
            "AccessDenied",
            rule(namespace)
            + "; "
            + _(
                "{action} names no queue or topic, so the room server refuses it (learners may "
                "call {listings}, which show their own only)"
            ).format(action=action, listings=", ".join(LISTINGS)),
        )
    return Verdict(call.body)


def with_prefix(call: Call, prefix: str) -> bytes:
    """The ListQueues body with ``QueueNamePrefix`` set to ``prefix`` unless one was given."""
    if call.body_kind() == "form":
        pairs = parse_qsl(call.body.decode(), keep_blank_values=True)
        if any(k == "QueueNamePrefix" and v for k, v in pairs):
            return call.body
        pairs = [(k, v) for k, v in pairs if k != "QueueNamePrefix"]
        return urlencode([*pairs, ("QueueNamePrefix", prefix)]).encode()
    try:
        params = json.loads(call.body or b"{}")
    except ValueError:
        raise Denied("AccessDenied", _("ListQueues needs a JSON or form body")) from None
    if not isinstance(params, dict):
        raise Denied("AccessDenied", _("ListQueues needs a JSON object as its body"))
    if not params.get("QueueNamePrefix"):
        params["QueueNamePrefix"] = prefix
    return json.dumps(params).encode()


def own_topic(arn: str, namespace: str) -> bool:
    """True when the topic in ``arn`` (a topic or subscription ARN) is the learner's."""
    fields = arn.split(":")
    return len(fields) > 5 and fields[5].startswith(workshop.prefix(namespace))
