"""What chapter 6 prints, in Portuguese once ``set_language("pt-BR")`` is called and in English by
default: the checks of exercises 6.1-6.3 and the days they run, the metric, alarm and scaling
tables, the alarm and policy descriptions, the alarm evaluator's StateReason, the dashboard, the
monitor panel, the moto note and the errors a bad alarm, policy or metric gets.

The days run once on a lab shared by the module; each test picks its language."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from alarm_args import stuck_alarm

from sqslab import alarms, exercises, i18n, monitor, plots, scaling, widgets
from sqslab.errors import LimitError, UnknownNameError
from sqslab.lab import Lab, start
from sqslab.scaling import ScalingPolicy


@pytest.fixture(scope="module")
def shared() -> Iterator[Lab]:
    """One lab for the module: the days of exercises 6.1 and 6.3 run once on it."""
    lab = start("moto", quiet=True)
    yield lab
    lab.stop()
    i18n.set_language("en")


def put(lab: Lab, name: str, queue: str = "shop-orders", **changes: Any) -> str:
    """Store the 6.1 solution's alarm under ``name``, with ``changes``; returns the name."""
    lab.client("cloudwatch").put_metric_alarm(**stuck_alarm(name, queue, **changes))
    return name


def put_dlq(lab: Lab, name: str, **changes: Any) -> str:
    """The 6.3 solution's alarm under ``name``, with ``changes``."""
    base = {
        "MetricName": monitor.VISIBLE,
        "EvaluationPeriods": 1,
        "DatapointsToAlarm": 1,
        "Threshold": 0.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": "notBreaching",
    }
    return put(lab, name, "refunds-dlq", **{**base, **changes})


# --- exercise 6.1 ----------------------------------------------------------------------------------


def test_exercise_6_1_first_hint_in_portuguese_keeps_the_alarm_name(shared, portuguese):
    check = exercises.check_stuck_alarm(shared, "no such alarm")
    assert repr(check) == (
        "HINT [ex6.1] o CloudWatch ainda não tem nenhum alarme chamado 'no such alarm': grave o "
        "seu com put_metric_alarm do cliente do CloudWatch (a seção 4 mostra os argumentos), "
        "exatamente com esse AlarmName"
    )


def test_exercise_6_1_in_english_by_default(shared):
    assert exercises.check_stuck_alarm(shared, "no such alarm").message.startswith(
        "CloudWatch has no alarm called 'no such alarm' yet: store yours"
    )


def test_the_orders_day_tells_its_story_in_the_language_of_the_moment(shared):
    day = exercises.orders_day(shared)
    english = repr(day).splitlines()
    i18n.set_language("pt-BR")
    lines = repr(day).splitlines()
    assert lines[0].endswith(
        "UTC; o amostrador publicou as métricas AWS/SQS no CloudWatch a cada minuto:"
    )
    assert ", das " in lines[0] and " às " in lines[0]
    assert lines[2].endswith("uma tarefa em lote despeja 240 pedidos de uma vez")
    assert lines[-1].endswith("o consumidor trava: não exclui mais nada")
    assert english[2].endswith("a batch job drops 240 orders at once")
    assert english[1][:7] == lines[1][:7]  # the same times


def test_exercise_6_1_passes_in_portuguese_with_the_evaluator_named(shared, portuguese):
    check = exercises.check_stuck_alarm(shared, put(shared, "stuck pt"))
    assert check.passed
    assert check.message == (
        "stuck pt: AWS/SQS ApproximateAgeOfOldestMessage (QueueName=shop-orders) Maximum >= 180 "
        "em 2 de 3 x 60 s (dados ausentes: missing): OK durante o lote grande, o importador e os "
        "minutos calmos; ALARM 4 minutos depois que o consumidor travou. describe_alarms mostra "
        "StateValue ALARM, definido pelo avaliador de alarmes do sqslab, emulando o CloudWatch no "
        "moto."
    )
    stored = shared.client("cloudwatch").describe_alarms(AlarmNames=["stuck pt"])
    reason = stored["MetricAlarms"][0]["StateReason"]
    assert reason.startswith(
        "avaliador de alarmes do sqslab, emulando o CloudWatch no moto: 3 dos últimos 3 pontos de "
        "dados >= 180 (600 às "
    )
    assert reason.endswith("; ALARM exige 2 de 3, então ALARM")


def test_exercise_6_1_mistakes_in_portuguese(shared, portuguese):
    late = exercises.check_stuck_alarm(shared, put(shared, "late pt", Threshold=300.0))
    assert late.message == (
        "o seu alarme disparou 6 minutos depois que o consumidor travou; o exercício pede no "
        "máximo 5. Confira o Threshold e quantos pontos de dados ele espera"
    )
    single = put(shared, "single pt", Threshold=100.0, EvaluationPeriods=1, DatapointsToAlarm=1)
    hints = exercises.check_stuck_alarm(shared, single, hint=3).hints
    assert hints[0].startswith(
        "o seu alarme foi para ALARM com um único ponto de dados violando o limite durante o lote "
        "de 240 pedidos (minuto 3 do dia)"
    )
    assert hints[2] == (
        "um Threshold acima de 120 s, com 2 dos últimos 3 pontos de dados, fica em OK durante o "
        "lote grande e dispara a tempo"
    )
    depth = put(shared, "depth pt", MetricName=monitor.VISIBLE, Threshold=100.0)
    assert exercises.check_stuck_alarm(shared, depth).message.startswith(
        "o seu alarme observa ApproximateNumberOfMessagesVisible: ele nunca foi para ALARM, "
        "embora o consumidor tenha travado. A tabela da seção 1"
    )
    nowhere = put(shared, "nowhere pt", Namespace="SQS")
    assert exercises.check_stuck_alarm(shared, nowhere, hint=2).hints[1] == (
        "o alarme procura SQS ApproximateAgeOfOldestMessage com QueueName=shop-orders; o "
        "amostrador publicou métricas AWS/SQS com uma única dimensão, QueueName=shop-orders (o "
        "nome da fila, não a URL)"
    )


def test_exercise_6_1_mistake_in_english_by_default(shared):
    late = exercises.check_stuck_alarm(shared, put(shared, "late en", Threshold=300.0))
    assert late.message.startswith("your alarm fired 6 minutes after the consumer hung")


# --- exercise 6.2 ----------------------------------------------------------------------------------


def test_exercise_6_2_hints_in_portuguese(shared, portuguese):
    assert exercises.check_scaling_target(shared, None).message == (
        "thumb_policy deveria ser uma ScalingPolicy montada com os números do exercício (a seção "
        "6 monta uma); recebeu None"
    )
    assert exercises.check_scaling_target(shared, ScalingPolicy(60, 4, 1, 10), hint=2).hints == (
        "a política supõe 4 s de trabalho por miniatura; o enunciado diz quanto tempo uma leva. "
        "Confira seconds_per_message",
        "cada miniatura leva 2 s, então a meta = latência aceitável / tempo de processamento sai "
        "2 vezes pequena demais: instâncias demais",
    )
    assert exercises.check_scaling_target(shared, ScalingPolicy(60, 2, 1, 12)).message == (
        "max_instances=12 passa do orçamento que o exercício dá"
    )
    slow = exercises.check_scaling_target(shared, ScalingPolicy(90, 2, 1, 10), hint=2)
    assert slow.hints[0].endswith(
        "(objetivo: 90 s): lento demais. Pense no que o grupo faz no minuto antes de perceber o "
        "pico"
    )
    assert slow.hints[1].endswith("mire a latência aceitável abaixo do objetivo")


def test_exercise_6_2_passes_in_portuguese(shared, portuguese):
    assert repr(exercises.check_scaling_target(shared, ScalingPolicy(60, 2, 1, 10))) == (
        "PASS [ex6.2] meta de 30 miniaturas por instância: pico de 3 instâncias, miniatura mais "
        "antiga com 80 s (objetivo: 90 s); 12 instâncias-minuto para 290 miniaturas."
    )


def test_exercise_6_2_in_english_by_default(shared):
    assert exercises.check_scaling_target(shared, ScalingPolicy(60, 2, 1, 10)).message == (
        "target 30 thumbnails per instance: peak 3 instances, oldest thumbnail 80 s (goal 90 s); "
        "12 instance-minutes for 290 thumbnails."
    )


# --- exercise 6.3 ----------------------------------------------------------------------------------


def test_exercise_6_3_passes_in_portuguese_and_tells_the_day(shared, portuguese):
    check = exercises.check_dlq_alarm(shared, put_dlq(shared, "dlq pt"))
    assert check.message == (
        "dlq pt: AWS/SQS ApproximateNumberOfMessagesVisible (QueueName=refunds-dlq) Maximum > 0 "
        "em 1 de 1 x 60 s (dados ausentes: notBreaching): OK enquanto a DLQ estava calma, ALARM "
        "no minuto 5, quando chegou a primeira mensagem morta, e OK depois da limpeza no minuto 9."
    )
    lines = repr(exercises.refunds_day(shared)).splitlines()
    assert lines[1].endswith(
        "as duas filas calmas por horas: vazias, sem chamadas (sem pontos de dados)"
    )
    assert lines[-1].endswith("alguém lê as mensagens mortas, corrige a causa e as exclui")


def test_exercise_6_3_mistakes_in_portuguese_quote_the_fact_in_portuguese(shared, portuguese):
    hints = exercises.check_dlq_alarm(
        shared, put_dlq(shared, "dlq missing pt", TreatMissingData="missing"), hint=3
    ).hints
    assert hints[0] == (
        "o seu alarme ficou em INSUFFICIENT_DATA enquanto a DLQ estava calma: uma fila que "
        "ninguém usa por horas não publica pontos de dados, e o seu alarme trata dados ausentes "
        "como 'missing'. Confira TreatMissingData"
    )
    assert hints[1].startswith(
        "o tratamento padrão do CloudWatch é missing: o alarme não conta os pontos de dados "
        "ausentes;"
    )
    assert hints[2] == "TreatMissingData='notBreaching'"
    late = put_dlq(shared, "dlq late pt", EvaluationPeriods=2, DatapointsToAlarm=2)
    assert exercises.check_dlq_alarm(shared, late).message.startswith(
        "o seu alarme não foi para ALARM no minuto em que o primeiro reembolso envenenado chegou "
        "à DLQ (minuto 5; ele disparou no minuto 6)."
    )


def test_exercise_6_3_in_english_by_default(shared):
    hints = exercises.check_dlq_alarm(
        shared, put_dlq(shared, "dlq missing en", TreatMissingData="missing"), hint=2
    ).hints
    assert hints[1].startswith("CloudWatch's default treatment is missing: the alarm does not")


# --- tables, descriptions, chart, panel ------------------------------------------------------------


def _burst(lab: Lab, name: str) -> scaling.ScalingRun:
    arrivals = scaling.bursty_arrivals(minutes=6, base=5, burst=60, start=1, length=2, quiet=1)
    policy = ScalingPolicy(acceptable_latency=60, seconds_per_message=4, min_instances=1)
    watching = [alarms.backlog(name, 40, periods=1)]
    return scaling.simulate(lab, policy, arrivals, batch_size=10, name=name, alarms=watching)


def test_the_scaling_run_and_its_alarm_in_portuguese(shared, portuguese):
    run = _burst(shared, "render-pt")
    lines = repr(run.table()).splitlines()
    assert lines[0].split("  ")[0] == "minuto"
    assert [h for h in lines[0].split("  ") if h][1:] == [
        "chegadas",
        "visíveis",
        "em trânsito",
        "mais antiga (s)",
        "excluídas",
        "instâncias",
        "render-pt backlog >= 40",  # an alarm name is a name: kept as it is
    ]
    alarm = run.alarms["render-pt backlog >= 40"]
    assert alarm.alarm.describe() == (
        "render-pt backlog >= 40: ApproximateNumberOfMessagesVisible Maximum >= 40 em 1 de 1 x "
        "60 s (dados ausentes: missing)"
    )
    table = alarm.table()
    header, *rows = repr(table).splitlines()
    assert header.split() == ["minuto", "Maximum", "viola", "estado"]
    assert {row.split()[2] for row in rows} == {"sim", "não"}
    assert {row.split()[3] for row in rows} <= {"OK", "ALARM"}  # states are API values
    assert table.column("breaching")[0] == "no"  # the table keeps its cells in English


def test_the_scaling_run_in_english_by_default(shared):
    run = _burst(shared, "render-en")
    assert repr(run.table()).splitlines()[0].split()[:3] == ["minute", "arrivals", "visible"]
    assert repr(run.alarms["render-en backlog >= 40"].table()).splitlines()[0].split() == [
        "minute",
        "Maximum",
        "breaching",
        "state",
    ]


def test_the_metrics_table_in_portuguese(shared, portuguese):
    url = shared.sqs.create_queue(QueueName="metrics-pt")["QueueUrl"]
    sampler = monitor.Sampler(shared, url)
    shared.sqs.send_message(QueueUrl=url, MessageBody="x")
    shared.wait(60)
    sampler.sample()
    header = repr(sampler.metrics(url).table()).splitlines()[0]
    assert [h for h in header.split("  ") if h] == [
        "minuto",
        "visíveis",
        "em trânsito",
        "atrasadas",
        "mais antiga (s)",
        "enviadas",
        "recebidas",
        "excluídas",
        "recebimentos vazios",
        "tamanho médio (B)",
    ]


def test_the_policy_described_in_portuguese_and_english():
    policy = ScalingPolicy(acceptable_latency=60, seconds_per_message=4, min_instances=1)
    english = "target = 60 s / 4 s per message = 15 messages per instance; instances = "
    assert policy.describe().startswith(english)
    i18n.set_language("pt-BR")
    assert policy.describe() == (
        "meta = 60 s / 4 s por mensagem = 15 mensagens por instância; instâncias = "
        "ceil(visíveis / 15) entre 1 e 10"
    )


def test_the_moto_note_prints_in_the_language_of_the_moment():
    assert str(monitor.MOTO_NOTE).startswith("moto publishes no AWS/SQS CloudWatch metrics")
    i18n.set_language("pt-BR")
    assert str(monitor.MOTO_NOTE).startswith("o moto não publica métricas AWS/SQS no CloudWatch")
    assert repr(monitor.MOTO_NOTE).endswith("emulando o CloudWatch no moto")


def test_the_dashboard_in_portuguese(shared, portuguese):
    run = _burst(shared, "dash-pt")
    fig = plots.monitor_dashboard(run.metrics, run.alarms, run.instances)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == [
        "backlog (visíveis)",
        "em trânsito (não visíveis)",
        "idade da mensagem mais antiga (s)",
        "taxa de transferência (mensagens / min)",
        "recebimentos vazios / min",
        "instâncias consumidoras",
        "estado do alarme (verde OK, vermelho ALARM, cinza sem dados)",
        "atrasadas",
    ]
    assert fig.axes[-1].get_xlabel() == "minutos (relógio do laboratório)"
    legend = [t.get_text() for t in fig.axes[3].get_legend().get_texts()]
    assert legend == ["enviadas", "recebidas", "excluídas"]
    assert fig._suptitle.get_text() == (
        "Fila dash-pt: métricas AWS/SQS por minuto (derivadas do registro de chamadas (moto))"
    )
    # no instances: the panel says so
    bare = plots.monitor_dashboard(run.metrics)
    assert [t.get_text() for t in bare.axes[5].texts] == ["nenhum escalonamento nesta execução"]


def test_the_dashboard_in_english_by_default(shared):
    run = _burst(shared, "dash-en")
    fig = plots.monitor_dashboard(run.metrics, run.alarms, run.instances)
    assert fig.axes[0].get_title() == "backlog (visible)"
    assert fig._suptitle.get_text() == (
        "Queue dash-en: AWS/SQS metrics per minute (derived from the trace (moto))"
    )


def test_the_monitor_panel_in_portuguese(shared, portuguese):
    panel = widgets.monitor_panel(shared, live_every=12)
    labels = (panel.arrival.description, panel.consumers.description)
    assert labels == ("pico (mensagens/min)", "máx. de consumidores")
    assert panel.processing.description == "processamento (s)"
    report = panel.report.value
    assert report.startswith("215 mensagens · pico do backlog <b>60</b>")
    assert " · mensagem mais antiga <b>" in report and " · pico de consumidores <b>" in report
    assert " · alarmes disparados: <b>" in report
    assert report.endswith(" · restantes na fila <b>0</b>")
    panel.arrival.value, panel.processing.value = 30, 1  # a burst the group absorbs
    assert " · alarmes disparados: <b>nenhum</b> · " in panel.report.value


def test_the_monitor_panel_in_english_by_default(shared):
    panel = widgets.monitor_panel(shared, live_every=12)
    assert panel.arrival.description == "burst (messages/min)"
    assert panel.report.value.startswith("215 messages · peak backlog <b>60</b>")
    assert "alarms fired: <b>" in panel.report.value


# --- errors ----------------------------------------------------------------------------------------


def test_bad_alarms_policies_and_metrics_in_portuguese(portuguese):
    with pytest.raises(LimitError, match="datapoints_to_alarm 4 precisa estar entre 1 e "):
        alarms.backlog("orders", 10, periods=3, datapoints=4)
    with pytest.raises(LimitError, match=r"período de 90 s não é permitido: .* múltiplo de 60 s"):
        alarms.Alarm("a", monitor.VISIBLE, 1, period=90)
    with pytest.raises(LimitError, match="comparison desconhecido: 'Bigger'; o CloudWatch aceita"):
        alarms.Alarm("a", monitor.VISIBLE, 1, comparison="Bigger")
    with pytest.raises(LimitError, match="passam do máximo de 1 dia que o CloudWatch avalia"):
        alarms.Alarm("a", monitor.VISIBLE, 1, period=3600, evaluation_periods=25)
    with pytest.raises(UnknownNameError, match="métrica AWS/SQS desconhecida 'Depth'"):
        monitor.check_metric("Depth")
    with pytest.raises(LimitError, match=r"as instâncias precisam atender 0 <= min <= max"):
        ScalingPolicy(60, 2, min_instances=3, max_instances=2)
    with pytest.raises(LimitError, match=r"a latência aceitável \(0 s\) e o tempo de"):
        ScalingPolicy(0, 2)


def test_bad_alarms_in_english_by_default():
    with pytest.raises(LimitError, match="datapoints_to_alarm 4 must be between 1 and"):
        alarms.backlog("orders", 10, periods=3, datapoints=4)
    with pytest.raises(LimitError, match="exceed the 1 day CloudWatch evaluates at most"):
        alarms.Alarm("a", monitor.VISIBLE, 1, period=3600, evaluation_periods=25)
