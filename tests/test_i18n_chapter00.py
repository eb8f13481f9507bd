"""What chapter 0 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks' hints and what surrounds them, the table of backends, the trace table, the
chart, the clock panel, the real-clock lines and the wrong-argument hints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from sqslab import exercises, i18n, plots, realclock, tables, widgets
from sqslab.errors import LabConfigError, LimitError, WrongTypeError
from sqslab.lab import BACKENDS, Lab, start

EPOCH = datetime(2026, 1, 5, 9, tzinfo=UTC)
SAMPLES = [(EPOCH, 1, 0), (EPOCH + timedelta(hours=1), 0, 1)]


def test_n_marks_a_text_without_translating_it(portuguese):
    assert i18n.N_("refresh") == "refresh"
    assert i18n._(i18n.N_("refresh")) == "atualizar"


def test_a_check_hint_and_its_help_line_in_portuguese(lab, portuguese):
    check = exercises.check_first_roundtrip(lab, hint=2)
    assert repr(check).splitlines() == [
        "HINT [ex0.1] ainda não existe uma fila chamada 'hello': crie-a primeiro (seção 3)",
        "  dica 2: create_queue responde com a URL da fila, que todas as outras chamadas recebem",
        "  (mais ajuda: rode a verificação de novo ou passe hint=3)",
    ]


def test_a_check_hint_and_its_help_line_in_english_by_default(lab):
    check = exercises.check_first_roundtrip(lab, hint=2)
    assert repr(check).splitlines() == [
        "HINT [ex0.1] there is no queue named 'hello' yet: create it first (section 3)",
        "  hint 2: create_queue answers with the queue's URL, which every other call takes",
        "  (more help: run the check again, or pass hint=3)",
    ]


def test_exercise_0_1_passes_in_portuguese_and_counts_what_is_left(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="hello")["QueueUrl"]
    for body in ("ping", "pong"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    reply = sqs.receive_message(QueueUrl=url)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=reply["Messages"][0]["ReceiptHandle"])
    assert exercises.check_first_roundtrip(lab).message == (
        "ainda resta 1 mensagem em 'hello': receba-a e exclua-a"
    )
    sqs.purge_queue(QueueUrl=url)
    check = exercises.check_first_roundtrip(lab)
    assert repr(check).startswith("PASS [ex0.1] você enviou, recebeu e excluiu uma mensagem")


def test_exercise_0_2_hints_in_portuguese_keep_the_code_as_it_is(lab, sqs, portuguese):
    assert "ainda não existe uma fila chamada 'second-chance'" in (
        exercises.check_comes_back(lab).message
    )
    url = sqs.create_queue(QueueName="second-chance")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="again")
    sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)
    check = exercises.check_comes_back(lab, hint=2)
    assert check.hints == (
        "ela foi recebida só uma vez: deixe passar os dez minutos no relógio do laboratório e "
        "receba-a de novo (seção 4)",
        "lab.wait(601) avança o relógio do laboratório (time.sleep não avança)",
    )
    lab.wait(601)
    sqs.receive_message(QueueUrl=url)
    assert exercises.check_comes_back(lab).message.startswith(
        "a mensagem que você não excluiu voltou depois do tempo limite de visibilidade"
    )


def test_a_wrong_argument_hint_in_portuguese(lab, portuguese):
    check = exercises.check_first_roundtrip(lab.sqs)
    assert check.message == (
        "lab deveria ser o laboratório que sqslab.start() devolveu (lab), mas recebeu o cliente "
        "SQS: chame sqslab.exercises.check_first_roundtrip(lab) com os nomes que o seu notebook "
        "usa"
    )
    with pytest.raises(WrongTypeError, match="hint= recebe um número inteiro a partir de 1"):
        exercises.check_first_roundtrip(lab, hint=0)


def test_a_wrong_argument_hint_in_english_by_default(lab):
    assert exercises.check_comes_back(lab, queue=7).message.startswith(
        "queue should be a queue name as text, e.g. 'orders', but it got int 7: call "
    )


def test_the_backend_table_in_portuguese_and_in_english(lab):
    table = tables.Table(("backend", "what it is"), BACKENDS.items())
    assert repr(table).splitlines()[1].startswith("moto      moto embedded in this kernel")
    i18n.set_language("pt-BR")
    assert repr(table).splitlines()[1] == (
        "moto      moto embutido neste kernel, relógio virtual (padrão; nunca acessa a AWS)"
    )
    assert "<td>a AWS de verdade; só com SQSLAB_BACKEND=aws no ambiente</td>" in (
        table._repr_html_()
    )
    # the cells stay English inside: a column is looked up by its English name
    assert table.column("what it is")[3] == BACKENDS["aws"]


def test_a_table_shows_unmarked_cells_and_empty_ones_as_they_are(portuguese):
    table = tables.Table(("queue", "error"), [("orders", ""), ("welcome", "QueueDoesNotExist")])
    assert repr(table).splitlines() == [
        "fila     erro",
        "orders",
        "welcome  QueueDoesNotExist",
    ]


def test_the_trace_table_headers_in_portuguese(lab, sqs, portuguese):
    sqs.create_queue(QueueName="welcome")
    header = repr(lab.trace.table()).splitlines()[0].split()
    assert header == [
        "seq",
        "hora",
        "operação",
        "fila",
        "entradas",
        "bytes",
        "recebidas",
        "falhas",
        "erro",
    ]
    assert "CreateQueue" in repr(lab.trace.table())


def test_the_trace_table_headers_in_english_by_default(lab, sqs):
    sqs.create_queue(QueueName="welcome")
    assert repr(lab.trace.table()).split()[:3] == ["seq", "time", "operation"]


def test_the_queue_depth_chart_in_portuguese(portuguese):
    ax = plots.queue_depth(SAMPLES).axes[0]
    assert ax.get_xlabel() == "horas desde 09:00 (relógio do laboratório)"
    assert ax.get_ylabel() == "mensagens"
    assert ax.get_title() == "O que a fila guarda ao longo do tempo"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "visíveis",
        "em trânsito (não visíveis)",
    ]


def test_the_queue_depth_chart_in_english_by_default():
    ax = plots.queue_depth(SAMPLES).axes[0]
    assert ax.get_xlabel() == "hours since 09:00 (lab clock)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "visible",
        "in flight (not visible)",
    ]


def test_the_clock_panel_in_portuguese(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="clocked")["QueueUrl"]
    panel = widgets.clock_panel(lab, url)
    assert [b.description for b in panel.buttons] == ["+1 minuto", "+1 hora", "+12 horas"]
    panel.buttons[1].click()
    assert panel.state.value == (
        "hora do laboratório <b>2026-01-05 10:00:00</b> UTC · visíveis <b>0</b> · "
        "em trânsito <b>0</b> · atrasadas <b>0</b>"
    )


def test_the_clock_panel_in_english_by_default(lab, sqs):
    url = sqs.create_queue(QueueName="clocked")["QueueUrl"]
    panel = widgets.clock_panel(lab, url)
    assert [b.description for b in panel.buttons] == ["+1 minute", "+1 hour", "+12 hours"]
    assert panel.state.value.startswith("lab time <b>2026-01-05 09:00:00</b> UTC · visible")


def test_the_clock_panel_on_a_real_clock_in_portuguese(lab, sqs, portuguese, monkeypatch):
    url = sqs.create_queue(QueueName="clocked")["QueueUrl"]
    monkeypatch.setattr(Lab, "virtual_time", property(lambda _self: False))
    panel = widgets.clock_panel(lab, url)
    assert panel.reload.description == "atualizar"
    assert panel.note.value.startswith("relógio real: neste backend o tempo não pode saltar")


def test_the_real_clock_lines_in_portuguese(portuguese, capsys):
    real = SimpleNamespace(virtual_time=False)
    realclock.demo_time(real, 3600)  # type: ignore[arg-type]
    assert capsys.readouterr().out == (
        "relógio real: esta demonstração roda 3600 vezes mais rápido do que está escrita; toda "
        "duração nela passa por demo(...), então 1 h dura 1 s aqui\n"
    )
    assert (realclock.span(86400), realclock.span(3 * 86400)) == ("1 dia", "3 dias")
    with pytest.raises(LimitError, match="speedup é um número a partir de 1"):
        realclock.demo_time(real, 0)  # type: ignore[arg-type]


def test_the_real_clock_lines_in_english_by_default(capsys):
    realclock.demo_time(SimpleNamespace(virtual_time=False), 60)  # type: ignore[arg-type]
    assert capsys.readouterr().out.startswith("real clock: this demo runs 60 times faster")
    assert (realclock.span(86400), realclock.span(3 * 86400)) == ("1 day", "3 days")


def test_an_unknown_backend_is_refused_in_portuguese_with_the_choices(monkeypatch):
    monkeypatch.delenv("SQSLAB_BACKEND", raising=False)
    with pytest.raises(LabConfigError) as refused:
        start("mota", lang="pt-BR")
    assert str(refused.value).splitlines()[:2] == [
        "o sqslab não conhece o backend 'mota'; escolha um destes:",
        "  moto: moto embutido neste kernel, relógio virtual (padrão; nunca acessa a AWS)",
    ]
    with pytest.raises(LabConfigError, match="^unknown sqslab backend 'mota'; choose one of:\n"):
        start("mota", lang="en")
