"""The room server's side of the wire: refusals in the AWS error shape of each protocol (SQS JSON,
the query protocol of SNS, S3's XML, CloudWatch's CBOR), and listing answers filtered down to a
learner's own topics."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import Any
from xml.sax.saxutils import escape

_XML_MEMBER = re.compile(rb"<member>.*?</member>", re.DOTALL)
_XML_TOPIC = re.compile(rb"<TopicArn>(.*?)</TopicArn>", re.DOTALL)


class Denied(Exception):
    """A request the room server refuses: an AWS error code, its message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def protocol(environ: dict[str, Any]) -> str:
    """The wire protocol an error must use for this request: json, cbor, s3 or query."""
    content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    if content_type == "application/cbor" or "HTTP_SMITHY_PROTOCOL" in environ:
        return "cbor"
    if "HTTP_X_AMZ_TARGET" in environ or "json" in content_type:
        return "json"
    if "/s3/aws4_request" in environ.get("HTTP_AUTHORIZATION", ""):
        return "s3"
    return "query"


def error_response(denial: Denied, kind: str) -> tuple[str, list[tuple[str, str]], bytes]:
    """Status, headers and body of an AWS-style error in protocol ``kind``."""
    request_id = str(uuid.uuid4())
    status = f"{denial.status} {HTTPStatus(denial.status).phrase}"
    headers = [("x-amzn-RequestId", request_id), ("x-amzn-query-error", f"{denial.code};Sender")]
    if kind == "json":
        document = {"__type": f"com.amazon.coral.service#{denial.code}", "message": denial.message}
        return status, [*headers, ("Content-Type", "application/x-amz-json-1.0")], _json(document)
    if kind == "cbor":
        from sqslab.emulator.server import cbor_dumps

        body = cbor_dumps({"__type": denial.code, "message": denial.message})
        extra = [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor")]
        return status, [*headers, *extra], body
    error = f"<Code>{escape(denial.code)}</Code><Message>{escape(denial.message)}</Message>"
    if kind == "s3":
        text = f"<Error>{error}<RequestId>{request_id}</RequestId></Error>"
    else:
        text = (
            f"<ErrorResponse><Error><Type>Sender</Type>{error}</Error>"
            f"<RequestId>{request_id}</RequestId></ErrorResponse>"
        )
    body = f'<?xml version="1.0" encoding="UTF-8"?>\n{text}'.encode()
    return status, [*headers, ("Content-Type", "text/xml")], body


def _json(document: dict[str, str]) -> bytes:
    return json.dumps(document).encode()


class Captured:
    """A ``start_response`` that keeps the status, headers and any written body."""

    def __init__(self) -> None:
        self.status = "500 Internal Server Error"
        self.headers: list[tuple[str, str]] = []
        self.chunks: list[bytes] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self.status, self.headers = status, headers
        return self.chunks.append


def filtered(
    result: Iterable[bytes],
    captured: Captured,
    start_response: Callable[..., Any],
    keep: Callable[[str], bool],
) -> list[bytes]:
    """Moto's answer to a listing with only the learner's own entries left."""
    try:
        captured.chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    body = b"".join(captured.chunks)
    if captured.status.startswith("200"):
        body = filter_listing(body, keep)
    headers = [(k, v) for k, v in captured.headers if k.lower() != "content-length"]
    start_response(captured.status, [*headers, ("Content-Length", str(len(body)))])
    return [body]


def filter_listing(body: bytes, keep: Callable[[str], bool]) -> bytes:
    """An SNS ListTopics/ListSubscriptions answer (XML or JSON) with only the entries kept."""
    if body.lstrip()[:1] == b"{":
        return json.dumps(_filter_json(json.loads(body), keep)).encode()

    def member(match: re.Match[bytes]) -> bytes:
        topic = _XML_TOPIC.search(match.group(0))
        return match.group(0) if topic and keep(topic.group(1).decode()) else b""

    return _XML_MEMBER.sub(member, body)


def _filter_json(value: Any, keep: Callable[[str], bool]) -> Any:
    """Drop entries with a ``TopicArn`` not kept, anywhere in a JSON answer."""
    if isinstance(value, dict):
        return {k: _filter_json(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [
            _filter_json(v, keep)
            for v in value
            if not (isinstance(v, dict) and "TopicArn" in v and not keep(str(v["TopicArn"])))
        ]
    return value
