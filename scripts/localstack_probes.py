"""Tiny boto3 probes of the SQS behaviours the course teaches, against any endpoint: each prints
what AWS documents and what the endpoint answered, so a difference (docs/localstack.md) can be
checked again on a new LocalStack, a ``sqslab server`` or ElasticMQ.

    python scripts/localstack_probes.py --endpoint http://127.0.0.1:4566 [probe name ...]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import boto3
from botocore.exceptions import ClientError

Clients = Callable[[str], Any]
PROBES: dict[str, Callable[[Clients], str]] = {}


def probe(func: Callable[[Clients], str]) -> Callable[[Clients], str]:
    """Register a probe under its function name."""
    PROBES[func.__name__] = func
    return func


def error_code(call: Callable[[], object]) -> str:
    """The AWS error code ``call`` raised, or 'accepted'."""
    try:
        call()
    except ClientError as err:
        return str(err.response["Error"]["Code"])
    return "accepted"


def queue(sqs: Any, fifo: bool = False, name: str = "", **attributes: str) -> str:
    """A fresh queue (a unique name unless ``name``); its URL."""
    name = (name or f"probe-{uuid.uuid4().hex[:10]}") + (".fifo" if fifo else "")
    if fifo:
        attributes = {"FifoQueue": "true", **attributes}
    return str(sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"])


def arn(sqs: Any, url: str) -> str:
    """A queue's ARN."""
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def bodies(sqs: Any, url: str, n: int = 10, wait: int = 0, **kw: Any) -> list[str]:
    """The bodies one receive returns."""
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=n, WaitTimeSeconds=wait, **kw)
    return [m["Body"] for m in got.get("Messages", [])]


@probe
def max_message_size(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(sqs)
    size = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["MaximumMessageSize"])
    sent = error_code(lambda: sqs.send_message(QueueUrl=url, MessageBody="x" * 300_000))
    default = size["Attributes"]["MaximumMessageSize"]
    return f"AWS: default 1048576, a 300,000 B body accepted; here: default {default}, {sent}"


@probe
def attribute_ranges(c: Clients) -> str:
    sqs = c("sqs")
    name = f"probe-{uuid.uuid4().hex[:10]}"
    visibility = error_code(
        lambda: sqs.create_queue(QueueName=name + "v", Attributes={"VisibilityTimeout": "43201"})
    )
    retention = error_code(
        lambda: sqs.create_queue(QueueName=name + "r", Attributes={"MessageRetentionPeriod": "59"})
    )
    return (
        "AWS: VisibilityTimeout 43201 and MessageRetentionPeriod 59 are InvalidAttributeValue; "
        f"here: {visibility}, {retention}"
    )


@probe
def move_task(c: Clients) -> str:
    sqs = c("sqs")
    dlq = queue(sqs)
    policy = json.dumps({"deadLetterTargetArn": arn(sqs, dlq), "maxReceiveCount": 1})
    source = queue(sqs, VisibilityTimeout="0", RedrivePolicy=policy)
    sqs.send_message(QueueUrl=source, MessageBody="poison")
    bodies(sqs, source), bodies(sqs, source)  # the second receive moves it to the DLQ
    parked = bodies(sqs, dlq, wait=2, VisibilityTimeout=0)
    sqs.start_message_move_task(SourceArn=arn(sqs, dlq))
    time.sleep(3)  # real time on purpose: a move task runs in the background
    task = sqs.list_message_move_tasks(SourceArn=arn(sqs, dlq))["Results"][0]
    back = bodies(sqs, source, wait=2)
    return (
        "AWS: the task completes and the message is back in its source queue; here: parked "
        f"{parked}, task {task['Status']} {task.get('FailureReason', '')}, back {back}"
    )


@probe
def fifo_move_task(c: Clients) -> str:
    sqs = c("sqs")
    dlq = queue(sqs, fifo=True)
    policy = json.dumps({"deadLetterTargetArn": arn(sqs, dlq), "maxReceiveCount": 1})
    source = queue(sqs, fifo=True, VisibilityTimeout="1", RedrivePolicy=policy)
    sqs.send_message(
        QueueUrl=source, MessageBody="poison", MessageGroupId="g", MessageDeduplicationId="d1"
    )
    bodies(sqs, source)
    time.sleep(2.5)  # real time on purpose: the 1 s visibility timeout ends (LocalStack: +1 s)
    bodies(sqs, source, wait=1)  # the second receive moves it to the DLQ
    parked = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["ApproximateNumberOfMessages"])
    sqs.start_message_move_task(SourceArn=arn(sqs, dlq))
    time.sleep(3)  # real time on purpose: a move task runs in the background
    task = sqs.list_message_move_tasks(SourceArn=arn(sqs, dlq))["Results"][0]
    return (
        "AWS: the redriven message is a new message, back in its FIFO source; here: in the DLQ "
        f"{parked['Attributes']['ApproximateNumberOfMessages']}, task {task['Status']} moved "
        f"{task.get('ApproximateNumberOfMessagesMoved')}, back in the source "
        f"{bodies(sqs, source, wait=3)}"
    )


#: the AWS/SQS metrics AWS documents for every queue (sqs-available-cloudwatch-metrics.html)
AWS_SQS_METRICS = (
    "ApproximateAgeOfOldestMessage",
    "ApproximateNumberOfMessagesDelayed",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesVisible",
    "NumberOfEmptyReceives",
    "NumberOfMessagesDeleted",
    "NumberOfMessagesReceived",
    "NumberOfMessagesSent",
    "SentMessageSize",
)


@probe
def cloudwatch_sqs_metrics(c: Clients) -> str:
    sqs, cw = c("sqs"), c("cloudwatch")
    url = queue(sqs)
    name = url.rsplit("/", 1)[1]
    for body in ("a", "b"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
    sqs.receive_message(QueueUrl=queue(sqs, name=f"{name}-empty"))  # an empty receive
    time.sleep(65)  # real time on purpose: the gauges are published once a minute
    found = cw.list_metrics(Namespace="AWS/SQS")["Metrics"]
    names = {m["MetricName"] for m in found if m["Dimensions"][0]["Value"].startswith(name)}
    missing = [metric for metric in AWS_SQS_METRICS if metric not in names]
    return f"AWS: all {len(AWS_SQS_METRICS)} AWS/SQS metrics per queue; here after 65 s, missing: {missing}"


@probe
def fifo_dedup_after_delete(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(sqs, fifo=True)
    send = {"QueueUrl": url, "MessageGroupId": "g", "MessageDeduplicationId": "d1"}
    sqs.send_message(MessageBody="first", **send)
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
    sqs.send_message(MessageBody="again", **send)
    return f"AWS: the second send within 5 min is dropped (nothing to receive); here: {bodies(sqs, url)}"


@probe
def fifo_dedup_scope_group(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(
        sqs, fifo=True, DeduplicationScope="messageGroup", FifoThroughputLimit="perMessageGroupId"
    )
    for group in ("a", "b"):
        sqs.send_message(
            QueueUrl=url, MessageBody=group, MessageGroupId=group, MessageDeduplicationId="same"
        )
    return f"AWS: same dedup id in two groups, both kept; here: {sorted(bodies(sqs, url))}"


def fifo_group_in_flight(sqs: Any) -> tuple[str, list[Any]]:
    """A FIFO queue (2 s visibility) whose group g has m1, m2, m3 received, m1 held for 20 s."""
    url = queue(sqs, fifo=True, ContentBasedDeduplication="true", VisibilityTimeout="2")
    for body in ("m1", "m2", "m3"):
        sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId="g")
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)["Messages"]
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"], VisibilityTimeout=20
    )
    return url, got


@probe
def fifo_group_held_while_in_flight(c: Clients) -> str:
    sqs = c("sqs")
    url, _ = fifo_group_in_flight(sqs)
    time.sleep(3.5)  # real time on purpose: m2 and m3 time out (LocalStack: +1 s), m1 does not
    timed_out = bodies(sqs, url)
    url, got = fifo_group_in_flight(sqs)
    for message in got[1:]:  # as a consumer releases what it did not process
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
        )
    time.sleep(1.5)  # real time on purpose: past LocalStack's 1 s re-queue sweep
    return (
        "AWS: nothing of group g while m1 is in flight; here: m2, m3 timed out "
        f"{timed_out}, m2, m3 released with visibility 0 {bodies(sqs, url)}"
    )


def visible_again_after(sqs: Any, url: str, receive: bool) -> float:
    """Seconds from a 2 s visibility timeout (or 2 s delay) until a short poll sees the message."""
    if receive:
        sqs.send_message(QueueUrl=url, MessageBody="m")
        sqs.receive_message(QueueUrl=url, VisibilityTimeout=2)
    else:
        sqs.send_message(QueueUrl=url, MessageBody="m", DelaySeconds=2)
    started = time.monotonic()
    while not (got := sqs.receive_message(QueueUrl=url).get("Messages")):
        time.sleep(0.05)  # real time on purpose: measuring when the engine shows it again
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    return time.monotonic() - started


@probe
def timer_granularity(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(sqs)
    seen = [visible_again_after(sqs, url, receive) for receive in (True, True, False, False)]
    shown = ", ".join(f"{s:.2f}" for s in seen)
    return (
        "AWS: visible again when the 2 s visibility timeout or delay ends; here a short poll "
        f"first sees it after (s, 2 timeouts then 2 delays): {shown}"
    )


@probe
def purge_twice(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(sqs)
    sqs.purge_queue(QueueUrl=url)
    second = error_code(lambda: sqs.purge_queue(QueueUrl=url))
    return f"AWS: a second purge within 60 s is PurgeQueueInProgress; here: {second}"


@probe
def recreate_after_delete(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(sqs)
    sqs.delete_queue(QueueUrl=url)
    again = error_code(lambda: sqs.create_queue(QueueName=url.rsplit("/", 1)[1]))
    return f"AWS: the same name within 60 s of a delete is QueueDeletedRecently; here: {again}"


@probe
def retention_expiry(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(sqs)
    short = error_code(
        lambda: sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "1"})
    )
    if short != "accepted":
        return f"AWS: retention below 60 s is refused; here: {short} (expiry not probed)"
    sqs.send_message(QueueUrl=url, MessageBody="old")
    time.sleep(3)  # real time on purpose: past the 1 s retention
    return f"AWS: refuses 1 s (minimum 60); here: accepted, after 3 s the queue returns {bodies(sqs, url)}"


@probe
def long_poll(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(sqs)
    started = time.monotonic()
    empty = bodies(sqs, url, wait=2)
    return f"AWS: an empty 2 s long poll returns after ~2 s; here: {empty} after {time.monotonic() - started:.1f} s"


@probe
def batch_and_attribute_limits(c: Clients) -> str:
    sqs = c("sqs")
    url = queue(sqs)
    entries = [{"Id": str(i), "ReceiptHandle": "x"} for i in range(11)]
    batch = error_code(lambda: sqs.delete_message_batch(QueueUrl=url, Entries=entries))
    attrs = {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)}
    eleven = error_code(
        lambda: sqs.send_message(QueueUrl=url, MessageBody="m", MessageAttributes=attrs)
    )
    return (
        "AWS: DeleteMessageBatch of 11 is TooManyEntriesInBatchRequest, 11 message attributes "
        f"are refused; here: {batch}, {eleven}"
    )


@probe
def redrive_rules(c: Clients) -> str:
    sqs = c("sqs")
    closed = queue(sqs, RedriveAllowPolicy=json.dumps({"redrivePermission": "denyAll"}))
    fifo_dlq, src = queue(sqs, fifo=True), queue(sqs)
    policy = {"maxReceiveCount": "1", "deadLetterTargetArn": arn(sqs, closed)}
    denied = error_code(
        lambda: sqs.set_queue_attributes(
            QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(policy)}
        )
    )
    policy["deadLetterTargetArn"] = arn(sqs, fifo_dlq)
    mixed = error_code(
        lambda: sqs.set_queue_attributes(
            QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(policy)}
        )
    )
    return (
        "AWS: a DLQ whose RedriveAllowPolicy is denyAll, or of the other queue type, is "
        f"InvalidParameterValue; here: denyAll {denied}, FIFO DLQ for a standard queue {mixed}"
    )


@probe
def kms_encrypted_queue(c: Clients) -> str:
    sqs, kms = c("sqs"), c("kms")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    url = queue(sqs, KmsMasterKeyId=key)
    sqs.send_message(QueueUrl=url, MessageBody="secret")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["KmsMasterKeyId"])
    return f"AWS: SSE-KMS queue stores the key id, messages round-trip; here: {attrs['Attributes'].get('KmsMasterKeyId') == key}, {bodies(sqs, url)}"


@probe
def sns_to_sqs_delivery(c: Clients) -> str:
    sqs, sns = c("sqs"), c("sns")
    url = queue(sqs)
    topic = sns.create_topic(Name=f"probe-{uuid.uuid4().hex[:10]}")["TopicArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=arn(sqs, url),
        Attributes={"RawMessageDelivery": "true"},
    )
    sns.publish(TopicArn=topic, Message="event")
    at_once = bodies(sqs, url)
    polled = at_once or bodies(sqs, url, wait=5)
    return f"AWS: delivery is asynchronous (read with a long poll); here: at once {at_once}, long poll {polled}"


def clients(endpoint: str) -> Clients:
    """A factory of boto3 clients for ``endpoint`` with dummy credentials."""
    session = boto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    return lambda service: session.client(service, endpoint_url=endpoint)


def run(endpoint: str, names: list[str]) -> list[str]:
    """One line per probe: its name and result (or the error it met)."""
    make = clients(endpoint)
    lines = []
    for name in names or list(PROBES):
        if name not in PROBES:
            lines.append(f"{name}: no such probe (any of: {', '.join(PROBES)})")
            continue
        try:
            lines.append(f"{name}: {PROBES[name](make)}")
        except Exception as err:  # noqa: BLE001 - a probe that breaks is itself a finding
            lines.append(f"{name}: probe failed: {type(err).__name__}: {err}")
    return lines


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("names", nargs="*", metavar="probe", help=f"any of: {', '.join(PROBES)}")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.names if name not in PROBES]:
        parser.error(f"no such probe: {', '.join(unknown)}")
    print("\n".join(run(args.endpoint, args.names)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
