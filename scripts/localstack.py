"""LocalStack as a second engine (``make test-localstack``): install the pinned LocalStack into a
virtual environment of its own, start it in host mode (no Docker) on 127.0.0.1, wait for its
health endpoint, run every chapter against it with ``scripts/run_real.py``, and always stop it.

LocalStack is a tool environment (``.venv-localstack``, pins in
``scripts/localstack-requirements.txt``), never a dependency of the course: its packages must not
reach the course's ``.venv``. Its files and log go to ``build/localstack/``.

    python scripts/localstack.py [--check | --probes] [--keep] [--port N] [--python EXE]
                                 [run_real.py options, notebooks ... | probe names ...]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import glob
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
REQUIREMENTS = ROOT / "scripts" / "localstack-requirements.txt"
VENV = ROOT / ".venv-localstack"
WORKDIR = ROOT / "build" / "localstack"
#: every AWS service a notebook or sqslab calls through ``lab.client`` (and ``lab.sqs``)
SERVICES = ("sqs", "sns", "s3", "cloudwatch", "kms")
#: localstack-core 2026.3.0 uses PEP 695 syntax: Python 3.11 cannot import it
MIN_PYTHON = (3, 12)
READY_STATES = {"available", "running"}
#: AWS behaviours LocalStack has but leaves off by default; the course teaches all three
AWS_PARITY = {
    "SQS_DELAY_PURGE_RETRY": "1",  # a second PurgeQueue within 60 s is PurgeQueueInProgress
    "SQS_DELAY_RECENTLY_DELETED": "1",  # a name is reusable only 60 s after DeleteQueue
    "SQS_ENABLE_MESSAGE_RETENTION_PERIOD": "1",  # messages older than the retention period go
}


def pins(path: Path = REQUIREMENTS) -> dict[str, str]:
    """The ``name==version`` lines of a requirements file, by lower-case name (extras dropped)."""
    found = {}
    for line in path.read_text().splitlines():
        spec = line.split("#", 1)[0].strip()
        if "==" in spec:
            name, version = spec.split("==", 1)
            found[name.split("[", 1)[0].strip().lower()] = version.strip()
    return found


def python_version(exe: str) -> tuple[int, int] | None:
    """The (major, minor) of the Python ``exe``, or None when it does not run."""
    probe = "import sys; print(sys.version_info[0], sys.version_info[1])"
    try:
        done = subprocess.run([exe, "-c", probe], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    parts = done.stdout.split()
    return (int(parts[0]), int(parts[1])) if done.returncode == 0 and len(parts) == 2 else None


def candidates() -> list[str]:
    """Pythons to try, best first: $LOCALSTACK_PYTHON, python3.13/3.12 on PATH, then pyenv's."""
    names = [os.environ.get("LOCALSTACK_PYTHON", ""), "python3.13", "python3.12", "python3"]
    root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
    for minor in ("3.13", "3.12"):
        names += sorted(glob.glob(f"{root}/versions/{minor}.*/bin/python3"), reverse=True)
    return [name for name in names if name]


def find_python(
    given: str | None,
    options: Sequence[str] | None = None,
    probe: Callable[[str], tuple[int, int] | None] = python_version,
) -> str:
    """``given``, or the first candidate that is Python 3.12 or newer; a clear error otherwise."""
    tried = [given] if given else list(options if options is not None else candidates())
    for exe in tried:
        version = probe(exe)
        if version is not None and version >= MIN_PYTHON:
            return exe
    raise SystemExit(
        "LocalStack 2026.3 needs Python 3.12 or newer and none was found (tried: "
        f"{', '.join(tried)}); install one and pass --python /path/to/python3.13 "
        "(or set LOCALSTACK_PYTHON)"
    )


def stamp_text(python: str, requirements: Path) -> str:
    """What the install stamp records: the requirements' hash and the Python's version."""
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    return f"{digest} {python_version(python)}\n"


def install(python: str, venv: Path = VENV, requirements: Path = REQUIREMENTS) -> Path:
    """Create ``venv`` with the pinned LocalStack (again whenever the pins change); its Python."""
    stamp, exe = venv / ".installed-stamp", venv / "bin" / "python"
    wanted = stamp_text(python, requirements)
    if exe.exists() and stamp.exists() and stamp.read_text() == wanted:
        return exe
    print(f"installing LocalStack into {venv.name} (pins: {requirements.name}) ...", flush=True)
    subprocess.run([python, "-m", "venv", "--clear", str(venv)], check=True)
    pip = [str(exe), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", str(requirements)], check=True)
    stamp.write_text(wanted)
    return exe


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def environment(port: int, workdir: Path, services: Sequence[str] = SERVICES) -> dict[str, str]:
    """LocalStack's environment: host mode, loopback only, the course's services, the AWS rules
    it leaves off by default turned on, files in ``workdir``; no credentials of the caller's."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SQSLAB_"))}
    return env | {
        "GATEWAY_LISTEN": f"127.0.0.1:{port}",
        "LOCALSTACK_HOST": f"127.0.0.1:{port}",
        # queue URLs as moto and AWS shape them (host/account/name) on the gateway itself; the
        # default names sqs.<region>.<LOCALSTACK_HOST>, a host that resolves nowhere here
        "SQS_ENDPOINT_STRATEGY": "off",
        "SERVICES": ",".join(services),
        # a container (as this machine may be) would make LocalStack write to /var/lib/localstack
        "OVERRIDE_IN_DOCKER": "0",
        "FILESYSTEM_ROOT": str(workdir / "fs"),
        "DISABLE_EVENTS": "1",  # no usage analytics sent
        "SKIP_SSL_CERT_DOWNLOAD": "1",
        **AWS_PARITY,
    }


def ready(status: dict[str, Any], services: Sequence[str] = SERVICES) -> bool:
    """True when the health document lists every service as available or running."""
    states = status.get("services", {})
    return all(states.get(name) in READY_STATES for name in services)


def fetch_health(url: str) -> dict[str, Any] | None:
    """LocalStack's ``/_localstack/health`` document, or None while it does not answer."""
    try:
        with urllib.request.urlopen(f"{url}/_localstack/health", timeout=2) as answer:
            return dict(json.load(answer))
    except (OSError, ValueError):
        return None


def wait_healthy(
    url: str,
    alive: Callable[[], bool],
    seconds: float = 120,
    services: Sequence[str] = SERVICES,
    fetch: Callable[[str], dict[str, Any] | None] = fetch_health,
) -> dict[str, Any]:
    """Poll the health endpoint until every service is ready; fail if the process dies or time
    runs out. Returns the last health document."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError("LocalStack exited before it was ready")
        status = fetch(url)
        if status is not None and ready(status, services):
            return status
        time.sleep(0.5)  # real time on purpose: another process is starting
    raise RuntimeError(
        f"LocalStack at {url} was not ready for {', '.join(services)} in {seconds:g} s"
    )


def stop(proc: subprocess.Popen[Any], grace: float = 20) -> None:
    """Stop a process started in a session of its own, and everything in its process group
    (LocalStack and its workers, or run_real.py and its notebook runners): SIGTERM, then SIGKILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(5)


@contextlib.contextmanager
def running(
    command: Sequence[str],
    env: dict[str, str],
    url: str,
    log: Path,
    keep: bool = False,
    wait: Callable[..., dict[str, Any]] = wait_healthy,
) -> Iterator[dict[str, Any]]:
    """Start ``command`` (LocalStack) in a session of its own, yield its health once ready, and
    stop it on the way out, whatever happened, unless ``keep``."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            list(command), env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield wait(url, lambda: proc.poll() is None)
    except BaseException:
        keep = False  # a failed or interrupted start never leaves LocalStack behind
        raise
    finally:
        if keep:
            print(f"LocalStack keeps running at {url} (pid {proc.pid}; stop: kill {proc.pid})")
        else:
            stop(proc)


def smoke(url: str) -> list[str]:
    """What a tiny round trip on each service says: one line each (``--check``)."""
    import boto3

    kwargs: dict[str, Any] = {
        "endpoint_url": url,
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    sqs = boto3.client("sqs", **kwargs)
    queue = sqs.create_queue(QueueName=f"sqslab-check-{os.getpid()}")["QueueUrl"]
    sqs.send_message(QueueUrl=queue, MessageBody="hello")
    got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1).get("Messages", [])
    sqs.delete_queue(QueueUrl=queue)
    lines = [f"sqs: sent 1, received {len(got)}"]
    lines.append(f"sns: {len(boto3.client('sns', **kwargs).list_topics()['Topics'])} topics")
    lines.append(f"s3: {len(boto3.client('s3', **kwargs).list_buckets()['Buckets'])} buckets")
    lines.append(f"kms: {len(boto3.client('kms', **kwargs).list_keys()['Keys'])} keys")
    alarms = boto3.client("cloudwatch", **kwargs).describe_alarms()["MetricAlarms"]
    return [*lines, f"cloudwatch: {len(alarms)} alarms"]


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options, and the rest, passed on to run_real.py (e.g. --jobs 6, notebooks)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="start, round-trip, stop; no notebooks"
    )
    parser.add_argument(
        "--probes", action="store_true", help="run localstack_probes.py; no notebooks"
    )
    parser.add_argument("--keep", action="store_true", help="leave LocalStack running afterwards")
    parser.add_argument("--port", type=int, default=0, help="gateway port (default: a free one)")
    parser.add_argument("--python", help="Python 3.12+ for LocalStack's venv (default: searched)")
    parser.add_argument("--json", default="build/localstack.json", help="run_real.py's results")
    parser.add_argument("--start-timeout", type=float, default=120, help="seconds to get ready")
    return parser.parse_known_args(list(argv))


def run_notebooks(url: str, json_path: str, rest: Sequence[str]) -> int:
    """scripts/run_real.py against ``url`` with the course's Python; its exit code. It runs in a
    session of its own, stopped with its notebook runners if this script is interrupted."""
    label = f"LocalStack {pins().get('localstack-core', '?')}"
    script = str(ROOT / "scripts" / "run_real.py")
    command = [sys.executable, script, "--endpoint", url, "--json", json_path, "--label", label]
    return supervised([*command, *rest])


def supervised(command: Sequence[str]) -> int:
    """Run ``command`` in a session of its own to the end; its exit code. Interrupted (Ctrl-C,
    SIGTERM), it is stopped with every process it started."""
    proc = subprocess.Popen(list(command), start_new_session=True)
    try:
        return proc.wait()
    finally:
        stop(proc, grace=10)


def main(argv: Sequence[str]) -> int:
    args, rest = parse(argv)
    # `kill` of this script (not only Ctrl-C) unwinds through `running`, which stops LocalStack
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    python = install(find_python(args.python))
    port = args.port or free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(python), "-m", "localstack.runtime.main"]
    env, log = environment(port, WORKDIR), WORKDIR / "localstack.log"
    print(f"starting LocalStack on {url} ({', '.join(SERVICES)}); log: {log.relative_to(ROOT)}")
    waiter = functools.partial(wait_healthy, seconds=args.start_timeout)
    with running(command, env, url, log, keep=args.keep, wait=waiter) as health:
        print(f"LocalStack {health.get('version', '?')} ready", flush=True)
        if args.check:
            print("\n".join(smoke(url)))
            return 0
        if args.probes:
            import localstack_probes  # scripts/ is this script's own folder, first on sys.path

            print("\n".join(localstack_probes.run(url, rest)))
            return 0
        return run_notebooks(url, args.json, rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
