"""What chapter 5 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks of exercises 5.1-5.4, the DLQ and timeline tables, the retention trap, the
maxReceiveCount and name errors, the redrive layer's description and refusals (AWS's own words
kept), the outcome, backoff and lifecycle charts and the DLQ panel."""

from __future__ import annotations

import contextlib
import json

import pytest
from botocore.exceptions import ClientError

from sqslab import dlq, exercises, facts, plots, timeline, widgets
from sqslab.backoff import BackoffPolicy
from sqslab.consumer import StopPolicy, consume
from sqslab.emulator import redrive
from sqslab.errors import LimitError
from sqslab.exercises import dlq as dlq_checks
from sqslab.exercises.dlq_by_hand import MAX_RECEIVES

LONGEST = str(int(facts.get("message_retention").value))


def payments(sqs, count: int = 5) -> None:
    dlq_url = sqs.create_queue(
        QueueName="payments-dlq", Attributes={"MessageRetentionPeriod": LONGEST}
    )["QueueUrl"]
    policy = {"deadLetterTargetArn": dlq.arn(sqs, dlq_url), "maxReceiveCount": count}
    sqs.create_queue(QueueName="payments", Attributes={"RedrivePolicy": json.dumps(policy)})


def test_exercise_5_1_hints_in_portuguese_keep_the_code_as_it_is(sqs, portuguese):
    check = exercises.check_payments_pair(sqs, hint=2)
    assert check.hints == (
        "ainda não existe uma fila chamada 'payments-dlq': crie a DLQ primeiro, porque a política "
        "de redirecionamento da origem aponta para ela pelo ARN (seção 1)",
        "sqs.create_queue(QueueName='payments-dlq', Attributes={'MessageRetentionPeriod': ...})",
    )
    sqs.create_queue(QueueName="payments-dlq")
    assert exercises.check_payments_pair(sqs).message == (
        "ainda não existe uma fila chamada 'payments': crie a fila de origem, com uma política de "
        "redirecionamento (seção 1)"
    )


def test_exercise_5_1_count_and_pass_in_portuguese(sqs, portuguese):
    payments(sqs, count=3)
    assert exercises.check_payments_pair(sqs).message == (
        "maxReceiveCount está em 3; o exercício pede 5"
    )
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="payments")["QueueUrl"])
    payments(sqs)
    assert repr(exercises.check_payments_pair(sqs)) == (
        "PASS [ex5.1] 'payments' move uma mensagem para 'payments-dlq' depois de 5 recebimentos, "
        "e a DLQ a guarda por 14 dias, mais que a origem."
    )


def test_exercise_5_1_in_english_by_default(sqs):
    assert repr(exercises.check_payments_pair(sqs)).splitlines()[0] == (
        "HINT [ex5.1] there is no queue named 'payments-dlq' yet: create the DLQ first, since the "
        "source's redrive policy names it by its ARN (section 1)"
    )
    payments(sqs)
    assert exercises.check_payments_pair(sqs).message.endswith(
        "keeps it 14 days, longer than the source."
    )


def swallow(message) -> None:
    with contextlib.suppress(ValueError):  # logged, then a "success"
        int(json.loads(message.body)["eur"])


def reraise(message) -> None:
    int(json.loads(message.body)["eur"])


def test_exercise_5_2_hints_and_pass_in_portuguese(lab, portuguese):
    assert exercises.check_poison_caught(lab, None).message == (
        "corrija handle_invoice e depois rode run = sqslab.exercises.run_invoices(lab, "
        "handle_invoice)"
    )
    check = exercises.check_poison_caught(lab, exercises.run_invoices(lab, swallow), hint=3)
    assert check.hints == (
        "a fatura malformada contou como processada e foi excluída, por isso nunca chegou à DLQ. "
        "O consumidor exclui a mensagem quando o handler retorna: o que handle_invoice faz depois "
        "de capturar o erro? (seção 2)",
        "um handler que captura o erro e retorna diz ao consumidor que deu tudo certo",
        "registre o erro no log e lance-o de novo: um raise sozinho no fim do bloco except",
    )
    run = exercises.run_invoices(lab, reraise)
    assert repr(exercises.check_poison_caught(lab, run)) == (
        "PASS [ex5.2] a fatura malformada falhou 3 vezes e espera em invoices-dlq; as outras 5 "
        "foram processadas e excluídas."
    )


def test_exercise_5_2_in_english_by_default(lab):
    check = exercises.check_poison_caught(lab, exercises.run_invoices(lab, swallow))
    assert check.message.startswith("the malformed invoice counted as processed and was deleted")


def fill_refunds(lab) -> dlq.QueuePair:
    pair = dlq.create_pair(
        lab.sqs, "refunds", max_receive_count=2, source_attributes={"VisibilityTimeout": "10"}
    )
    lab.sqs.send_message(QueueUrl=pair.source_url, MessageBody="refund R-1")

    def down(message) -> None:
        raise RuntimeError("refund service down")

    consume(lab.sqs, pair.source_url, down, stop=StopPolicy(idle_timeout=30))
    return pair


def test_exercise_5_3_hints_and_pass_in_portuguese(lab, portuguese):
    assert exercises.check_redriven(lab).message == (
        "rode primeiro a célula de preparação: ela cria as filas de reembolsos"
    )
    pair = fill_refunds(lab)
    check = exercises.check_redriven(lab, hint=3)
    assert check.hints[0] == (
        "nenhuma tarefa de movimentação de mensagens rodou em 'refunds-dlq' ainda: inicie uma que "
        "devolva as mensagens à origem (seção 5)"
    )
    assert check.hints[-1] == "sqs.start_message_move_task(SourceArn=refunds.dlq_arn)"
    lab.sqs.start_message_move_task(SourceArn=pair.dlq_arn, MaxNumberOfMessagesPerSecond=1)
    assert exercises.check_redriven(lab).message == (
        "a tarefa de movimentação está em RUNNING: espere no relógio do laboratório até "
        "list_message_move_tasks dizer COMPLETED (seção 5)"
    )
    lab.wait(2)
    assert exercises.check_redriven(lab).message == (
        "as mensagens redirecionadas esperam em 'refunds': consuma-as com o handler corrigido"
    )
    consume(lab.sqs, pair.source_url, lambda m: None, stop=StopPolicy(idle_timeout=30))
    assert repr(exercises.check_redriven(lab)) == (
        "PASS [ex5.3] 'refunds-dlq' foi redirecionada de volta para 'refunds' e todos os "
        "reembolsos foram processados."
    )


def test_exercise_5_3_in_english_by_default(lab):
    fill_refunds(lab)
    assert exercises.check_redriven(lab).message.startswith(
        "no message move task has run on 'refunds-dlq' yet"
    )


def parks(sqs, *, at: int = MAX_RECEIVES):
    def on_failure(message, source_url, dlq_url) -> None:
        if int(message["Attributes"]["ApproximateReceiveCount"]) < at:
            return
        group = message["Attributes"]["MessageGroupId"]
        sqs.send_message(QueueUrl=dlq_url, MessageBody=message["Body"], MessageGroupId=group)
        sqs.delete_message(QueueUrl=source_url, ReceiptHandle=message["ReceiptHandle"])

    return on_failure


def test_exercise_5_4_hints_and_pass_in_portuguese(lab, sqs, portuguese):
    assert exercises.check_parked_by_hand(lab, None).message == (
        "defina on_failure(message, source_url, dlq_url) primeiro"
    )
    # parked on the second receive (the first one it was handed), too early
    assert exercises.check_parked_by_hand(lab, parks(sqs, at=1)).message == (
        "o pedido envenenado foi para a DLQ depois de 2 recebimentos; ele só pode ir para lá "
        "depois que o SQS o entregou 3 vezes"
    )
    check = exercises.check_parked_by_hand(lab, parks(sqs))
    assert repr(check).startswith(
        "PASS [ex5.4] o pedido envenenado foi para a DLQ depois de 4 recebimentos, "
        "contados pelo SQS;"
    )
    assert check.message.endswith("O próximo pedido do cliente veio logo depois.")


def test_exercise_5_4_in_english_by_default(lab, sqs):
    check = exercises.check_parked_by_hand(lab, parks(sqs, at=1))
    assert check.message.startswith("the poison order went to the DLQ after 2 receive(s);")


def test_the_dlq_table_in_portuguese_keeps_its_cells(lab, sqs, portuguese):
    pair = dlq.create_pair(sqs, "deleted", max_receive_count=1)
    sqs.send_message(QueueUrl=pair.dlq_url, MessageBody="sent")
    lines = repr(dlq.table(dlq.inspect(lab, pair.dlq_url))).splitlines()
    assert lines[0].split() == [
        "mensagem",
        "corpo",
        "recebimentos",
        "enviada",
        "primeiro",
        "recebimento",
        "origem",
    ]
    # a body or a queue name that happens to be a marked word stays as it is
    assert lines[1].split()[1:3] == ["sent", "1"]
    assert lines[1].split()[-1] == "deleted"


def test_the_dlq_table_in_english_by_default(lab, sqs):
    pair = dlq.create_pair(sqs, "shop")
    sqs.send_message(QueueUrl=pair.dlq_url, MessageBody="x")
    header = repr(dlq.table(dlq.inspect(lab, pair.dlq_url))).splitlines()[0]
    assert header.split() == ["message", "body", "receives", "sent", "first", "received", "from"]


def timed_out_once(lab, sqs) -> timeline.Timeline:
    url = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "10"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="order 1")
    sqs.receive_message(QueueUrl=url)
    lab.wait(11)
    message = sqs.receive_message(QueueUrl=url)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return timeline.of(lab, url)


def test_the_timeline_table_in_portuguese(lab, sqs, portuguese):
    lines = repr(timed_out_once(lab, sqs).table()).splitlines()
    assert lines[0].split()[:5] == ["mensagem", "id", "enviada", "visível", "em"]
    assert "0,0-10,0 expirou; 11,0-11,0 excluída" in lines[1]


def test_the_timeline_table_in_english_by_default(lab, sqs):
    lines = repr(timed_out_once(lab, sqs).table()).splitlines()
    assert lines[0].split()[:4] == ["message", "id", "sent", "visible"]
    assert "0.0-10.0 timed out; 11.0-11.0 deleted" in lines[1]


def test_the_lifecycle_chart_in_portuguese(lab, sqs, portuguese):
    fig = plots.message_timeline(timed_out_once(lab, sqs))
    ax = fig.axes[0]
    assert ax.get_title() == "Ciclo de vida das mensagens"
    assert ax.get_xlabel() == "segundos desde o primeiro envio (relógio do laboratório)"
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == [
        "visível, esperando",
        "em trânsito, depois excluída",
        "em trânsito, expirou",
        "enviada",
        "excluída",
        "expirou, de volta à fila",
    ]


def test_the_lifecycle_chart_in_english_by_default(lab, sqs):
    fig = plots.message_timeline(timed_out_once(lab, sqs))
    assert fig.axes[0].get_title() == "Message lifecycle"
    assert "in flight, timed out" in [t.get_text() for t in fig.legends[0].get_texts()]


def test_the_retention_trap_and_bad_pairs_in_portuguese(sqs, portuguese):
    risky = dlq.create_pair(sqs, "billing")
    assert dlq.retention_problem(sqs, risky) == (
        "a DLQ guarda as mensagens por 345600 s, e a origem por 345600 s: uma DLQ padrão mantém o "
        "horário original de entrada na fila, então uma mensagem que ficou muito tempo na origem "
        "expira logo depois de chegar; deixe o MessageRetentionPeriod da DLQ maior que o da origem"
    )
    with pytest.raises(
        LimitError, match="maxReceiveCount 0 está fora do intervalo: o SQS aceita de 1 a 1000"
    ):
        dlq.create_pair(sqs, "shop", max_receive_count=0)
    with pytest.raises(LimitError, match="'shop.fifo' termina em .fifo"):
        dlq.create_pair(sqs, "shop.fifo")


def test_the_retention_trap_in_english_by_default(sqs):
    risky = dlq.create_pair(sqs, "billing")
    assert dlq.retention_problem(sqs, risky).startswith("the DLQ keeps messages 345600 s but")


def test_the_redrive_layer_describes_itself_in_portuguese_with_aws_quotes_as_written(portuguese):
    text = redrive.DESCRIPTION
    assert text.startswith(
        "camada de fidelidade do sqslab: redirecionamento da DLQ e RedriveAllowPolicy como a AWS "
        "os documenta\n"
    )
    assert '"Only one active message movement task is supported per queue' in text
    assert (
        "(de 1 mensagem por segundo a 500 mensagens por segundo; sem taxa, o máximo)"
        in " ".join(text.split())
    )
    assert text.endswith("precisa ficar no intervalo de 1 recebimento a 1.000 recebimentos.")


def test_the_redrive_layer_describes_itself_in_english_by_default():
    assert redrive.DESCRIPTION.startswith(
        "sqslab fidelity layer: DLQ redrive and RedriveAllowPolicy as AWS documents them\n"
    )
    assert redrive.DESCRIPTION.endswith("maxReceiveCount within 1 receive to 1,000 receives.")


def locked_dlq(sqs) -> str:
    url = sqs.create_queue(QueueName="audit-dlq")["QueueUrl"]
    policy = {
        "redrivePermission": "byQueue",
        "sourceQueueArns": ["arn:aws:sqs:us-east-1:123456789012:shop"],
    }
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedriveAllowPolicy": json.dumps(policy)})
    return dlq.arn(sqs, url)


def test_a_refused_redrive_policy_in_portuguese_keeps_aws_code_and_prefix(lab, sqs, portuguese):
    arn = locked_dlq(sqs)
    with pytest.raises(ClientError) as raised:
        sqs.create_queue(
            QueueName="stranger", Attributes={"RedrivePolicy": dlq.redrive_policy(arn, 3)}
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidParameterValue"
    assert error["Message"].startswith(
        'Value {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:123456789012:audit-dlq", '
        '"maxReceiveCount": 3} for parameter RedrivePolicy is invalid. Reason: a fila de mensagens '
        "mortas audit-dlq só aceita as filas listadas em sourceQueueArns na RedriveAllowPolicy "
        "dela, e arn:aws:sqs:us-east-1:123456789012:stranger não está entre elas; inclua-a lá. "
    )
    assert error["Message"].endswith(
        "(camada de fidelidade do sqslab: redirecionamento da DLQ e RedriveAllowPolicy como a AWS "
        "os documenta)"
    )
    url = sqs.create_queue(QueueName="x-dlq")["QueueUrl"]
    with pytest.raises(
        ClientError, match="redrivePermission precisa ser um destes: allowAll, denyAll"
    ):
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"RedriveAllowPolicy": '{"redrivePermission": "some"}'}
        )
    with pytest.raises(ClientError, match=r"Reason: precisa ser um número inteiro de 1 a 500"):
        sqs.start_message_move_task(SourceArn=arn, MaxNumberOfMessagesPerSecond=501)


def test_a_refused_redrive_policy_in_english_by_default(lab, sqs):
    arn = locked_dlq(sqs)
    with pytest.raises(
        ClientError, match="allows only the queues listed in its RedriveAllowPolicy"
    ):
        sqs.create_queue(
            QueueName="stranger", Attributes={"RedrivePolicy": dlq.redrive_policy(arn, 3)}
        )


COUNTS = {"processed": 8, "in the DLQ": 1, "still in the source": 0}


def test_the_outcome_chart_in_portuguese(portuguese):
    ax = plots.message_outcomes(COUNTS).axes[0]
    assert ax.get_title() == "Onde as mensagens foram parar"
    assert ax.get_ylabel() == "mensagens"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "processadas",
        "na DLQ",
        "ainda na origem",
    ]


def test_the_outcome_chart_in_english_by_default():
    ax = plots.message_outcomes(COUNTS).axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(COUNTS)


def test_the_backoff_chart_in_portuguese(portuguese):
    ax = plots.backoff_by_receive(BackoffPolicy(base=5, cap=300), receives=6).axes[0]
    assert ax.get_title() == "Backoff exponencial com jitter, por recebimento"
    assert ax.get_xlabel() == "contagem de recebimentos da mensagem que falhou"
    assert ax.get_ylabel() == "segundos até ela ficar visível de novo"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["maior espera (teto)", "espera sorteada (jitter full)"]
    with pytest.raises(
        LimitError, match="receives=1001: uma mensagem é recebida no máximo 1000 vezes"
    ):
        plots.backoff_by_receive(BackoffPolicy(base=5, cap=300), receives=1001)


def test_the_backoff_chart_in_english_by_default():
    ax = plots.backoff_by_receive(BackoffPolicy(base=5, cap=300), receives=3).axes[0]
    assert ax.get_title() == "Exponential backoff with jitter, per receive"


def test_the_dlq_panel_in_portuguese_keeps_its_counts_by_english_key(lab, portuguese):
    panel = widgets.dlq_panel(lab)
    assert panel.failure.description == "taxa de falhas"
    assert panel.max_receives.description == "maxReceiveCount"
    panel.failure.value = 1.0
    assert panel.last == {"processed": 0, "in the DLQ": 20, "still in the source": 0}
    assert (
        panel.report.value == "processadas <b>0</b> · na DLQ <b>20</b> · ainda na origem <b>0</b>"
    )


def test_the_dlq_panel_in_english_by_default(lab):
    panel = widgets.dlq_panel(lab)
    panel.failure.value = 1.0
    assert panel.failure.description == "failure rate"
    assert (
        panel.report.value
        == "processed <b>0</b> · in the DLQ <b>20</b> · still in the source <b>0</b>"
    )


class RealClockLab:
    """Just enough of a lab on a real clock for the failure lab's consumer settings."""

    virtual_time = False


def test_the_failure_lab_says_it_is_faster_in_portuguese(portuguese, capsys):
    settings = dlq_checks.invoice_consumer(RealClockLab())
    assert settings["visibility_timeout"] == 3
    assert capsys.readouterr().out == (
        "relógio real: o consumidor de faturas roda 10 vezes mais rápido do que o código indica: "
        "uma fatura que falhou volta depois de 3 s, e não de 30 s\n"
    )


def test_the_failure_lab_says_it_is_faster_in_english_by_default(capsys):
    dlq_checks.invoice_consumer(RealClockLab())
    assert capsys.readouterr().out == (
        "real clock: the invoices consumer runs 10 times faster than written: a failed invoice "
        "comes back after 3 s instead of 30 s\n"
    )
