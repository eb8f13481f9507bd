"""``sqslab classroom create|status|export|reset``: the instructor's classroom board from a shell.

``status`` first drains the board queue into the board's state file (the same one the board
notebook uses), then prints the state; ``--json`` prints it for scripts, always in English.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqslab import board_queue, classroom_report, i18n
from sqslab.i18n import _, ngettext, plural_count
from sqslab.room import room_file_help

DEFAULT_URL = "http://127.0.0.1:4566"


def _context(args: argparse.Namespace) -> tuple[Any, str, board_queue.BoardStore]:
    """The SQS client (instructor's room key), the board's name, and the state store."""
    import os

    from sqslab import workshop

    url = args.endpoint_url or os.environ.get("SQSLAB_ENDPOINT_URL", "").strip() or DEFAULT_URL
    url = workshop.check_endpoint_url(url, "--endpoint-url")
    board = args.board or classroom_report.board_name() or classroom_report.DEFAULT_BOARD
    store = board_queue.default_store(url, board)
    if args.state:
        store = board_queue.BoardStore(args.state, store.roster)
    if args.room_file:
        store.roster = board_queue.room_roster(args.room_file)
    return workshop.room_client(url), board, store


def cmd_create(args: argparse.Namespace) -> int:
    sqs, board, _store = _context(args)
    queues = board_queue.create(sqs, board)
    ready = _("classroom board ready: {url} (dead letters: {dlq})")
    print(ready.format(url=queues.source_url, dlq=queues.dlq_url))
    unset = _("learners report to it while SQSLAB_CLASSROOM is unset or {board}")
    print(unset.format(board=repr(board)))
    return 0


def _counts(summary: dict[str, Any]) -> str:
    """The status's first line: learners, reports applied, duplicates dropped, malformed."""
    learners, applied = len(summary["learners"]), summary["reports_applied"]
    dropped, malformed = summary["duplicates_dropped"], summary["malformed"]
    parts = [
        (ngettext("{count} learners", "{count} learners", plural_count(learners)), learners),
        (ngettext("{count} reports applied", "{count} reports applied", plural_count(applied)), applied),
        (ngettext("{count} duplicates dropped", "{count} duplicates dropped", plural_count(dropped)), dropped),
        (ngettext("{count} malformed", "{count} malformed", plural_count(malformed)), malformed),
    ]  # fmt: skip
    return ", ".join(text.format(count=count) for text, count in parts)


def cmd_status(args: argparse.Namespace) -> int:
    sqs, board, store = _context(args)
    queues = board_queue.pair(sqs, board)
    drained = board_queue.drain(sqs, queues.source_url, store)
    state = store.load()
    shown = i18n.language()
    if args.json:  # for scripts: the same text whatever language people read
        i18n.set_language("en")
    try:
        summary = {
            **state.summary(datetime.now(UTC)),
            "queue": board_queue.depth(sqs, queues),
            "this_drain": vars(drained),
        }
    finally:
        i18n.set_language(shown)
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
        return 0
    print(_counts(summary))
    for learner in summary["learners"]:
        passed = ", ".join(summary["passed"][learner]) or "-"
        times = _("{exercise} ({count}x)")
        hinted = summary["hinted"][learner].items()
        hints = ", ".join(times.format(exercise=ex, count=n) for ex, n in hinted) or "-"
        row = _("{learner} passed: {passed}   hinted: {hinted}")
        print("  " + row.format(learner=f"{learner:20}", passed=passed, hinted=hints))
    for stuck in summary["stuck"]:
        print("  " + _("STUCK {learner}: {reason}").format(**stuck))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    sqs, board, store = _context(args)
    board_queue.drain(sqs, board_queue.pair(sqs, board).source_url, store)
    state = store.load()
    out = Path(args.out)
    with out.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["learner", "exercise", "status", "hints", "reports", "first", "last"])
        for learner, row in state.grid().items():
            for exercise, cell in row.items():
                reports = state.of(learner, exercise)
                times = [r.at for r in reports] or ["", ""]
                writer.writerow([learner, exercise, cell.status, cell.hints, len(reports),
                                 times[0], times[-1]])  # fmt: skip
    count = len(state.learners)
    wrote = ngettext(
        "wrote {path} ({count} learners)", "wrote {path} ({count} learners)", plural_count(count)
    )
    print(wrote.format(path=out, count=count))
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    sqs, board, store = _context(args)
    if not args.yes:
        refusal = _("sqslab classroom reset: forgets every report; run again with --yes")
        print(refusal, file=sys.stderr)
        return 1
    board_queue.reset(sqs, board_queue.pair(sqs, board), store)
    emptied = _("classroom board {board} emptied (queue, dead letters and {file})")
    print(emptied.format(board=repr(board), file=store.path.name))
    return 0


def _reporting(func: Callable[[argparse.Namespace], int], name: str) -> Callable[..., int]:
    """``func`` with its errors said in one line on stderr (exit code 2), not as a traceback: a
    bad URL, a server that refuses (no board yet) or does not answer."""

    def run(args: argparse.Namespace) -> int:
        from botocore.exceptions import BotoCoreError, ClientError

        from sqslab.errors import LabConfigError

        try:
            return func(args)
        except LabConfigError as err:
            problem = str(err)
        except ClientError as err:
            problem = _("the server refused ({error})").format(error=err)
        except BotoCoreError as err:
            problem = _("the server does not answer ({error})").format(error=err)
        print(f"sqslab classroom {name}: {problem}", file=sys.stderr)
        return 2

    return run


def add_commands(sub: Any) -> None:
    """Register ``sqslab classroom ...`` on the CLI's subparsers."""
    top = sub.add_parser(
        "classroom", help=_("the classroom board: exercise checks reported over SQS")
    )
    actions = top.add_subparsers(dest="classroom_command", required=True)
    commands = {
        "create": (cmd_create, _("create the board queue and its DLQ on the room server")),
        "status": (cmd_status, _("drain the board queue and print who passed, hinted, is stuck")),
        "export": (cmd_export, _("drain, then write one CSV row per learner and exercise")),
        "reset": (cmd_reset, _("empty the board queue and DLQ and forget every report")),
    }
    board_help = _("queue name ({env})").format(env=classroom_report.ENV)
    room_help = _("learners to list; {room_file}").format(room_file=room_file_help())
    for name, (func, text) in commands.items():
        command = actions.add_parser(name, help=text)
        command.add_argument("--endpoint-url", default=None, help=_("the room server's URL"))
        command.add_argument("--board", default=None, help=board_help)
        command.add_argument("--state", type=Path, default=None, help=_("the board's state file"))
        command.add_argument("--room-file", default=None, help=room_help)
        command.set_defaults(func=_reporting(func, name))
        if name == "status":
            command.add_argument("--json", action="store_true", help=_("print the state as JSON"))
        if name == "export":
            command.add_argument("--out", default="classroom.csv", help=_("the CSV file to write"))
        if name == "reset":
            command.add_argument("--yes", action="store_true", help=_("really forget every report"))
