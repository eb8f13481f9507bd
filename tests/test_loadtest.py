"""The workshop load test: 30 learners on one room server at once, isolated, nothing lost."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sqslab import loadtest, loadtest_board, room
from sqslab.emulator.server import server_process
from sqslab.errors import LabConfigError


@pytest.fixture(scope="module")
def room_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A `sqslab server --room` in its own process and its key file (no learners yet)."""
    path = tmp_path_factory.mktemp("room") / room.DEFAULT_FILE
    room.open_room(path)
    with server_process(room_file=path) as url:
        yield url, path


def test_thirty_learners_share_one_room_server_without_errors_or_losses(room_server):
    url, path = room_server
    report = loadtest.run_room(url, learners=30, messages=40, room_file=path)
    print(report.summary())
    assert len(report.runs) == 30 and report.errors == 0
    assert report.lost == 0 and report.foreign == 0 and report.isolated()
    assert all(len(run.sent) == 40 and run.duplicates == 0 for run in report.runs)
    assert report.probes == 30 * 3 and report.denied == report.probes
    assert len(room.learners(path)) == 30
    # each learner: create, 4 batch sends, receives and deletes, list, 3 probes -> at least 10
    assert report.requests >= 30 * 10 and report.p95_ms > 0
    # the classroom board: 4 checks each, one a re-run; every report on the board exactly once
    board = report.board
    assert board is not None and board.exact() and board.errors == []
    assert len(board.sent) == len(board.applied) == 30 * 3 and board.resent == 30
    assert all(latency > 0 for latency in board.latencies())
    assert "reports_sent=90 applied=90 duplicates_dropped=30 board_exact=True" in report.summary()


def test_the_board_is_exact_only_when_every_report_arrived_once():
    run = loadtest_board.BoardRun(sent={"a": 1.0, "b": 1.0}, applied={"a": 1.2, "b": 1.5})
    assert run.exact() and sorted(run.latencies()) == pytest.approx([0.2, 0.5])
    missing = loadtest_board.BoardRun(sent={"a": 1.0, "b": 1.0}, applied={"a": 1.2})
    stranger = loadtest_board.BoardRun(sent={"a": 1.0}, applied={"a": 1.2, "z": 1.3})
    failed = loadtest_board.BoardRun(sent={"a": 1.0}, applied={"a": 1.2}, errors=["refused"])
    assert not missing.exact() and not stranger.exact() and not failed.exact()


def test_a_plain_server_lets_learners_read_each_other_so_it_is_not_isolated(room):
    report = loadtest.run_room(room, learners=3, messages=4)
    assert report.probes == 9 and report.denied == 0 and not report.isolated()


def test_a_cross_read_that_is_not_refused_breaks_isolation():
    run = loadtest.LearnerRun("learner01", probes=3, denied=2)
    assert not loadtest.LoadReport([run], 1.0).isolated()
    assert loadtest.LoadReport(
        [loadtest.LearnerRun("learner01", probes=3, denied=3)], 1.0
    ).isolated()
    assert not loadtest.LoadReport([loadtest.LearnerRun("learner01")], 1.0).isolated()


def test_a_learner_seeing_another_learners_message_breaks_isolation():
    run = loadtest.LearnerRun("learner01", sent={"learner01:0"}, received=["learner02:0"])
    report = loadtest.LoadReport([run], 1.0)
    assert run.foreign == ["learner02:0"] and run.lost == {"learner01:0"}
    assert not report.isolated() and report.lost == 1


def test_a_queue_listed_outside_the_namespace_breaks_isolation():
    run = loadtest.LearnerRun(
        "learner01", queue_urls=["http://127.0.0.1:1/123456789012/orders"], probes=3, denied=3
    )
    assert not loadtest.LoadReport([run], 1.0).isolated()


@pytest.mark.parametrize(
    ("values", "expected"), [([], 0.0), ([5.0], 5.0), (list(map(float, range(1, 21))), 19.0)]
)
def test_p95_is_the_nearest_rank(values, expected):
    assert loadtest.percentile(values, 95) == expected


def test_only_loopback_servers_are_load_tested():
    with pytest.raises(LabConfigError, match="only against a server on this machine"):
        loadtest.run_room("http://10.0.0.5:4566", learners=1)


def test_the_command_prints_the_summary_and_exits_zero(room_server, capsys):
    url, path = room_server
    argv = ["--endpoint-url", url, "--room-file", str(path), "--learners", "3", "--messages", "12"]
    assert loadtest.main(argv) == 0
    line = capsys.readouterr().out
    assert "learners=3 " in line and " errors=0 " in line and "p95_ms=" in line
    assert " isolated=True denied=9/9 " in line and " board_exact=True " in line


def test_the_command_fails_on_a_plain_server_and_says_why(room, capsys):
    assert loadtest.main(["--endpoint-url", room, "--learners", "2", "--messages", "2"]) == 1
    out = capsys.readouterr().out
    assert "isolated=False denied=0/6" in out and "sqslab server --room" in out
