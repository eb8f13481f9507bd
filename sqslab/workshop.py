"""Workshop mode: one ``sqslab server`` for a room, one namespace per learner.

Each learner's lab on the ``endpoint`` backend prefixes every queue it names with ``<namespace>-``
(``SQSLAB_NAMESPACE``, default: the user name), so thirty people can run the same notebooks
against one server without their queue (and SNS topic) names colliding. ``sqslab reset`` clears
one namespace or the whole room. On a room server (``sqslab server --room``) the prefix is
enforced by the server; the lab signs with SQSLAB_ACCESS_KEY_ID and SQSLAB_SECRET_ACCESS_KEY.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterator
from typing import Any

from sqslab.errors import LabConfigError
from sqslab.i18n import _

#: Environment variable naming the learner's namespace.
ENV = "SQSLAB_NAMESPACE"
#: Longest namespace kept, so that a prefixed queue name still fits SQS's 80 characters.
MAX_LENGTH = 20
_OTHER = re.compile(r"[^A-Za-z0-9]")


def rule() -> str:
    """The rule every namespace follows, so that no learner's prefix is another's (``ab-`` vs
    ``a-b-``), in the current language."""
    text = _("a namespace is 1 to {most} lowercase letters a-z and digits 0-9, nothing else")
    return text.format(most=MAX_LENGTH)


def _shown(characters: list[str]) -> str:
    """Characters as the learner can spot them: ``'å' (U+00E5), ' ' (U+0020)``."""
    return ", ".join(f"{c!r} (U+{ord(c):04X})" for c in characters)


def namespace_problem(name: str) -> str | None:
    """What breaks :func:`rule` in ``name`` (already stripped), or None when it is a namespace."""
    if not name:
        return _("is empty")
    odd = sorted(set(_OTHER.findall(name)))
    if odd:
        return _("contains {characters}").format(characters=_shown(odd))
    if len(name) > MAX_LENGTH:
        from sqslab import facts

        most = facts.get("queue_name_max_length").text
        text = _("is {length} characters long (a queue name with its prefix is {most} at most)")
        return text.format(length=len(name), most=most)
    return None


def _suggestion(name: str) -> str:
    """An example fix built from ``name``, for the error text only (never applied silently)."""
    letters = _OTHER.sub("", name).lower()[:MAX_LENGTH]
    return letters or "alice"


def clean(name: str, source: str = ENV) -> str:
    """``name`` stripped and lowercased as a namespace; refused (never changed) unless it follows
    :func:`rule`. ``source`` names where it came from, for the error text."""
    if not isinstance(name, str):
        text = _("{source} must be text, got {kind} {name}; {rule}")
        raise LabConfigError(
            text.format(source=source, kind=type(name).__name__, name=repr(name), rule=rule())
        )
    stripped = name.strip()
    problem = namespace_problem(stripped)
    if problem:
        text = _(
            "the namespace {name} {problem}; {rule}, so that no two learners' queues share a "
            "prefix. Set {source} to a name like {example} or 'team7'"
        )
        raise LabConfigError(
            text.format(
                name=repr(name),
                problem=problem,
                rule=rule(),
                source=source,
                example=repr(_suggestion(stripped)),
            )
        )
    return stripped.lower()


def _login() -> str:
    """The login name, or a clear error when the system has none."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        text = _(
            "this system has no login name to build a namespace from: set {env} to your name "
            "(export {env}=alice); {rule}"
        )
        raise LabConfigError(text.format(env=ENV, rule=rule())) from None


def current(environ: dict[str, str] | None = None) -> str:
    """The learner's namespace: ``SQSLAB_NAMESPACE`` when set, else the login name when it already
    follows :func:`rule`; anything else is an error naming the fix."""
    env = os.environ if environ is None else environ
    if ENV in env:
        return clean(env[ENV], source=ENV)
    login = _login()
    if namespace_problem(login.strip()):
        text = _(
            "{env} is not set and your login name {login} cannot be a namespace "
            "({problem}); {rule}. Set it: export {env}={example}"
        )
        raise LabConfigError(
            text.format(
                env=ENV,
                login=repr(login),
                problem=namespace_problem(login.strip()),
                rule=rule(),
                example=_suggestion(login),
            )
        )
    return login.strip().lower()


def prefix(namespace: str) -> str:
    """The queue-name prefix of ``namespace``: ``alice`` -> ``alice-``."""
    return f"{clean(namespace)}-"


#: How an endpoint URL looks: the server's address only, as ``sqslab server`` prints it.
ENDPOINT_EXAMPLE = "http://127.0.0.1:4566"


def check_endpoint_url(url: str, source: str = "SQSLAB_ENDPOINT_URL") -> str:
    """``url`` as a server address boto3 accepts (``http(s)://host[:port][/]``), without a trailing
    slash; otherwise a :class:`LabConfigError` naming what is wrong and the fix."""
    text = url.strip() if isinstance(url, str) else ""
    problem = _endpoint_problem(text) if text else _("is empty")
    if problem:
        message = _(
            "the endpoint URL {url} ({source}) {problem}; an endpoint URL is "
            "http:// or https://, a host and an optional port 1-65535, e.g. {example}. "
            "Fix {source}"
        )
        raise LabConfigError(
            message.format(url=repr(url), source=source, problem=problem, example=ENDPOINT_EXAMPLE)
        )
    return text.rstrip("/")


def _endpoint_problem(url: str) -> str | None:
    """What makes ``url`` unusable as an endpoint, or None."""
    from urllib.parse import urlsplit

    from botocore.utils import is_valid_endpoint_url, is_valid_ipv6_endpoint_url

    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or "://" not in url:
        return _("has no http:// or https:// in front")
    if not parts.hostname:
        return _("has no host")
    if not (is_valid_endpoint_url(url) or is_valid_ipv6_endpoint_url(url)):
        text = _("has a host that is not a valid host name ({host})")
        return text.format(host=repr(parts.hostname))
    try:
        port = parts.port
    except ValueError:
        return _("has a port that is not a number from 1 to 65535")
    if port == 0:
        return _("has port 0, which no server listens on")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return _("has more than a server address (a path, query or user): is it a queue URL?")
    return None


def queue_urls(sqs: Any, name_prefix: str = "") -> Iterator[str]:
    """Every queue URL whose name starts with ``name_prefix`` (all pages of ListQueues)."""
    params: dict[str, Any] = {"MaxResults": 1000}
    if name_prefix:
        params["QueueNamePrefix"] = name_prefix
    while True:
        page = sqs.list_queues(**params)
        yield from page.get("QueueUrls", [])
        token = page.get("NextToken")
        if not token:
            return
        params["NextToken"] = token


def delete_queues(sqs: Any, urls: list[str]) -> list[str]:
    """Delete ``urls`` (ignoring ones already gone); the URLs deleted."""
    deleted = []
    for url in urls:
        try:
            sqs.delete_queue(QueueUrl=url)
        except sqs.exceptions.QueueDoesNotExist:
            continue
        deleted.append(url)
    return deleted


def queue_exists(sqs: Any, name: str) -> bool:
    """True when a queue of exactly this name exists."""
    try:
        sqs.get_queue_url(QueueName=name)
    except sqs.exceptions.QueueDoesNotExist:
        return False
    return True


def topic_exists(sns: Any, name: str) -> bool:
    """True when an SNS topic of exactly this name exists."""
    return any(arn.rsplit(":", 1)[-1] == name for arn in topic_arns(sns, name))


def queue_tag(sqs: Any, url: str, key: str) -> str | None:
    """The value of one tag of a queue (None if untagged or the queue is gone)."""
    try:
        return sqs.list_queue_tags(QueueUrl=url).get("Tags", {}).get(key)
    except sqs.exceptions.QueueDoesNotExist:
        return None


def topic_tag(sns: Any, arn: str, key: str) -> str | None:
    """The value of one tag of an SNS topic (None if untagged or the topic is gone)."""
    try:
        tags = sns.list_tags_for_resource(ResourceArn=arn).get("Tags", [])
    except (sns.exceptions.NotFoundException, sns.exceptions.ResourceNotFoundException):
        return None
    return next((t["Value"] for t in tags if t["Key"] == key), None)


def delete_topics(sns: Any, arns: list[str]) -> list[str]:
    """Delete SNS topics (their subscriptions go with them); the ARNs deleted."""
    deleted = []
    for arn in arns:
        try:
            sns.delete_topic(TopicArn=arn)
        except sns.exceptions.NotFoundException:
            continue
        deleted.append(arn)
    return deleted


def topic_arns(sns: Any, name_prefix: str = "") -> Iterator[str]:
    """Every SNS topic ARN whose topic name starts with ``name_prefix`` (all pages)."""
    for page in sns.get_paginator("list_topics").paginate():
        for topic in page.get("Topics", []):
            if topic["TopicArn"].rsplit(":", 1)[-1].startswith(name_prefix):
                yield topic["TopicArn"]


def room_credentials(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The room key from SQSLAB_ACCESS_KEY_ID and SQSLAB_SECRET_ACCESS_KEY when both are set, else
    the dummy ``testing`` pair. Never AWS_ACCESS_KEY_ID: real AWS keys must not reach a room."""
    from sqslab.emulator.session import DUMMY_CREDENTIALS

    env = os.environ if environ is None else environ
    key_id = env.get("SQSLAB_ACCESS_KEY_ID", "").strip()
    secret = env.get("SQSLAB_SECRET_ACCESS_KEY", "").strip()
    if key_id and secret:
        return {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    return dict(DUMMY_CREDENTIALS)


def room_session(region: str = "us-east-1", credentials: dict[str, str] | None = None) -> Any:
    """A boto3 session for a workshop server: the room key (or dummy credentials), and no
    profile, credentials file or AWS_* key from the environment."""
    from sqslab.emulator.session import isolated_session

    return isolated_session(region, credentials or room_credentials())


def room_client(
    endpoint_url: str,
    region: str = "us-east-1",
    service: str = "sqs",
    credentials: dict[str, str] | None = None,
) -> Any:
    """A boto3 client (SQS unless ``service`` says otherwise) for the workshop server, signed with
    the room key (``credentials``, else :func:`room_credentials`): it can never reach AWS."""
    from botocore.config import Config

    config = Config(connect_timeout=3, read_timeout=30, retries={"max_attempts": 1})
    session = room_session(region, credentials)
    return session.client(service, endpoint_url=endpoint_url, config=config)


def reset(sqs: Any, namespace: str | None = None, sns: Any = None) -> list[str]:
    """Delete one namespace's queues (and SNS topics, given an ``sns`` client), or everything on
    the server when ``namespace`` is None; the URLs and ARNs deleted."""
    name_prefix = prefix(namespace) if namespace is not None else ""
    deleted = delete_queues(sqs, list(queue_urls(sqs, name_prefix)))
    if sns is not None:
        deleted += delete_topics(sns, list(topic_arns(sns, name_prefix)))
    return deleted
