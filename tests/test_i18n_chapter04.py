"""What chapter 4 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks of exercises 4.1-4.4, the order report, the high-throughput model's tables,
the fair-queue experiment's summary, the charts, the two panels, and the fidelity and realism
layers' descriptions."""

from __future__ import annotations

import json
import re

import pytest

from sqslab import exercises, fairness, fifo, partitions, plots, widgets
from sqslab.emulator import dedup, fair_queues, fifo_groups, realism
from sqslab.errors import LabConfigError, LimitError
from sqslab.fifo import Delivery

FIFO = {"FifoQueue": "true"}
SPACES = re.compile(r"\s{2,}")
ORDERS = [(customer, n) for n in (1, 2, 3) for customer in ("acme", "bolt")]
SLOW = ("acme", 1)


def publisher(sqs, group, dedup_id):
    """A publish(customer, event) for exercise 4.1 with the given group and dedup id choices."""
    url = sqs.get_queue_url(QueueName="customer-events.fifo")["QueueUrl"]

    def publish(customer, event):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps({"customer": customer, "event": event}),
            MessageGroupId=group(customer),
            MessageDeduplicationId=dedup_id(customer, event),
        )

    return publish


def test_exercise_4_1_hints_in_portuguese_keep_the_code_as_it_is(lab, sqs, portuguese):
    check = exercises.check_resend_safe(lab, None, hint=3)
    assert check.hints == (
        "ainda não existe uma fila chamada 'customer-events.fifo': crie-a primeiro, como fila FIFO "
        "(o tipo é escolhido na criação, seção 1)",
        "create_queue recebe Attributes: uma fila FIFO tem FifoQueue igual a 'true' e um nome "
        "terminado em .fifo",
        "sqs.create_queue(QueueName='customer-events.fifo', Attributes={'FifoQueue': 'true'})",
    )
    sqs.create_queue(QueueName="customer-events.fifo", Attributes=FIFO)
    assert exercises.check_resend_safe(lab, None).message == (
        "defina publish(customer, event): ela envia um evento para a fila"
    )
    random_ids = publisher(sqs, lambda c: c, lambda c, e: f"{c}:{e}:{lab.clock.time()}")
    check = exercises.check_resend_safe(lab, random_ids, hint=3)
    assert check.hints[0] == (
        "o reenvio 60 s depois foi entregue de novo (6 mensagem(ns)): a repetição não levava o ID "
        "de desduplicação do primeiro envio (seção 4)"
    )
    assert check.hints[1].startswith(
        "o SQS descarta uma repetição só se ela levar o mesmo ID de desduplicação em até 5 minutos,"
    )
    assert check.hints[2] == (
        "derive o MessageDeduplicationId do próprio evento, por exemplo f'{customer}:{event}'"
    )


def test_exercise_4_1_passes_in_portuguese(lab, sqs, portuguese):
    sqs.create_queue(QueueName="customer-events.fifo", Attributes=FIFO)
    check = exercises.check_resend_safe(lab, publisher(sqs, lambda c: c, lambda c, e: f"{c}:{e}"))
    assert repr(check) == (
        "PASS [ex4.1] os 6 eventos chegaram uma vez cada, em ordem por cliente; o reenvio 60 s "
        "depois, quando já tinham sido excluídos, foi aceito e descartado como duplicata."
    )


def test_exercise_4_1_on_a_standard_queue_in_portuguese(lab, sqs, portuguese):
    sqs.create_queue(QueueName="customer-events")
    check = exercises.check_resend_safe(lab, None, queue="customer-events", hint=2)
    assert check.hints == (
        "'customer-events' é uma fila padrão: o tipo de uma fila só é definido na criação (seção 1)",
        "exclua-a (sqs.delete_queue) e crie 'customer-events' de novo como fila FIFO",
        "crie-a com Attributes={'FifoQueue': 'true'}",
    )


def test_exercise_4_1_in_english_by_default(lab, sqs):
    assert exercises.check_resend_safe(lab, None).message == (
        "there is no queue named 'customer-events.fifo' yet: create it first, as a FIFO queue (its "
        "type is chosen when it is created, section 1)"
    )


def deliveries(done_at):
    """Deliveries of ORDERS, each done at ``done_at(customer, n)``."""
    return [Delivery(done_at(c, n), "w1", c, n, 1) for c, n in ORDERS]


def test_exercise_4_2_hints_and_pass_in_portuguese(portuguese):
    blocked = deliveries(lambda c, n: 120 + n if c != "acme" or n > 1 else 120)
    check = exercises.check_customer_groups(blocked, ORDERS, SLOW, hint=3)
    assert check.hints == (
        "3 pedido(s) de outros clientes só terminaram depois do pedido lento de acme: ficaram "
        "presos atrás dele. Veja em que grupo de mensagens a send_orders coloca cada pedido "
        "(seção 2)",
        "nenhuma mensagem seguinte de um grupo é entregue enquanto uma mensagem dele estiver em "
        "trânsito: todo pedido que divide o grupo de acme espera a análise dele",
        "dê a cada cliente um grupo de mensagens só dele: MessageGroupId=customer",
    )
    assert exercises.check_customer_groups([], ORDERS, SLOW).message == (
        "rode primeiro a célula que envia os pedidos e roda a loja"
    )
    fixed = deliveries(lambda c, n: 120 + n if c == "acme" else n)
    assert repr(exercises.check_customer_groups(fixed, ORDERS, SLOW)) == (
        "PASS [ex4.2] os pedidos dos outros clientes terminaram todos antes do pedido lento de "
        "acme, e os pedidos de cada cliente foram processados em sequência."
    )


def test_exercise_4_2_in_english_by_default():
    check = exercises.check_customer_groups(deliveries(lambda c, n: n), ORDERS[:-1], SLOW)
    assert check.message == (
        "6 of 5 orders were processed: let the shop run until the queue is empty, and send every "
        "order"
    )


def test_exercise_4_3_hints_and_pass_in_portuguese(sqs, portuguese):
    assert exercises.check_high_throughput(sqs).message == (
        "ainda não existe uma fila chamada 'clicks.fifo': crie-a, uma fila FIFO no modo de alta "
        "taxa de transferência (seção 5)"
    )
    url = sqs.create_queue(
        QueueName="clicks.fifo", Attributes={**FIFO, "FifoThroughputLimit": "perMessageGroupId"}
    )["QueueUrl"]
    assert exercises.check_high_throughput(sqs).message == (
        "FifoThroughputLimit está em perMessageGroupId, mas DeduplicationScope está em 'queue': a "
        "regra da AWS é que perMessageGroupId só é permitido quando DeduplicationScope é "
        "messageGroup (seção 5)"
    )
    sqs.set_queue_attributes(
        QueueUrl=url,
        Attributes={"DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perQueue"},
    )
    check = exercises.check_high_throughput(sqs, hint=2)
    assert check.hints[0].startswith(
        "FifoThroughputLimit está em 'perQueue': só com DeduplicationScope messageGroup, vale a "
        "taxa de transferência normal"
    )
    assert check.hints[1] == "set_queue_attributes muda isso na fila que já existe"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoThroughputLimit": "perMessageGroupId"})
    assert repr(exercises.check_high_throughput(sqs)) == (
        "PASS [ex4.3] 'clicks.fifo' é uma fila FIFO no modo de alta taxa de transferência "
        "(desduplicação e cota de taxa de transferência por grupo de mensagens)."
    )


def test_exercise_4_3_in_english_by_default(sqs):
    sqs.create_queue(QueueName="clicks.fifo", Attributes={**FIFO, "DeduplicationScope": "queue"})
    assert exercises.check_high_throughput(sqs).message.startswith(
        "DeduplicationScope is 'queue': in high-throughput mode deduplication works per message "
        "group, not per queue; as it is, the queue gets normal throughput (300 API calls/s per "
        "action); deduplication across the queue"
    )


def test_exercise_4_4_hints_in_portuguese(lab, sqs, portuguese):
    assert exercises.check_order_groups(lab, None).hints == (
        "defina send_order na célula acima e rode essa célula; depois rode esta verificação",
        "send_order(queue_url, order): um send_message com o ID de grupo que você escolher",
    )

    def unwritten(queue_url, order):
        raise NotImplementedError("write the send here")

    assert exercises.check_order_groups(lab, unwritten).message == (
        "send_order ainda não foi escrita: escreva-a na célula acima"
    )

    def one_group(queue_url, order):
        body = json.dumps(order)
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageGroupId="orders")

    check = exercises.check_order_groups(lab, one_group, hint=2)
    assert check.hints[0].startswith(
        "todos os pedidos levavam o mesmo MessageGroupId: a fila inteira foi um único locatário, "
        "então não havia locatário silencioso para atender primeiro. Enquanto CUST-900 inundava "
        "a fila, a espera p95 (do envio à exclusão) dos outros 12 clientes foi de "
    )
    assert check.hints[0].endswith("De qual locatário a fila precisa proteger os outros (seção 6)?")
    assert check.hints[1] == "numa fila justa, o ID de grupo diz a qual locatário o pedido pertence"


def test_exercise_4_4_passes_in_portuguese(lab, sqs, portuguese):
    def by_customer(queue_url, order):
        body = json.dumps(order)
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageGroupId=order["customer_id"])

    check = exercises.check_order_groups(lab, by_customer)
    assert repr(check).startswith(
        "PASS [ex4.4] um MessageGroupId por cliente: enquanto CUST-900 inundava a fila, a espera "
        "p95 dos outros 12 clientes foi de "
    )
    assert check.message.endswith("e todos os pedidos foram entregues.")


def test_exercise_4_4_in_english_by_default(lab):
    assert exercises.check_order_groups(lab, None).message == (
        "define send_order in the cell above and run that cell, then run this check"
    )


def test_the_order_report_in_portuguese(portuguese):
    report = fifo.report([Delivery(1.0, "w1", "g1", 2, 1), Delivery(2.0, "w1", "g1", 1, 1)])
    assert repr(report.table()).splitlines() == [
        "grupo  ordem de processamento  fora de ordem  duplicatas",
        "g1     2 1                     1              0",
    ]
    # the table keeps its columns in English inside
    assert report.table().column("out of order") == ["1"]
    with pytest.raises(LimitError, match="é preciso pelo menos 1 grupo e 1 mensagem por grupo"):
        fifo.streams(0, 3)


def test_the_order_report_in_english_by_default():
    report = fifo.report([Delivery(1.0, "w1", "g1", 1, 1)])
    assert SPACES.split(repr(report.table()).splitlines()[0])[:2] == ["group", "processed order"]


def test_the_combinations_table_keeps_api_values_in_portuguese(portuguese):
    lines = repr(partitions.combinations()).splitlines()
    assert SPACES.split(lines[0])[-1] == "o que a AWS faz"
    # "queue" is an API value here, not the word the tables translate
    assert lines[1].split()[:2] == ["queue", "perQueue"]
    assert lines[1].endswith(
        "taxa de transferência normal (300 chamadas de API/s por ação); desduplicação na fila "
        "inteira"
    )
    assert lines[2].endswith(
        "não permitido: perMessageGroupId só é permitido quando DeduplicationScope é messageGroup"
    )
    assert partitions.mode({"DeduplicationScope": "group"}).describe() == (
        "não é um DeduplicationScope: os valores são queue ou messageGroup"
    )


def test_the_model_in_portuguese(portuguese):
    assert partitions.LABEL.startswith("modelo do sqslab das cotas documentadas pela AWS")
    assert partitions.ASSUMPTIONS[0].startswith("o hash: SHA-256 do ID do grupo")
    header = repr(partitions.scaling_table([1, 10])).splitlines()[0]
    assert header.startswith("grupos  Norte da Virgínia, Oregon, Irlanda  Ohio, Frankfurt")
    assert header.endswith("todas as outras Regiões")
    lines = repr(partitions.hot_group(asked=30_000, groups=1000, share=0.2).table()).splitlines()
    assert SPACES.split(lines[0])[:2] == ["quem", "grupos"]
    assert lines[0].endswith("chamadas/s pedidas  chamadas/s atendidas")
    assert [SPACES.split(line)[0] for line in lines[1:]] == [
        "o grupo quente",
        "vizinhos de partição (cada)",
        "a fila inteira",
    ]
    with pytest.raises(LimitError, match="share precisa estar entre 0 e 1, mas recebeu 2"):
        partitions.hot_group(asked=100, groups=10, share=2)


def test_the_model_in_english_by_default():
    assert partitions.LABEL == (
        "sqslab model of AWS's documented high-throughput FIFO quotas (not a measurement: moto "
        "enforces no throughput)"
    )
    header = repr(partitions.scaling_table([1])).splitlines()[0]
    assert header.startswith("groups  N. Virginia, Oregon, Ireland")
    assert repr(partitions.combinations()).splitlines()[1].split()[0] == "queue"


SMALL = fairness.Workload(flood_burst=40, quiet_tenants=3, seconds=20)


def test_the_fair_queue_experiment_in_portuguese(lab, sqs, portuguese):
    assert fairness.Workload().describe() == (
        "flood envia 200 mensagens de uma vez, depois uma a cada 1 s; 12 locatários silenciosos "
        "enviam uma a cada 15 s, mais ou menos, cada um; durante 90 s (semente 4).\n"
        "4 consumidores recebem até 2 mensagens por vez, trabalham 0,5 s em cada uma e as excluem."
    )

    def plain(queue_url, tenant, body):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    def fair(queue_url, tenant, body):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageGroupId=tenant)

    lines = repr(fairness.compare(lab, plain, fair, SMALL)).splitlines()
    assert SPACES.split(lines[0])[:2] == ["locatário", "mensagens"]
    assert lines[0].endswith("permanência p95 sem IDs de grupo (s)  com IDs de grupo (s)")
    # the flood tenant is a name, never translated; the quiet tenants' row is a label
    assert lines[1].split()[0] == "flood"
    assert lines[-3].startswith("locatários silenciosos")
    assert lines[-2].startswith("entregues e excluídas: ")
    assert lines[-1].startswith("permanência p95 dos locatários silenciosos: ")
    assert fairness.REAL_CLOCK.startswith("ele leva minutos de tempo real")


def test_the_fair_queue_experiment_in_english_by_default():
    assert fairness.Workload().describe().startswith("flood sends 200 messages at once")
    assert fairness.REAL_CLOCK.startswith("it needs minutes of real time")


def test_the_experiment_refuses_a_real_clock_in_portuguese(lab, portuguese, monkeypatch):
    monkeypatch.setattr(type(lab), "virtual_time", property(lambda _self: False))
    with pytest.raises(LabConfigError, match="o experimento do vizinho barulhento roda no relógio"):
        fairness.check_virtual(lab)


def group_run():
    """Deliveries of two groups, the second out of order."""
    return [Delivery(float(t), "w1", g, s, 1) for t, (g, s) in enumerate(
        [("g1", 1), ("g2", 2), ("g1", 2), ("g2", 1)]
    )]  # fmt: skip


def test_the_group_order_chart_in_portuguese(portuguese):
    ax = plots.group_order(group_run()).axes[0]
    assert ax.get_title() == "Ordem de processamento por grupo de mensagens"
    assert ax.get_xlabel() == "segundos desde que a primeira mensagem foi processada"
    assert ax.get_ylabel() == "passo no grupo (seq)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["g1", "g2"]
    with pytest.raises(LimitError, match="nenhuma entrega para desenhar"):
        plots.group_order([])


def test_the_group_order_chart_in_english_by_default():
    ax = plots.group_order(group_run()).axes[0]
    assert ax.get_title() == "Processing order per message group"
    assert ax.get_ylabel() == "step in its group (seq)"


def test_the_partition_chart_in_portuguese(portuguese):
    rows = [c for tier in partitions.TIERS[:2] for c in partitions.scaling([1, 10], tier)]
    fig = plots.partition_scaling(rows)
    ax = fig.axes[0]
    assert fig._suptitle.get_text() == (
        "FIFO de alta taxa de transferência: o teto cresce com os grupos"
    )
    assert ax.get_title() == partitions.LABEL
    assert ax.get_title().startswith("modelo do sqslab")
    assert ax.get_xlabel() == "grupos de mensagens distintos, todos ocupados"
    assert ax.get_ylabel() == "chamadas de API/s por ação"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Norte da Virgínia, Oregon, Irlanda",
        "Ohio, Frankfurt",
        "modo padrão: 300 chamadas de API/s por ação",
    ]


def test_the_partition_chart_in_english_by_default():
    fig = plots.partition_scaling(partitions.scaling([1, 10], partitions.TIERS[0]))
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend == ["N. Virginia, Oregon, Ireland", "default mode: 300 API calls/s per action"]


def test_the_tenant_chart_and_the_fair_panel_in_portuguese(lab, sqs, portuguese):
    def plain(queue_url, tenant, body):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    def fair(queue_url, tenant, body):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageGroupId=tenant)

    fig = plots.tenant_dwell(fairness.compare(lab, plain, fair, SMALL))
    ax = fig.axes[0]
    assert fig._suptitle.get_text().startswith("Um locatário inunda a fila: os silenciosos")
    assert ax.get_title() == (
        "camada de fidelidade do sqslab: filas justas (filas padrão com MessageGroupId)"
    )
    assert ax.get_ylabel() == "tempo de permanência p95 (s), do envio à exclusão"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "sem IDs de grupo",
        "com IDs de grupo",
    ]
    panel = widgets.fair_panel(lab, plain, fair)
    assert (panel.burst.description, panel.consumers.description) == (
        "rajada (mensagens)",
        "consumidores",
    )
    assert panel.again.description == "rodar de novo"
    assert panel.report.value.startswith(
        "execução 1: permanência p95 dos locatários silenciosos <b>"
    )
    assert "sem IDs de grupo" in panel.report.value


def test_the_fair_panel_on_a_real_clock_in_portuguese(lab, sqs, portuguese, monkeypatch):
    monkeypatch.setattr(type(lab), "virtual_time", property(lambda _self: False))

    def send(queue_url, tenant, body):
        raise AssertionError("nothing is sent on a real clock")

    panel = widgets.fair_panel(lab, send, send)
    assert panel.report.value == (
        "relógio real: o experimento foi pulado (ele leva minutos de tempo real, e entre os "
        "emuladores só o moto do sqslab tem filas justas (o moto puro e o LocalStack ignoram os "
        "IDs de grupo))"
    )


def test_the_fifo_panel_in_portuguese(lab, portuguese):
    panel = widgets.fifo_panel(lab)
    assert panel.fifo.options == ("FIFO", "padrão")
    assert panel.groups.description == "grupos de mensagens"
    assert panel.failure.description == "taxa de falhas"
    assert panel.report.value.startswith(
        "FIFO: <b>todos os grupos em ordem</b> · falhas reprocessadas"
    )
    panel.fifo.value = "padrão"
    assert panel.last["in_order"] in (True, False)
    assert panel.report.value.startswith("padrão: <b>")
    assert "s de tempo de fila" in panel.report.value


def test_the_fifo_panel_in_english_by_default(lab):
    panel = widgets.fifo_panel(lab)
    assert panel.fifo.options == ("FIFO", "standard")
    assert panel.report.value.startswith("FIFO: <b>every group in order</b> · failures retried")


def test_the_layers_describe_themselves_in_portuguese(portuguese):
    assert realism.LABEL == (
        "camada de realismo do sqslab (entrega pelo menos uma vez da AWS, emulada no moto)"
    )
    assert dedup.LABEL == "camada de fidelidade do sqslab: desduplicação FIFO como a AWS faz"
    text = dedup.DESCRIPTION
    assert text.startswith(dedup.LABEL + "\n\nAWS, SendMessage (")
    # AWS's own words stay as AWS wrote them
    assert dedup.DELETED_QUOTE in text
    assert "o moto puro esquece um ID de desduplicação" in text
    assert "em até 5 minutos depois do primeiro envio" in text
    text = fair_queues.DESCRIPTION
    assert text.startswith("camada de fidelidade do sqslab: filas justas")
    assert "- um locatário é ruidoso com mais de 10 % das mensagens em trânsito da fila" in text
    assert text.endswith("traz o cabeçalho x-sqslab-fidelity-layer.")
    assert fifo_groups.DESCRIPTION.startswith(
        "camada de fidelidade do sqslab: grupos de mensagens FIFO depois de um tempo limite de "
        "visibilidade. Uma mensagem cujo tempo limite acabou"
    )


def test_the_layers_describe_themselves_in_english_by_default():
    assert realism.LABEL == "sqslab realism layer (AWS at-least-once delivery, emulated on moto)"
    assert dedup.DESCRIPTION.startswith(
        "sqslab fidelity layer: FIFO deduplication as AWS does it\n\nAWS, SendMessage ("
    )
    assert "within 5 minutes of its first send is accepted" in dedup.DESCRIPTION
    assert "- a tenant is noisy with more than 10 % of the queue's" in fair_queues.DESCRIPTION
    assert fifo_groups.LABEL in fifo_groups.DESCRIPTION
    with pytest.raises(AttributeError):
        _ = dedup.NO_SUCH_NAME
