"""What chapter 3 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks of exercises 3.1-3.3, the bill and the polling table and chart, the message
timeline's table and chart, the realism layer's description and counts, the consumer's events and
bad-input errors, the consumer panel and the stop button."""

from __future__ import annotations

import json

import pytest

from sqslab import cost, exercises, plots, timeline, widgets
from sqslab.backoff import BackoffPolicy
from sqslab.consumer import StopPolicy, consume
from sqslab.emulator import realism
from sqslab.errors import LimitError
from sqslab.widgets.messaging import real_clock_note, stop_button


def no_heartbeat(sqs, url, message, steps):
    for step in steps:
        step()
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def heartbeat(sqs, url, message, steps):
    for step in steps:
        step()
        sqs.change_message_visibility(
            QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=30
        )
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def charge_every_time(message, processed, charge):
    payment = json.loads(message["Body"])
    charge(payment["payment_id"], payment["amount"])


def charge_once(message, processed, charge):
    payment = json.loads(message["Body"])
    if payment["payment_id"] in processed:
        return
    charge(payment["payment_id"], payment["amount"])
    processed.add(payment["payment_id"])


def inbox(sqs, messages: int = 3) -> str:
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    for n in range(messages):
        sqs.send_message(QueueUrl=url, MessageBody=f"letter {n}")
    return url


def drain(sqs, url: str) -> None:
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=20
    ).get("Messages"):
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_exercise_3_1_hints_in_portuguese_keep_the_code_as_it_is(lab, sqs, portuguese):
    assert exercises.check_drain(lab).message == (
        "rode primeiro a célula de preparação: ela cria a fila 'inbox'"
    )
    url = inbox(sqs)
    assert exercises.check_drain(lab, hint=3).hints == (
        "nada foi recebido de 'inbox' ainda: receba em um loop, um lote por vez (a seção 1 "
        "mostra o ReceiveMessage e os parâmetros que ele aceita)",
        "uma chamada receive_message a cada volta de um loop while, até um recebimento não "
        "trazer nada",
        "while messages := sqs.receive_message(QueueUrl=inbox_url, ...).get('Messages'):",
    )
    sqs.receive_message(QueueUrl=url)
    check = exercises.check_drain(lab, hint=3)
    assert check.hints == (
        "1 recebimento usou sondagem curta, que responde na hora, com ou sem mensagens: a seção 2 "
        "mostra por que a sondagem longa custa menos",
        "dê um tempo de espera a cada recebimento: WaitTimeSeconds até 20 segundos",
        "passe WaitTimeSeconds=LONG_POLL (20 s) para receive_message",
    )


def test_exercise_3_1_an_unfinished_drain_in_portuguese(lab, sqs, portuguese):
    url = inbox(sqs, messages=12)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=20)
    for message in got["Messages"][:2]:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    assert exercises.check_drain(lab).message == (
        "ainda há 10 mensagens em 'inbox': continue recebendo até um recebimento voltar vazio e "
        "exclua tudo o que cada recebimento trouxe"
    )
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    assert exercises.check_drain(lab).message.startswith(
        "alguns recebimentos pediram menos de 10 mensagens: um recebimento devolve 1 mensagem"
    )


def test_exercise_3_1_passes_in_portuguese(lab, sqs, portuguese):
    drain(sqs, inbox(sqs))
    assert repr(exercises.check_drain(lab)) == (
        "PASS [ex3.1] 'inbox' está vazia: todas as mensagens foram recebidas com sondagem longa e "
        "excluídas."
    )


def test_exercise_3_1_in_english_by_default(lab, sqs):
    url = inbox(sqs)
    sqs.receive_message(QueueUrl=url)
    sqs.receive_message(QueueUrl=url)
    assert exercises.check_drain(lab).message == (
        "2 receive(s) used short polling, which answers at once, empty or not: section 2 shows "
        "why a long poll costs less"
    )


def test_exercise_3_2_hints_in_portuguese(lab, portuguese):
    assert exercises.check_heartbeat(lab, None).message == (
        "defina process_job na célula acima e rode essa célula; depois rode esta verificação"
    )
    check = exercises.check_heartbeat(lab, no_heartbeat, hint=3)
    assert check.hints[0] == (
        "em 36 s (fim da etapa 4 da tarefa lenta) a mensagem estava visível de novo: um segundo "
        "worker a teria recebido e feito a tarefa outra vez (uma duplicata). Nada estendeu a "
        "visibilidade dela: a seção 4 mostra como um heartbeat a mantém oculta."
    )
    assert check.hints[1].startswith("depois de cada etapa, chame ChangeMessageVisibility")
    assert check.hints[2].startswith(
        "for step in steps: step(); sqs.change_message_visibility(QueueUrl=queue_url, "
    )
    assert "; depois, fora do loop, sqs.delete_message(" in check.hints[2]


def test_exercise_3_2_passes_in_portuguese(lab, portuguese):
    assert repr(exercises.check_heartbeat(lab, heartbeat)) == (
        "PASS [ex3.2] a tarefa lenta (100 s de trabalho com um tempo limite de 30 s) ficou oculta "
        "o tempo todo com 12 extensões e foi excluída ao terminar; a tarefa interrompida voltou "
        "até 30 s depois da queda; a tarefa curta (7 s) foi excluída assim que terminou."
    )


def test_exercise_3_2_names_the_crashed_job_in_portuguese(lab, portuguese):
    def deletes_first(sqs, url, message, steps):
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        heartbeat(sqs, url, {"ReceiptHandle": message["ReceiptHandle"]}, steps)

    message = exercises.check_heartbeat(lab, deletes_first).message
    assert message.startswith("na tarefa lenta, process_job levantou ")
    assert "no máximo 12 horas contadas a partir do recebimento" in message


def test_exercise_3_2_in_english_by_default(lab):
    assert exercises.check_heartbeat(lab, no_heartbeat).message.startswith(
        "at 36 s (the end of step 4 of the slow job) the message was visible again"
    )


def test_exercise_3_3_hints_in_portuguese(lab, portuguese):
    assert exercises.check_idempotent_handler(lab, None).message == (
        "defina handle_payment na célula acima e rode essa célula; depois rode esta verificação"
    )
    check = exercises.check_idempotent_handler(lab, charge_every_time, hint=3)
    assert check.hints[0].startswith(
        "na execução da verificação, P-302, P-303, P-305 foram cobrados duas vezes (P-302: o "
        "worker caiu depois da cobrança, antes da exclusão: a mesma mensagem voltou; P-303: o "
        "produtor repetiu o envio"
    )
    assert check.hints[0].endswith(
        "e o seu registro de processados continua vazio: o handler nunca registra o que cobrou, "
        "então não tem como reconhecer um pagamento que já viu"
    )
    # the last hint is code, the same in both languages
    assert check.hints[2] == exercises.duplicates.CODE


def test_exercise_3_3_passes_in_portuguese(lab, portuguese):
    assert repr(exercises.check_idempotent_handler(lab, charge_once)) == (
        "PASS [ex3.3] 5 pagamentos chegaram 9 vezes (uma queda antes da exclusão, um envio "
        "repetido pelo produtor, uma cobrança que falhou, um redirecionamento à mão) e cada um foi "
        "cobrado exatamente uma vez."
    )


def test_exercise_3_3_in_english_by_default(lab):
    assert exercises.check_idempotent_handler(lab, charge_every_time).message.startswith(
        "in the check's run P-302, P-303, P-305 were charged twice (P-302: the worker crashed"
    )


def test_the_bill_in_portuguese(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="quiet")["QueueUrl"]
    sqs.receive_message(QueueUrl=url)
    assert repr(cost.bill(lab.trace.for_queue(url))) == (
        "<Bill: 2 chamadas, 2 solicitações cobradas (1 recebimentos vazios), US$ 0,0000008 pelo "
        "preço de tabela, sem o nível gratuito>"
    )


def test_the_bill_in_english_by_default(lab, sqs):
    url = sqs.create_queue(QueueName="quiet")["QueueUrl"]
    assert repr(cost.bill(lab.trace.for_queue(url))) == (
        "<Bill: 1 calls, 1 billed requests (0 empty receives), $0.0000004 at list price, free "
        "tier not applied>"
    )


def test_the_polling_table_and_chart_in_portuguese(portuguese):
    rows = cost.polling_cost(hours=1, messages_per_hour=60)
    table = cost.as_table(rows)
    lines = repr(table).splitlines()
    assert lines[0].split("  ")[0] == "modo"
    assert "segundos de espera" in lines[0] and lines[0].endswith("dólares")
    assert " ".join(lines[1].split()) == "sondagem curta 0,0 3.600,0 3.540,0 US$ 0,0014400"
    assert lines[2].startswith("sondagem longa  20,0")
    # the rows keep their English values inside
    assert table.column("mode") == ["short polling", "long polling"]
    ax = plots.polling_comparison(rows).axes[0]
    assert ax.get_title() == "Sondagem curta vs. longa em uma fila parada"
    assert ax.get_ylabel() == "chamadas ReceiveMessage (cada uma cobrada)"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["sondagem curta", "sondagem longa"]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["recebimentos vazios", "recebimentos com mensagem"]


def test_the_polling_table_and_chart_in_english_by_default():
    rows = cost.polling_cost()
    assert repr(cost.as_table(rows)).splitlines()[0].split()[:3] == ["mode", "wait", "seconds"]
    ax = plots.polling_comparison(rows).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["short polling", "long polling"]


def a_message_with_a_heartbeat_and_a_retry(lab, sqs) -> str:
    url = sqs.create_queue(QueueName="life", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="resize photo")
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    lab.wait(10)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=30)
    lab.wait(45)
    handle = sqs.receive_message(QueueUrl=url)["Messages"][0]["ReceiptHandle"]
    lab.wait(5)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=handle)
    return url


def test_the_timeline_table_and_chart_in_portuguese(lab, sqs, portuguese):
    tl = timeline.of(lab, a_message_with_a_heartbeat_and_a_retry(lab, sqs))
    table = tl.table()
    lines = repr(table).splitlines()
    assert lines[0].split() == [
        "mensagem",
        "id",
        "enviada",
        "visível",
        "em",
        "recebimentos",
        "em",
        "trânsito",
        "excluída",
    ]
    assert "0,0-40,0 estendida 1x, expirou; 55,0-60,0 excluída" in lines[1]
    # the timeline itself keeps its endings in English
    assert [r.how for r in tl.get("m1").receives] == ["extended x1, timed out", "deleted"]
    fig = plots.message_timeline(tl)
    ax = fig.axes[0]
    assert ax.get_title() == "Ciclo de vida das mensagens"
    assert ax.get_xlabel() == "segundos desde o primeiro envio (relógio do laboratório)"
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "visível, esperando",
        "em trânsito, depois excluída",
        "em trânsito, expirou",
        "enviada",
        "excluída",
        "expirou, de volta à fila",
        "heartbeat",
    ]


def test_the_timeline_in_english_by_default(lab, sqs):
    tl = timeline.of(lab, a_message_with_a_heartbeat_and_a_retry(lab, sqs))
    assert "0.0-40.0 extended x1, timed out; 55.0-60.0 deleted" in repr(tl.table())
    fig = plots.message_timeline(tl)
    assert fig.axes[0].get_title() == "Message lifecycle"
    assert fig.legends[0].get_texts()[-1].get_text() == "heartbeat"


def test_an_empty_timeline_is_refused_in_portuguese(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="empty")["QueueUrl"]
    with pytest.raises(LimitError, match="esta linha do tempo não tem mensagens: monte-a"):
        plots.message_timeline(timeline.of(lab, url))


def test_the_realism_layer_in_portuguese_quotes_aws_as_aws_wrote_it(lab, portuguese):
    text = realism.DESCRIPTION
    assert text.startswith("camada de realismo do sqslab (entrega pelo menos uma vez da AWS, ")
    assert realism.AT_LEAST_ONCE_QUOTE in text and realism.ORDERING_QUOTE in text
    assert "o moto puro não faz nenhuma das duas coisas." in text
    layer = realism.enable(lab, duplicates=0.2, reorder=0.0, seed=3)
    assert str(layer.stats) == "a camada injetou 0 duplicatas e 0 reordenações"
    layer.disable()
    assert layer.describe().endswith(
        "moto), desligada: duplicates=0.2, reorder=0.0, seed=3; a camada injetou 0 duplicatas e "
        "0 reordenações"
    )


def test_the_realism_counts_in_portuguese_say_singular_and_plural(portuguese):
    assert str(realism.RealismStats(duplicates=1, reorders=4)) == (
        "a camada injetou 1 duplicata e 4 reordenações"
    )


def test_the_realism_layer_in_english_by_default(lab):
    assert realism.DESCRIPTION.startswith(realism.LABEL)
    assert "plain moto never does either." in realism.DESCRIPTION
    assert str(realism.RealismStats(duplicates=1, reorders=0)) == (
        "the layer injected 1 duplicate and 0 reorders"
    )


def test_the_consumer_events_in_portuguese(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="flaky", Attributes={"VisibilityTimeout": "300"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="call the API")

    def fails_once(message) -> None:
        if message.receive_count < 2:
            raise ConnectionError("API fora do ar")

    result = consume(sqs, url, fails_once, backoff=BackoffPolicy(base=2, cap=60))
    details = [(e.kind, e.detail) for e in result.events if e.detail]
    assert details == [
        ("received", "recebimento nº 1"),
        ("failed", "ConnectionError: API fora do ar"),
        ("backoff", "visível de novo em 2 s"),
        ("received", "recebimento nº 2"),
    ]


def test_the_consumer_bad_input_in_portuguese(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    with pytest.raises(ValueError, match="StopPolicy.max_messages precisa ser positivo ou None"):
        StopPolicy(max_messages=0)
    with pytest.raises(LimitError, match="wait_time 30 está fora do intervalo: WaitTimeSeconds"):
        consume(sqs, url, print, wait_time=30)
    with pytest.raises(LimitError, match="batch_size 11 está fora do intervalo"):
        consume(sqs, url, print, batch_size=11)
    with pytest.raises(ValueError, match="um heartbeat_interval de 40 s não consegue manter vivo"):
        consume(sqs, url, print, heartbeat_interval=40)
    with pytest.raises(LimitError, match="jitter desconhecido: 'x'; escolha um entre full, "):
        BackoffPolicy(jitter="x")
    with pytest.raises(LimitError, match=r"o cap da BackoffPolicy \(1 s\) é menor que o base"):
        BackoffPolicy(base=2, cap=1)


def test_the_consumer_bad_input_in_english_by_default(lab, sqs):
    url = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    with pytest.raises(LimitError, match="wait_time 30 is out of range: WaitTimeSeconds allows"):
        consume(sqs, url, print, wait_time=30)


def test_the_consumer_panel_in_portuguese(lab, portuguese):
    panel = widgets.consumer_panel(lab)
    labels = [panel.work, panel.visibility, panel.failure, panel.heartbeat]
    assert [w.description for w in labels] == [
        "processamento (s)",
        "tempo limite (s)",
        "taxa de falhas",
        "heartbeat",
    ]
    assert panel.report.value == (
        "processadas <b>5</b> de 5 · tratadas duas vezes ou mais <b>0</b> · falhas <b>0</b> · "
        "restantes na fila <b>0</b> · 60 s de tempo de fila"
    )
    panel.work.value = 45
    assert "tratadas duas vezes ou mais <b>4</b>" in panel.report.value
    assert real_clock_note(5).startswith("relógio real: uma execução espera de verdade, 5 vezes")


def test_the_consumer_panel_in_english_by_default(lab):
    panel = widgets.consumer_panel(lab)
    assert panel.work.description == "processing time (s)"
    assert panel.report.value.startswith("processed <b>5</b> of 5 · handled twice or more")


def test_the_stop_button_in_portuguese(portuguese):
    class Stoppable:
        stopped = False

        def stop(self) -> None:
            self.stopped = True

    consumer = Stoppable()
    button = stop_button(consumer)  # type: ignore[arg-type]
    assert (button.button.description, button.status.value) == ("parar consumidor", "rodando")
    button.button.click()
    assert consumer.stopped
    assert button.status.value == (
        "parando: os handlers em execução terminam, as mensagens retidas são liberadas"
    )
