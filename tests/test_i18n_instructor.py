"""What the instructor's notebook (notebooks/instructor/classroom.ipynb) prints, in Portuguese once
``set_language("pt-BR")`` is called and in English by default: the board panel's buttons, counts,
grid and stuck list, the progress chart, and the simulated learners' hints of the rehearsal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sqslab import board, board_queue, board_rehearsal, classroom_report, i18n
from sqslab.classroom_report import Report
from sqslab.plots import board_progress
from sqslab.widgets import board as board_widget
from sqslab.widgets import board_panel

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def rehearsed(lab, tmp_path):
    """The notebook's rehearsal, drained by the panel, in the language set before it runs."""

    def run() -> board_widget.BoardPanel:
        queues = board_queue.create(lab.sqs, classroom_report.DEFAULT_BOARD)
        board_rehearsal.rehearse(lab, queues.source_url)
        return board_panel(lab, queues, board_queue.BoardStore(tmp_path / "board.json"))

    return run


def at(minutes: float) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat()


def hinted_state() -> board.BoardState:
    """alice hinted 3 times on ex1.2 and passed ex1.1; bob hinted once on ex1.2."""
    state = board.BoardState()
    state.apply(Report("alice", "ex1.1", "pass", 1, "00aa", at(0)))
    for attempt in (1, 2, 3):
        state.apply(Report("alice", "ex1.2", "hint", attempt, "00aa", at(attempt), "create it"))
    state.apply(Report("bob", "ex1.2", "hint", 1, "00bb", at(1), "create it"))
    return state


def test_the_panel_in_portuguese(lab, portuguese, rehearsed):
    panel = rehearsed()
    assert (panel.button.description, panel.live.description) == ("atualizar", "ao vivo")
    assert panel.counts.value == (
        "6 alunos · 54 relatórios aplicados (54 nesta atualização) · duplicatas descartadas: 0 · "
        "mensagens malformadas: 1 · fila do painel: 0 aguardando, 0 em trânsito, 1 na DLQ"
    )
    assert "<th>aluno</th>" in panel.grid.value
    assert 'data-learner="ana" data-exercise="ex1.1">concluído<' in panel.grid.value
    assert 'data-learner="carla" data-exercise="ex2.1">4 dicas<' in panel.grid.value
    assert 'data-learner="fabio" data-exercise="ex2.2">·<' in panel.grid.value
    assert panel.stuck.value.startswith("<b>travados:</b><ul>")
    assert "carla: ex2.1: 3 dicas em 10 min, sem concluir" in panel.stuck.value
    assert "fabio: nenhum relatório há 19 min" in panel.stuck.value


def test_the_panel_in_english_by_default(lab, rehearsed):
    panel = rehearsed()
    assert (panel.button.description, panel.live.description) == ("refresh", "live")
    assert panel.counts.value == (
        "6 learners · 54 reports applied (54 new) · 0 duplicates dropped · 1 malformed · "
        "board queue: 0 waiting, 0 in flight, 1 in its DLQ"
    )
    assert "<th>learner</th>" in panel.grid.value
    assert 'data-learner="carla" data-exercise="ex2.1">hinted 4x<' in panel.grid.value
    assert "carla: ex2.1: 3 hints in 10 min, no pass" in panel.stuck.value
    assert "fabio: no report for 19 min" in panel.stuck.value


def test_the_rehearsals_hints_in_portuguese_fit_a_report(lab, portuguese, rehearsed):
    panel = rehearsed()
    hints = {r.hint for r in panel.state.reports if r.outcome == "hint"}
    assert "ainda não existe uma fila chamada '…': crie-a como fila padrão (seção 1)" in hints
    assert 'title="3 de 25 pedidos não foram enviados' in panel.grid.value
    assert all(len(i18n._(h)) <= classroom_report.MAX_HINT for h in board_rehearsal.HINTS.values())
    assert panel.state.malformed == 1  # only the junk message: every Portuguese report parsed


def test_the_rehearsals_hints_in_english_by_default(lab, rehearsed):
    hints = {r.hint for r in rehearsed().state.reports if r.outcome == "hint"}
    assert hints <= set(board_rehearsal.HINTS.values()) and len(hints) == 5


def test_one_hint_and_many_in_portuguese(portuguese):
    grid = hinted_state().grid()
    assert grid["bob"]["ex1.2"].label() == "1 dica"
    assert grid["alice"]["ex1.2"].label() == "3 dicas"
    assert grid["alice"]["ex1.1"].label() == "concluído"
    assert grid["bob"]["ex1.1"].label() == "·"


def test_hint_labels_in_english_by_default():
    grid = hinted_state().grid()
    assert [grid["bob"]["ex1.2"].label(), grid["alice"]["ex1.2"].label()] == [
        "hinted 1x",
        "hinted 3x",
    ]
    assert grid["alice"]["ex1.1"].label() == "passed"


def test_an_empty_board_and_nobody_stuck_in_portuguese(portuguese):
    empty = board.BoardState()
    assert board_widget.grid_html(empty) == "<i>nenhum relatório ainda</i>"
    assert board_widget.stuck_html(empty, T0) == "<b>travados:</b> ninguém"


def test_an_empty_board_and_nobody_stuck_in_english_by_default():
    empty = board.BoardState()
    assert board_widget.grid_html(empty) == "<i>no reports yet</i>"
    assert board_widget.stuck_html(empty, T0) == "<b>stuck:</b> nobody"


def test_one_learner_and_one_report_in_portuguese(portuguese):
    state = board.BoardState()
    state.apply(Report("alice", "ex1.1", "pass", 1, "00aa", at(0)))
    depth = {"waiting": 2, "in_flight": 1, "dead_letters": 0}
    assert board_widget.counts_text(state, 1, depth) == (
        "1 aluno · 1 relatório aplicado (1 nesta atualização) · duplicatas descartadas: 0 · "
        "mensagens malformadas: 0 · fila do painel: 2 aguardando, 1 em trânsito, 0 na DLQ"
    )


def test_one_learner_and_one_report_in_english_by_default():
    state = board.BoardState()
    state.apply(Report("alice", "ex1.1", "pass", 1, "00aa", at(0)))
    depth = {"waiting": 2, "in_flight": 1, "dead_letters": 0}
    assert board_widget.counts_text(state, 1, depth) == (
        "1 learner · 1 report applied (1 new) · 0 duplicates dropped · 0 malformed · "
        "board queue: 2 waiting, 1 in flight, 0 in its DLQ"
    )


def test_the_progress_chart_in_portuguese(portuguese):
    left, right = board_progress(hinted_state()).axes
    assert left.get_title() == "a turma: exercícios concluídos"
    assert left.get_xlabel() == "minutos desde o primeiro relatório"
    assert left.get_ylabel() == "concluídos (aluno x exercício)"
    assert (right.get_title(), right.get_xlabel()) == ("por exercício", "alunos")
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["concluído", "com dicas"]
    assert [t.get_text() for t in right.get_yticklabels()] == ["ex1.1", "ex1.2"]


def test_the_progress_chart_in_english_by_default():
    left, right = board_progress(hinted_state()).axes
    assert left.get_title() == "the room: exercises passed"
    assert left.get_xlabel() == "minutes since the first report"
    assert left.get_ylabel() == "passed (learner x exercise)"
    assert (right.get_title(), right.get_xlabel()) == ("per exercise", "learners")
    assert [t.get_text() for t in right.get_legend().get_texts()] == ["passed", "on hints"]


def test_a_title_given_to_the_chart_is_kept_in_either_language(portuguese):
    left = board_progress(hinted_state(), title="sala 2").axes[0]
    assert left.get_title() == "sala 2: exercícios concluídos"
