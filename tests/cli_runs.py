"""The ``sqslab`` commands run in this process, as an instructor runs them, with what they print:
shared by the tests that pin the English output and the ones that check the Portuguese."""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sqslab import cli, doctor, room, workshop
from sqslab.classroom_report import Report
from sqslab.emulator.server import free_port


def out_err(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    """What the last command printed: stdout and stderr."""
    captured = capsys.readouterr()
    return captured.out, captured.err


def doctor_after_versions(out: str) -> str:
    """The doctor's output without its first lines (the installed versions change)."""
    lines = out.splitlines(keepends=True)
    return "".join(lines[len(doctor.versions()) :])


def serve(
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    last: str,
    during: Callable[[], None] | None = None,
) -> str:
    """Run ``sqslab server`` in a thread until it printed ``last`` (then call ``during``), stop it;
    all it printed."""
    stop = threading.Event()
    runner = threading.Thread(target=cli.cmd_server, args=(cli.parser().parse_args(argv), stop))
    runner.start()
    out = ""
    try:
        deadline = time.monotonic() + 10
        while last not in out:
            assert time.monotonic() < deadline, out
            time.sleep(0.05)  # real: waiting for another thread's output
            out += capsys.readouterr().out
        if during is not None:
            during()
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()
    return out + capsys.readouterr().out


def as_instructor(monkeypatch: pytest.MonkeyPatch, room_file: Path) -> None:
    """Sign the commands with the room's instructor key."""
    keys = room.open_room(room_file)[0]
    monkeypatch.setenv(room.KEY_ID_ENV, keys.access_key_id)
    monkeypatch.setenv(room.SECRET_ENV, keys.secret_access_key)
    monkeypatch.delenv("SQSLAB_ENDPOINT_URL", raising=False)


def board_args(url: str, board: str, state: Path) -> list[str]:
    """The options every ``sqslab classroom`` command of these tests takes."""
    return ["--endpoint-url", url, "--board", board, "--state", str(state)]


def fill_board(url: str, board: str) -> None:
    """alice passes ex1.1 and hints ex1.2 once; bob hints ex1.2 three times (stuck), all now."""
    sqs = workshop.room_client(url)
    queue = sqs.get_queue_url(QueueName=board)["QueueUrl"]
    now = datetime.now(UTC).isoformat()
    reports = [
        Report("alice", "ex1.1", "pass", 1, "ab12", now),
        Report("alice", "ex1.2", "hint", 1, "ab12", now, "hint 1"),
        *(Report("bob", "ex1.2", "hint", n, "cd34", now, "hint 1") for n in (1, 2, 3)),
    ]
    for report in reports:
        sqs.send_message(QueueUrl=queue, **report.send_args())


def help_texts(parser: argparse.ArgumentParser, path: str = "sqslab") -> dict[str, Any]:
    """Every description and help text of the ``sqslab`` parser and its subcommands, by where."""
    found: dict[str, Any] = {path: parser.description}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:
                found[f"{path} {choice.dest} (command)"] = choice.help
            for name, sub in action.choices.items():
                found.update(help_texts(sub, f"{path} {name}"))
        elif action.help is not None:
            found[f"{path} {'/'.join(action.option_strings) or action.dest}"] = action.help
    return found


__all__ = ["free_port"]
