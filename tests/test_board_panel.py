"""The instructor's board panel and chart, driven without a kernel on a rehearsal of the board."""

from __future__ import annotations

import threading

import pytest

from sqslab import board_queue, board_rehearsal
from sqslab.plots import board_progress
from sqslab.widgets import board as board_widget
from sqslab.widgets import board_panel


@pytest.fixture
def rehearsed(lab, tmp_path):
    queues = board_queue.create(lab.sqs, "sqslab-classroom.fifo")
    sent = board_rehearsal.rehearse(lab, queues.source_url)
    panel = board_panel(lab, queues, board_queue.BoardStore(tmp_path / "board.json"))
    return panel, sent, queues


def test_the_panel_drains_the_rehearsal_and_shows_the_room(rehearsed):
    panel, sent, _ = rehearsed
    state = panel.state
    assert len(state.reports) == sent.reports and state.malformed == 1
    assert f"{sent.reports} reports applied ({sent.reports} new)" in panel.counts.value
    assert "1 in its DLQ" in panel.counts.value
    assert 'data-learner="ana" data-exercise="ex1.1">passed<' in panel.grid.value
    assert 'data-learner="carla" data-exercise="ex2.1">hinted 4x<' in panel.grid.value
    assert 'data-learner="fabio" data-exercise="ex2.2">·<' in panel.grid.value
    assert "carla: ex2.1: 3 hints in 10 min" in panel.stuck.value
    assert "fabio: no report for" in panel.stuck.value
    assert panel.chart.value[:4] == b"\x89PNG"
    assert panel.live.disabled  # the virtual clock: refreshed by the button


def test_refresh_applies_what_arrived_since(rehearsed, lab):
    panel, sent, queues = rehearsed
    late = board_rehearsal.Report("ana", "ex2.3", "pass", 1, "0000beef", lab.now().isoformat())
    lab.sqs.send_message(QueueUrl=queues.source_url, **late.send_args())
    panel.button.click()
    assert "(1 new)" in panel.counts.value
    assert 'data-learner="ana" data-exercise="ex2.3">passed<' in panel.grid.value


def test_the_chart_counts_first_passes_over_time_and_per_exercise(rehearsed):
    state = rehearsed[0].state
    fig = board_progress(state)
    left, right = fig.axes
    steps = left.lines[0].get_ydata()
    assert steps[-1] == len({(r.learner, r.exercise) for r in state.reports if r.outcome == "pass"})
    labels = [t.get_text() for t in right.get_yticklabels()]
    assert labels == list(board_rehearsal.PATH)
    passed = [bar.get_width() for bar in right.containers[0]]
    hinted = [bar.get_width() for bar in right.containers[1]]
    assert passed[labels.index("ex2.1")] == 4 and hinted[labels.index("ex2.1")] == 1  # carla


def test_an_empty_board_says_so():
    assert board_widget.grid_html(board_queue.BoardState()) == "<i>no reports yet</i>"


def test_live_refreshes_in_the_background_until_switched_off(rehearsed, monkeypatch):
    panel = rehearsed[0]
    monkeypatch.setattr(board_widget, "LIVE_EVERY", 0.01)
    seen = threading.Event()
    monkeypatch.setattr(panel, "refresh", seen.set)
    panel.live.disabled = False
    panel.live.value = True
    assert seen.wait(5)
    panel.live.value = False
    assert panel._thread is None
