"""The learner's real AWS set-up for the ``aws`` backend: session, credentials and account, each
failure a :class:`~sqslab.errors.LabConfigError` that names the fix."""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config

from sqslab.errors import LabConfigError


def session() -> boto3.Session:
    """A boto3 session from the environment and AWS config; a profile that does not exist is a
    :class:`LabConfigError` naming the fix."""
    from botocore.exceptions import ProfileNotFound

    try:
        return boto3.Session(region_name=os.environ.get("AWS_REGION") or None)
    except ProfileNotFound as err:
        raise LabConfigError(
            f"the AWS profile {err.kwargs.get('profile')!r} does not exist in your AWS config "
            "(AWS_PROFILE): list yours with `aws configure list-profiles`, then fix AWS_PROFILE "
            "or create the profile with `aws configure --profile <name>`"
        ) from None


def credentials(session: boto3.Session) -> Any:
    """The session's credentials (None when there are none), or a :class:`LabConfigError` when
    they cannot be loaded (an expired SSO login, a failing credential_process…)."""
    from botocore.exceptions import BotoCoreError

    try:
        return session.get_credentials()
    except BotoCoreError as err:
        raise LabConfigError(
            f"cannot load your AWS credentials for the aws backend ({err}): run `aws sso login` "
            "or `aws configure`, or fix AWS_PROFILE"
        ) from None


def account(session: boto3.Session) -> str:
    """The account id from STS GetCallerIdentity, or a :class:`LabConfigError` that says whether
    AWS refused the credentials or could not be reached."""
    from botocore.exceptions import BotoCoreError, ClientError

    config = Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2})
    try:
        return str(session.client("sts", config=config).get_caller_identity()["Account"])
    except ClientError as err:
        error = err.response.get("Error", {})
        raise LabConfigError(
            f"AWS refused your credentials ({error.get('Code')}: {error.get('Message')}): refresh "
            "them with `aws sso login`, or new keys with `aws configure`, or fix AWS_PROFILE"
        ) from None
    except BotoCoreError as err:
        raise LabConfigError(
            f"cannot reach AWS STS to check your account ({err}): check the network (a proxy, a "
            f"firewall) and AWS_REGION ({session.region_name})"
        ) from None
