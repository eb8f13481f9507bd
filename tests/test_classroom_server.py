"""The classroom board end to end on a real `sqslab server` on loopback: two learner processes run
checks, the instructor's CLI drains the board, and what it prints is exactly what they did."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqslab import classroom_report, cli, workshop
from sqslab.emulator.server import server_process

LEARNER = """
import sqslab
lab = sqslab.start(quiet=True)
sqs = lab.sqs
sqs.create_queue(QueueName="payments.fifo", Attributes={
    "FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "120"})
print(repr(sqslab.exercises.check_payments_fifo(sqs)))      # a pass
print(repr(sqslab.exercises.check_thumbnails_queue(sqs)))   # a hint
print(repr(sqslab.exercises.check_thumbnails_queue(sqs)))   # the same cell run again
"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with server_process() as url:
        yield url


def learner_env(url: str, name: str) -> dict[str, str]:
    return {
        **os.environ,
        "SQSLAB_BACKEND": "endpoint",
        "SQSLAB_ENDPOINT_URL": url,
        "SQSLAB_NAMESPACE": name,
        classroom_report.ENV: BOARD,
    }


BOARD = "classtest.fifo"


def run_learner(url: str, name: str, code: str = LEARNER) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=learner_env(url, name),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.splitlines()


def status(url: str, state: Path, capsys) -> dict:
    capsys.readouterr()
    args = ["classroom", "status", "--json", "--endpoint-url", url, "--board", BOARD]
    assert cli.main([*args, "--state", str(state)]) == 0
    return json.loads(capsys.readouterr().out)


def test_two_learners_checks_reach_the_board_once_each(server, tmp_path, capsys):
    assert cli.main(["classroom", "create", "--endpoint-url", server, "--board", BOARD]) == 0
    alice, bob = run_learner(server, "alice"), run_learner(server, "bob")
    assert alice[0].startswith("PASS [ex1.1]") and alice[2].startswith("HINT [ex1.2]")
    assert alice[1] == "  (reported to the classroom board as alice, attempt 1)"
    assert alice[-1].endswith("attempt 1; same outcome as before, counted once)")
    assert bob[1] == "  (reported to the classroom board as bob, attempt 1)"
    state = status(server, tmp_path / "board.json", capsys)
    assert state["learners"] == ["alice", "bob"]
    assert state["passed"] == {"alice": ["ex1.1"], "bob": ["ex1.1"]}
    assert state["hinted"] == {"alice": {"ex1.2": 1}, "bob": {"ex1.2": 1}}  # the re-run: once
    assert state["reports_applied"] == 4 and state["queue"]["waiting"] == 0

    # a malformed message: released, moved to the DLQ by the redrive policy, counted once
    sqs = workshop.room_client(server)
    board_url = sqs.get_queue_url(QueueName=BOARD)["QueueUrl"]
    sqs.send_message(QueueUrl=board_url, MessageBody="not a report", MessageGroupId="mallory",
                     MessageDeduplicationId="m1")  # fmt: skip
    state = status(server, tmp_path / "board.json", capsys)
    assert state["malformed"] == 1 and state["this_drain"]["malformed"] == 1
    assert state["queue"] == {"waiting": 0, "in_flight": 0, "dead_letters": 1}
    assert state["reports_applied"] == 4  # the board kept going

    # the board's state survives and the CSV has a row per learner and exercise
    out = tmp_path / "day.csv"
    args = ["classroom", "export", "--endpoint-url", server, "--board", BOARD]
    assert cli.main([*args, "--state", str(tmp_path / "board.json"), "--out", str(out)]) == 0
    rows = out.read_text().splitlines()
    assert "alice,ex1.1,passed,0,1," in "\n".join(rows) and rows[0].startswith("learner,")

    # reset: empty queue, DLQ and state
    args = ["classroom", "reset", "--yes", "--endpoint-url", server, "--board", BOARD]
    assert cli.main([*args, "--state", str(tmp_path / "board.json")]) == 0
    state = status(server, tmp_path / "board.json", capsys)
    assert state["learners"] == [] and state["queue"]["dead_letters"] == 0


STOPPED = """
import subprocess, sys, time
import sqslab
lab = sqslab.start(quiet=True)
print("READY", flush=True)
sys.stdin.readline()  # the test stops the server, then says go
started = time.monotonic()
print(repr(sqslab.exercises.check_order_books(None)))
print(f"SECONDS {time.monotonic() - started:.2f}")
"""


def test_with_the_server_gone_a_check_still_prints_its_result_at_once(tmp_path):
    with server_process() as url:
        assert cli.main(["classroom", "create", "--endpoint-url", url, "--board", BOARD]) == 0
        learner = subprocess.Popen(
            [sys.executable, "-c", STOPPED],
            env=learner_env(url, "alice"),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert learner.stdout is not None and learner.stdout.readline().strip() == "READY"
    time.sleep(0.2)  # the server process is gone
    out, _ = learner.communicate("go\n", timeout=60)
    lines = out.splitlines()
    assert lines[0].startswith("HINT [ex7.5]")
    assert "not reported to the classroom board" in lines[-2] and "unaffected" in lines[-2]
    assert float(lines[-1].split()[1]) < 2.0
