"""Shared fixtures: a quiet lab on the embedded moto backend, stopped after each test, and a
`sqslab server` in its own process for the workshop tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

from sqslab.emulator.server import server_process  # noqa: E402
from sqslab.exercises.base import HINT_LEVELS  # noqa: E402
from sqslab.lab import Lab, start  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_hint_levels() -> Iterator[None]:
    """Each test starts with no remembered hint repeats, as a fresh kernel does."""
    HINT_LEVELS.reset()
    yield
    HINT_LEVELS.reset()


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
