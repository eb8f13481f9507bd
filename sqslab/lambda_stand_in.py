"""Chapter 8: a Lambda function for an event source mapping to name, on the emulators.

``create_event_source_mapping`` needs a function that exists, and moto a role that exists for
it. This lab never runs that function: moto stores a mapping but cannot run one without Docker,
so the notebook creates its mapping switched off and :func:`sqslab.lambda_batches.run` plays the
poller in the kernel, calling the learner's Python handler. The stand-in's own code only raises,
in case anything ever invokes it. On AWS the lab creates no function and no IAM role in the
learner's account; there, and on an endpoint without Lambda, :func:`stand_in_function` says so
and returns None.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from sqslab.i18n import N_, _

if TYPE_CHECKING:
    from sqslab.lab import Lab

ROLE = "sqslab-stand-in"
RUNTIME = "python3.12"
CODE = (
    "def handler(event, context):\n"
    "    raise RuntimeError('a stand-in: sqslab runs your handler in the notebook kernel')\n"
)
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}
#: What the lab prints where it creates no function.
ON_AWS = N_(
    "aws: the lab creates no Lambda function or IAM role in your account, so the mapping cell "
    "skips its boto3 calls; with a function of your own they are the same (leave Enabled on)"
)


def stand_in_function(lab: Lab, name: str) -> str | None:
    """The ARN of a stand-in function ``name`` (the lab's prefix added), created once; None (said)
    on AWS and on an endpoint that has no Lambda."""
    if lab.backend == "aws":
        print(_(ON_AWS))
        return None
    full = lab.namespace.full_name(name)
    client = lab.client("lambda")
    try:
        return str(client.get_function(FunctionName=full)["Configuration"]["FunctionArn"])
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            _no_lambda(lab, err)
            return None
    except BotoCoreError as err:
        _no_lambda(lab, err)
        return None
    created = client.create_function(
        FunctionName=full,
        Runtime=RUNTIME,
        Role=_role(lab),
        Handler="index.handler",
        Code={"ZipFile": _zip()},
        Description="sqslab stand-in for an event source mapping; never invoked",
    )
    return str(created["FunctionArn"])


def _no_lambda(lab: Lab, err: Exception) -> None:
    code = err.response.get("Error", {}).get("Code") if isinstance(err, ClientError) else None
    print(
        _(
            "{backend}: this endpoint answers no Lambda calls ({code}), so the mapping cell skips "
            "its boto3 calls; the moto backends (SQSLAB_BACKEND=moto) run them"
        ).format(backend=lab.backend, code=code or type(err).__name__)
    )


def _role(lab: Lab) -> str:
    """The stand-in's execution role, created once (moto checks that the role exists)."""
    iam = lab.client("iam")
    name = lab.namespace.full_name(ROLE)
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except ClientError:
        document = json.dumps(TRUST)
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=document)["Role"]["Arn"])


def _zip() -> bytes:
    """The stand-in's deployment package: one file, ``index.py``."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("index.py", date_time=(2026, 1, 1, 0, 0, 0)), CODE)
    return buffer.getvalue()
