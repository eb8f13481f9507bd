"""The moto backend never reaches anything off this machine: not through AWS_ENDPOINT_URL_<SERVICE>,
not through an ``endpoint_url`` in the AWS config file, not from a plain boto3 client in the
kernel; and ``lab.stop()`` puts the environment back exactly as it was."""

from __future__ import annotations

import os

import boto3
import pytest

from sqslab.emulator.server import free_port
from sqslab.emulator.session import FORCED_VARIABLES
from sqslab.lab import start

SERVICES = ("S3", "SNS", "SQS")
IGNORE = "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"


@pytest.fixture
def closed() -> str:
    """A loopback URL nothing listens on: any request that follows it fails."""
    return f"http://127.0.0.1:{free_port()}"


def config_file(tmp_path, closed: str) -> str:
    """An AWS config file that sends every client, and s3/sns/sqs by name, to ``closed``."""
    path = tmp_path / "config"
    services = "".join(f"{s.lower()} =\n  endpoint_url = {closed}\n" for s in SERVICES)
    path.write_text(
        f"[default]\nregion = us-east-1\nendpoint_url = {closed}\nservices = elsewhere\n\n"
        f"[services elsewhere]\n{services}"
    )
    return str(path)


@pytest.fixture
def endpoints(monkeypatch, tmp_path, closed):
    """Every way to configure an endpoint, all pointing at a closed port."""
    monkeypatch.setenv("AWS_CONFIG_FILE", config_file(tmp_path, closed))
    monkeypatch.setenv("AWS_ENDPOINT_URL", closed)
    for service in SERVICES:
        monkeypatch.setenv(f"AWS_ENDPOINT_URL_{service}", closed)
    monkeypatch.delenv(IGNORE, raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    return closed


def answers_from_moto(session: boto3.Session) -> None:
    """s3 list_buckets, sns list_topics and sqs list_queues all answer (from moto)."""
    s3, sns, sqs = (session.client(s, region_name="us-east-1") for s in ("s3", "sns", "sqs"))
    for client in (s3, sns, sqs):
        assert client.meta.endpoint_url.endswith("amazonaws.com")
    assert s3.list_buckets()["Buckets"] == []
    assert sns.list_topics()["Topics"] == []
    assert sqs.list_queues().get("QueueUrls", []) == []


def test_without_the_lab_plain_clients_would_follow_the_closed_endpoints(endpoints):
    for service in SERVICES:
        client = boto3.Session().client(service.lower(), region_name="us-east-1")
        assert client.meta.endpoint_url == endpoints  # so the test below can fail


def test_plain_boto3_clients_answer_from_moto_while_the_lab_runs(endpoints):
    lab = start("moto", quiet=True)
    try:
        answers_from_moto(boto3.Session())
        url = lab.sqs.create_queue(QueueName="mine")["QueueUrl"]
        plain = boto3.client("sqs", region_name="us-east-1")
        assert plain.list_queues()["QueueUrls"] == [url]
        for service in SERVICES:
            assert f"AWS_ENDPOINT_URL_{service}" not in os.environ
        assert os.environ[IGNORE] == "true"
    finally:
        lab.stop()


def test_a_config_file_endpoint_alone_is_ignored_too(monkeypatch, tmp_path, closed):
    monkeypatch.setenv("AWS_CONFIG_FILE", config_file(tmp_path, closed))
    for name in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL")]:
        monkeypatch.delenv(name)
    monkeypatch.delenv(IGNORE, raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    lab = start("moto", quiet=True)
    try:
        answers_from_moto(boto3.Session())
    finally:
        lab.stop()


def test_stop_puts_the_environment_back_exactly(endpoints, monkeypatch):
    monkeypatch.setenv(IGNORE, "false")  # the learner's own value comes back, not ours
    monkeypatch.setenv("AWS_ENDPOINT_URL_KINESIS", endpoints)  # any service, not only SQS
    before = dict(os.environ)
    lab = start("moto", quiet=True)
    assert "AWS_ENDPOINT_URL_KINESIS" not in os.environ
    lab.stop()
    assert dict(os.environ) == before


def test_stop_removes_the_variables_the_lab_set(endpoints):
    before = dict(os.environ)
    lab = start("moto", quiet=True)
    assert all(os.environ[k] == v for k, v in FORCED_VARIABLES.items())
    lab.stop()
    assert dict(os.environ) == before and IGNORE not in os.environ


def test_starting_twice_still_restores_the_first_environment(endpoints):
    before = dict(os.environ)
    start("moto", quiet=True)
    second = start("moto", quiet=True)  # stops the first lab, which restores, then masks again
    second.stop()
    assert dict(os.environ) == before


def test_plain_boto3_clients_reach_the_server_backend_and_nothing_else(endpoints, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLEONLY")  # a learner's own keys, say
    monkeypatch.setenv("AWS_SESSION_TOKEN", "their-token")
    before = dict(os.environ)
    lab = start("server", quiet=True)
    try:
        url = lab.sqs.create_queue(QueueName="mine")["QueueUrl"]
        for service in ("s3", "sns", "sqs"):
            client = boto3.client(service, region_name="us-east-1")
            assert client.meta.endpoint_url == lab.endpoint_url
        assert boto3.client("sqs", region_name="us-east-1").list_queues()["QueueUrls"] == [url]
        assert boto3.client("s3", region_name="us-east-1").list_buckets()["Buckets"] == []
        assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
        assert "AWS_SESSION_TOKEN" not in os.environ
    finally:
        lab.stop()
    assert dict(os.environ) == before
