"""Starting moto in this process: embedded (``mock_aws``) or as a server thread on 127.0.0.1."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version

from sqslab.errors import LabConfigError

#: The moto releases the layers were written and tested for: lowest included, highest excluded
#: (pyproject.toml and environment.yml pin the same range; a test keeps the three in step).
MOTO_RANGE = ((5, 2, 5), (5, 3, 0))

#: What starting a backend gives back: its stop function, and its URL (None when embedded).
Started = tuple[Callable[[], None], str | None]


def release(text: str) -> tuple[int, int, int]:
    """``5.2.6`` (or ``5.2.6.dev3``) as (5, 2, 6)."""
    numbers = [int(n) for n in re.findall(r"\d+", text)[:3]]
    return (numbers + [0, 0, 0])[0], (numbers + [0, 0])[1], (numbers + [0])[2]


def shown(numbers: tuple[int, ...]) -> str:
    """(5, 2, 6) as ``5.2.6``."""
    return ".".join(map(str, numbers))


def check_moto(installed: str | None = None) -> str:
    """The installed moto's version, or a clear error when it is outside :data:`MOTO_RANGE`."""
    if installed is None:
        try:
            installed = version("moto")
        except PackageNotFoundError:
            installed = "none"
    low, high = MOTO_RANGE
    if installed == "none" or not low <= release(installed) < high:
        raise LabConfigError(
            f"sqslab's moto layers were written for moto >={shown(low)},<{shown(high)}; this "
            f"environment has moto {installed}. Run `make venv` (or "
            f'`pip install "moto[server]>={shown(low)},<{shown(high)}"`) and restart the kernel'
        )
    return installed


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
