"""The boto3 session of the in-process backends, which can never reach AWS: dummy keys, no
profile, and an environment in which a plain ``boto3.client(...)`` in the kernel stays local."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_REGION = "us-east-1"
#: Credentials for emulators: they accept anything, and these can never sign a real AWS request.
DUMMY_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}

#: Hidden while a moto lab runs, with every other ``AWS_ENDPOINT_URL_<SERVICE>`` variable.
MASKED_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_SQS",
)
MASKED_PREFIX = "AWS_ENDPOINT_URL"
#: Set while a moto lab runs: botocore then ignores ``endpoint_url`` from the environment and
#: from the AWS config file (a profile's or a ``services`` section's).
FORCED_VARIABLES = {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}


def emulator_session(region: str = DEFAULT_REGION) -> boto3.Session:
    """A session with dummy credentials that ignores profiles and credentials in the environment."""
    return isolated_session(region, DUMMY_CREDENTIALS)


def isolated_session(region: str, credentials: dict[str, str]) -> boto3.Session:
    """A session with these keys and no profile, credentials file or AWS_* key from the
    environment; its service models are read once per process, not once per session."""
    import botocore.session

    core = botocore.session.Session(session_vars={"profile": (None, None, None, None)})
    loader = _shared_loader(core)
    core.register_component("data_loader", loader)
    made = boto3.Session(botocore_session=core, region_name=region, **credentials)
    _drop_repeats(loader.search_paths)  # boto3 adds its own data folder once per session
    return made


_LOADER: Any = None
_LOADER_LOCK = threading.Lock()


def _shared_loader(core: Any) -> Any:
    """The first session's botocore loader, kept for the sessions after it (parsing a service's
    JSON model takes ~0.1 s, and a kernel or a test run makes hundreds of clients)."""
    global _LOADER
    with _LOADER_LOCK:
        if _LOADER is None:
            _LOADER = core.get_component("data_loader")
        return _LOADER


def _drop_repeats(paths: list[str]) -> None:
    """Keep each search path once, in its first place."""
    with _LOADER_LOCK:
        paths[:] = list(dict.fromkeys(paths))


def local_config() -> Config:
    """Client config for local backends: ignore AWS_ENDPOINT_URL and config-file endpoints."""
    return Config(ignore_configured_endpoint_urls=True, retries={"max_attempts": 1})


def mask_environment() -> Callable[[], None]:
    """Hide AWS profile and endpoint variables and ignore configured endpoints while moto runs;
    returns the undo function, which puts the environment back exactly as it was.

    moto builds boto3 sessions of its own (a missing AWS_PROFILE would break them), and a stray
    ``boto3.client("s3")`` in the kernel must not follow AWS_ENDPOINT_URL_S3 or an ``endpoint_url``
    in the AWS config file anywhere off this machine.
    """
    names = [k for k in os.environ if k in MASKED_VARIABLES or k.startswith(MASKED_PREFIX)]
    saved = {k: os.environ.get(k) for k in [*names, *FORCED_VARIABLES]}
    for name in names:
        del os.environ[name]
    os.environ.update(FORCED_VARIABLES)
    return lambda: restore_environment(saved)


#: Hidden while a server lab runs: plain clients in the kernel then sign with dummy keys.
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


def point_environment_at(url: str) -> Callable[[], None]:
    """Send plain boto3 clients in the kernel to the lab's local server (``url``), with dummy
    keys, as moto's in-process mock does; returns the undo function.

    AWS_ENDPOINT_URL outranks an ``endpoint_url`` in the AWS config file, so botocore must not
    ignore configured endpoints here (the service variables stay hidden by the mask).
    """
    names = (*CREDENTIAL_VARIABLES, "AWS_ENDPOINT_URL", *FORCED_VARIABLES)
    saved = {k: os.environ.get(k) for k in names}
    for name in names:
        os.environ.pop(name, None)
    os.environ["AWS_ENDPOINT_URL"] = url
    os.environ["AWS_ACCESS_KEY_ID"] = DUMMY_CREDENTIALS["aws_access_key_id"]
    os.environ["AWS_SECRET_ACCESS_KEY"] = DUMMY_CREDENTIALS["aws_secret_access_key"]
    return lambda: restore_environment(saved)


def restore_environment(saved: dict[str, str | None]) -> None:
    """Set each variable back to its saved value; one that was unset is removed again."""
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
