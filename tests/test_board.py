"""The classroom board's state: idempotent apply, the grid, who is stuck, progress, and the store."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqslab import board, board_queue
from sqslab.board import BoardState
from sqslab.classroom_report import Report

T0 = datetime.fromisoformat("2026-12-06T10:00:00+00:00")


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def rep(learner="alice", exercise="ex1.2", outcome="hint", attempt=1, minutes=0.0, session="aa11"):
    hint = "no queue yet" if outcome == "hint" else ""
    return Report(learner, exercise, outcome, attempt, session, at(minutes), hint)


def test_a_report_is_applied_once_however_often_it_arrives():
    state = BoardState()
    assert state.apply(rep()) and not state.apply(rep())
    assert len(state.reports) == 1 and state.duplicates == 1
    assert state.apply(rep(session="bb22"))  # another kernel's attempt 1 is another report


def test_the_grid_shows_passed_hinted_n_times_and_not_tried():
    state = BoardState()
    for report in (rep(attempt=1), rep(attempt=2), rep("bob", "ex1.1", "pass")):
        state.apply(report)
    grid = state.grid()
    assert list(grid) == ["alice", "bob"]
    assert grid["alice"]["ex1.2"] == board.Cell(board.HINTED, 2, "no queue yet")
    assert grid["alice"]["ex1.2"].label() == "hinted 2x"
    assert grid["bob"]["ex1.1"].status == board.PASSED
    assert grid["bob"]["ex1.2"].label() == "·"
    state.apply(rep(outcome="pass", attempt=3, minutes=1))
    assert state.cell("alice", "ex1.2") == board.Cell(board.PASSED, 2)


def test_every_exercise_of_the_course_is_a_column_in_course_order():
    exercises = BoardState().exercises()
    assert exercises[:2] == ["ex0.1", "ex0.2"] and "ex4.3" in exercises and "ex8.4" in exercises
    assert board.exercise_order("ex4.10") > board.exercise_order("ex4.9")


def test_three_hints_on_one_exercise_within_ten_minutes_is_stuck():
    state = BoardState()
    for n, minutes in enumerate((0, 4, 8), start=1):
        state.apply(rep(attempt=n, minutes=minutes))
    assert state.stuck(T0 + timedelta(minutes=9)) == [
        board.Stuck("alice", "ex1.2: 3 hints in 10 min, no pass")
    ]
    assert state.stuck(T0 + timedelta(minutes=10, seconds=30)) == []  # the first is too old now


def test_two_hints_or_a_pass_since_is_not_stuck():
    state = BoardState()
    state.apply(rep(attempt=1, minutes=0))
    state.apply(rep(attempt=2, minutes=1))
    assert state.stuck(T0 + timedelta(minutes=2)) == []
    state.apply(rep(attempt=3, minutes=2))
    state.apply(rep(outcome="pass", attempt=4, minutes=3))
    assert state.stuck(T0 + timedelta(minutes=4)) == []


def test_a_learner_silent_for_fifteen_minutes_is_listed():
    state = BoardState()
    state.apply(rep(outcome="pass"))
    assert state.stuck(T0 + timedelta(minutes=14, seconds=59)) == []
    assert state.stuck(T0 + timedelta(minutes=16)) == [board.Stuck("alice", "no report for 16 min")]


def test_progress_counts_first_passes_only():
    state = BoardState()
    for report in (
        rep(outcome="pass", minutes=2),
        rep(outcome="pass", attempt=2, minutes=3),  # alice passed ex1.2 again: not new progress
        rep("bob", "ex1.1", "pass", minutes=1),
        rep("bob", "ex1.2", "hint", minutes=4),
    ):
        state.apply(report)
    assert state.progress() == [(T0 + timedelta(minutes=1), 1), (T0 + timedelta(minutes=2), 2)]


def test_the_state_survives_the_store_and_malformed_messages_count_once(tmp_path):
    state = BoardState()
    state.apply(rep())
    state.apply(rep())
    state.note_malformed("m-1")
    state.note_malformed("m-1")
    store = board_queue.BoardStore(tmp_path / "board.json")
    with store.locked():
        store.save(state)
    again = store.load()
    assert again.reports == state.reports and again.duplicates == 1 and again.malformed == 1
    assert not again.apply(rep())  # the keys came back too
    summary = again.summary(T0)
    assert summary["hinted"] == {"alice": {"ex1.2": 1}} and summary["malformed"] == 1
    store.clear()
    assert store.load().reports == []


def test_the_default_store_is_one_file_per_room_and_board(monkeypatch, tmp_path):
    monkeypatch.delenv(board_queue.STATE_ENV, raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    store = board_queue.default_store("http://10.0.0.5:4566", "sqslab-classroom.fifo")
    assert store.path == tmp_path / "sqslab" / "classroom-10.0.0.5-4566-sqslab-classroom.json"
    monkeypatch.setenv(board_queue.STATE_ENV, str(tmp_path / "mine.json"))
    assert board_queue.default_store("http://x:1", "b.fifo").path == tmp_path / "mine.json"


def test_the_rooms_learners_are_listed_before_their_first_report(tmp_path, monkeypatch):
    from sqslab import room

    path = tmp_path / "sqslab-room.json"
    room.open_room(path)
    room.add_learner(path, "carol")
    assert board_queue.room_roster(path) == {"carol"}
    assert board_queue.room_roster(tmp_path / "none.json") == frozenset()  # no room: nobody
    store = board_queue.BoardStore(tmp_path / "board.json", board_queue.room_roster(path))
    state = store.load()
    assert state.grid()["carol"]["ex1.1"].label() == "·" and state.stuck(T0) == []
    monkeypatch.setenv("SQSLAB_ROOM_FILE", str(path))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    monkeypatch.delenv(board_queue.STATE_ENV, raising=False)
    assert board_queue.default_store("http://h:1", "b.fifo").roster == {"carol"}
