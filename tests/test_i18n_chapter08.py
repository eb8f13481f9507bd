"""What chapter 8 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks of exercises 8.1-8.4, the mapping advice and the errors Lambda's limits raise,
the security audit, the service comparison (table, panel, chart) and the monthly cost chart."""

from __future__ import annotations

import json

import pytest
from lambda_answers import per_account, raising_receipts, reporting_receipts, stop_the_batch

from sqslab import (
    exercises,
    fanout,
    fifo_ledger,
    lambda_batches,
    plots,
    security,
    services,
    widgets,
)
from sqslab.errors import LimitError, WrongTypeError
from sqslab.tables import Table

MAPPING = {"visibility_timeout": 360, "function_timeout": 60, "max_receive_count": 5}


def shop_events(lab, raw=True):
    """Exercise 8.1's topic and queues, the shipping queue filtered; raw delivery as told."""
    sqs, sns = lab.sqs, lab.client("sns")
    topic = sns.create_topic(Name="shop-events")["TopicArn"]
    for name in ("invoices", "shipping"):
        url = sqs.create_queue(QueueName=name)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        policy = json.dumps(fanout.delivery_policy(arn, topic))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        attributes = {"RawMessageDelivery": "true" if raw else "false"}
        if name == "shipping":
            attributes["FilterPolicy"] = json.dumps({"event": ["order_placed"]})
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes=attributes)


def test_exercise_8_1_hints_and_pass_in_portuguese(lab, portuguese):
    check = exercises.check_shop_fanout(lab, hint=2)
    assert check.hints == (
        "ainda não existe um tópico chamado 'shop-events': crie-o primeiro (SNS, seção 1)",
        "sns.create_topic(Name='shop-events')",
    )
    lab.client("sns").create_topic(Name="shop-events")
    assert exercises.check_shop_fanout(lab).message == (
        "crie a(s) fila(s) ['invoices', 'shipping'] (capítulo 1)"
    )


def test_exercise_8_1_raw_delivery_hint_and_pass_in_portuguese(lab, portuguese):
    shop_events(lab, raw=False)
    assert exercises.check_shop_fanout(lab).message == (
        "'shipping' recebe o envelope JSON do SNS, não o pedido publicado: veja os atributos da "
        "assinatura dela (seção 1)"
    )


def test_exercise_8_1_passes_in_portuguese(lab, portuguese):
    shop_events(lab)
    assert repr(exercises.check_shop_fanout(lab)) == (
        "PASS [ex8.1] 'invoices' recebeu os dois eventos de teste, 'shipping' só o pedido feito "
        "(filtrado pelo atributo de mensagem), em formato bruto, e as políticas das duas filas "
        "deixam só o seu tópico enviar."
    )


def test_exercise_8_1_in_english_by_default(lab):
    assert exercises.check_shop_fanout(lab).message == (
        "there is no topic named 'shop-events' yet: create it first (SNS, section 1)"
    )


def test_exercise_8_2_hints_and_pass_in_portuguese(lab, portuguese):
    check = exercises.check_partial_batch(lab, raising_receipts, hint=3)
    assert check.hints == (
        "8 recibos bons foram parar na DLQ junto com o malformado: levantar uma exceção faz o lote "
        "inteiro falhar, e o Lambda tenta de novo todos os registros (seção 2)",
        "capture o erro registro a registro, para que um registro ruim não derrube os outros, e "
        "informe como falhos só os registros ruins",
        "devolva {'batchItemFailures': [{'itemIdentifier': record['messageId']}]} só para os ruins",
    )
    assert exercises.check_partial_batch(lab, None).message == (
        "defina primeiro handle_receipts(event, context)"
    )
    assert repr(exercises.check_partial_batch(lab, reporting_receipts)) == (
        "PASS [ex8.2] os 8 recibos bons foram processados e excluídos; só o malformado foi "
        "recebido 3 vezes e depois foi para a DLQ."
    )


def test_exercise_8_2_in_english_by_default(lab):
    assert exercises.check_partial_batch(lab, raising_receipts).message == (
        "8 good receipt(s) ended in the DLQ next to the malformed one: raising fails the whole "
        "batch, so Lambda retries every record (section 2)"
    )


def test_exercise_8_3_hints_and_pass_in_portuguese(lab, portuguese):
    ledger = fifo_ledger.Ledger()
    check = exercises.check_fifo_in_order(lab, stop_the_batch(ledger), ledger, hint=3)
    assert check.hints == (
        "13 registros de contas sem nenhuma falha foram informados como falhos, por exemplo "
        '{"account": "acct-2", "step": 2}: a ordem se mantém, mas cada um volta depois do tempo '
        "limite de visibilidade e conta mais um recebimento para o maxReceiveCount",
        "parar o lote inteiro na primeira falha é a regra simples da AWS; aqui, deixe as outras "
        "contas seguirem",
        "guarde os MessageGroupIds que falharam neste lote; informe um registro se o grupo dele "
        "estiver entre eles, e aplique-o se não estiver",
    )
    assert exercises.check_fifo_in_order(lab, per_account(ledger), ledger).message == (
        "12 etapas em cada uma de 3 execuções com falhas injetadas: cada etapa aplicada uma vez, "
        "cada conta em ordem, e só as contas que falharam ficaram retidas."
    )


def test_exercise_8_3_in_english_by_default(lab):
    ledger = fifo_ledger.Ledger()
    check = exercises.check_fifo_in_order(lab, stop_the_batch(ledger), ledger)
    assert check.message.startswith("13 record(s) of accounts that had no failure were reported")


def test_the_ledger_refuses_in_portuguese(portuguese):
    ledger = fifo_ledger.Ledger()
    ledger.fail("acct-1", 2)
    record = {"body": json.dumps({"account": "acct-1", "step": 2})}
    with pytest.raises(fifo_ledger.LedgerBusy, match="acct-1 etapa 2: o livro-razão está ocupado"):
        ledger.apply(record)


def test_exercise_8_4_hints_and_pass_in_portuguese(lab, sqs, portuguese):
    assert exercises.check_payroll_locked(lab).message == (
        "ainda não existe uma fila chamada 'payroll': crie-a primeiro"
    )
    url = sqs.create_queue(QueueName="payroll")["QueueUrl"]
    assert exercises.check_payroll_locked(lab).message == (
        "'payroll' usa SSE-SQS: ela precisa ser criptografada com SSE-KMS sob uma chave cuja "
        "política você controla (seção 3)"
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes=security.kms_attributes("alias/aws/sqs"))
    assert exercises.check_payroll_locked(lab).message.startswith(
        "'payroll' usa a chave gerenciada pela AWS alias/aws/sqs: você não pode mudar a política"
    )
    key = lab.client("kms").create_key()["KeyMetadata"]["KeyId"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes=security.kms_attributes(key))
    assert exercises.check_payroll_locked(lab).message == (
        "KmsDataKeyReusePeriodSeconds está em 300; o exercício pede uma hora"
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes=security.kms_attributes(key, 3600))
    assert exercises.check_payroll_locked(lab).message.startswith(
        "'payroll' não recusa HTTP sem TLS: a política dela não tem um Deny"
    )
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    open_to_all = {"Effect": "Allow", "Principal": "*", "Action": "sqs:*", "Resource": arn}
    locked = security.policy(security.deny_insecure_transport(arn), open_to_all)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": locked})
    assert exercises.check_payroll_locked(lab).message == (
        "um Allow para Principal * não diz quem (uma condição de TLS ou de horário não conta): "
        "limite-o com aws:SourceArn, aws:SourceAccount ou aws:PrincipalArn (seção 3)"
    )
    locked = security.policy(security.deny_insecure_transport(arn))
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": locked})
    assert repr(exercises.check_payroll_locked(lab)) == (
        "PASS [ex8.4] 'payroll' está criptografada com a sua chave gerenciada pelo cliente, "
        "recusa HTTP sem TLS e não está aberta a ninguém (na AWS; o moto guarda as políticas sem "
        "aplicá-las)."
    )


def test_the_security_audit_in_portuguese_keeps_the_check_names_inside(sqs, portuguese):
    url = sqs.create_queue(QueueName="card-events")["QueueUrl"]
    findings = security.audit(sqs, url)
    assert [f.check for f in findings] == ["encrypted at rest", "TLS only", "not open to anyone"]
    lines = repr(security.report(findings)).splitlines()
    assert lines[0].split() == ["verificação", "ok", "detalhe"]
    assert lines[1].startswith("criptografada em repouso  sim  SSE-SQS: chaves de propriedade")
    assert lines[2].startswith("só TLS                    NÃO  acrescente security.deny_")
    assert lines[3].endswith("nenhum Allow para Principal * sem uma condição sobre quem chama")
    assert security.MOTO_NOTE.startswith("o moto guarda a Policy de uma fila, mas não a aplica")


def test_the_security_audit_in_english_by_default(sqs):
    url = sqs.create_queue(QueueName="card-events")["QueueUrl"]
    lines = repr(security.report(security.audit(sqs, url))).splitlines()
    assert lines[0].split() == ["check", "ok", "detail"]
    assert lines[2].startswith("TLS only            NO   add security.deny_insecure_transport(")
    assert security.MOTO_NOTE.startswith("moto keeps a queue's Policy but does not enforce it")
    with pytest.raises(AttributeError, match="no attribute 'NOTE'"):
        _ = security.NOTE


def test_the_key_reuse_error_in_both_languages(portuguese):
    with pytest.raises(LimitError) as raised:
        security.kms_attributes("alias/aws/sqs", reuse_seconds=30)
    assert str(raised.value) == (
        "KmsDataKeyReusePeriodSeconds 30: o SQS permite de 60 segundos a 86.400 segundos "
        "(24 horas); um período mais longo significa menos chamadas ao KMS (mais barato), um mais "
        "curto, menos dados sob uma mesma chave"
    )


def test_the_key_reuse_error_in_english_by_default():
    with pytest.raises(LimitError) as raised:
        security.kms_attributes("alias/aws/sqs", reuse_seconds=30)
    assert str(raised.value) == (
        "KmsDataKeyReusePeriodSeconds 30: SQS allows 60 seconds to 86,400 seconds (24 hours); a "
        "longer period means fewer KMS calls (cheaper), a shorter one less data under one key"
    )


def test_mapping_advice_and_refusals_in_portuguese(portuguese):
    advice = lambda_batches.mapping_problems(
        batch_size=10, visibility_timeout=60, function_timeout=30, max_receive_count=3
    )
    assert advice[0].startswith(
        "o tempo limite de visibilidade de 60 s está abaixo de 6 × o tempo limite da função (180 s)"
    )
    assert advice[1] == (
        "maxReceiveCount 3 está abaixo de 5: lotes limitados (throttling) ou com falha podem "
        "mandar mensagens boas para a DLQ; a AWS recomenda pelo menos 5"
    )
    off = lambda_batches.mapping_problems(
        batch_size=10, report_batch_item_failures=False, **MAPPING
    )
    assert off == [
        "ReportBatchItemFailures está desligado: o Lambda ignora o batchItemFailures devolvido e "
        "exclui o lote inteiro; use FunctionResponseTypes=['ReportBatchItemFailures']"
    ]
    with pytest.raises(LimitError, match="acima de 10 mensagens, o Lambda espera o lote encher"):
        lambda_batches.mapping_problems(batch_size=100, **MAPPING)
    with pytest.raises(LimitError, match="o Lambda permite de 2 a 1.000 invocações simultâneas"):
        lambda_batches.mapping_problems(batch_size=10, maximum_concurrency=1, **MAPPING)
    with pytest.raises(LimitError, match="uma fila FIFO não aceita janela de lote"):
        lambda_batches.mapping_problems(batch_size=10, batching_window=5, fifo=True, **MAPPING)


def test_mapping_refusals_in_english_by_default():
    with pytest.raises(LimitError, match="batch size 100 needs a batching window of at least 1 s"):
        lambda_batches.mapping_problems(batch_size=100, **MAPPING)
    with pytest.raises(LimitError, match="Lambda allows 2 to 1,000 concurrent invocations"):
        lambda_batches.mapping_problems(batch_size=10, maximum_concurrency=1001, **MAPPING)


def test_filter_advice_and_errors_in_portuguese(portuguese):
    only_placed = {"Filters": [{"Pattern": json.dumps({"body": {"event": ["order_placed"]}})}]}
    advice = lambda_batches.mapping_problems(batch_size=10, filter_criteria=only_placed, **MAPPING)
    assert advice == [
        "FilterCriteria: mensagens que não correspondem a nenhum filtro são excluídas da fila sem "
        "invocar a função; confira se nenhum outro consumidor precisa delas"
    ]
    numeric = {"Filters": [{"Pattern": json.dumps({"body": {"n": [{"numeric": [">", 1]}]}})}]}
    with pytest.raises(LimitError, match="body.n: a regra 'numeric' não é modelada neste"):
        lambda_batches.mapping_problems(batch_size=10, filter_criteria=numeric, **MAPPING)
    on_attributes = {"Filters": [{"Pattern": json.dumps({"attributes": {"a": ["b"]}})}]}
    with pytest.raises(LimitError, match="consideram somente a chave body"):
        lambda_batches.mapping_problems(batch_size=10, filter_criteria=on_attributes, **MAPPING)


def test_fan_out_errors_in_portuguese(portuguese):
    with pytest.raises(WrongTypeError, match="a fila de um Subscriber é o nome da fila em texto"):
        fanout.Subscriber(3)
    with pytest.raises(LimitError, match="nome de tópico inválido 'a b': o SNS permite"):
        fanout.check_topic_name("a b")
    with pytest.raises(LimitError, match="um tópico padrão não entrega para uma fila FIFO"):
        fanout.check_pairing("shop", [fanout.Subscriber("ledger.fifo")])
    statement = fanout.delivery_policy("arn:aws:sqs:us-east-1:123456789012:q", "arn:t")
    wrong = dict(statement["Statement"][0], Effect="Deny")
    assert fanout.topic_may_send(wrong, "arn:q", "arn:t") == "a declaração precisa ser um Allow"


def test_fan_out_errors_in_english_by_default():
    with pytest.raises(LimitError, match="a standard topic cannot deliver to a FIFO queue"):
        fanout.check_pairing("shop", [fanout.Subscriber("ledger.fifo")])


def test_the_service_table_in_portuguese_keeps_the_need_keys(portuguese):
    lines = repr(services.as_table(services.recommend(["order", "dedup"]))).splitlines()
    assert lines[0].split() == ["serviço", "atende", "falta", "o", "porém"]
    assert lines[1].startswith("SQS FIFO") and lines[1].endswith("um grupo travado espera")
    standard = next(line for line in lines if line.startswith("SQS padrão"))
    assert "order, dedup" in standard  # the needs' keys, as recommend() takes them
    needs = repr(Table(("need", "meaning"), list(services.NEEDS.items()))).splitlines()
    assert needs[4].split()[0] == "order"  # a key, never taken for a marked word
    assert needs[4].endswith("ordem estrita por chave (cliente, conta, dispositivo)")


def test_the_service_table_in_english_by_default():
    lines = repr(services.as_table(services.recommend(["order"]))).splitlines()
    assert lines[0].split() == ["service", "meets", "misses", "the", "catch"]
    assert any(line.startswith("SQS standard") for line in lines)


def test_the_service_panel_in_portuguese(portuguese):
    panel = widgets.service_panel(needs=("order", "dedup"))
    labels = [toggle.description for toggle in panel.toggles.values()]
    assert labels[:4] == ["sem servidores", "repetir cada uma", "escala enorme", "ordem"]
    assert panel.toggles["order"].tooltip == "ordem estrita por chave (cliente, conta, dispositivo)"
    assert panel.report.value == (
        "atende todas as necessidades: <b>SQS FIFO, SNS FIFO + SQS FIFO</b>"
    )
    panel.toggles["protocols"].value = True
    assert panel.report.value == (
        "nenhum serviço atende às 3; o mais próximo: <b>SQS FIFO</b>, faltando protocols"
    )
    assert bytes(panel.chart.value).startswith(b"\x89PNG")


def test_the_service_panel_in_english_by_default():
    panel = widgets.service_panel()
    assert panel.toggles["no_servers"].description == "no servers"
    assert panel.toggles["fan_out"].description == "fan out"


def test_the_service_chart_in_portuguese(portuguese):
    ax = plots.service_fit(services.recommend(["retry_each"]), 1).axes[0]
    assert ax.get_title() == "Qual serviço atende"
    assert ax.get_xlabel() == "necessidades atendidas (de 1 escolhidas)"
    assert "SQS padrão" in [t.get_text() for t in ax.get_yticklabels()]


def test_the_service_chart_in_english_by_default():
    ax = plots.service_fit(services.recommend(["retry_each"]), 1).axes[0]
    assert (ax.get_title(), ax.get_xlabel()) == ("Which service fits", "needs met (of 1 chosen)")
    assert "SQS standard" in [t.get_text() for t in ax.get_yticklabels()]


def test_the_monthly_cost_chart_in_portuguese(portuguese):
    from sqslab import cost

    curves = {"lotes de 10": [cost.monthly(n, batch_size=10) for n in (10**7, 10**8)]}
    ax = plots.monthly_cost(curves).axes[0]
    assert ax.get_title() == "Quanto custa um mês de mensagens"
    assert ax.get_xlabel() == "mensagens por mês"
    assert ax.get_ylabel() == "US$ por mês (preço de tabela, depois do nível gratuito)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lotes de 10"]


def test_the_monthly_cost_chart_in_english_by_default():
    from sqslab import cost

    ax = plots.monthly_cost({"batched": [cost.monthly(10**8, batch_size=10)]}).axes[0]
    assert ax.get_title() == "What a month of messages costs"
    assert ax.get_ylabel() == "$ per month (list price, after the free tier)"
