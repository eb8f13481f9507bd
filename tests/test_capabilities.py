"""`sqslab doctor` says what a backend supports before a learner starts: one read-only call per
capability, creating nothing, and what each answer means."""

from __future__ import annotations

import pytest
from botocore.stub import Stubber

from sqslab import capabilities, cli
from sqslab.emulator.server import start_server
from sqslab.lab import start


def supported(found: list[capabilities.Support]) -> dict[str, bool]:
    return {s.name: s.ok for s in found}


def test_the_sqslab_server_supports_everything_the_chapters_use(room, monkeypatch, capsys):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", room)
    monkeypatch.setenv("SQSLAB_NAMESPACE", "doc")
    assert cli.main(["doctor", "--backend", "endpoint"]) == 0
    out = capsys.readouterr().out
    for name in ("SQS", "SNS", "S3", "CloudWatch", "KMS", "move tasks"):
        assert f"  {name:12} yes: " in out
    assert "(chapters 5 and 7: redrive)" in out
    assert "clock        real: long demos run faster than written" in out
    assert "engine       an SQS endpoint: taken to behave as AWS documents" in out


def test_plain_moto_behind_an_endpoint_has_no_move_tasks_and_the_doctor_says_so(monkeypatch):
    server, url = start_server("127.0.0.1", 0)
    try:
        monkeypatch.setenv("SQSLAB_ENDPOINT_URL", url)
        monkeypatch.setenv("SQSLAB_NAMESPACE", "doc")
        lab = start("endpoint", quiet=True)
        calls = len(lab.trace)
        found = capabilities.check(lab)
        assert len(lab.trace) == calls  # the probes stay out of the learner's trace
        assert supported(found) == {
            "SQS": True, "SNS": True, "S3": True, "CloudWatch": True, "KMS": True,
            "move tasks": False,
        }  # fmt: skip
        assert "does not have it" in found[-1].detail
        assert lab.sqs.list_queues().get("QueueUrls", []) == []  # the probes created nothing
        lab.stop()
    finally:
        server.stop()


@pytest.mark.parametrize(
    "code, status, ok, words",
    [
        ("ResourceNotFoundException", 400, True, "the operation exists"),
        ("InvalidAction", 400, False, "does not have it (InvalidAction)"),
        ("", 501, False, "does not have it (501)"),
        ("AccessDenied", 403, False, "these credentials may not call it (AccessDenied)"),
    ],
)
def test_each_answer_means_what_it_says(lab, code, status, ok, words):
    with Stubber(lab.sqs) as stub:
        stub.add_client_error(
            "list_message_move_tasks", service_error_code=code, http_status_code=status
        )
        found = capabilities.probe(lab, "move tasks", capabilities.PROBES[-1][1], "ch 5")
    assert found.ok is ok and words in found.detail
    assert found.line().startswith(f"move tasks   {'yes' if ok else 'no'}: ")


def test_a_service_that_does_not_answer_is_a_no(monkeypatch):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "http://127.0.0.1:9")
    lab = start("moto", quiet=True)
    lab.endpoint_url = "http://127.0.0.1:9"
    lab._clients.clear()
    found = capabilities.probe(lab, "SNS", capabilities.PROBES[1][1], "ch 8")
    assert not found.ok and "no answer" in found.detail
    lab.stop()
