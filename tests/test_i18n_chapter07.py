"""What chapter 7 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks of exercises 7.1-7.6 (hints and passes, the consumer's scenarios), the
pipeline's summary and DLQ reasons, the ledger, the reconciliation, the guide's run (summary,
deviations, log) and its comparison with the right pipeline, and the comparison chart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from capstone_answers import answers

from sqslab import exercises, i18n, naive, orders, plots, tables
from sqslab.exercises.capstone_redrive import dead_lettered
from sqslab.exercises.capstone_scenarios import SCENARIOS
from sqslab.lab import Lab, start


def nothing(*_args: Any) -> None:
    """A learner's function that does nothing yet."""


def test_exercise_7_1_hints_in_portuguese(lab, portuguese):
    assert exercises.check_order_queues(lab, None).message == (
        "defina create_order_queues(sqs, name) na célula acima e depois rode esta verificação"
    )
    check = exercises.check_order_queues(lab, nothing, hint=2)
    assert check.hints == (
        "create_order_queues devolveu None; ela deveria criar a DLQ e a fila, e devolver as duas "
        "URLs, a da fila primeiro",
        "create_queue responde com um dict cujo 'QueueUrl' é a URL da nova fila",
    )
    assert repr(check).startswith("HINT [ex7.1] create_order_queues devolveu None")

    def standard(sqs: Any, name: str) -> tuple[str, str]:
        dlq = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
        return sqs.create_queue(QueueName=name)["QueueUrl"], dlq

    assert exercises.check_order_queues(lab, standard).message.startswith(
        "a fila (a primeira URL) é uma fila padrão: os pedidos de cada cliente precisam manter a "
        "ordem"
    )


def test_exercise_7_1_passes_in_portuguese(lab, portuguese):
    check = exercises.check_order_queues(lab, answers(lab).create_order_queues)
    assert repr(check) == (
        "PASS [ex7.1] as duas filas são FIFO, a fila espera 30 s antes de uma nova tentativa, e "
        "um pedido envenenado que falhou em cada um dos seus 3 recebimentos foi para a DLQ, uma vez."
    )


def test_exercise_7_1_in_english_by_default(lab):
    assert exercises.check_order_queues(lab, nothing).message.startswith(
        "create_order_queues returned None; it should create the DLQ and the queue"
    )


def test_exercise_7_2_hints_and_pass_in_portuguese(lab, portuguese):
    assert exercises.check_order_producer(lab, nothing).message == (
        "send_orders não enviou nada: ela deveria enviar os pedidos com send_message_batch"
    )

    def one_by_one(sqs: Any, queue_url: str, order_list: list[Any]) -> None:
        for order in order_list:
            sqs.send_message(
                QueueUrl=queue_url,
                MessageBody=order.body,
                MessageGroupId=order.customer_id,
                MessageDeduplicationId=order.order_id,
            )

    assert exercises.check_order_producer(lab, one_by_one).message.startswith(
        "send_orders chamou SendMessage "
    )
    assert (
        "vezes, uma solicitação por pedido"
        in exercises.check_order_producer(lab, one_by_one).message
    )
    check = exercises.check_order_producer(lab, answers(lab).send_orders)
    assert check.passed
    assert check.message.startswith(
        "os 35 pedidos chegaram à fila uma única vez, cada um no grupo do próprio cliente"
    )
    assert check.message.endswith("o SQS descartou todo pedido enviado pela segunda vez.")


def test_exercise_7_3_scenarios_hints_and_pass_in_portuguese(lab, portuguese):
    assert [s.fault for s in SCENARIOS][:3] == [
        "nenhuma falha",
        "ORD-10001 falhou uma vez porque o gateway de pagamento estourou o tempo",
        "o worker caiu enquanto processava ORD-10010",
    ]
    assert SCENARIOS[-1].fault == "ORD-10013, um pedido envenenado, falhou todas as vezes"
    assert exercises.check_order_consumer(lab, nothing).message == (
        "consume_orders retornou sem receber nada: ela deveria receber os pedidos com "
        "receive_message, processá-los e retornar assim que uma sondagem longa voltar vazia"
    )
    check = exercises.check_order_consumer(lab, answers(lab).consume_orders)
    assert check.passed
    assert check.message.startswith(
        "em 7 execuções, todo pedido foi processado uma vez, na ordem dos pedidos do próprio cliente"
    )
    assert "o worker caiu enquanto processava ORD-10010" in check.message


def test_exercise_7_3_scenarios_in_english_by_default():
    assert SCENARIOS[5].fault == (
        "ORD-10001 took 45 s, more than the 30 s visibility timeout, while a second worker "
        "polled the queue"
    )


def test_exercise_7_4_hint_and_pass_in_portuguese(lab, portuguese):
    check = exercises.check_order_redrive(lab, nothing, hint=2)
    assert check.hints == (
        "redrive_after_fix não iniciou nenhuma tarefa de movimentação de mensagens: os 3 pedidos "
        "da DLQ ficam lá (ou, movidos à mão, perdem o lugar). Inicie uma com "
        "start_message_move_task.",
        "SourceArn é o ARN da DLQ (get_queue_attributes, QueueArn); sem DestinationArn, os "
        "pedidos voltam para a fila de onde vieram",
    )
    check = exercises.check_order_redrive(lab, answers(lab).redrive_after_fix)
    assert repr(check) == (
        "PASS [ex7.4] a correção saiu primeiro, a tarefa de movimentação trouxe de volta os 3 "
        "pedidos e estava em COMPLETED quando redrive_after_fix retornou, e os consumidores "
        "corrigidos processaram todos: a DLQ está vazia."
    )


def test_exercise_7_5_hints_and_pass_in_portuguese(lab, portuguese):
    assert exercises.check_order_books(nothing).message == (
        "reconcile_books devolveu None; devolva um dict com as chaves missing, duplicated, "
        "out_of_order, revenue_gap_cents"
    )

    def nothing_wrong(*_args: Any) -> dict[str, Any]:
        return {"missing": [], "duplicated": [], "out_of_order": [], "revenue_gap_cents": 0}

    assert exercises.check_order_books(nothing_wrong).hints == (
        "em uma execução em que ORD-10005 foi processado duas vezes e ORD-10003 se perdeu, "
        "missing é [], não ['ORD-10003']. missing lista os pedidos que não estão nem no "
        "livro-razão nem em dlq_orders; ORD-10003 deveria(m) estar ali",
        "o livro-razão está na ordem de processamento; cada entrada tem order_id, customer_id, "
        "created_at, total_cents e phase",
    )
    check = exercises.check_order_books(answers(lab).reconcile_books)
    assert repr(check).startswith("PASS [ex7.5] reconcile_books fechou as contas de 6 execuções")


def test_exercise_7_6_first_hints_in_portuguese(portuguese):
    assert exercises.check_guide_stuck(None, None, None).message == (
        "rode primeiro o pipeline do guia: nv = naive.run_naive(lab, data)"
    )


@pytest.fixture(scope="module")
def runs() -> Iterator[tuple[Lab, naive.NaiveRun, orders.OrderPipeline]]:
    """The right pipeline, then the guide's, on the first 120 orders (seed 1)."""
    lab = start("moto", quiet=True)
    data = orders.load()[:120]
    try:
        right = orders.run(lab, data, seed=1)
        yield lab, naive.run_naive(lab, data, seed=1), right
    finally:
        lab.stop()
        i18n.set_language("en")


def test_exercise_7_6_hints_and_pass_in_portuguese(runs, portuguese):
    lab, nv, _right = runs
    never = nv.unprocessed()
    check = exercises.check_guide_stuck(nv, never, None)
    assert check.message.startswith("a lista está certa. Agora olhe a própria fila:")
    assert exercises.check_guide_stuck(nv, never, {never[0]: "x"}).message == (
        "as contagens deveriam ser números inteiros; o SQS devolve todo valor de atributo como "
        "texto"
    )


def test_the_guides_run_in_portuguese(runs, portuguese):
    _lab, nv, right = runs
    summary = repr(nv.summary()).splitlines()
    assert summary[0].split() == ["medida", "valor"]
    assert summary[1].startswith("pedidos enviados (um SendMessage cada)")
    assert nv.deviations[0].startswith("O loop tem limite: o `while True` do guia roda até Ctrl+C")
    assert "um quarto de hora quando o relógio do laboratório é real" in nv.deviations[0]
    log = repr(nv.log.table(nv.log.lines[:2])).splitlines()
    assert log[0].split() == ["tempo", "do", "laboratório", "(s)", "nível", "mensagem"]
    # the guide's own log lines stay as its logger writes them
    assert "queue pedidos-ecommerce" in log[1]
    table = repr(naive.compare(nv, right).table()).splitlines()
    assert table[0].split()[:4] == ["medida", "ingênuo", "(o", "guia)"]
    assert "bem-feito (o projeto final)" in table[0]
    assert any(line.startswith("tempo virtual até o último pedido processado") for line in table)
    assert table[1].split() == ["pedidos", "120", "120"]
    assert table[-1].startswith("quando para")
    assert "nunca (o laboratório o parou depois de" in table[-1]
    assert "sozinho, depois de 60 s ocioso (política de parada)" in table[-1]


def test_the_comparison_chart_in_portuguese(runs, portuguese):
    _lab, nv, right = runs
    fig = plots.naive_vs_right(naive.compare(nv, right))
    assert fig._suptitle.get_text() == "Os mesmos 120 pedidos, ingênuo vs. bem-feito"
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "solicitações cobradas",
        "US$ por milhão de pedidos",
        "segundos de processamento (relógio do laboratório)",
        "pedidos",
    ]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["ingênuo", "bem-feito"]
    assert [t.get_text() for t in fig.axes[-1].get_xticklabels()] == [
        "perdidos",
        "duas vezes",
        "atrasados",
    ]


def test_the_comparison_in_english_by_default(runs):
    _lab, nv, right = runs
    comparison = naive.compare(nv, right)
    assert repr(comparison.table()).splitlines()[0].split()[:4] == [
        "measure",
        "naive",
        "(the",
        "guide)",
    ]
    fig = plots.naive_vs_right(comparison)
    assert fig._suptitle.get_text() == "The same 120 orders, naive vs right"


def test_the_pipeline_tables_in_portuguese(lab, portuguese):
    pipeline = dead_lettered(lab)
    reasons = repr(pipeline.dead_letter_reasons()).splitlines()
    assert reasons[0].split() == ["pedido", "cliente", "bug", "transitória", "retido", "motivo"]
    assert any(line.endswith("envenenado: o bug da quantidade") for line in reasons)
    assert any(
        line.endswith("retido atrás de um pedido com falha do mesmo cliente") for line in reasons
    )
    summary = repr(pipeline.summary()).splitlines()
    assert summary[0].split() == ["etapa", "valor"]
    # the row is translated in its context; a queue named 'orders' in a table stays 'orders'
    assert summary[1].split() == ["pedidos", str(len(pipeline.orders))]
    assert repr(tables.Table(("queue",), [("orders",)])).splitlines()[1] == "orders"
    assert summary[4].startswith("tentativas com falha: transitórias")
    ledger = repr(pipeline.ledger.table()).splitlines()
    assert ledger[0].split() == [
        "#",
        "pedido",
        "cliente",
        "criado",
        "em",
        "total",
        "tentativa",
        "worker",
        "fase",
    ]
    # the phase is a value the learner's code compares: shown as it is
    assert ledger[1].endswith("first pass")
    result = pipeline.reconcile()
    table = repr(result.table()).splitlines()
    assert table[0].split() == ["verificação", "resultado", "detalhe"]
    assert table[1].startswith("todo pedido processado exatamente uma vez ou na DLQ  PASS")
    assert (
        "pedidos: " in table[1]
        and "na DLQ, nenhum faltando nem processado duas vezes" in (table[1])
    )
    assert table[3].startswith("a receita bate com a entrada")


def test_the_pipeline_tables_in_english_by_default(lab):
    pipeline = dead_lettered(lab)
    assert repr(pipeline.summary()).splitlines()[0].split() == ["step", "value"]
    assert (
        repr(pipeline.reconcile().table())
        .splitlines()[1]
        .startswith("every order processed exactly once or in the DLQ  PASS")
    )


def test_a_reconciliation_note_in_portuguese(portuguese):
    data = orders.load()
    first, later = [o for o in data if o.customer_id == data[0].customer_id][:2]
    ledger = orders.Ledger()
    ledger.record(later.record, later.total_cents, 1, 0.0, orders.FIRST_PASS)
    ledger.record(first.record, first.total_cents, 4, 1.0, f"{orders.AFTER_REDRIVE} 1")
    result = orders.reconcile([first, later], ledger, [])
    assert result.notes == [
        f"1 pedido redirecionado foi processado depois de pedidos mais novos do mesmo cliente "
        f"({first.order_id}): a DLQ o tirou da sequência, como faz na AWS"
    ]
