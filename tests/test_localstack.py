"""``make test-localstack`` without LocalStack: its pins are the documented ones and stay out of the
course's dependencies, it finds a Python new enough, waits for a health endpoint (a fake one here),
and stops the engine and its children whatever happens in between."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SPEC = importlib.util.spec_from_file_location("localstack_script", ROOT / "scripts/localstack.py")
assert SPEC and SPEC.loader
ls = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(ls)

#: the pins a reader must know: LocalStack itself and the three it does not start without
HEADLINE = ("localstack-core", "cbor2", "pyopenssl", "cryptography")


def test_the_pinned_versions_are_the_documented_ones() -> None:
    pinned = ls.pins()
    assert pinned["localstack-core"] == "2026.3.0"
    for doc in ("README.md", "docs/localstack.md"):
        text = (ROOT / doc).read_text().lower()
        for name in HEADLINE:  # "cbor2 5.9.0" in a sentence, "| cbor2 | 5.9.0" in a table
            named = rf"{re.escape(name)}\W{{1,5}}{re.escape(pinned[name])}"
            assert re.search(named, text), f"{doc} does not name {name} {pinned[name]}"
        assert re.search(r"python\W{1,5}3\.12", text), f"{doc} does not say LocalStack needs 3.12"


def test_localstack_stays_out_of_the_course_dependencies() -> None:
    assert "localstack" not in (ROOT / "pyproject.toml").read_text().lower()
    assert ".venv-localstack/" in (ROOT / ".gitignore").read_text().splitlines()
    assert ls.VENV.name == ".venv-localstack"


def test_every_service_the_course_calls_is_started() -> None:
    sources = [*ROOT.glob("sqslab/**/*.py"), *ROOT.glob("notebooks/**/*.ipynb")]
    called = {m for p in sources for m in re.findall(r'client\(\\?"([a-z0-9-]+)', p.read_text())}
    assert {"sqs", "sns", "s3", "cloudwatch", "kms"} <= called
    # sts: the aws backend's account check only; lambda and iam: chapter 8's event source mapping
    # cell, which on an engine started without Lambda says so and skips its boto3 calls
    assert {"lambda", "iam"} <= called
    assert called - {"sts", "lambda", "iam"} <= set(ls.SERVICES)


def test_a_python_new_enough_is_found_or_the_error_says_how_to_give_one() -> None:
    versions = {"old": (3, 11), "broken": None, "new": (3, 13)}
    assert ls.find_python(None, ["old", "broken", "new"], versions.get) == "new"
    with pytest.raises(SystemExit, match=r"Python 3\.12 or newer .*--python"):
        ls.find_python(None, ["old", "broken"], versions.get)
    with pytest.raises(SystemExit, match="tried: old"):
        ls.find_python("old", ["new"], versions.get)


def test_own_options_are_taken_and_the_rest_goes_to_the_runner() -> None:
    args, rest = ls.parse(["--check", "--jobs", "6", "--cell-timeout", "60", "notebooks/00.ipynb"])
    assert args.check and not args.keep and args.port == 0
    assert args.json == "build/localstack.json"
    assert rest == ["--jobs", "6", "--cell-timeout", "60", "notebooks/00.ipynb"]


def test_localstack_listens_on_loopback_and_gets_no_credentials(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    monkeypatch.setenv("SQSLAB_SECRET_ACCESS_KEY", "room-secret")
    env = ls.environment(4599, tmp_path)
    assert env["GATEWAY_LISTEN"] == env["LOCALSTACK_HOST"] == "127.0.0.1:4599"
    assert env["SQS_ENDPOINT_STRATEGY"] == "off"  # queue URLs on 127.0.0.1:4599 itself
    assert env["SERVICES"].split(",") == list(ls.SERVICES)
    assert env["FILESYSTEM_ROOT"].startswith(str(tmp_path))
    assert "real-secret" not in env.values() and "room-secret" not in env.values()
    for rule in ("SQS_DELAY_PURGE_RETRY", "SQS_ENABLE_MESSAGE_RETENTION_PERIOD"):
        assert env[rule] == "1", f"{rule}: an AWS rule the course teaches is off"


def test_an_install_is_reused_until_the_pins_change(monkeypatch, tmp_path) -> None:
    requirements = tmp_path / "req.txt"
    requirements.write_text("localstack-core==2026.3.0\n")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    monkeypatch.setattr(ls, "python_version", lambda exe: (3, 13))
    (venv / ".installed-stamp").write_text(ls.stamp_text("python3.13", requirements))
    calls: list[list[str]] = []
    monkeypatch.setattr(ls.subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    assert ls.install("python3.13", venv, requirements) == venv / "bin" / "python"
    assert calls == []
    requirements.write_text("localstack-core==2026.4.0\n")
    ls.install("python3.13", venv, requirements)
    assert calls[0][1:3] == ["-m", "venv"] and calls[1][-2:] == ["-r", str(requirements)]


class FakeHealth(BaseHTTPRequestHandler):
    """LocalStack's health endpoint: SQS still starting for the first two requests."""

    asked = 0

    def do_GET(self) -> None:  # noqa: N802 - the http.server name
        FakeHealth.asked += 1
        state = "initializing" if FakeHealth.asked <= 2 else "running"
        services = dict.fromkeys(ls.SERVICES, "available") | {"sqs": state}
        body = json.dumps({"services": services, "version": "2026.3.0"}).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def health_url():
    FakeHealth.asked = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeHealth)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_waiting_ends_when_every_service_is_ready(health_url) -> None:
    status = ls.wait_healthy(health_url, alive=lambda: True, seconds=10)
    assert status["services"]["sqs"] == "running" and FakeHealth.asked == 3


def test_waiting_fails_when_the_engine_dies_or_never_answers(health_url) -> None:
    with pytest.raises(RuntimeError, match="exited"):
        ls.wait_healthy(health_url, alive=lambda: False, seconds=10)
    with pytest.raises(RuntimeError, match="not ready"):
        ls.wait_healthy(f"http://127.0.0.1:{ls.free_port()}", lambda: True, seconds=1)


def gone(pid: int) -> bool:
    """True when ``pid`` no longer runs (a zombie waiting for its reaper counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status


def fake_engine(pid_file: Path) -> list[str]:
    """A stand-in for LocalStack that starts a child of its own and records both pids."""
    code = (
        "import os, subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pid_file)!r}, 'w').write(f'{{os.getpid()}} {{child.pid}}')\n"
        "time.sleep(60)\n"
    )
    return [sys.executable, "-c", code]


def started_pids(pid_file: Path) -> list[int]:
    deadline = time.monotonic() + 20
    while not (pid_file.exists() and " " in pid_file.read_text()):
        assert time.monotonic() < deadline, "the fake engine did not start"
        time.sleep(0.05)
    return [int(p) for p in pid_file.read_text().split()]


def until_gone(pids: list[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not all(gone(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return all(gone(p) for p in pids)


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_the_engine_and_its_children_are_stopped_whatever_happens(tmp_path, error) -> None:
    pid_file = tmp_path / "pids"
    with (
        pytest.raises(error),
        ls.running(fake_engine(pid_file), dict(os.environ), "u", tmp_path / "log", wait=ok),
    ):
        pids = started_pids(pid_file)
        raise error()
    assert until_gone(pids)


def test_a_failed_start_stops_the_engine_even_with_keep(tmp_path) -> None:
    pid_file = tmp_path / "pids"

    def fails(url: str, alive) -> dict:
        started_pids(pid_file)
        raise RuntimeError("not ready")

    with (
        pytest.raises(RuntimeError),
        ls.running(fake_engine(pid_file), dict(os.environ), "u", tmp_path / "l", True, fails),
    ):
        pass
    assert until_gone(started_pids(pid_file))


def test_keep_leaves_a_healthy_engine_running(tmp_path) -> None:
    pid_file = tmp_path / "pids"
    command = fake_engine(pid_file)
    with ls.running(command, dict(os.environ), "u", tmp_path / "log", keep=True, wait=ok):
        pids = started_pids(pid_file)
    try:
        assert not until_gone(pids, seconds=0.5)
    finally:
        os.killpg(pids[0], 15)
    assert until_gone(pids)


def test_an_interrupted_notebook_run_is_stopped_with_its_children(tmp_path) -> None:
    pid_file = tmp_path / "pids"

    def interrupt(*_: object) -> None:
        if pid_file.exists() and " " in pid_file.read_text():
            raise KeyboardInterrupt  # Ctrl-C once the runner and its child are busy

    previous = signal.signal(signal.SIGALRM, interrupt)
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2, 0.2)
        with pytest.raises(KeyboardInterrupt):
            ls.supervised(fake_engine(pid_file))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert until_gone(started_pids(pid_file))


def test_a_finished_run_gives_its_exit_code() -> None:
    assert ls.supervised([sys.executable, "-c", "raise SystemExit(3)"]) == 3


def ok(url: str, alive) -> dict:
    assert alive()
    return {"version": "fake"}
