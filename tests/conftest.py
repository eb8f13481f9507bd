"""Shared fixtures: a quiet lab on the embedded moto backend, stopped after each test, and a
`sqslab server` in its own process for the workshop tests."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

from sqslab import i18n  # noqa: E402
from sqslab import room as rooms
from sqslab.emulator.server import free_port, server_process  # noqa: E402
from sqslab.exercises.base import HINT_LEVELS  # noqa: E402
from sqslab.lab import Lab, start  # noqa: E402
from sqslab.roomauth import start_room_server  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_hint_levels() -> Iterator[None]:
    """Each test starts with no remembered hint repeats, as a fresh kernel does."""
    HINT_LEVELS.reset()
    yield
    HINT_LEVELS.reset()


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    """Each test ends with sqslab speaking English again, as a fresh kernel does."""
    yield
    i18n.set_language("en")


@pytest.fixture
def ctrl_c() -> Iterator[None]:
    """Ctrl+C reaches Python even when the run was started in the background (which ignores it)."""
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, before)


@pytest.fixture
def portuguese() -> None:
    """Portuguese from here on (list it after ``lab``: starting a lab picks the language)."""
    i18n.set_language("pt-BR")


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A fresh lab on in-process moto with the virtual clock."""
    the_lab = start("moto", quiet=True)
    yield the_lab
    the_lab.stop()


@pytest.fixture
def sqs(lab: Lab):
    """The lab's boto3 SQS client."""
    return lab.sqs


@pytest.fixture(scope="module")
def room() -> Iterator[str]:
    """A `sqslab server` in its own process, as an instructor runs it; its URL."""
    with server_process() as url:
        yield url


@pytest.fixture(scope="module")
def room_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A room key file with an instructor, alice and bob."""
    path = tmp_path_factory.mktemp("room") / "sqslab-room.json"
    rooms.open_room(path)
    rooms.add_learner(path, "alice")
    rooms.add_learner(path, "bob")
    return path


@pytest.fixture(scope="module")
def url(room_file: Path) -> Iterator[str]:
    """A room server for ``room_file`` on a free loopback port, in a thread of this process."""
    server, address = start_room_server("127.0.0.1", free_port(), room_file)
    yield address
    server.stop()
