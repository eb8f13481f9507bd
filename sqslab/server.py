"""A moto server in a thread of this process (``sqslab server``, the ``server`` backend), or
``sqslab server`` in a process of its own (benchmarks, workshop tests, the load test)."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def quiet_request_log() -> None:
    """Stop the moto server's HTTP log (one line per request) from flooding the terminal."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def start_server(host: str, port: int, verbose: bool = False) -> tuple[Any, str]:
    """Start a moto server thread on ``host:port``; returns it and its URL."""
    from moto.server import ThreadedMotoServer

    if not verbose:
        quiet_request_log()
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    shown = f"[{bound_host}]" if ":" in bound_host else bound_host
    return server, f"http://{shown}:{bound_port}"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server_process(seconds: float = 30) -> Iterator[str]:
    """``sqslab server`` in a process of its own (it does not share this one's GIL); its URL."""
    port = free_port()
    command = [sys.executable, "-m", "sqslab.cli", "server", "--port", str(port)]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, proc, seconds)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def wait_until_up(url: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    """Wait until the server at ``url`` accepts connections, or fail clearly."""
    deadline = time.monotonic() + seconds
    port = int(url.rsplit(":", 1)[1])
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)  # real time on purpose: waiting for another process to start listening
    raise RuntimeError(f"sqslab server did not answer on {url} within {seconds:g} s")
