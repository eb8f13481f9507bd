"""Large payloads through S3: the body goes to an S3 object and the message carries a pointer to it.

The pointer follows the Amazon SQS Extended Client Library convention, so Java and Python clients
built on that library can read what sqslab sends (and sqslab can read theirs):

- the body becomes the JSON array
  ``["software.amazon.payloadoffloading.PayloadS3Pointer", {"s3BucketName": ..., "s3Key": ...}]``;
- the message attribute ``ExtendedPayloadSize`` (DataType ``Number``) holds the original body size
  in bytes, and takes one of the message's attribute slots.

Older clients wrote ``com.amazon.sqs.javamessaging.MessageS3Pointer`` and ``SQSLargePayloadSize``;
both are read here too. Sources: https://github.com/awslabs/amazon-sqs-java-extended-client-lib,
https://github.com/awslabs/amazon-sqs-python-extended-client-lib (``sqs_extended_client/client.py``)
and https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-s3-messages.html.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from typing import Any

from botocore.exceptions import ClientError

from sqslab import facts
from sqslab.arguments import given, is_client
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import _

POINTER_CLASS = "software.amazon.payloadoffloading.PayloadS3Pointer"
LEGACY_POINTER_CLASS = "com.amazon.sqs.javamessaging.MessageS3Pointer"
SIZE_ATTRIBUTE = "ExtendedPayloadSize"
LEGACY_SIZE_ATTRIBUTE = "SQSLargePayloadSize"
POINTER_CLASSES = (POINTER_CLASS, LEGACY_POINTER_CLASS)
SIZE_ATTRIBUTES = (SIZE_ATTRIBUTE, LEGACY_SIZE_ATTRIBUTE)
#: S3 has no LocationConstraint for its original region: create_bucket there takes none.
US_EAST_1 = "us-east-1"
#: S3 bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each
#: end (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
BUCKET_NAME = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


def check_bucket(s3: Any, bucket: Any) -> None:
    """An S3 client (or None, to build pointers only) and a bucket name S3 accepts."""
    if s3 is not None and not is_client(s3, "s3"):
        raise WrongTypeError(f"s3 is an S3 client, lab.client('s3'); got {given(s3)}")
    if not isinstance(bucket, str) or not BUCKET_NAME.fullmatch(bucket) or ".." in bucket:
        raise LimitError(
            _(
                "invalid S3 bucket name {bucket}: use 3 to 63 lowercase letters, digits, dots and "
                "hyphens, starting and ending with a letter or digit, e.g. 'reports-payloads'"
            ).format(bucket=repr(bucket))
        )


def parse_pointer(body: str) -> tuple[str, str] | None:
    """(bucket, key) if ``body`` is an Extended Client pointer, else None."""
    if not body.startswith("["):
        return None
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not (isinstance(data, list) and len(data) == 2 and data[0] in POINTER_CLASSES):
        return None
    where = data[1]
    if not isinstance(where, dict):
        return None
    bucket, key = where.get("s3BucketName"), where.get("s3Key")
    if isinstance(bucket, str) and isinstance(key, str):
        return bucket, key
    return None


def stated_size(attributes: dict[str, Any] | None) -> int | None:
    """The original body size a pointer message declares in its size attribute, if present."""
    for name in SIZE_ATTRIBUTES:
        attr = (attributes or {}).get(name)
        if attr is not None:
            value = attr.get("StringValue") if isinstance(attr, dict) else attr
            return int(str(value))
    return None


def is_pointer(body: str, attributes: dict[str, Any] | None = None) -> bool:
    """True if the message is an S3 pointer. The body alone decides: ``attributes`` is accepted for
    symmetry with :meth:`PayloadStore.resolve`, since a consumer may not have asked for attributes."""
    return parse_pointer(body) is not None


def content_hash(body: str) -> str:
    """SHA-256 of the UTF-8 body as hex: what SQS content-based deduplication computes."""
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


class PayloadStore:
    """Stores message bodies in an S3 bucket and turns them into Extended Client pointers."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        *,
        prefix: str = "sqslab-payloads/",
        threshold: int | None = None,
        always: bool = False,
    ) -> None:
        check_bucket(s3, bucket)
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self.threshold = _check_threshold(threshold)
        self.always = always
        self._count = 0

    def __repr__(self) -> str:
        if self.always:
            rule = _("offload always")
        elif self.threshold:
            rule = _("offload over {bytes} bytes").format(bytes=self.threshold)
        else:
            rule = _("offload over the queue's MaximumMessageSize")
        return f"<PayloadStore s3://{self.bucket}/{self.prefix} {rule}>"

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists (in the client's region; us-east-1 takes no location)."""
        try:
            self.s3.head_bucket(Bucket=self.bucket)
            return
        except ClientError as err:
            if _status(err) == 403:
                raise PermissionError(
                    _(
                        "bucket {bucket} exists but this account may not use it (S3 bucket names "
                        "are global): choose another bucket name"
                    ).format(bucket=repr(self.bucket))
                ) from None
            if _status(err) != 404:
                raise
        region = self.s3.meta.region_name or US_EAST_1
        where = {"LocationConstraint": region}
        extra = {} if region == US_EAST_1 else {"CreateBucketConfiguration": where}
        with contextlib.suppress(self.s3.exceptions.BucketAlreadyOwnedByYou):
            self.s3.create_bucket(Bucket=self.bucket, **extra)

    def needs_offload(self, size: int, queue_limit: int) -> bool:
        """Whether a message of ``size`` bytes goes through S3 on a queue allowing ``queue_limit``."""
        if self.always:
            return True
        return size > (self.threshold if self.threshold is not None else queue_limit)

    def key_for(self, body: str) -> str:
        """The next object key: a running counter and the body's hash, the same on every run."""
        self._count += 1
        return f"{self.prefix}{self._count:06d}-{content_hash(body)[:16]}"

    def offload(self, body: str) -> tuple[str, dict[str, dict[str, str]]]:
        """Store ``body`` in S3; return the pointer body and the ``ExtendedPayloadSize`` attribute."""
        data = body.encode("utf-8")
        key = self.key_for(body)
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=data, ContentType="text/plain; charset=utf-8"
        )
        pointer = json.dumps([POINTER_CLASS, {"s3BucketName": self.bucket, "s3Key": key}])
        return pointer, {SIZE_ATTRIBUTE: {"DataType": "Number", "StringValue": str(len(data))}}

    def is_pointer(self, body: str, attributes: dict[str, Any] | None = None) -> bool:
        """True if the message is an S3 pointer (see :func:`is_pointer`)."""
        return is_pointer(body, attributes)

    def resolve(self, body: str, attributes: dict[str, Any] | None = None) -> str:
        """The real body: fetched from S3 for a pointer, ``body`` itself otherwise."""
        where = parse_pointer(body)
        if where is None:
            return body
        bucket, key = where
        try:
            data = self.s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except self.s3.exceptions.NoSuchKey:
            raise LookupError(
                _(
                    "the payload {location} is gone: it was deleted (a duplicate delivery after "
                    "the first copy was processed?) or the bucket's lifecycle rule expired it; "
                    "delete the payload only after deleting the message, and keep objects longer "
                    "than the queue's retention period"
                ).format(location=f"s3://{bucket}/{key}")
            ) from None
        _check_size(bucket, key, len(data), stated_size(attributes))
        return data.decode("utf-8")

    def delete(self, body: str, attributes: dict[str, Any] | None = None) -> bool:
        """Delete the S3 object a pointer refers to; False (and nothing done) for a plain message."""
        where = parse_pointer(body)
        if where is None:
            return False
        bucket, key = where
        self.s3.delete_object(Bucket=bucket, Key=key)
        return True


def _check_threshold(threshold: int | None) -> int | None:
    """Return ``threshold`` if it is None or a byte count within the SQS message size limit."""
    if threshold is None:
        return None
    fact = facts.get("max_message_size")
    if (
        isinstance(threshold, bool)
        or not isinstance(threshold, int)
        or not 0 <= threshold <= fact.value
    ):
        raise LimitError(
            _(
                "PayloadStore threshold must be a byte count from 0 to {max} ({text}, the SQS "
                "maximum message size), got {value}; use always=True to offload every message, or "
                "None to offload only what the queue cannot take"
            ).format(max=f"{fact.value:.0f}", text=fact.translated("text"), value=repr(threshold))
        )
    return threshold


def _check_size(bucket: str, key: str, actual: int, stated: int | None) -> None:
    """Raise if the object's size differs from the size the message declared."""
    if stated is not None and stated != actual:
        raise ValueError(
            _(
                "the payload {location} has {actual} bytes but the message says {stated} "
                "({attribute}); the object was overwritten or truncated"
            ).format(
                location=f"s3://{bucket}/{key}",
                actual=actual,
                stated=stated,
                attribute=SIZE_ATTRIBUTE,
            )
        )


def _status(err: ClientError) -> int:
    """The HTTP status of a botocore ClientError (0 if unknown)."""
    return int(err.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
