"""A moto server in a thread of this process: used by ``sqslab server`` and the ``server`` backend."""

from __future__ import annotations

import logging
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
