"""The sqslab command: a moto server that outside clients reach over HTTP, and the doctor."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import boto3
import pytest

from sqslab import cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ctrl_c_in_child() -> None:
    """The child's Python turns Ctrl+C into KeyboardInterrupt even if this run ignores it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _client(url: str):
    return boto3.client(
        "sqs",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def test_server_command_serves_sqs_over_http_and_stops_on_ctrl_c():
    port = _free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sqslab.cli", "server", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        preexec_fn=_ctrl_c_in_child,
    )
    try:
        lines = []
        while "aws --endpoint-url" not in "".join(lines):
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        banner = "".join(lines)
        url = f"http://127.0.0.1:{port}"
        assert f"export SQSLAB_BACKEND=endpoint SQSLAB_ENDPOINT_URL={url}" in banner
        assert f"AWS_ENDPOINT_URL={url}" in banner
        sqs = _client(url)
        queue = sqs.create_queue(QueueName="from-outside")["QueueUrl"]
        sqs.send_message(QueueUrl=queue, MessageBody="over http")
        assert sqs.receive_message(QueueUrl=queue)["Messages"][0]["Body"] == "over http"
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        assert proc.returncode == 0
        assert "stopped" in out
        assert "Traceback" not in out
    finally:
        if proc.poll() is None:
            proc.kill()


def test_server_refuses_a_busy_port(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["server", "--port", str(port)]) == 2
    assert "already in use" in capsys.readouterr().err


def test_server_warns_when_bound_beyond_loopback(capsys):
    stop = threading.Event()
    args = cli.parser().parse_args(["server", "--host", "0.0.0.0", "--port", str(_free_port())])
    runner = threading.Thread(target=cli.cmd_server, args=(args, stop))
    runner.start()
    try:
        deadline = time.monotonic() + 10
        while "warning" not in capsys.readouterr().out:
            assert time.monotonic() < deadline
            time.sleep(0.05)  # real: waiting for another thread's output
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()


def test_doctor_reports_versions_and_a_working_backend(capsys, monkeypatch):
    monkeypatch.delenv("SQSLAB_BACKEND", raising=False)
    assert cli.main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "moto " in out and "boto3 " in out and "python " in out
    assert "backend      moto" in out
    assert "answers      yes" in out and "clock        virtual" in out
    assert "engine       moto: where it differs from AWS" in out
    assert "  move tasks   yes: " in out


def test_doctor_says_when_the_backend_does_not_answer(capsys, monkeypatch):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "http://127.0.0.1:9")
    assert cli.main(["doctor", "--backend", "endpoint"]) == 1
    assert "answers      no" in capsys.readouterr().out


def test_doctor_rejects_unknown_backend(capsys):
    assert cli.main(["doctor", "--backend", "nope"]) == 1
    assert "choose one of" in capsys.readouterr().out


def test_endpoint_lines_are_shell_exports():
    lines = cli.endpoint_lines("http://127.0.0.1:4566")
    assert lines[0].startswith("export SQSLAB_BACKEND=endpoint")
    assert any("aws --endpoint-url http://127.0.0.1:4566 sqs create-queue" in x for x in lines)


@pytest.mark.parametrize("argv", [[], ["fly"]])
def test_bad_command_exits_with_usage(argv):
    with pytest.raises(SystemExit) as err:
        cli.main(argv)
    assert err.value.code == 2


@pytest.mark.parametrize("port", ["99999", "-1", "abc", "4566.5"])
def test_server_refuses_a_port_outside_the_tcp_range(capsys, port):
    with pytest.raises(SystemExit) as err:
        cli.main(["server", "--port", port])
    assert err.value.code == 2
    text = capsys.readouterr().err
    assert "is not a TCP port" in text and "1 to 65535" in text and "--port 4567" in text


def test_server_port_zero_picks_a_free_port():
    assert cli.parser().parse_args(["server", "--port", "0"]).port == 0


@pytest.mark.parametrize(
    ("host", "words"),
    [
        ("999.1.1.1", "not an IP address or a host name"),
        ("192.0.2.1", "not an address of this machine"),  # TEST-NET-1: never this machine's
    ],
)
def test_server_says_why_an_address_cannot_be_bound(capsys, host, words):
    assert cli.main(["server", "--host", host, "--port", str(_free_port())]) == 2
    text = capsys.readouterr().err
    assert words in text and "127.0.0.1" in text
    assert "already in use" not in text


def test_bind_problem_is_none_for_a_free_loopback_port():
    assert cli.bind_problem("127.0.0.1", _free_port()) is None
    assert cli.port_free("127.0.0.1", _free_port())


def test_doctor_names_a_bad_endpoint_url_without_a_traceback(capsys, monkeypatch):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "127.0.0.1:4566")
    assert cli.main(["doctor", "--backend", "endpoint"]) == 1
    out = capsys.readouterr().out
    assert "endpoint     the endpoint URL '127.0.0.1:4566'" in out
    assert "no http:// or https://" in out and "http://127.0.0.1:4566" in out


def test_doctor_prints_the_endpoint_it_checks(capsys, monkeypatch):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "http://127.0.0.1:9/")
    assert cli.main(["doctor", "--backend", "endpoint"]) == 1
    out = capsys.readouterr().out
    assert "endpoint     http://127.0.0.1:9\n" in out and "answers      no" in out
