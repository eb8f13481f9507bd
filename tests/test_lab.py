"""Backends, isolation from real AWS, determinism and bad input of ``sqslab.start``."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

import sqslab
from sqslab.emulator.server import start_server
from sqslab.emulator.session import MASKED_VARIABLES
from sqslab.errors import LabConfigError, LimitError
from sqslab.lab import BACKENDS, start


def test_default_backend_is_embedded_moto(monkeypatch):
    monkeypatch.delenv("SQSLAB_BACKEND", raising=False)
    lab = start(quiet=True)
    try:
        assert lab.backend == "moto"
        assert lab.virtual_time
        assert lab.sqs.list_queues().get("QueueUrls", []) == []
    finally:
        lab.stop()


def test_backend_comes_from_environment(monkeypatch):
    monkeypatch.setenv("SQSLAB_BACKEND", "server")
    lab = start(quiet=True)
    try:
        assert lab.backend == "server"
        assert lab.endpoint_url.startswith("http://127.0.0.1:")
    finally:
        lab.stop()


def test_unknown_backend_lists_the_choices():
    with pytest.raises(LabConfigError) as err:
        start("localstack", quiet=True)
    for name in BACKENDS:
        assert name in str(err.value)
    assert "'localstack'" in str(err.value)


def test_moto_never_uses_real_credentials_or_endpoints(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALLOOKINGKEY00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("AWS_PROFILE", "no-such-profile")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    lab = start("moto", quiet=True)
    try:
        creds = lab.session.get_credentials()
        assert creds.access_key == "testing"
        url = lab.sqs.create_queue(QueueName="safe")["QueueUrl"]
        assert url == "https://sqs.us-east-1.amazonaws.com/123456789012/safe"
        assert lab.client("s3").list_buckets()["Buckets"] == []
    finally:
        lab.stop()
    import os

    assert os.environ["AWS_PROFILE"] == "no-such-profile"
    assert "AWS_PROFILE" in MASKED_VARIABLES


def test_start_twice_replaces_the_previous_lab_and_its_queues():
    first = start("moto", quiet=True)
    first.sqs.create_queue(QueueName="old")
    second = start("moto", quiet=True)
    try:
        assert second.sqs.list_queues().get("QueueUrls", []) == []
        assert sqslab.lab.active() is second
    finally:
        second.stop()


def _session_output() -> tuple[str, list[str], str]:
    lab = start("moto", quiet=True)
    try:
        sqs = lab.sqs
        url = sqs.create_queue(QueueName="det")["QueueUrl"]
        ids = [sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"] for i in range(3)]
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=5)
        handles = [m["ReceiptHandle"] for m in got["Messages"]]
        lab.wait(31)
        return repr(lab.trace.table()), ids + handles, lab.now().isoformat()
    finally:
        lab.stop()


def test_two_runs_give_identical_ids_times_and_trace():
    assert _session_output() == _session_output()


def test_client_gives_other_services_on_the_same_backend(lab):
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="payloads")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["payloads"]
    assert lab.client("s3") is s3


def test_cleanup_deletes_exactly_the_queues_the_lab_created(lab, sqs):
    mine = sqs.create_queue(QueueName="mine")["QueueUrl"]
    assert lab.cleanup() == [mine]
    assert sqs.list_queues().get("QueueUrls", []) == []


def test_cleanup_deletes_the_topics_the_lab_created_too(lab, sqs):
    sns = lab.client("sns")
    mine = sns.create_topic(Name="events")["TopicArn"]
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    sns.subscribe(
        TopicArn=mine, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:inbox"
    )
    assert lab.cleanup() == [url, mine]
    assert sns.list_topics()["Topics"] == []
    assert lab.cleanup() == []


def test_endpoint_without_url_says_what_to_set(monkeypatch):
    monkeypatch.delenv("SQSLAB_ENDPOINT_URL", raising=False)
    with pytest.raises(LabConfigError, match="SQSLAB_ENDPOINT_URL"):
        start("endpoint", quiet=True)


def test_endpoint_that_does_not_answer_is_named(monkeypatch):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "http://127.0.0.1:9")
    with pytest.raises(LabConfigError, match=r"http://127\.0\.0\.1:9 does not answer"):
        start("endpoint", quiet=True)


def test_endpoint_backend_uses_real_time(monkeypatch):
    server, url = start_server("127.0.0.1", 0)
    try:
        monkeypatch.setenv("SQSLAB_ENDPOINT_URL", url)
        lab = start("endpoint", quiet=True)
        assert not lab.virtual_time
        queue = lab.sqs.create_queue(QueueName="remote")["QueueUrl"]
        lab.sqs.send_message(QueueUrl=queue, MessageBody="hi")
        t0 = time.perf_counter()
        lab.wait(0.2)
        assert time.perf_counter() - t0 >= 0.2
        assert lab.sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "hi"
        lab.stop()
    finally:
        server.stop()


def test_aws_needs_explicit_opt_in_in_the_environment(monkeypatch):
    monkeypatch.delenv("SQSLAB_BACKEND", raising=False)
    with pytest.raises(LabConfigError, match="SQSLAB_BACKEND=aws"):
        start("aws", quiet=True)


def _no_aws_config(monkeypatch, tmp_path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("SQSLAB_BACKEND", "aws")


def test_aws_without_credentials_says_how_to_configure(monkeypatch, tmp_path):
    _no_aws_config(monkeypatch, tmp_path)
    with pytest.raises(LabConfigError, match="aws configure"):
        start(quiet=True)


def test_aws_without_region_asks_for_one(monkeypatch, tmp_path):
    _no_aws_config(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(LabConfigError, match="AWS_REGION"):
        start(quiet=True)


def _aws_on_moto(monkeypatch, tmp_path, user: str = "alice") -> None:
    """Environment for the aws backend's own logic, run against moto standing in for AWS."""
    _no_aws_config(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    monkeypatch.setenv("SQSLAB_NAMESPACE", user)
    monkeypatch.setattr("sqslab.lab.run_id", lambda: "beef")  # one run: names are known


def test_aws_backend_prints_account_prefixes_tags_and_cleans_up(monkeypatch, tmp_path, capsys):
    _aws_on_moto(monkeypatch, tmp_path)
    with mock_aws():
        import boto3

        other = boto3.client("sqs", region_name="eu-west-1")
        foreign = other.create_queue(QueueName="someone-elses")["QueueUrl"]
        lab = start(quiet=True)
        out = capsys.readouterr().out
        assert "account 123456789012, region eu-west-1" in out
        assert "prefix 'sqslab-alice-beef-'" in out and "never a queue or topic that already" in out
        assert not lab.virtual_time
        url = lab.sqs.create_queue(QueueName="orders")["QueueUrl"]
        assert url.endswith("/sqslab-alice-beef-orders")
        assert lab.sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
        tags = lab.sqs.list_queue_tags(QueueUrl=url)["Tags"]
        assert tags["sqslab"] == "course" and tags["sqslab-owner"] == "alice"
        assert tags["sqslab-lab"] == "alice-beef"
        assert lab.sqs.list_queues()["QueueUrls"] == [url]
        topic = lab.client("sns").create_topic(Name="events")["TopicArn"]
        assert topic.endswith(":sqslab-alice-beef-events")
        topic_tags = lab.client("sns").list_tags_for_resource(ResourceArn=topic)["Tags"]
        assert {"Key": "sqslab-lab", "Value": tags["sqslab-lab"]} in topic_tags
        theirs = boto3.client("sns", region_name="eu-west-1").create_topic(Name="theirs")
        assert lab.cleanup() == [url, topic]
        assert other.list_queues()["QueueUrls"] == [foreign]
        left = boto3.client("sns", region_name="eu-west-1").list_topics()["Topics"]
        assert left == [{"TopicArn": theirs["TopicArn"]}]
        lab.stop()


def test_aws_cleanup_never_deletes_a_queue_the_lab_did_not_create(monkeypatch, tmp_path):
    """Issue 12 repro: another client's queue under the lab's name, with a message in it."""
    _aws_on_moto(monkeypatch, tmp_path)
    with mock_aws():
        import boto3

        other = boto3.client("sqs", region_name="eu-west-1")
        for name in ("sqslab-orders", "sqslab-alice-beef-orders"):
            url = other.create_queue(QueueName=name, tags={"team": "payments"})["QueueUrl"]
            other.send_message(QueueUrl=url, MessageBody="keep me")
        lab = start(quiet=True)
        mine = lab.sqs.create_queue(QueueName="orders")["QueueUrl"]  # exists: returns theirs
        assert mine.endswith("/sqslab-alice-beef-orders")
        assert lab.sqs.list_queue_tags(QueueUrl=mine)["Tags"] == {"team": "payments"}
        sns = lab.client("sns")
        boto3.client("sns", region_name="eu-west-1").create_topic(Name="sqslab-alice-beef-events")
        sns.create_topic(Name="events")
        assert lab.cleanup() == []
        left = sorted(u.rsplit("/", 1)[1] for u in other.list_queues()["QueueUrls"])
        assert left == ["sqslab-alice-beef-orders", "sqslab-orders"]
        assert len(sns.list_topics()["Topics"]) == 1
        assert len(lab.trace) == 2  # the look-ups and tag checks stay out of the learner's trace
        lab.stop()


def test_aws_cleanup_spares_a_queue_recreated_by_someone_else(monkeypatch, tmp_path):
    _aws_on_moto(monkeypatch, tmp_path)
    with mock_aws():
        import boto3

        lab = start(quiet=True)
        url = lab.sqs.create_queue(QueueName="jobs")["QueueUrl"]
        other = boto3.client("sqs", region_name="eu-west-1")
        other.delete_queue(QueueUrl=url)
        other.create_queue(QueueName="sqslab-alice-beef-jobs")
        assert lab.cleanup() == []
        assert lab.namespace.created_queues() == []
        assert len(other.list_queues()["QueueUrls"]) == 1
        lab.stop()


def test_two_learners_sharing_an_account_keep_their_own_queues(monkeypatch, tmp_path):
    _aws_on_moto(monkeypatch, tmp_path, "alice")
    with mock_aws():
        alice = start(quiet=True)
        alice_url = alice.sqs.create_queue(QueueName="orders")["QueueUrl"]
        monkeypatch.setenv("SQSLAB_NAMESPACE", "bob")
        bob = start(quiet=True)
        bob_url = bob.sqs.create_queue(QueueName="orders")["QueueUrl"]
        assert alice_url != bob_url
        assert bob.cleanup() == [bob_url]
        assert bob.sqs.list_queues(QueueNamePrefix="sqslab-").get("QueueUrls", []) == []
        assert alice.sqs.get_queue_url(QueueName="orders")["QueueUrl"] == alice_url
        bob.stop()


def test_a_prefixed_queue_name_over_the_limit_names_the_prefix(monkeypatch):
    monkeypatch.setenv("SQSLAB_NAMESPACE", "a" * 20)
    lab = start("moto", quiet=True)
    try:
        with pytest.raises(
            LimitError,
            match=r"namespace prefix 'a{20}-' it becomes 91, over SQS's 80: keep your names to 59",
        ):
            lab.sqs.create_queue(QueueName="q" * 70)
        assert lab.sqs.create_queue(QueueName="q" * 59)["QueueUrl"].endswith(
            "a" * 20 + "-" + "q" * 59
        )
    finally:
        lab.stop()


def test_import_is_fast_and_loads_no_heavy_library():
    code = (
        "import sys, time; t = time.perf_counter(); import sqslab; "
        "print(time.perf_counter() - t); "
        "print(sorted(m for m in ('boto3', 'moto', 'matplotlib', 'ipywidgets') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    seconds, loaded = out.stdout.splitlines()
    assert loaded == "[]"
    assert float(seconds) < 0.5


def test_describe_names_backend_and_clock(lab):
    assert lab.describe() == (
        "sqslab lab: backend=moto, region=us-east-1, virtual clock at 2026-01-05 09:00:00 UTC"
    )


def test_queue_timestamps_are_whole_seconds_as_on_aws(lab, sqs):
    url = sqs.create_queue(QueueName="stamps")["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["CreatedTimestamp"] == str(int(lab.clock.time()))
    assert attrs["LastModifiedTimestamp"].isdigit()


def test_moto_lab_deduplicates_fifo_sends_after_delete_as_aws_does(lab, sqs):
    url = sqs.create_queue(
        QueueName="once.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="pay 10", MessageGroupId="c1")
    got = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])
    lab.wait(60)
    again = sqs.send_message(QueueUrl=url, MessageBody="pay 10", MessageGroupId="c1")
    assert again["MessageId"] == got["MessageId"]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)


def test_every_module_of_the_package_is_reachable_as_an_attribute():
    folder = Path(sqslab.__file__).parent
    modules = {p.stem for p in folder.glob("*.py") if not p.stem.startswith("_")}
    modules |= {p.parent.name for p in folder.glob("*/__init__.py")}  # packages: exercises
    assert modules == set(sqslab.SUBMODULES)
    assert all(getattr(sqslab, name).__name__ == f"sqslab.{name}" for name in sqslab.SUBMODULES)


def _aws_keys(monkeypatch, tmp_path) -> None:
    _no_aws_config(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")


def test_aws_backend_that_cannot_reach_sts_says_so(monkeypatch, tmp_path):
    from sqslab.emulator.server import free_port

    _aws_keys(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{free_port()}")
    with pytest.raises(LabConfigError, match="cannot reach AWS STS") as err:
        start(quiet=True)
    assert "AWS_REGION (eu-west-1)" in str(err.value) and "network" in str(err.value)


def test_aws_backend_whose_credentials_aws_refuses_says_so(monkeypatch, tmp_path):
    import boto3
    from botocore.stub import Stubber

    _aws_keys(monkeypatch, tmp_path)
    real_client = boto3.Session.client

    def refusing_sts(self, name, *args, **kwargs):
        client = real_client(self, name, *args, **kwargs)
        if name == "sts":
            stub = Stubber(client)
            stub.add_client_error(
                "get_caller_identity", "InvalidClientTokenId", "The security token is invalid."
            )
            stub.activate()
        return client

    monkeypatch.setattr(boto3.Session, "client", refusing_sts)
    with pytest.raises(LabConfigError, match="AWS refused your credentials") as err:
        start(quiet=True)
    assert "InvalidClientTokenId" in str(err.value) and "aws sso login" in str(err.value)


def test_aws_backend_with_a_missing_profile_names_the_fix(monkeypatch, tmp_path):
    _no_aws_config(monkeypatch, tmp_path)
    monkeypatch.setenv("AWS_PROFILE", "nope")
    with pytest.raises(LabConfigError, match="profile 'nope' does not exist") as err:
        start(quiet=True)
    assert "aws configure list-profiles" in str(err.value)


def test_a_bad_endpoint_url_keeps_the_running_lab(monkeypatch):
    lab = start("moto", quiet=True)
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "127.0.0.1:4566")
    with pytest.raises(LabConfigError, match="no http:// or https://"):
        start("endpoint", quiet=True)
    assert lab.sqs.create_queue(QueueName="alive")["QueueUrl"].endswith("/alive")
    lab.stop()


def test_tab_completion_lists_the_learners_modules_not_the_emulator():
    listed = dir(sqslab)
    assert set(sqslab.LEARNER_MODULES) <= set(listed) and "start" in listed
    for hidden in ("emulator", "room", "roomauth", "cli", "loadtest", "faultruns"):
        assert hidden not in listed
        assert getattr(sqslab, hidden).__name__ == f"sqslab.{hidden}"  # still reachable
    assert set(sqslab.LEARNER_MODULES) <= set(sqslab.SUBMODULES)


def test_each_endpoint_run_gets_fresh_names_so_a_rerun_never_meets_old_queues(monkeypatch):
    """Issue 15: a chapter run again on a persistent engine, with other queue attributes."""
    server, url = start_server("127.0.0.1", 0)
    try:
        monkeypatch.setenv("SQSLAB_ENDPOINT_URL", url)
        monkeypatch.setenv("SQSLAB_NAMESPACE", "alice")
        first = start("endpoint", quiet=True)
        old = first.sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "5"})
        second = start("endpoint", quiet=True)
        assert first.namespace.prefix != second.namespace.prefix
        assert second.namespace.prefix.startswith("alice-")
        new = second.sqs.create_queue(QueueName="jobs", Attributes={"VisibilityTimeout": "60"})
        assert new["QueueUrl"] != old["QueueUrl"]
        assert second.sqs.list_queues()["QueueUrls"] == [new["QueueUrl"]]
        assert "your queues are named alice-" in second.describe()
        second.stop()
    finally:
        server.stop()


def test_an_endpoint_lab_refuses_attribute_values_aws_refuses_as_emulators_do_not(monkeypatch):
    """LocalStack 2026.3 and the sqslab server both accept a 50000 s visibility timeout."""
    server, url = start_server("127.0.0.1", 0)
    try:
        monkeypatch.setenv("SQSLAB_ENDPOINT_URL", url)
        monkeypatch.setenv("SQSLAB_NAMESPACE", "alice")
        lab = start("endpoint", quiet=True)
        queue = lab.sqs.create_queue(QueueName="ranges")["QueueUrl"]
        with pytest.raises(ClientError, match="sqslab fidelity layer") as err:
            lab.sqs.set_queue_attributes(QueueUrl=queue, Attributes={"VisibilityTimeout": "50000"})
        assert err.value.response["Error"]["Code"] == "InvalidAttributeValue"
        lab.stop()
    finally:
        server.stop()


def test_labs_read_each_service_model_once_per_process():
    from sqslab.emulator import session

    labs = [start("moto", quiet=True) for _ in range(3)]
    try:
        models = {id(lab.sqs.meta.service_model._service_description) for lab in labs}
        loaders = {id(lab.session._session.get_component("data_loader")) for lab in labs}
        paths = session.emulator_session()._loader.search_paths
    finally:
        for lab in labs:
            lab.stop()
    assert len(models) == 1 and len(loaders) == 1
    assert len(paths) == len(set(paths))  # boto3's data folder is not added once per session
