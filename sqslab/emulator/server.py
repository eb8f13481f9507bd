"""A moto server in a thread of this process (``sqslab server``, the ``server`` backend), a room
server (moto behind the room's key and name checks, ``sqslab server --room``), or ``sqslab server``
in a process of its own (benchmarks, workshop tests, the load test)."""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
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


def cbor_loads(body: bytes) -> Any:
    """A CBOR request body decoded as moto decodes it (the rpc-v2-cbor protocol)."""
    from moto.core.cbor import loads

    return loads(body)


def cbor_dumps(document: Any) -> bytes:
    """A CBOR response body encoded as moto encodes it."""
    from moto.core.cbor import dumps

    return bytes(dumps(document))


@contextmanager
def server_process(seconds: float = 30, room_file: Path | None = None) -> Iterator[str]:
    """``sqslab server`` in a process of its own (it does not share this one's GIL); its URL.
    With ``room_file``, a room server for the keys in that file (``--room``)."""
    port = free_port()
    command = [sys.executable, "-m", "sqslab.cli", "server", "--port", str(port)]
    if room_file is not None:
        command += ["--room", "--room-file", str(room_file)]
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


#: WSGI middleware put in front of moto's app (the room's gatekeeper, for instance).
Middleware = Callable[[Any], Any]


class GatedServer:
    """A moto server with WSGI middleware in front, in a thread: built as moto's
    ``ThreadedMotoServer`` builds its app, then wrapped by ``gate``."""

    def __init__(self, host: str, port: int, gate: Middleware) -> None:
        self.host, self.port, self.gate = host, port, gate
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        """Bind, serve in a daemon thread, and return the URL."""
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = self.gate(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(
            self.host, self.port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        host, port = self._server.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else host
        return f"http://{shown}:{port}"

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(10)
