"""The room server's gatekeeper: a WSGI middleware in front of moto's server app.

It closes ``/moto-api/…`` (reset, dashboard, reset-auth) to everyone, refuses any request that is
not signed (AWS Signature Version 4) with a key from the room file, checks the signature by
recomputing it with botocore's signer, and holds every learner's key to :mod:`sqslab.roomrules`.
The instructor's key may do everything else.

Why not moto's own IAM enforcement (``INITIAL_NO_AUTH_ACTION_COUNT``)? Read in moto 5.2
(``core/authorization.py``, ``core/responses.py``, ``iam/access_control.py``, ``sqs/responses.py``)
and tried: it is one process-wide switch that the unauthenticated ``/moto-api/reset-auth`` turns
off again, and it matches IAM policies against the resource moto passes in. SNS passes ``"*"``
for every action; SQS passes the queue's ARN only when ``QueueUrl`` names an existing queue and
``"*"`` for CreateQueue, GetQueueUrl and ListQueues. So a policy limited to
``arn:aws:sqs:*:*:alice-*`` refuses alice's own CreateQueue, ListQueues and every SNS call, and
ARNs inside parameters (a RedrivePolicy's dead-letter target, a Subscribe endpoint) are never
checked. sqslab therefore reads the names in each request itself.
"""

from __future__ import annotations

import hmac
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from sqslab import roomrules
from sqslab.emulator.server import GatedServer, quiet_request_log
from sqslab.i18n import _
from sqslab.room import KEY_ID_ENV, SECRET_ENV, KeyRing, Member
from sqslab.roomwire import Captured, Denied, error_response, filtered, protocol

ALGORITHM = "AWS4-HMAC-SHA256"
AMZ_DATE = "%Y%m%dT%H%M%SZ"
#: How far a request's X-Amz-Date may be from the server's clock (AWS allows 15 minutes).
MAX_SKEW_SECONDS = 15 * 60


def get_a_key() -> str:
    """How a learner gets a room key, in the server's language."""
    return _(
        "ask the instructor for a room key (`sqslab room add NAME`) and set {key_id} and {secret}"
    ).format(key_id=KEY_ID_ENV, secret=SECRET_ENV)


#: Paths closed to every key: moto's own API (reset, reset-auth, dashboard, seed, recorder).
CLOSED_PATHS = ("/moto-api", "/favicon.ico")


def moto_api_closed() -> str:
    """Why /moto-api/ is closed, in the server's language."""
    return _(
        "the room server closes /moto-api/ (it would let anyone reset or inspect the whole "
        "room); the instructor clears the room with `sqslab reset --all` and the instructor's key"
    )


@dataclass(frozen=True)
class Signed:
    """The parts of a SigV4 ``Authorization`` header."""

    key_id: str
    date: str
    region: str
    service: str
    headers: list[str]
    signature: str


def parse_authorization(header: str) -> Signed:
    """The SigV4 fields of ``header``, or :class:`Denied` saying what is missing."""
    if not header:
        raise Denied(
            "MissingAuthenticationToken",
            _("the room server needs every request signed with a room key: {how}").format(
                how=get_a_key()
            ),
        )
    if not header.startswith(ALGORITHM + " "):
        raise Denied(
            "IncompleteSignature",
            _("the room server accepts {algorithm} signatures only").format(algorithm=ALGORITHM),
        )
    parts = (part.strip().split("=", 1) for part in header[len(ALGORITHM) :].split(","))
    fields = dict(part for part in parts if len(part) == 2)
    try:
        key_id, date, region, service, terminal = fields["Credential"].split("/")
        signed = Signed(
            key_id, date, region, service, fields["SignedHeaders"].split(";"), fields["Signature"]
        )
    except (KeyError, ValueError):
        raise Denied(
            "IncompleteSignature",
            _("malformed Authorization header: {header}").format(header=header[:80]),
        ) from None
    if terminal != "aws4_request" or "host" not in signed.headers:
        raise Denied(
            "IncompleteSignature", _("the signature must cover the host header (aws4_request)")
        )
    return signed


def header(environ: dict[str, Any], name: str) -> str | None:
    """Header ``name`` of a WSGI request, or None."""
    key = name.upper().replace("-", "_")
    if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
        return environ.get(key)
    return environ.get(f"HTTP_{key}")


def check_clock(amz_date: str, now: datetime | None = None) -> None:
    """Refuse an X-Amz-Date more than 15 minutes from the server's clock (limits replays)."""
    try:
        when = datetime.strptime(amz_date, AMZ_DATE).replace(tzinfo=UTC)
    except ValueError:
        raise Denied(
            "IncompleteSignature", _("X-Amz-Date must look like 20260105T090000Z")
        ) from None
    now = now or datetime.now(UTC)
    if abs((now - when).total_seconds()) > MAX_SKEW_SECONDS:
        raise Denied(
            "SignatureDoesNotMatch",
            "Signature expired: "  # AWS's own words
            + _(
                "X-Amz-Date {date} is more than 15 minutes from the room server's clock "
                "({now}); set this machine's clock right"
            ).format(date=amz_date, now=now.strftime(AMZ_DATE)),
        )


def rebuilt_request(environ: dict[str, Any], body: bytes, signed: Signed) -> AWSRequest:
    """The request as the client signed it: method, raw path and query, signed headers, body."""
    headers = {}
    for name in signed.headers:
        value = header(environ, name)
        if value is None:
            raise Denied(
                "SignatureDoesNotMatch",
                _("the signed header {name} is not in the request").format(name=repr(name)),
            )
        headers[name] = value
    raw = environ.get("RAW_URI") or environ.get("PATH_INFO") or "/"
    path = urlsplit(raw).path if "://" in raw else raw.split("?", 1)[0]
    query = environ.get("QUERY_STRING", "")
    scheme, host = environ.get("wsgi.url_scheme", "http"), environ.get("HTTP_HOST", "")
    url = f"{scheme}://{host}{path}" + (f"?{query}" if query else "")
    request = AWSRequest(method=environ["REQUEST_METHOD"], url=url, data=body, headers=headers)
    request.context["timestamp"] = header(environ, "X-Amz-Date") or ""
    return request


def expected_signature(request: AWSRequest, signed: Signed, secret: str) -> str:
    """The signature ``secret`` gives ``request`` (botocore's signer, S3's variant for S3)."""
    signer = S3SigV4Auth if signed.service == "s3" else SigV4Auth
    auth = signer(Credentials(signed.key_id, secret), signed.service, signed.region)
    canonical = auth.canonical_request(request)
    return auth.signature(auth.string_to_sign(request, canonical), request)


def check_signature(environ: dict[str, Any], body: bytes, signed: Signed, member: Member) -> None:
    """Refuse a request whose signature, date or payload hash does not hold."""
    amz_date = header(environ, "X-Amz-Date") or ""
    check_clock(amz_date)
    if signed.date != amz_date[:8]:
        raise Denied("IncompleteSignature", _("the credential scope's date is not X-Amz-Date's"))
    request = rebuilt_request(environ, body, signed)
    wanted = expected_signature(request, signed, member.keys.secret_access_key)
    if not hmac.compare_digest(wanted, signed.signature):
        raise Denied(
            "SignatureDoesNotMatch",
            _(
                "the request signature does not match: {secret} is not the secret of key "
                "{key_id} (copy both lines from `sqslab room add` again)"
            ).format(secret=SECRET_ENV, key_id=signed.key_id),
        )
    claimed = header(environ, "X-Amz-Content-SHA256") or ""
    if len(claimed) == 64 and claimed != sha256(body).hexdigest():
        raise Denied("SignatureDoesNotMatch", _("the body does not match its X-Amz-Content-SHA256"))


def read_body(environ: dict[str, Any]) -> bytes:
    """Read the request body and put it back for moto to read again."""
    length = environ.get("CONTENT_LENGTH") or ""
    stream = environ["wsgi.input"]
    if length.isdigit():
        body = stream.read(int(length))
    elif environ.get("wsgi.input_terminated"):
        body = stream.read()
    else:
        body = b""
    replace_body(environ, body)
    return body


def replace_body(environ: dict[str, Any], body: bytes) -> None:
    """Give moto ``body`` as the request body."""
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def backend_of(dispatcher: Any, environ: dict[str, Any]) -> str:
    """The moto backend a request goes to, found as moto's DomainDispatcherApplication finds it."""
    path = environ.get("PATH_INFO", "")
    if path.startswith(CLOSED_PATHS):
        return "moto_api"
    if path.startswith(("/latest/meta-data/", "/latest/api/")):
        return "instance_metadata"
    host = dispatcher.infer_service_region_host(environ, path) or "s3.us-east-1.amazonaws.com"
    return str(dispatcher.get_backend_for_host(host) or "unknown")


class RoomGate:
    """WSGI middleware in front of moto's ``DomainDispatcherApplication`` on a room server."""

    def __init__(self, dispatcher: Any, keys: KeyRing) -> None:
        self.dispatcher = dispatcher
        self.keys = keys

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        try:
            return self.serve(environ, start_response)
        except Denied as denial:
            status, headers, body = error_response(denial, protocol(environ))
            start_response(status, [*headers, ("Content-Length", str(len(body)))])
            return [body]

    def authenticate(self, environ: dict[str, Any], body: bytes) -> Member:
        """The room member who signed this request, or :class:`Denied`."""
        signed = parse_authorization(environ.get("HTTP_AUTHORIZATION", ""))
        member = self.keys.find(signed.key_id)
        if member is None:
            raise Denied(
                "InvalidClientTokenId",
                _("the room server knows no access key {key_id}: {how}").format(
                    key_id=repr(signed.key_id), how=get_a_key()
                ),
            )
        check_signature(environ, body, signed, member)
        return member

    def serve(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        """Pass an allowed request to moto (rewritten or filtered for a learner), or refuse it."""
        body = read_body(environ)
        if environ.get("PATH_INFO", "").startswith(CLOSED_PATHS):
            raise Denied("AccessDenied", moto_api_closed())
        member = self.authenticate(environ, body)
        backend = backend_of(self.dispatcher, environ)
        if backend == "moto_api":
            raise Denied("AccessDenied", moto_api_closed())
        if member.namespace is None:
            return self.dispatcher(environ, start_response)
        verdict = roomrules.check(member.namespace, roomrules.Call(backend, environ, body))
        if verdict.body != body:
            replace_body(environ, verdict.body)
        if verdict.keep is None:
            return self.dispatcher(environ, start_response)
        captured = Captured()
        result = self.dispatcher(environ, captured)
        return filtered(result, captured, start_response, verdict.keep)


def start_room_server(
    host: str, port: int, room_file: Path, verbose: bool = False
) -> tuple[GatedServer, str]:
    """Start a room server on ``host:port`` for the keys in ``room_file``; returns it and its URL."""
    if not verbose:
        quiet_request_log()
    server = GatedServer(host, port, lambda app: RoomGate(app, KeyRing(room_file)))
    return server, server.start()
