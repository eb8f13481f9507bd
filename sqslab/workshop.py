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

#: Environment variable naming the learner's namespace.
ENV = "SQSLAB_NAMESPACE"
#: Longest namespace kept, so that a prefixed queue name still fits SQS's 80 characters.
MAX_LENGTH = 20
_ALLOWED = re.compile(r"[^a-z0-9]")


def clean(name: str) -> str:
    """``name`` as a namespace: lowercase letters and digits only (so prefixes never overlap)."""
    cleaned = _ALLOWED.sub("", name.lower())
    if not cleaned:
        raise LabConfigError(
            f"the namespace {name!r} has no letters or digits; set {ENV} to something like "
            "'alice' or 'team7' (letters and digits only)"
        )
    if len(cleaned) > MAX_LENGTH:
        raise LabConfigError(
            f"the namespace {cleaned!r} is {len(cleaned)} characters; keep it to {MAX_LENGTH} so "
            f"queue names stay within SQS's 80 characters: set {ENV} to a shorter name"
        )
    return cleaned


def current(environ: dict[str, str] | None = None) -> str:
    """The learner's namespace: ``SQSLAB_NAMESPACE``, else the login name, cleaned."""
    env = os.environ if environ is None else environ
    chosen = env.get(ENV, "").strip()
    return clean(chosen or getpass.getuser())


def prefix(namespace: str) -> str:
    """The queue-name prefix of ``namespace``: ``alice`` -> ``alice-``."""
    return f"{clean(namespace)}-"


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
    from sqslab.lab import DUMMY_CREDENTIALS

    env = os.environ if environ is None else environ
    key_id = env.get("SQSLAB_ACCESS_KEY_ID", "").strip()
    secret = env.get("SQSLAB_SECRET_ACCESS_KEY", "").strip()
    if key_id and secret:
        return {"aws_access_key_id": key_id, "aws_secret_access_key": secret}
    return dict(DUMMY_CREDENTIALS)


def room_session(region: str = "us-east-1", credentials: dict[str, str] | None = None) -> Any:
    """A boto3 session for a workshop server: the room key (or dummy credentials), and no
    profile, credentials file or AWS_* key from the environment."""
    import boto3
    import botocore.session

    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    chosen = credentials or room_credentials()
    return boto3.Session(botocore_session=core, region_name=region, **chosen)


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
