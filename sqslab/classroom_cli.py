"""``sqslab classroom create|status|export|reset``: the instructor's classroom board from a shell.

``status`` first drains the board queue into the board's state file (the same one the board
notebook uses), then prints the state; ``--json`` prints it for scripts.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqslab import board_queue, classroom_report
from sqslab.room import ROOM_FILE_HELP

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
    sqs, board, _ = _context(args)
    queues = board_queue.create(sqs, board)
    print(f"classroom board ready: {queues.source_url} (dead letters: {queues.dlq_url})")
    print(f"learners report to it while SQSLAB_CLASSROOM is unset or {board!r}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    sqs, board, store = _context(args)
    queues = board_queue.pair(sqs, board)
    drained = board_queue.drain(sqs, queues.source_url, store)
    state = store.load()
    summary = {
        **state.summary(datetime.now(UTC)),
        "queue": board_queue.depth(sqs, queues),
        "this_drain": vars(drained),
    }
    if args.json:
        print(json.dumps(summary, indent=2, sort_keys=True))
        return 0
    print(f"{len(summary['learners'])} learners, {summary['reports_applied']} reports applied, "
          f"{summary['duplicates_dropped']} duplicates dropped, {summary['malformed']} malformed")  # fmt: skip
    for learner in summary["learners"]:
        passed = ", ".join(summary["passed"][learner]) or "-"
        hinted = ", ".join(f"{ex} ({n}x)" for ex, n in summary["hinted"][learner].items()) or "-"
        print(f"  {learner:20} passed: {passed}   hinted: {hinted}")
    for stuck in summary["stuck"]:
        print(f"  STUCK {stuck['learner']}: {stuck['reason']}")
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
    print(f"wrote {out} ({len(state.learners)} learners)")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    sqs, board, store = _context(args)
    if not args.yes:
        print("sqslab classroom reset: forgets every report; run again with --yes", file=sys.stderr)
        return 1
    board_queue.reset(sqs, board_queue.pair(sqs, board), store)
    print(f"classroom board {board!r} emptied (queue, dead letters and {store.path.name})")
    return 0


def add_commands(sub: Any) -> None:
    """Register ``sqslab classroom ...`` on the CLI's subparsers."""
    top = sub.add_parser("classroom", help="the classroom board: exercise checks reported over SQS")
    actions = top.add_subparsers(dest="classroom_command", required=True)
    commands = {
        "create": (cmd_create, "create the board queue and its DLQ on the room server"),
        "status": (cmd_status, "drain the board queue and print who passed, hinted, is stuck"),
        "export": (cmd_export, "drain, then write one CSV row per learner and exercise"),
        "reset": (cmd_reset, "empty the board queue and DLQ and forget every report"),
    }
    for name, (func, text) in commands.items():
        command = actions.add_parser(name, help=text)
        command.add_argument("--endpoint-url", default=None, help="the room server's URL")
        command.add_argument("--board", default=None, help=f"queue name ({classroom_report.ENV})")
        command.add_argument("--state", type=Path, default=None, help="the board's state file")
        command.add_argument(
            "--room-file", default=None, help=f"learners to list; {ROOM_FILE_HELP}"
        )
        command.set_defaults(func=func)
        if name == "status":
            command.add_argument("--json", action="store_true", help="print the state as JSON")
        if name == "export":
            command.add_argument("--out", default="classroom.csv", help="the CSV file to write")
        if name == "reset":
            command.add_argument("--yes", action="store_true", help="really forget every report")
