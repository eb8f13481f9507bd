"""The workshop room server: signed requests only, /moto-api closed, and each learner kept to the
queues and topics named after them; plain boto3 clients, as a curious learner would use."""

from __future__ import annotations

import json
import os
import re
import stat
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from sqslab import cli, room, roomauth, roomrules, roomwire, workshop
from sqslab.emulator.server import free_port
from sqslab.errors import LabConfigError
from sqslab.lab import start

RULE = "alice may only use queues and topics whose names start with 'alice-'"
ACCOUNT = "123456789012"


def keys(room_file: Path, who: str) -> room.KeyPair:
    """The key pair of ``who`` (a learner, or "instructor")."""
    if who == "instructor":
        return room.open_room(room_file)[0]
    found = room.learner_keys(room_file, who)
    assert found is not None
    return found


def client(url: str, pair: room.KeyPair, service: str = "sqs") -> Any:
    """A plain boto3 client signed with ``pair`` (its session reads no profile or AWS_* keys)."""
    keys = {
        "aws_access_key_id": pair.access_key_id,
        "aws_secret_access_key": pair.secret_access_key,
    }
    session = workshop.room_session("us-east-1", keys)
    config = Config(retries={"max_attempts": 1})
    return session.client(service, endpoint_url=url, config=config)


def arn(name: str, service: str = "sqs") -> str:
    return f"arn:aws:{service}:us-east-1:{ACCOUNT}:{name}"


@pytest.fixture
def bob(url: str, room_file: Path) -> SimpleNamespace:
    """Bob's queues (one holding a message alice could steal), DLQ and topic."""
    sqs, sns = client(url, keys(room_file, "bob")), client(url, keys(room_file, "bob"), "sns")
    dlq = sqs.create_queue(QueueName="bob-dlq")["QueueUrl"]
    orders = sqs.create_queue(QueueName="bob-orders")["QueueUrl"]
    sqs.send_message(QueueUrl=orders, MessageBody="bob's order")
    got = sqs.receive_message(QueueUrl=orders, VisibilityTimeout=0)["Messages"][0]
    topic = sns.create_topic(Name="bob-news")["TopicArn"]
    return SimpleNamespace(
        sqs=sqs, sns=sns, orders=orders, dlq=dlq, topic=topic, receipt=got["ReceiptHandle"]
    )


@pytest.fixture
def alice(url: str, room_file: Path) -> SimpleNamespace:
    """Alice's clients, queue, DLQ and topic."""
    sqs, sns = client(url, keys(room_file, "alice")), client(url, keys(room_file, "alice"), "sns")
    dlq = sqs.create_queue(QueueName="alice-dlq")["QueueUrl"]
    orders = sqs.create_queue(QueueName="alice-orders")["QueueUrl"]
    topic = sns.create_topic(Name="alice-news")["TopicArn"]
    return SimpleNamespace(sqs=sqs, sns=sns, orders=orders, dlq=dlq, topic=topic)


def redrive(target: str) -> dict[str, str]:
    return {"RedrivePolicy": json.dumps({"deadLetterTargetArn": target, "maxReceiveCount": "3"})}


def entry(**fields: Any) -> list[dict[str, Any]]:
    return [{"Id": "1", **fields}]


SQS_ON_BOBS: dict[str, Callable[[Any, Any], Any]] = {
    "get_queue_url": lambda a, b: a.sqs.get_queue_url(QueueName="bob-orders"),
    "get_queue_attributes": lambda a, b: a.sqs.get_queue_attributes(
        QueueUrl=b.orders, AttributeNames=["All"]
    ),
    "set_queue_attributes": lambda a, b: a.sqs.set_queue_attributes(
        QueueUrl=b.orders, Attributes={"VisibilityTimeout": "5"}
    ),
    "send_message": lambda a, b: a.sqs.send_message(QueueUrl=b.orders, MessageBody="x"),
    "send_message_batch": lambda a, b: a.sqs.send_message_batch(
        QueueUrl=b.orders, Entries=entry(MessageBody="x")
    ),
    "receive_message": lambda a, b: a.sqs.receive_message(QueueUrl=b.orders),
    "delete_message": lambda a, b: a.sqs.delete_message(QueueUrl=b.orders, ReceiptHandle=b.receipt),
    "delete_message_batch": lambda a, b: a.sqs.delete_message_batch(
        QueueUrl=b.orders, Entries=entry(ReceiptHandle=b.receipt)
    ),
    "change_message_visibility": lambda a, b: a.sqs.change_message_visibility(
        QueueUrl=b.orders, ReceiptHandle=b.receipt, VisibilityTimeout=600
    ),
    "change_message_visibility_batch": lambda a, b: a.sqs.change_message_visibility_batch(
        QueueUrl=b.orders, Entries=entry(ReceiptHandle=b.receipt, VisibilityTimeout=600)
    ),
    "purge_queue": lambda a, b: a.sqs.purge_queue(QueueUrl=b.orders),
    "delete_queue": lambda a, b: a.sqs.delete_queue(QueueUrl=b.orders),
    "tag_queue": lambda a, b: a.sqs.tag_queue(QueueUrl=b.orders, Tags={"owner": "alice"}),
    "untag_queue": lambda a, b: a.sqs.untag_queue(QueueUrl=b.orders, TagKeys=["owner"]),
    "list_queue_tags": lambda a, b: a.sqs.list_queue_tags(QueueUrl=b.orders),
    "add_permission": lambda a, b: a.sqs.add_permission(
        QueueUrl=b.orders, Label="l", AWSAccountIds=[ACCOUNT], Actions=["SendMessage"]
    ),
    "list_dead_letter_source_queues": lambda a, b: a.sqs.list_dead_letter_source_queues(
        QueueUrl=b.dlq
    ),
    "redrive_policy_to_bobs_dlq": lambda a, b: a.sqs.set_queue_attributes(
        QueueUrl=a.orders, Attributes=redrive(arn("bob-dlq"))
    ),
    "create_queue_with_bobs_dlq": lambda a, b: a.sqs.create_queue(
        QueueName="alice-sneaky", Attributes=redrive(arn("bob-dlq"))
    ),
    "redrive_allow_policy_naming_bobs_queue": lambda a, b: a.sqs.set_queue_attributes(
        QueueUrl=a.dlq,
        Attributes={
            "RedriveAllowPolicy": json.dumps(
                {"redrivePermission": "byQueue", "sourceQueueArns": [arn("bob-orders")]}
            )
        },
    ),
    "start_message_move_task_from_bobs_dlq": lambda a, b: a.sqs.start_message_move_task(
        SourceArn=arn("bob-dlq")
    ),
    "start_message_move_task_into_bobs_queue": lambda a, b: a.sqs.start_message_move_task(
        SourceArn=arn("alice-dlq"), DestinationArn=arn("bob-orders")
    ),
    "list_message_move_tasks": lambda a, b: a.sqs.list_message_move_tasks(SourceArn=arn("bob-dlq")),
    "list_queues_with_bobs_prefix": lambda a, b: a.sqs.list_queues(QueueNamePrefix="bob-"),
    "create_queue_with_bobs_name": lambda a, b: a.sqs.create_queue(QueueName="bob-orders"),
}
SNS_ON_BOBS: dict[str, Callable[[Any, Any], Any]] = {
    "create_topic": lambda a, b: a.sns.create_topic(Name="bob-news"),
    "publish": lambda a, b: a.sns.publish(TopicArn=b.topic, Message="x"),
    "publish_with_target_arn": lambda a, b: a.sns.publish(TargetArn=b.topic, Message="x"),
    "publish_batch": lambda a, b: a.sns.publish_batch(
        TopicArn=b.topic, PublishBatchRequestEntries=entry(Message="x")
    ),
    "subscribe_alices_topic_to_bobs_queue": lambda a, b: a.sns.subscribe(
        TopicArn=a.topic, Protocol="sqs", Endpoint=arn("bob-orders")
    ),
    "subscribe_with_a_disguised_queue_arn": lambda a, b: a.sns.subscribe(
        TopicArn=a.topic, Protocol="sqs", Endpoint=arn("alice-orders:bob-orders")
    ),
    "subscribe_alices_queue_to_bobs_topic": lambda a, b: a.sns.subscribe(
        TopicArn=b.topic, Protocol="sqs", Endpoint=arn("alice-orders")
    ),
    "get_topic_attributes": lambda a, b: a.sns.get_topic_attributes(TopicArn=b.topic),
    "set_topic_attributes": lambda a, b: a.sns.set_topic_attributes(
        TopicArn=b.topic, AttributeName="DisplayName", AttributeValue="mine"
    ),
    "list_subscriptions_by_topic": lambda a, b: a.sns.list_subscriptions_by_topic(TopicArn=b.topic),
    "tag_resource": lambda a, b: a.sns.tag_resource(
        ResourceArn=b.topic, Tags=[{"Key": "k", "Value": "v"}]
    ),
    "delete_topic": lambda a, b: a.sns.delete_topic(TopicArn=b.topic),
}


def assert_denied(call: Callable[[], Any], *words: str) -> str:
    """Run ``call``; it must fail with AccessDenied naming the rule and ``words``."""
    with pytest.raises(ClientError) as err:
        call()
    error = err.value.response["Error"]
    assert error["Code"] == "AccessDenied", error
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    for word in words:
        assert word in error["Message"], error["Message"]
    return error["Message"]


@pytest.mark.parametrize("operation", sorted(SQS_ON_BOBS))
def test_alice_cannot_touch_bobs_queues(operation, alice, bob):
    assert_denied(lambda: SQS_ON_BOBS[operation](alice, bob), RULE, "bob-")


@pytest.mark.parametrize("operation", sorted(SNS_ON_BOBS))
def test_alice_cannot_touch_bobs_topics(operation, alice, bob):
    assert_denied(lambda: SNS_ON_BOBS[operation](alice, bob), RULE, "bob-")


def test_bobs_queue_and_topic_survive_every_attempt(alice, bob):
    for attempt in [*SQS_ON_BOBS.values(), *SNS_ON_BOBS.values()]:
        with pytest.raises(ClientError):
            attempt(alice, bob)
    assert bob.sqs.get_queue_url(QueueName="bob-orders")["QueueUrl"] == bob.orders
    bodies = bob.sqs.receive_message(QueueUrl=bob.orders, MaxNumberOfMessages=10)["Messages"]
    assert "bob's order" in {m["Body"] for m in bodies}
    assert bob.sns.get_topic_attributes(TopicArn=bob.topic)["Attributes"]["DisplayName"] != "mine"
    attributes = bob.sqs.get_queue_attributes(QueueUrl=bob.orders, AttributeNames=["All"])
    assert attributes["Attributes"]["VisibilityTimeout"] == "30"


def test_listings_show_alice_only_her_own(alice, bob):
    queues = alice.sqs.list_queues()["QueueUrls"]
    assert queues and all(u.rsplit("/", 1)[1].startswith("alice-") for u in queues)
    topics = [t["TopicArn"] for t in alice.sns.list_topics()["Topics"]]
    assert alice.topic in topics and bob.topic not in topics
    bob.sns.subscribe(TopicArn=bob.topic, Protocol="sqs", Endpoint=arn("bob-orders"))
    subscriptions = alice.sns.list_subscriptions()["Subscriptions"]
    assert all(s["TopicArn"].split(":")[5].startswith("alice-") for s in subscriptions)
    assert bob.topic in [t["TopicArn"] for t in bob.sns.list_topics()["Topics"]]


def test_alice_uses_her_own_queues_and_topics(alice):
    alice.sqs.set_queue_attributes(QueueUrl=alice.orders, Attributes=redrive(arn("alice-dlq")))
    alice.sns.subscribe(TopicArn=alice.topic, Protocol="sqs", Endpoint=arn("alice-orders"))
    alice.sns.publish(TopicArn=alice.topic, Message="news for alice")
    got = alice.sqs.receive_message(QueueUrl=alice.orders, MaxNumberOfMessages=10)["Messages"]
    assert any("news for alice" in m["Body"] for m in got)
    alice.sqs.delete_message(QueueUrl=alice.orders, ReceiptHandle=got[0]["ReceiptHandle"])
    dlq_sources = alice.sqs.list_dead_letter_source_queues(QueueUrl=alice.dlq)["queueUrls"]
    assert dlq_sources == [alice.orders]
    assert alice.sqs.get_queue_url(QueueName="alice-orders")["QueueUrl"] == alice.orders


def test_a_learner_may_not_call_a_nameless_action_or_another_service(url, room_file, alice):
    message = assert_denied(lambda: alice.sqs.cancel_message_move_task(TaskHandle="x"), RULE)
    assert "names no queue or topic" in message
    iam = client(url, keys(room_file, "alice"), "iam")
    assert_denied(iam.list_users, "offers learners", "'iam'")


def test_shared_services_work_but_cannot_point_at_bobs_queue(url, room_file, bob):
    s3 = client(url, keys(room_file, "alice"), "s3")
    s3.create_bucket(Bucket="alice-payloads")
    s3.put_object(Bucket="alice-payloads", Key="orders/a b ü.json", Body=b'{"id": 1}')
    body = s3.get_object(Bucket="alice-payloads", Key="orders/a b ü.json")["Body"].read()
    assert body == b'{"id": 1}'
    notify = {"QueueConfigurations": [{"QueueArn": arn("bob-orders"), "Events": ["s3:*"]}]}
    assert_denied(
        lambda: s3.put_bucket_notification_configuration(
            Bucket="alice-payloads", NotificationConfiguration=notify
        ),
        RULE,
        "bob-orders",
    )
    cloudwatch = client(url, keys(room_file, "alice"), "cloudwatch")
    cloudwatch.put_metric_data(Namespace="alice", MetricData=[{"MetricName": "m", "Value": 1.0}])
    assert_denied(
        lambda: cloudwatch.put_metric_alarm(
            AlarmName="alice-alarm",
            MetricName="m",
            Namespace="alice",
            Statistic="Sum",
            Period=60,
            EvaluationPeriods=1,
            Threshold=1.0,
            ComparisonOperator="GreaterThanThreshold",
            AlarmActions=[bob.topic],
        ),
        "bob-news",
    )


def signed_request(
    url: str,
    pair: room.KeyPair,
    body: bytes,
    *,
    path: str = "/",
    service: str = "sqs",
    send: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, str]:
    """POST a body signed by hand (a form body, the query protocol, unless ``headers`` say
    otherwise) and return status and text; ``send`` replaces the body after signing."""
    form = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    request = AWSRequest(method="POST", url=url + path, data=body, headers=headers or form)
    credentials = Credentials(pair.access_key_id, pair.secret_access_key)
    SigV4Auth(credentials, service, "us-east-1").add_auth(request)
    sent = urllib.request.Request(
        url + path, data=send or body, headers=dict(request.headers), method="POST"
    )
    try:
        with urllib.request.urlopen(sent, timeout=10) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def test_query_protocol_requests_are_checked_too(url, room_file, alice, bob):
    pair = keys(room_file, "alice")
    receive = b"Action=ReceiveMessage&Version=2012-11-05"
    status, text = signed_request(url, pair, receive, path=f"/{ACCOUNT}/alice-orders")
    assert status == 200 and "ReceiveMessageResponse" in text
    status, text = signed_request(url, pair, receive, path=f"/{ACCOUNT}/bob-orders")
    assert status == 403 and "<Code>AccessDenied</Code>" in text and RULE in text
    by_param = receive + b"&" + urlencode({"QueueUrl": bob.orders}).encode()
    status, text = signed_request(url, pair, by_param)
    assert status == 403 and "'bob-orders'" in text


JSON = {"Content-Type": "application/x-amz-json-1.0"}


@pytest.mark.parametrize(
    ("body", "path", "headers"),
    [
        (  # a body moto would not read as this checker does: refused whatever it names
            b"QueueName=bob-evil&Tags=" + arn("alice-orders").encode(),
            "/",
            {"Content-Type": "text/plain", "X-Amz-Target": "AmazonSQS.CreateQueue"},
        ),
        (b"{}", "/?QueueUrl=bob-orders", {**JSON, "X-Amz-Target": "AmazonSQS.PurgeQueue"}),
        (
            b"Action=ListQueues&QueueUrl=" + arn("alice-orders").encode(),
            "/",
            {"Content-Type": "application/x-www-form-urlencoded", "X-Amz-Target": "AmazonSQS.X"},
        ),
        (
            b'{"QueueUrl": "alice-orders"}',
            f"/{ACCOUNT}/bob-orders",
            {**JSON, "X-Amz-Target": "AmazonSQS.PurgeQueue"},
        ),
    ],
    ids=["text-body", "query-string", "two-actions", "queue-in-path"],
)
def test_requests_read_differently_by_moto_are_refused(url, room_file, body, path, headers):
    status, text = signed_request(url, keys(room_file, "alice"), body, path=path, headers=headers)
    assert status == 403 and "AccessDenied" in text


def test_unsigned_and_wrongly_signed_requests_are_refused(url, room_file):
    unsigned = urllib.request.Request(
        url + "/",
        data=b"{}",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "AmazonSQS.ListQueues",
        },
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(unsigned, timeout=10)
    assert err.value.code == 403
    assert err.value.headers["x-amzn-query-error"] == "MissingAuthenticationToken;Sender"
    assert "SQSLAB_ACCESS_KEY_ID" in json.loads(err.value.read())["message"]
    alice = keys(room_file, "alice")
    for pair, code in [
        (room.KeyPair("testing", "testing"), "InvalidClientTokenId"),
        (room.KeyPair("SQSLABNOSUCHKEY00000", alice.secret_access_key), "InvalidClientTokenId"),
        (room.KeyPair(alice.access_key_id, "not-alices-secret"), "SignatureDoesNotMatch"),
    ]:
        with pytest.raises(ClientError) as denied:
            client(url, pair).list_queues()
        assert denied.value.response["Error"]["Code"] == code
    tampered = b"Action=ListQueues&Version=2012-11-05&QueueNamePrefix=bob-"
    status, text = signed_request(
        url, alice, b"Action=ListQueues&Version=2012-11-05", send=tampered
    )
    assert status == 403 and "SignatureDoesNotMatch" in text


def test_a_stale_signature_is_refused():
    with pytest.raises(roomwire.Denied, match="Signature expired"):
        roomauth.check_clock("20200101T000000Z")
    roomauth.check_clock(time.strftime(roomauth.AMZ_DATE, time.gmtime()))


def test_moto_api_is_closed_even_to_the_instructor(url, room_file, bob):
    for method, path in [
        ("POST", "/moto-api/reset"),
        ("GET", "/moto-api/"),
        ("POST", "/moto-api/reset-auth"),
    ]:
        request = urllib.request.Request(
            url + path, data=b"" if method == "POST" else None, method=method
        )
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(request, timeout=10)
        assert err.value.code == 403 and b"closes /moto-api/" in err.value.read()
    status, text = signed_request(url, keys(room_file, "instructor"), b"", path="/moto-api/reset")
    assert status == 403 and "closes /moto-api/" in text
    assert bob.sqs.get_queue_url(QueueName="bob-orders")["QueueUrl"] == bob.orders


def test_a_learner_added_while_the_server_runs_can_use_it_at_once(url, room_file, bob):
    carol = room.add_learner(room_file, "carol")
    sqs = client(url, carol)
    queue = sqs.create_queue(QueueName="carol-orders")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="hi")
    assert sqs.list_queues()["QueueUrls"] == [queue]
    with pytest.raises(ClientError) as err:
        sqs.receive_message(QueueUrl=bob.orders)
    assert "carol may only use queues and topics whose names start with 'carol-'" in str(err.value)


def test_the_lab_signs_with_the_room_key_and_never_with_aws_keys(url, room_file, monkeypatch):
    alice = keys(room_file, "alice")
    for name in ("SQSLAB_ACCESS_KEY_ID", "SQSLAB_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SQSLAB_BACKEND", "endpoint")
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", url)
    monkeypatch.setenv(workshop.ENV, "alice")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", alice.access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", alice.secret_access_key)
    with pytest.raises(LabConfigError, match="InvalidClientTokenId"):
        start(quiet=True)
    monkeypatch.setenv("SQSLAB_ACCESS_KEY_ID", alice.access_key_id)
    monkeypatch.setenv("SQSLAB_SECRET_ACCESS_KEY", alice.secret_access_key)
    lab = start(quiet=True)
    try:
        url = lab.sqs.create_queue(QueueName="lab")["QueueUrl"]
        assert re.search(r"/alice-[0-9a-f]{4}-lab$", url)  # the namespace, then this run's id
        names = [u.rsplit("/", 1)[1] for u in lab.sqs.list_queues()["QueueUrls"]]
        assert url.rsplit("/", 1)[1] in names and all(n.startswith("alice-") for n in names)
    finally:
        lab.stop()


def test_reset_with_a_learner_key_clears_only_that_learner(
    url, room_file, alice, bob, monkeypatch, capsys
):
    pair = keys(room_file, "alice")
    monkeypatch.setenv("SQSLAB_ACCESS_KEY_ID", pair.access_key_id)
    monkeypatch.setenv("SQSLAB_SECRET_ACCESS_KEY", pair.secret_access_key)
    assert cli.main(["reset", "--namespace", "bob", "--endpoint-url", url]) == 2
    assert "refused" in capsys.readouterr().err
    assert cli.main(["reset", "--all", "--yes", "--endpoint-url", url]) == 0
    assert "QueueUrls" not in alice.sqs.list_queues()
    assert bob.sqs.get_queue_url(QueueName="bob-orders")["QueueUrl"] == bob.orders


def test_the_instructor_lists_and_resets_the_whole_room(
    url, room_file, alice, bob, monkeypatch, capsys
):
    pair = keys(room_file, "instructor")
    names = [u.rsplit("/", 1)[1] for u in client(url, pair).list_queues()["QueueUrls"]]
    assert {"alice-orders", "bob-orders"} <= set(names)
    topics = [t["TopicArn"] for t in client(url, pair, "sns").list_topics()["Topics"]]
    assert {alice.topic, bob.topic} <= set(topics)
    monkeypatch.setenv("SQSLAB_ACCESS_KEY_ID", pair.access_key_id)
    monkeypatch.setenv("SQSLAB_SECRET_ACCESS_KEY", pair.secret_access_key)
    assert cli.main(["reset", "--all", "--yes", "--endpoint-url", url]) == 0
    assert "of the whole room" in capsys.readouterr().out
    assert "QueueUrls" not in client(url, pair).list_queues()
    assert client(url, pair, "sns").list_topics()["Topics"] == []


def test_room_keys_are_not_aws_keys_and_the_file_is_private(tmp_path):
    path = tmp_path / "room.json"
    instructor, created = room.open_room(path)
    again, created_again = room.open_room(path)
    assert created and not created_again and again == instructor
    pair = room.add_learner(path, "Dana")
    for key_id in (instructor.access_key_id, pair.access_key_id):
        assert key_id.startswith("SQSLAB") and len(key_id) == 20 and key_id.isupper()
        assert not key_id.startswith(("AKIA", "ASIA"))
    assert pair.secret_access_key != instructor.secret_access_key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert room.learners(path) == ["dana"]
    with pytest.raises(LabConfigError, match="already in"):
        room.add_learner(path, "DANA")
    with pytest.raises(LabConfigError, match="the namespace '---'"):
        room.add_learner(path, "---")


def test_room_add_and_list_print_paste_able_lines_without_leaking_secrets(
    tmp_path, capsys, monkeypatch
):
    path = tmp_path / "room.json"
    monkeypatch.setenv(room.ENV_FILE, str(path))
    room.open_room(path)
    assert cli.main(["room", "add", "Alice", "--endpoint-url", "http://10.0.0.5:4566"]) == 0
    out = capsys.readouterr().out
    pair = room.learner_keys(path, "alice")
    assert pair is not None
    assert (
        "export SQSLAB_BACKEND=endpoint SQSLAB_ENDPOINT_URL=http://10.0.0.5:4566 "
        f"SQSLAB_NAMESPACE=alice SQSLAB_ACCESS_KEY_ID={pair.access_key_id} "
        f"SQSLAB_SECRET_ACCESS_KEY={pair.secret_access_key}"
    ) in out
    assert "--profile sqslab-room" in out and "AWS_ACCESS_KEY_ID" not in out
    assert cli.main(["room", "add", "alice"]) == 2
    assert "already in" in capsys.readouterr().err
    assert cli.main(["room", "list"]) == 0
    listing = capsys.readouterr().out
    assert "alice" in listing and pair.secret_access_key not in listing
    assert cli.main(["room", "list", "--room-file", str(tmp_path / "none.json")]) == 2


def test_server_room_creates_the_file_and_prints_the_instructors_lines(tmp_path, capsys):
    path = tmp_path / "room.json"
    argv = ["server", "--room-file", str(path), "--port", str(free_port())]  # a file means --room
    stop = threading.Event()
    runner = threading.Thread(target=cli.cmd_server, args=(cli.parser().parse_args(argv), stop))
    runner.start()
    try:
        deadline, out = time.monotonic() + 10, ""
        while "sqslab reset --all" not in out:
            assert time.monotonic() < deadline, out
            time.sleep(0.05)  # real: waiting for another thread's output
            out += capsys.readouterr().out
    finally:
        stop.set()
        runner.join(10)
    instructor = room.open_room(path)[0]
    assert "created" in out and f"SQSLAB_ACCESS_KEY_ID={instructor.access_key_id}" in out
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (arn("alice-q"), [("queue", "alice-q")]),
        (arn("alice-q:bob-q"), [("queue", "alice-q"), ("queue", "bob-q")]),
        (arn("bob-t:1234", "sns"), [("topic", "bob-t")]),
        ("arn:aws:s3:::bucket", []),
        ('{"deadLetterTargetArn": "ARN:AWS:SQS:us-east-1:1:bob-q"}', [("queue", "bob-q")]),
    ],
)
def test_arns_are_read_as_moto_reads_them(text, expected):
    assert list(roomrules.arn_names(text)) == expected


def test_json_inside_parameters_is_opened():
    policy = json.dumps({"deadLetterTargetArn": arn("bob-dlq")})
    pairs = list(roomrules.flatten({"Attributes": {"RedrivePolicy": policy}}))
    assert pairs == [("Attributes.RedrivePolicy.deadLetterTargetArn", arn("bob-dlq"))]
