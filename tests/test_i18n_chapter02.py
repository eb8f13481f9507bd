"""What chapter 2 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks of exercises 2.1-2.3, the producer's limit errors, the failures and cost
tables, the batch-size cost chart, the producer panel and the payload store."""

from __future__ import annotations

import json
import uuid

import pytest

from sqslab import cost, exercises, faults, plots, widgets
from sqslab.errors import LimitError, WrongTypeError
from sqslab.exercises.producers import fresh_queue
from sqslab.payloads import PayloadStore
from sqslab.producer import Producer

ORDERS = [{"order_id": f"o-{n:03d}", "amount": n} for n in range(1, 26)]
EVENTS = [
    {"customer": "c-42", "event": "PaymentAuthorized"},
    {"customer": "c-42", "event": "PaymentCaptured"},
    {"customer": "c-42", "event": "PaymentRefunded"},
]


def send_batches(sqs, url: str, orders: list[dict[str, object]], size: int = 10) -> None:
    """Send ``orders`` as JSON in batches of ``size``."""
    for start in range(0, len(orders), size):
        chunk = orders[start : start + size]
        entries = [{"Id": str(i), "MessageBody": json.dumps(o)} for i, o in enumerate(chunk)]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def test_exercise_2_1_hints_in_portuguese_keep_the_code_as_it_is(lab, sqs, portuguese):
    assert exercises.check_batch_orders(lab, ORDERS).message == (
        "rode primeiro a célula de preparação: ela cria a fila 'orders-batch'"
    )
    url = fresh_queue(lab, "orders-batch")
    check = exercises.check_batch_orders(lab, ORDERS, hint=3)
    assert check.hints[0] == (
        "nada foi enviado para 'orders-batch' ainda: envie os pedidos em lotes, com até 10 "
        "entradas por solicitação (a seção 3 mostra o SendMessageBatch, as entradas dele e o que "
        "ele responde)"
    )
    assert check.hints[1].endswith("corte a lista de pedidos em fatias de 10")
    assert check.hints[2].startswith("sqs.send_message_batch(QueueUrl=url, Entries=[{'Id': ")
    assert check.hints[2].endswith("for i, order in ...]) para cada fatia de 10")
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps(ORDERS[0]))
    assert exercises.check_batch_orders(lab, ORDERS).message == (
        "você chamou o SendMessage 1 vez, uma solicitação por mensagem: rode de novo a célula de "
        "preparação (ela esvazia a fila) e envie só com SendMessageBatch (seção 3)"
    )


def test_exercise_2_1_too_many_batches_and_pass_in_portuguese(lab, sqs, portuguese):
    url = fresh_queue(lab, "orders-batch")
    send_batches(sqs, url, ORDERS, size=5)
    assert exercises.check_batch_orders(lab, ORDERS).message == (
        "você fez 5 chamadas SendMessageBatch; 25 pedidos cabem em 3 (até 10 entradas cada): "
        "encha todos os lotes, depois rode de novo a célula de preparação (ela esvazia a fila) e "
        "tente de novo"
    )
    url = fresh_queue(lab, "orders-batch")
    send_batches(sqs, url, ORDERS)
    assert repr(exercises.check_batch_orders(lab, ORDERS)) == (
        "PASS [ex2.1] os 25 pedidos estão todos em 'orders-batch', enviados em 3 chamadas "
        "SendMessageBatch e nenhum SendMessage."
    )


def test_exercise_2_1_in_english_by_default(lab, sqs):
    url = fresh_queue(lab, "orders-batch")
    assert exercises.check_batch_orders(lab, ORDERS).message.startswith(
        "nothing was sent to 'orders-batch' yet: send the orders in batches, up to 10 entries"
    )
    send_batches(sqs, url, ORDERS[:20])
    assert exercises.check_batch_orders(lab, ORDERS).message == (
        "only 20 of 25 orders are in 'orders-batch': some orders were never sent (the last, "
        "smaller slice?)"
    )


def test_exercise_2_2_hints_and_pass_in_portuguese(lab, sqs, portuguese):
    url = fresh_queue(lab, "payments-events.fifo", {"FifoQueue": "true"})
    assert exercises.check_payment_events(lab, EVENTS).message.startswith(
        "ainda não há nada em 'payments-events.fifo': envie os três eventos, na ordem da lista."
    )
    for event in EVENTS:  # one dedup id for all three: SQS drops the later two
        sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps(event), MessageGroupId="c-42",
            MessageDeduplicationId="same",
        )  # fmt: skip
    assert exercises.check_payment_events(lab, EVENTS).message.startswith(
        "o SQS aceitou 3 envios, mas só 1 mensagem está na fila: as outras tinham um "
        "MessageDeduplicationId já usado nos últimos 5 minutos"
    )
    url = fresh_queue(lab, "payments-events.fifo", {"FifoQueue": "true"})
    for event in reversed(EVENTS):
        sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps(event), MessageGroupId="c-42",
            MessageDeduplicationId=event["event"],
        )  # fmt: skip
    assert exercises.check_payment_events(lab, EVENTS).message.startswith(
        "eles chegam como PaymentRefunded -> PaymentCaptured -> PaymentAuthorized, não "
        "PaymentAuthorized -> PaymentCaptured -> PaymentRefunded: rode de novo a célula de "
        "preparação (ela esvazia a fila e o histórico de desduplicação dela) e envie-os na ordem"
    )
    url = fresh_queue(lab, "payments-events.fifo", {"FifoQueue": "true"})
    for event in EVENTS:
        sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps(event), MessageGroupId="c-42",
            MessageDeduplicationId=event["event"],
        )  # fmt: skip
    assert repr(exercises.check_payment_events(lab, EVENTS)) == (
        "PASS [ex2.2] os 3 eventos chegam em ordem (PaymentAuthorized -> PaymentCaptured -> "
        "PaymentRefunded), num único grupo de mensagens, 'c-42', cada um uma vez."
    )


def test_exercise_2_2_in_english_by_default(lab, sqs):
    fresh_queue(lab, "payments-events.fifo", {"FifoQueue": "true"})
    assert exercises.check_payment_events(lab, EVENTS).message.startswith(
        "nothing is in 'payments-events.fifo' yet: send the three events"
    )


def inline_send(sqs, s3, queue_url, bucket, body) -> None:
    """The chapter's unsolved send_large: the body itself in the message."""
    sqs.send_message(QueueUrl=queue_url, MessageBody=body)


def send_large(sqs, s3, queue_url, bucket, body) -> None:
    """Store, then send a pointer (a new key per send)."""
    key = f"reports/{uuid.uuid4()}"
    s3.put_object(Bucket=bucket, Key=key, Body=body.encode("utf-8"))
    sqs.send_message(QueueUrl=queue_url, MessageBody=json.dumps({"bucket": bucket, "key": key}))


def receive_large(sqs, s3, queue_url, process) -> None:
    """Receive, read, process, then delete the message and the object."""
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        pointer = json.loads(message["Body"])
        stored = s3.get_object(Bucket=pointer["bucket"], Key=pointer["key"])
        process(stored["Body"].read().decode("utf-8"))
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        s3.delete_object(Bucket=pointer["bucket"], Key=pointer["key"])


def receive_then_leave_the_object(sqs, s3, queue_url, process) -> None:
    """Like receive_large, but the object stays in the bucket."""
    for message in sqs.receive_message(QueueUrl=queue_url).get("Messages", []):
        pointer = json.loads(message["Body"])
        stored = s3.get_object(Bucket=pointer["bucket"], Key=pointer["key"])
        process(stored["Body"].read().decode("utf-8"))
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def test_exercise_2_3_hints_in_portuguese(lab, portuguese):
    assert exercises.check_claim_check(lab, None, None).message == (
        "defina send_large e receive_large na célula acima e rode essa célula, depois rode esta "
        "verificação"
    )
    check = exercises.check_claim_check(lab, inline_send, receive_large, hint=3)
    assert check.hints[0] == (
        "send_large pôs o próprio relatório da verificação na mensagem (1,3 MiB); o SQS recusa uma "
        "mensagem acima de 1 MiB. A seção 5 mostra a saída: o corpo vai para o S3, e a mensagem só "
        "diz onde ele está"
    )
    assert check.hints[2].startswith("por exemplo: key = f'reports/{uuid.uuid4()}'; s3.put_object")
    assert exercises.check_claim_check(lab, send_large, receive_then_leave_the_object).message == (
        "ficou 1 objeto no bucket depois que a mensagem dele foi excluída: ninguém nunca vai "
        "lê-lo, e o bucket só cresce"
    )


def test_exercise_2_3_passes_in_portuguese(lab, portuguese):
    assert repr(exercises.check_claim_check(lab, send_large, receive_large)) == (
        "PASS [ex2.3] o relatório foi e voltou pelo S3: o corpo no bucket e um ponteiro pequeno na "
        "fila; nada excluído enquanto o processamento falhava; depois do sucesso, a mensagem "
        "excluída e em seguida o objeto dela; e um relatório enviado duas vezes foi processado "
        "duas vezes, sem deixar nada para trás."
    )


def test_exercise_2_3_in_english_by_default(lab):
    assert exercises.check_claim_check(lab, inline_send, receive_large).message.startswith(
        "send_large put the check's report itself in the message (1.3 MiB); SQS refuses a message "
        "over 1 MiB."
    )


def test_limit_errors_in_portuguese_name_the_limit_and_the_fix(lab, sqs, portuguese):
    tiny = sqs.create_queue(QueueName="tiny", Attributes={"MaximumMessageSize": "1024"})
    producer = Producer(sqs, tiny["QueueUrl"])
    with pytest.raises(LimitError) as raised:
        producer.send("x" * 2000)
    assert str(raised.value) == (
        "a mensagem tem 2 KiB (2.000 bytes, corpo mais atributos); a fila 'tiny' permite 1 KiB "
        "(o MaximumMessageSize dela; o máximo do SQS é 1 MiB). Solução: aumente o "
        "MaximumMessageSize da fila (até 1 MiB) ou envie pelo S3 com sqslab.payloads: "
        "Producer(sqs, url, payloads=PayloadStore(s3, bucket))"
    )
    with pytest.raises(LimitError, match="um caractere que o SQS não permite: U.0000 na posição 5"):
        producer.send("total\x00")
    with pytest.raises(LimitError, match="a mensagem tem 11 atributos; o SQS permite 10 atributos"):
        producer.send("oi", attributes={f"tag{i}": i for i in range(11)})
    fifo = sqs.create_queue(QueueName="events.fifo", Attributes={"FifoQueue": "true"})
    with pytest.raises(LimitError, match="a fila 'events.fifo' é FIFO, então toda mensagem"):
        Producer(sqs, fifo["QueueUrl"]).send("pago")
    with pytest.raises(LimitError, match="atraso por mensagem não é permitido na fila FIFO"):
        Producer(sqs, fifo["QueueUrl"]).send("pago", group_id="c-1", dedup_id="1", delay=5)
    with pytest.raises(LimitError, match="o send_many recebe uma lista"):
        producer.send_many("uma mensagem só")


def test_limit_errors_in_english_by_default(lab, sqs):
    url = sqs.create_queue(QueueName="plain")["QueueUrl"]
    with pytest.raises(LimitError, match="message body has a character SQS does not allow: U.0000"):
        Producer(sqs, url).send("total\x00")
    with pytest.raises(LimitError, match=r"delay=901 is not allowed: .* \(0 seconds to 15 min"):
        Producer(sqs, url).send("late", delay=901)


def test_the_failures_table_in_portuguese_keeps_ids_and_codes(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    with faults.inject_batch_failures(sqs, lambda entry_id, attempt: entry_id == "1"):
        result = Producer(sqs, url, max_attempts=2).send_many(["a", "b", "c"])
    lines = repr(result.failures_table()).splitlines()
    assert lines[0].split("  ")[:2] == ["id", "código"]
    assert "falha do remetente" in lines[0] and "tentativas" in lines[0]
    assert lines[1].split()[:4] == ["1", "InternalError", "False", "2"]
    assert lines[1].endswith("falha transitória simulada (sqslab.faults.inject_batch_failures)")


def test_the_failures_table_in_english_by_default(lab, sqs):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    with faults.inject_batch_failures(sqs, lambda entry_id, attempt: entry_id == "0"):
        result = Producer(sqs, url, max_attempts=1).send_many(["a"])
    lines = repr(result.failures_table()).splitlines()
    assert lines[0].split()[:3] == ["id", "code", "sender"]
    assert lines[1].endswith("simulated transient failure (sqslab.faults.inject_batch_failures)")


def test_the_cost_tables_in_portuguese(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="oi")
    lines = repr(cost.bill(lab.trace.for_queue("orders")).table()).splitlines()
    assert [c.strip() for c in lines[0].split("  ") if c.strip()] == [
        "operação",
        "chamadas",
        "solicitações cobradas",
        "recebimentos vazios",
        "mensagens",
        "dólares",
    ]
    assert lines[2].split()[0] == "SendMessage"  # API names as they are
    assert lines[-1].split()[0] == "total"
    curve = repr(cost.as_table(cost.batch_size_curve(1000, 1024))).splitlines()
    assert [c.strip() for c in curve[0].split("  ") if c.strip()] == [
        "tamanho do lote",
        "solicitações",
        "dólares por milhão",
    ]


def test_the_cost_tables_in_english_by_default(lab, sqs):
    sqs.create_queue(QueueName="orders")
    assert repr(cost.bill(lab.trace).table()).splitlines()[0].split()[:3] == [
        "operation",
        "calls",
        "billed",
    ]
    curve = repr(cost.as_table(cost.batch_size_curve(1000, 1024))).splitlines()
    assert curve[0].split()[:2] == ["batch", "size"]


def test_the_batch_size_chart_in_portuguese(portuguese):
    left, right = plots.cost_vs_batch_size(cost.batch_size_curve(1000, 1024)).axes
    assert left.get_title() == "Solicitações para enviar as mensagens"
    assert (left.get_xlabel(), left.get_ylabel()) == ("mensagens por lote", "solicitações cobradas")
    assert right.get_title() == "Preço do envio"
    assert right.get_ylabel() == "US$ por milhão de mensagens (preço de tabela)"


def test_the_batch_size_chart_in_english_by_default():
    left, right = plots.cost_vs_batch_size(cost.batch_size_curve(1000, 1024)).axes
    assert left.get_title() == "Requests to send the messages"
    assert right.get_ylabel() == "$ per million messages (list price)"


def test_the_producer_panel_in_portuguese(lab, portuguese):
    panel = widgets.producer_panel(lab)
    assert [panel.count.description, panel.batch.description, panel.payload.description] == [
        "mensagens",
        "tamanho do lote",
        "carga útil (KiB)",
    ]
    assert panel.send.description == "enviar"
    panel.count.value = 20
    panel.send.click()
    assert panel.report.value.startswith(
        "<b>20</b> mensagens enviadas em <b>2</b> solicitações (<b>2</b> cobradas, contando os "
        "blocos de 64 KiB) · US$ 0,04"
    )
    assert panel.report.value.endswith(" por milhão de mensagens a preço de tabela")


def test_the_producer_panel_in_english_by_default(lab):
    panel = widgets.producer_panel(lab)
    assert panel.send.description == "send"
    panel.count.value = 20
    panel.send.click()
    assert panel.report.value.startswith("sent <b>20</b> messages in <b>2</b> requests")


def test_the_payload_store_in_portuguese(lab, portuguese):
    store = PayloadStore(lab.client("s3"), "chapter2-payloads")
    assert repr(store).endswith("descarrega acima do MaximumMessageSize da fila>")
    with pytest.raises(LimitError, match="nome de bucket do S3 inválido 'Bad_Bucket'"):
        PayloadStore(lab.client("s3"), "Bad_Bucket")


def test_the_payload_store_in_english_by_default(lab):
    store = PayloadStore(lab.client("s3"), "chapter2-payloads")
    assert repr(store) == (
        "<PayloadStore s3://chapter2-payloads/sqslab-payloads/ offload over the queue's "
        "MaximumMessageSize>"
    )


def test_fault_injection_errors_in_portuguese(sqs, portuguese):
    with pytest.raises(LimitError, match="a taxa de falhas precisa ser uma fração de 0 a 1"):
        faults.inject_batch_failures(sqs, rate=2)
    with pytest.raises(WrongTypeError, match="passe exatamente um entre fail="):
        faults.inject_batch_failures(sqs)
    with pytest.raises(WrongTypeError, match=r"uma função de \(entry_id, attempt\) que devolve"):
        faults.inject_batch_failures(sqs, fail=1)


def test_fault_injection_errors_in_english_by_default(sqs):
    with pytest.raises(LimitError, match="failure rate must be a fraction from 0 to 1"):
        faults.inject_batch_failures(sqs, rate=2)


def test_cost_estimator_errors_in_portuguese(portuguese):
    with pytest.raises(LimitError) as raised:
        cost.batch_size_curve(1000, 200 * 1024, sizes=[10])
    assert str(raised.value) == (
        "um lote de 10 mensagens de 204.800 bytes tem 2.048.000 bytes; um SendMessageBatch leva "
        "no máximo 1 MiB (1.048.576 bytes): use lotes de no máximo 5"
    )
    with pytest.raises(LimitError, match="passa do limite do SQS, de 1 MiB"):
        cost.batch_size_curve(1000, 2 << 20)


def test_cost_estimator_errors_in_english_by_default():
    with pytest.raises(LimitError, match="batch size 11 is not allowed; a batch holds 1 to 10"):
        cost.batch_size_curve(1000, 1024, sizes=[11])
