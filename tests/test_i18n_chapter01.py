"""What chapter 1 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks of exercises 1.1-1.3, the type and attribute tables, the name problems and the
errors a bad name or value gets, the attribute-range chart and the queue builder."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from sqslab import exercises, plots, queues, tables, widgets
from sqslab.errors import LimitError


def test_exercise_1_1_hints_in_portuguese_keep_the_code_as_it_is(sqs, portuguese):
    check = exercises.check_payments_fifo(sqs, hint=3)
    assert check.hints == (
        "ainda não existe uma fila chamada 'payments.fifo': crie-a como fila FIFO (seção 1)",
        "o tipo e todos os atributos vão na mesma chamada create_queue, em Attributes (os valores "
        "são texto)",
        "sqs.create_queue(QueueName='payments.fifo', Attributes={'FifoQueue': 'true', ...})",
    )
    sqs.create_queue(
        QueueName="payments.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )
    assert exercises.check_payments_fifo(sqs).message == (
        "VisibilityTimeout está em 30 segundos; o exercício pede 2 minutos (seção 2)"
    )


def test_exercise_1_1_passes_in_portuguese(sqs, portuguese):
    sqs.create_queue(
        QueueName="payments.fifo",
        Attributes={
            "FifoQueue": "true",
            "ContentBasedDeduplication": "true",
            "VisibilityTimeout": "120",
        },
    )
    assert repr(exercises.check_payments_fifo(sqs)) == (
        "PASS [ex1.1] payments.fifo é uma fila FIFO com desduplicação baseada em conteúdo e "
        "tempo limite de visibilidade de 120 s."
    )


def test_exercise_1_1_in_english_by_default(sqs):
    assert repr(exercises.check_payments_fifo(sqs)).splitlines()[0] == (
        "HINT [ex1.1] no queue named 'payments.fifo' yet: create it, as a FIFO queue (section 1)"
    )


def test_exercise_1_2_hints_and_pass_in_portuguese(sqs, portuguese):
    url = sqs.create_queue(
        QueueName="thumbnails", Attributes={"ReceiveMessageWaitTimeSeconds": "20"}
    )["QueueUrl"]
    check = exercises.check_thumbnails_queue(sqs, hint=2)
    assert check.hints == (
        "MessageRetentionPeriod está em 345600 segundos; o exercício pede um dia",
        "um dia são 24 * 60 * 60 = 86400 segundos",
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"MessageRetentionPeriod": "86400"})
    assert exercises.check_thumbnails_queue(sqs).message == (
        "a fila não tem a tag team=media (seção 4)"
    )
    sqs.tag_queue(QueueUrl=url, Tags={"team": "media"})
    assert exercises.check_thumbnails_queue(sqs).message == (
        "thumbnails faz sondagem longa de 20 s por padrão, guarda as mensagens por um dia e tem "
        "a tag team=media."
    )


def test_exercise_1_2_in_english_by_default(sqs):
    sqs.create_queue(QueueName="thumbnails")
    assert exercises.check_thumbnails_queue(sqs).message == (
        "ReceiveMessageWaitTimeSeconds is 0; consumers should long-poll for the longest wait SQS "
        "allows (section 2's table)"
    )


def test_exercise_1_3_hints_and_pass_in_portuguese(lab, sqs, portuguese):
    assert exercises.check_purged(lab).message == (
        "rode primeiro a célula de preparação: ela enche 'load-test'"
    )
    url = sqs.create_queue(QueueName="load-test")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="junk")
    assert exercises.check_purged(lab).message == (
        "'load-test' não foi limpa: uma única chamada esvazia a fila inteira (seção 4)"
    )
    sqs.purge_queue(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="late")
    assert exercises.check_purged(lab).message == (
        "ainda há 1 mensagem em 'load-test': limpe a fila depois que a célula de preparação a "
        "encher"
    )
    with pytest.raises(ClientError, match="PurgeQueueInProgress"):
        sqs.purge_queue(QueueUrl=url)
    lab.wait(61)
    sqs.purge_queue(QueueUrl=url)
    check = exercises.check_purged(lab)
    assert repr(check).startswith("PASS [ex1.3] 'load-test' está vazia, inclusive as mensagens")
    assert check.message.endswith("foi recusada com PurgeQueueInProgress.")


def test_exercise_1_3_in_english_by_default(lab, sqs):
    url = sqs.create_queue(QueueName="load-test")["QueueUrl"]
    sqs.purge_queue(QueueUrl=url)
    assert exercises.check_purged(lab).message.startswith(
        "now purge 'load-test' a second time, right after the first"
    )


def test_the_type_comparison_in_portuguese(portuguese):
    lines = repr(queues.type_comparison()).splitlines()
    assert lines[0].split() == ["padrão", "FIFO"]
    assert lines[1].startswith("entrega")
    assert "pelo menos uma vez (uma mensagem pode chegar duas vezes)" in lines[1]
    assert lines[3].endswith("em lotes de 10")
    assert "US$ 0,40 por milhão de solicitações" in lines[-1]


def test_the_type_comparison_in_english_by_default():
    lines = repr(queues.type_comparison()).splitlines()
    assert lines[0].split() == ["standard", "FIFO"]
    assert "$0.40 per million requests" in lines[-1]


def test_the_attribute_table_in_portuguese_keeps_api_values(portuguese):
    table = queues.attribute_table()
    lines = repr(table).splitlines()
    assert lines[0].split()[:3] == ["atributo", "filas", "intervalo"]
    row = {line.split()[0]: line for line in lines[1:]}
    assert "de 0 segundos a 12 horas" in row["VisibilityTimeout"]
    assert re.split(r"\s{2,}", row["VisibilityTimeout"])[1] == "todas"
    # "queue" is an API value here, not the word the trace table translates
    assert re.split(r"\s{2,}", row["DeduplicationScope"])[3] == "queue"
    assert "allowAll" in row["RedriveAllowPolicy"]
    # the table keeps its cells in English inside
    assert table.column("queues")[0] == "any"


def test_the_attribute_table_in_english_by_default():
    lines = repr(queues.attribute_table()).splitlines()
    assert lines[0].split()[:3] == ["attribute", "queues", "range"]
    assert "0 seconds to 12 hours" in lines[1]


def test_only_marked_cells_are_translated_and_never_in_a_verbatim_column(portuguese):
    from sqslab.i18n import N_

    table = tables.Table(("queue", "error"), [(N_("queue"), N_("queue"))], verbatim=("error",))
    assert repr(table).splitlines() == ["fila  erro", "fila  queue"]
    # a plain cell is data (a learner's order type, a queue named 'orders'): shown as it is
    data = tables.Table(("queue", "error"), [("queue", "standard")])
    assert repr(data).splitlines() == ["fila   erro", "queue  standard"]


def test_queue_settings_show_values_as_sqs_reports_them(sqs, portuguese):
    url = sqs.create_queue(
        QueueName="scoped.fifo", Attributes={"FifoQueue": "true", "DeduplicationScope": "queue"}
    )["QueueUrl"]
    lines = repr(queues.settings(sqs, url)).splitlines()
    assert lines[0].split() == ["atributo", "valor"]
    assert ["DeduplicationScope", "queue"] in [line.split() for line in lines]


def test_name_problems_in_portuguese(portuguese):
    assert queues.name_problem("my orders!") == (
        "os caracteres ' !' não são permitidos; use letras, dígitos, hifens (-) e sublinhados (_)"
    )
    assert queues.name_problem("payments", fifo=True) == (
        "o nome de uma fila FIFO precisa terminar em '.fifo': use 'payments.fifo'"
    )
    assert queues.name_problem("x" * 81) == (
        "o nome tem 81 caracteres; o SQS permite no máximo 80 (encurte-o)"
    )
    assert queues.name_problem("a.fifo") == (
        "um nome terminado em '.fifo' é de fila FIFO: acrescente FifoQueue='true'"
    )
    assert queues.name_problem("") == "o nome de uma fila não pode ficar vazio"
    with pytest.raises(LimitError, match="nome de fila inválido 'a b': os caracteres"):
        queues.check_name("a b")


def test_name_problems_in_english_by_default():
    assert queues.name_problem("payments", fifo=True) == (
        "a FIFO queue's name must end in '.fifo': use 'payments.fifo'"
    )
    with pytest.raises(LimitError, match="invalid queue name 'a b': characters ' '"):
        queues.check_name("a b")


def test_bad_attributes_in_portuguese(portuguese):
    with pytest.raises(LimitError, match="ContentBasedDeduplication só existe em filas FIFO"):
        queues.build_attributes(content_dedup=True)
    with pytest.raises(LimitError, match="atributo desconhecido 'Colour'; os ajustáveis são: "):
        queues.build_attributes(Colour=1)
    with pytest.raises(LimitError, match=r"precisa estar entre 0 e 900 \(de 0 segundos a 15 min"):
        queues.build_attributes(DelaySeconds=901)


def test_the_fidelity_error_in_portuguese_keeps_aws_code_and_message(lab, sqs, portuguese):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    with pytest.raises(ClientError) as raised:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "50000"})
    error = raised.value.response["Error"]
    assert error["Code"] == "InvalidAttributeValue"
    assert error["Message"] == (
        "Invalid value for the parameter VisibilityTimeout: VisibilityTimeout precisa estar entre "
        "0 e 43200 (de 0 segundos a 12 horas), mas recebeu 50000 (camada de fidelidade do sqslab: "
        "a AWS recusa este valor, o moto e o LocalStack o aceitariam)"
    )
    with pytest.raises(ClientError, match="DelaySeconds precisa ser um número inteiro, mas"):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "soon"})


def test_the_fidelity_error_in_english_by_default(lab, sqs):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    with pytest.raises(ClientError, match="must be between 0 and 43200 seconds .0 seconds to 12"):
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "50000"})


def test_the_attribute_range_chart_in_portuguese(portuguese):
    ax = plots.attribute_ranges().axes[0]
    assert ax.get_title() == "Intervalo permitido de cada atributo de tempo (escala logarítmica)"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "1 s",
        "1 min",
        "1 h",
        "1 dia",
        "14 dias",
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["padrão"]
    assert "máx. 12 horas" in [t.get_text() for t in ax.texts]
    # the attribute names are API names
    assert [t.get_text() for t in ax.get_yticklabels()][2] == "VisibilityTimeout"


def test_the_attribute_range_chart_in_english_by_default():
    ax = plots.attribute_ranges().axes[0]
    assert ax.get_title() == "Allowed range of each time attribute (log scale)"
    assert [t.get_text() for t in ax.get_xticklabels()][-2:] == ["1 day", "14 days"]
    assert "max 12 hours" in [t.get_text() for t in ax.texts]


def test_the_queue_builder_in_portuguese(sqs, portuguese):
    builder = widgets.queue_builder(sqs, name="playground")
    assert (builder.fifo.description, builder.create.description) == ("fila FIFO", "criar fila")
    assert builder.content_dedup.description == "desduplicação por conteúdo"
    assert (builder.retention.label, builder.retention.value) == ("4 dias (padrão)", 345600)
    builder.retention.value = 86400
    assert "&#x27;MessageRetentionPeriod&#x27;: &#x27;86400&#x27;" in builder.code.value
    builder.name.value = "play ground"
    assert builder.status.value.startswith("<b>problema no nome:</b> os caracteres")
    assert builder.create.disabled
    builder.name.value = "playground"
    builder.create.click()
    assert builder.status.value == (
        "criada: <code>https://sqs.us-east-1.amazonaws.com/123456789012/playground</code>"
    )


def test_the_queue_builder_shows_a_refused_create_in_portuguese(sqs, portuguese, monkeypatch):
    builder = widgets.queue_builder(sqs, name="playground")

    def refuse(*_args: object, **_kwargs: object) -> str:
        raise LimitError("não")

    monkeypatch.setattr(queues, "create", refuse)
    builder.create.click()
    assert builder.status.value == "<b>erro:</b> não"


def test_the_queue_builder_in_english_by_default(sqs):
    builder = widgets.queue_builder(sqs, name="playground")
    assert (builder.retention.label, builder.retention.value) == ("4 days (default)", 345600)
    builder.create.click()
    assert builder.status.value.startswith("created <code>https://")
