"""Classroom reports: what a learner's kernel sends to the board, what the board accepts, and the
attempt numbering that makes a re-run count once."""

from __future__ import annotations

import json

import pytest

from sqslab import classroom, classroom_report
from sqslab.classroom_report import MalformedReport, Report
from sqslab.exercises.base import Check

AT = "2026-12-06T10:00:00+00:00"


def report(**changes) -> Report:
    fields = dict(
        learner="alice", exercise="ex4.1", outcome="pass", attempt=1, session="ab12cd34", at=AT
    )
    return Report(**{**fields, **changes})


@pytest.mark.parametrize(
    ("value", "board"),
    [(None, "sqslab-classroom.fifo"), ("", "sqslab-classroom.fifo"), ("room7.fifo", "room7.fifo"),
     ("off", None), ("OFF", None), ("no", None)],
)  # fmt: skip
def test_the_board_is_named_by_the_environment_and_off_opts_out(value, board):
    environ = {} if value is None else {classroom_report.ENV: value}
    assert classroom_report.board_name(environ) == board


def test_a_report_travels_as_json_in_the_learners_group_with_a_deduplication_id():
    sent = report(outcome="hint", hint="no queue named '…' yet", attempt=3).send_args()
    assert sent["MessageGroupId"] == "alice"
    assert sent["MessageDeduplicationId"] == "alice-ex4.1-ab12cd34-3"
    assert classroom_report.parse(sent["MessageBody"]) == report(
        outcome="hint", hint="no queue named '…' yet", attempt=3
    )
    assert set(json.loads(sent["MessageBody"])) == {
        "learner", "exercise", "outcome", "attempt", "session", "at", "hint", "v"
    }  # fmt: skip


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("hello", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"learner": "alice"}', "the fields are"),
        (report(learner="Alice B").body(), "learner"),
        (report(exercise="4.1").body(), "exercise"),
        (report(outcome="maybe").body(), "outcome"),
        (report(attempt=0).body(), "attempt"),
        (report(attempt=True).body(), "attempt"),
        (report(at="yesterday").body(), "at is"),
        (report(at="2026-12-06T10:00:00").body(), "at is"),
        (report(v=2).body(), "version"),
        (report(hint="x" * 500).body(), "hint"),
    ],
)
def test_anything_but_a_report_is_malformed_and_says_why(body, says):
    with pytest.raises(MalformedReport, match=says):
        classroom_report.parse(body)


def test_a_hint_leaves_the_kernel_without_the_learners_values():
    text = "the queue 'alices-secret-name' has VisibilityTimeout \"45\"\nhint 2: more"
    assert classroom_report.blank_quotes(text) == "the queue '…' has VisibilityTimeout '…'"
    assert len(classroom_report.blank_quotes("y" * 400)) == classroom_report.MAX_HINT


def test_an_attempt_is_a_new_outcome_and_a_rerun_is_the_same_attempt():
    reporter = classroom.Reporter()
    wrong = Check("ex1.2", False, "no queue yet")
    other = Check("ex1.2", False, "not a standard queue")
    right = Check("ex1.2", True, "well done")
    numbers = [reporter.attempt(c) for c in (wrong, wrong, other, wrong, right, right)]
    assert numbers == [1, 1, 2, 3, 4, 4]
    assert reporter.attempt(Check("ex1.3", False, "no queue yet")) == 1  # per exercise


def test_nothing_is_reported_off_workshop_mode(lab, monkeypatch):
    check = Check("ex1.2", True, "well done")
    assert classroom.Reporter().report(check, lab) == ""  # embedded moto: not a workshop
    monkeypatch.setenv(classroom_report.ENV, "off")
    assert classroom.Reporter().report(check, lab) == ""


def test_a_check_shows_its_board_line_last():
    shown = repr(Check("ex1.2", False, "first", ("second",), board="(reported)"))
    assert shown.splitlines()[-1] == "  (reported)"
    assert repr(Check("ex1.2", True, "ok", board="(reported)")) == "PASS [ex1.2] ok\n  (reported)"
