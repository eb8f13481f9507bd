"""Starting moto in this process: embedded (``mock_aws``) or as a server thread on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable

#: What starting a backend gives back: its stop function, and its URL (None when embedded).
Started = tuple[Callable[[], None], str | None]


def start_embedded() -> Started:
    """moto's in-process mock of every AWS service."""
    from moto import mock_aws

    mock = mock_aws()
    mock.start()
    return mock.stop, None


def start_local_server() -> Started:
    """A fresh moto server thread on a free port of 127.0.0.1."""
    from moto.moto_api._internal.models import moto_api_backend

    from sqslab.emulator.server import start_server

    moto_api_backend.reset()
    server, url = start_server("127.0.0.1", 0)
    return server.stop, url
