"""The ``sqslab`` commands in Brazilian Portuguese (SQSLAB_LANG=pt-BR): what a Brazilian instructor
reads live, line for line; what a person copies or a script parses (shell lines, URLs, --json, the
CSV, PASS/HINT, argparse's own words) stays as it is."""

from __future__ import annotations

import json
import socket

import pytest
from botocore.exceptions import ClientError
from cli_runs import (
    as_instructor,
    board_args,
    doctor_after_versions,
    fill_board,
    free_port,
    help_texts,
    out_err,
    serve,
)
from test_cli_english import HELP

from sqslab import cli, i18n, room, workshop

DOCTOR_MOTO = """\
backend      moto: moto embutido neste kernel, relógio virtual (padrão; nunca acessa a AWS)
responde     sim: moto (us-east-1), 0 filas visíveis
motor        moto: onde ele difere da AWS, as camadas de fidelidade do sqslab fecham a diferença ou avisam
relógio      virtual: um tempo limite de 12 horas passa em instantes, e toda demonstração roda como está escrita
suporta      o que os capítulos usam:
  SQS                     sim: 0 filas listadas (todos os capítulos)
  SNS                     sim: 0 tópicos listados (capítulo 8: fan-out)
  S3                      sim: 0 buckets listados (capítulo 2: claim check)
  CloudWatch              sim: 0 métricas AWS/SQS listadas (capítulo 6: métricas e alarmes)
  KMS                     sim: 0 chaves listadas (capítulo 8: criptografia)
  tarefas de movimentação sim: a operação existe (respondeu ResourceNotFoundException) (capítulos 5 e 7: redirecionamento)
"""  # noqa: E501


@pytest.fixture(autouse=True)
def portuguese_commands(monkeypatch):
    """SQSLAB_LANG=pt-BR, as the instructor sets it; conftest puts English back after each test."""
    monkeypatch.setenv(i18n.ENV, "pt-BR")
    monkeypatch.delenv("SQSLAB_BACKEND", raising=False)


def test_doctor_speaks_portuguese(capsys):
    assert cli.main(["doctor"]) == 0
    out, err = out_err(capsys)
    assert doctor_after_versions(out) == DOCTOR_MOTO and err == ""
    assert i18n.language() == "pt-BR"


def test_doctor_names_a_bad_endpoint_in_portuguese(capsys, monkeypatch):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "127.0.0.1:4566")
    assert cli.main(["doctor", "--backend", "endpoint"]) == 1
    lines = doctor_after_versions(out_err(capsys)[0]).splitlines()
    assert lines[1] == (
        "endpoint     a URL do endpoint '127.0.0.1:4566' (SQSLAB_ENDPOINT_URL) não tem http:// ou "
        "https:// no início; uma URL de endpoint é http:// ou https://, um host e uma porta "
        "opcional de 1 a 65535, por exemplo http://127.0.0.1:4566. Corrija SQSLAB_ENDPOINT_URL"
    )


def test_doctor_says_in_portuguese_that_the_endpoint_does_not_answer(capsys, monkeypatch):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv(workshop.ENV, "alice")
    assert cli.main(["doctor", "--backend", "endpoint"]) == 1
    assert doctor_after_versions(out_err(capsys)[0]).splitlines()[2] == (
        "responde     não: o endpoint SQS http://127.0.0.1:9 não responde (Could not connect to "
        'the endpoint URL: "http://127.0.0.1:9/"); o servidor está rodando? Inicie um com '
        "`sqslab server` ou corrija SQSLAB_ENDPOINT_URL"
    )


def test_server_start_lines_are_portuguese_and_the_shell_lines_are_not(capsys):
    i18n.set_language("pt-BR")  # cmd_server is called directly here, without main
    port = free_port()
    out = serve(capsys, ["server", "--port", str(port)], "sqs create-queue")
    url = f"http://127.0.0.1:{port}"
    assert out == (
        f"sqslab server: moto respondendo em {url} (relógio real; Ctrl+C para o servidor)\n"
        "Aponte os clientes para ele com:\n"
        f"  export SQSLAB_BACKEND=endpoint SQSLAB_ENDPOINT_URL={url}\n"
        f"  export AWS_ENDPOINT_URL={url} AWS_ACCESS_KEY_ID=testing "
        "AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1\n"
        f"  aws --endpoint-url {url} sqs create-queue --queue-name hello\n"
        "sqslab server: parado\n"
    )


def test_a_server_started_in_portuguese_answers_its_clients_in_portuguese(capsys):
    """The fidelity layers run in the server's process: what they add to an error is in the
    language of whoever started it (the guide says so); AWS's error code stays as AWS has it."""
    i18n.set_language("pt-BR")
    port = free_port()
    refused = {}

    def bad_redrive() -> None:
        sqs = workshop.room_client(f"http://127.0.0.1:{port}")
        dlq = sqs.create_queue(QueueName="parked")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]
        policy = json.dumps({"deadLetterTargetArn": arn["QueueArn"], "maxReceiveCount": 0})
        with pytest.raises(ClientError) as caught:
            sqs.create_queue(QueueName="orders", Attributes={"RedrivePolicy": policy})
        refused.update(caught.value.response["Error"])

    serve(capsys, ["server", "--port", str(port)], "sqs create-queue", during=bad_redrive)
    assert refused["Code"] == "InvalidParameterValue", refused
    assert "camada de fidelidade do sqslab" in refused["Message"], refused["Message"]


def test_server_warns_in_portuguese_beyond_loopback(capsys):
    i18n.set_language("pt-BR")
    port = free_port()
    out = serve(capsys, ["server", "--host", "0.0.0.0", "--port", str(port)], "create-queue")
    assert out.splitlines()[1] == (
        "aviso: escutando em 0.0.0.0: qualquer máquina que chegue até ele pode usar e limpar "
        "estas filas; use-o só numa rede de workshop confiável (ou rode com --room)"
    )


def test_a_room_server_started_in_portuguese_refuses_in_portuguese(capsys, tmp_path):
    """A Brazilian room's learners read why a request was refused in Portuguese: the rule, a
    missing key, another service; the error codes stay AWS's."""
    i18n.set_language("pt-BR")
    path, port = tmp_path / "room.json", free_port()
    room.open_room(path)
    alice = room.add_learner(path, "alice")
    url, refused = f"http://127.0.0.1:{port}", {}

    def attempts() -> None:
        for name, pair in (("rule", alice), ("key", room.KeyPair("SQSLABNOSUCHKEY00000", "x"))):
            keys = {
                "aws_access_key_id": pair.access_key_id,
                "aws_secret_access_key": pair.secret_access_key,
            }
            client = workshop.room_client(url, credentials=keys)
            with pytest.raises(ClientError) as caught:
                client.create_queue(QueueName="bob-orders")
            refused[name] = caught.value.response["Error"]

    serve(
        capsys, ["server", "--room-file", str(path), "--port", str(port)], "reset --all", attempts
    )
    assert refused["rule"] == {
        "Code": "AccessDenied",
        "Message": "alice só pode usar filas e tópicos cujo nome comece com 'alice-'; esta "
        "solicitação cita a fila 'bob-orders'",
        **{k: v for k, v in refused["rule"].items() if k not in ("Code", "Message")},
    }
    assert refused["key"]["Code"] == "InvalidClientTokenId"
    assert refused["key"]["Message"].startswith(
        "o servidor da turma não conhece a chave de acesso 'SQSLABNOSUCHKEY00000': peça ao "
        "instrutor uma chave da turma (`sqslab room add NOME`)"
    ), refused["key"]["Message"]


def test_room_server_start_lines(capsys, tmp_path):
    i18n.set_language("pt-BR")
    path, port = tmp_path / "room.json", free_port()
    out = serve(capsys, ["server", "--room-file", str(path), "--port", str(port)], "reset --all")
    keys, url = room.open_room(path)[0], f"http://127.0.0.1:{port}"
    assert out == (
        f"sqslab server: servidor da turma respondendo em {url} (relógio real; Ctrl+C para o "
        "servidor)\n"
        f"chaves da turma: {path} (criado; 0 alunos; mantenha o arquivo em sigilo)\n"
        "Toda solicitação precisa ser assinada com uma chave da turma; cada aluno só pode usar "
        "filas e tópicos com nomes <namespace>-…; /moto-api está fechado. S3, CloudWatch, KMS e "
        "STS são compartilhados.\n"
        "Instrutor (mantenha estas linhas em sigilo):\n"
        f"  export SQSLAB_ENDPOINT_URL={url} SQSLAB_ACCESS_KEY_ID={keys.access_key_id} "
        f"SQSLAB_SECRET_ACCESS_KEY={keys.secret_access_key} SQSLAB_ROOM_FILE={path.resolve()}\n"
        f"  sqslab room add NAME --endpoint-url {url}   # uma chave por aluno; mostra as linhas "
        "dele\n"
        "  sqslab room list                     # os alunos (sem segredos)\n"
        "  sqslab reset --all                   # limpa a turma inteira (com a chave acima)\n"
        "sqslab server: parado\n"
    )
    room.add_learner(path, "alice")
    again = serve(capsys, ["server", "--room-file", str(path), "--port", str(free_port())], "--all")
    assert f"chaves da turma: {path} (reutilizado; 1 aluno; mantenha" in again


def test_a_bad_port_is_refused_in_portuguese(capsys):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["server", "--port", "99999"])
    assert stopped.value.code == 2
    err = out_err(capsys)[1]
    assert err.startswith("usage: sqslab server [-h]")  # argparse's own words stay
    assert err.splitlines()[-1] == (
        "sqslab server: error: argument --port: '99999' não é uma porta TCP: use um número "
        "inteiro de 1 a 65535, por exemplo --port 4567 (0 deixa o sistema escolher uma porta "
        "livre e mostra qual)"
    )


def test_a_busy_port_and_an_unknown_host_are_refused_in_portuguese(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["server", "--port", str(port)]) == 2
    assert out_err(capsys)[1] == (
        f"sqslab server: 127.0.0.1:{port} já está em uso; escolha outra porta com --port "
        "(por exemplo, --port 4567)\n"
    )
    assert cli.main(["server", "--host", "999.1.1.1", "--port", str(port)]) == 2
    assert "não pode ser usado: '999.1.1.1' não é um endereço IP" in out_err(capsys)[1]


def test_room_add_and_list_in_portuguese(capsys, tmp_path, monkeypatch):
    path = tmp_path / "room.json"
    monkeypatch.setenv(room.ENV_FILE, str(path))
    room.open_room(path)
    assert cli.main(["room", "add", "Carol", "--endpoint-url", "http://10.0.0.5:4566"]) == 0
    keys = room.learner_keys(path, "carol")
    assert keys is not None
    lines = out_err(capsys)[0].splitlines()
    assert lines[:4] == [
        "sqslab room add: carol já pode usar a turma (filas e tópicos carol-…)",
        "Entregue estas linhas a carol (e a mais ninguém):",
        "  export SQSLAB_BACKEND=endpoint SQSLAB_ENDPOINT_URL=http://10.0.0.5:4566 "
        f"SQSLAB_NAMESPACE=carol SQSLAB_ACCESS_KEY_ID={keys.access_key_id} "
        f"SQSLAB_SECRET_ACCESS_KEY={keys.secret_access_key}",
        "  # AWS CLI: um perfil só para a turma, assim as suas credenciais reais da AWS ficam "
        "intactas",
    ]
    assert (
        lines[4]
        == f"  aws configure set aws_access_key_id {keys.access_key_id} --profile sqslab-room"
    )
    assert cli.main(["room", "add", "carol"]) == 2
    assert out_err(capsys)[1] == (
        f"sqslab room add: o aluno 'carol' já está em {path}; escolha outro nome ou entregue a "
        "chave que ele já tem (`sqslab room list` lista os nomes)\n"
    )
    assert cli.main(["room", "list"]) == 0
    assert out_err(capsys)[0] == f"1 aluno em {path}\n  carol                {keys.access_key_id}\n"


def test_classroom_status_with_learners_hints_and_someone_stuck(
    capsys, tmp_path, monkeypatch, url, room_file
):
    as_instructor(monkeypatch, room_file)
    board, state = "pinned-pt.fifo", tmp_path / "board.json"
    options = board_args(url, board, state)
    assert cli.main(["classroom", "create", *options]) == 0
    assert out_err(capsys)[0] == (
        f"painel da turma pronto: {url}/123456789012/{board} "
        f"(mensagens mortas: {url}/123456789012/pinned-pt-dlq.fifo)\n"
        "os alunos enviam relatórios para ele enquanto SQSLAB_CLASSROOM não estiver definida ou "
        f"for {board!r}\n"
    )
    fill_board(url, board)
    assert cli.main(["classroom", "status", *options]) == 0
    assert out_err(capsys)[0] == (
        "2 alunos, 5 relatórios aplicados, 0 duplicatas descartadas, 0 malformadas\n"
        "  alice                concluiu: ex1.1   dicas: ex1.2 (1x)\n"
        "  bob                  concluiu: -   dicas: ex1.2 (3x)\n"
        "  TRAVADO bob: ex1.2: 3 dicas em 10 min, sem concluir\n"
    )
    assert cli.main(["classroom", "status", "--json", *options]) == 0
    data = json.loads(out_err(capsys)[0])  # for scripts: keys and texts stay English
    assert data["stuck"] == [{"learner": "bob", "reason": "ex1.2: 3 hints in 10 min, no pass"}]
    assert data["passed"] == {"alice": ["ex1.1"], "bob": []}
    assert i18n.language() == "pt-BR"  # and the language is back for what follows
    csv = tmp_path / "day.csv"
    assert cli.main(["classroom", "export", *options, "--out", str(csv)]) == 0
    assert out_err(capsys)[0] == f"gravado {csv} (2 alunos)\n"
    assert csv.read_text().splitlines()[0] == "learner,exercise,status,hints,reports,first,last"
    assert "alice,ex1.1,passed,0,1," in csv.read_text()
    assert cli.main(["classroom", "reset", *options]) == 1
    assert out_err(capsys) == (
        "",
        "sqslab classroom reset: esquece todos os relatórios; rode de novo com --yes\n",
    )
    assert cli.main(["classroom", "reset", "--yes", *options]) == 0
    assert out_err(capsys)[0] == (
        f"painel da turma {board!r} esvaziado (fila, mensagens mortas e board.json)\n"
    )


@pytest.mark.parametrize(("answer", "deleted"), [("s", True), ("SIM", True), ("y", True),
                         ("yes", True), ("n", False), ("", False), ("não", False)])  # fmt: skip
def test_reset_asks_in_portuguese_and_takes_s_sim_y_yes(
    capsys, monkeypatch, url, room_file, answer, deleted
):
    as_instructor(monkeypatch, room_file)
    sqs = workshop.room_client(url)
    sqs.create_queue(QueueName="zed-one")
    count = len(list(workshop.queue_urls(sqs)))
    monkeypatch.setattr("builtins.input", lambda question: print(question) or answer)
    assert cli.main(["reset", "--all", "--endpoint-url", url]) == (0 if deleted else 1)
    question = f"excluir todas as {count} filas e todos os 0 tópicos em {url}? [s/N] \n"
    if deleted:
        assert out_err(capsys)[0] == question + (
            f"sqslab reset: excluídos {count} fila(s) e 0 tópico(s) da turma inteira (todos os "
            f"namespaces) em {url}\n"
        )
    else:
        assert out_err(capsys)[0] == question + "sqslab reset: nada foi excluído\n"
        workshop.delete_queues(sqs, list(workshop.queue_urls(sqs)))


def test_reset_of_a_namespace_and_its_errors_in_portuguese(capsys, monkeypatch, url, room_file):
    as_instructor(monkeypatch, room_file)
    workshop.room_client(url).create_queue(QueueName="zoe-one")
    assert cli.main(["reset", "--namespace", "zoe", "--endpoint-url", url]) == 0
    assert out_err(capsys)[0] == (
        f"sqslab reset: excluídos 1 fila(s) e 0 tópico(s) do namespace 'zoe' em {url}\n"
    )
    assert cli.main(["reset", "--namespace", "zoe", "--endpoint-url", url]) == 0
    assert out_err(capsys)[0] == (
        f"sqslab reset: nenhuma fila ou tópico do namespace 'zoe' em {url}\n"
    )
    assert cli.main(["reset", "--namespace", "a-b", "--endpoint-url", url]) == 2
    assert out_err(capsys)[1] == (
        "sqslab reset: o namespace 'a-b' contém '-' (U+002D); um namespace tem de 1 a 20 letras "
        "minúsculas a-z e dígitos 0-9, nada mais, para que as filas de dois alunos nunca "
        "compartilhem um prefixo. Defina --namespace com um nome como 'ab' ou 'team7'\n"
    )


def test_every_help_text_is_portuguese_and_argparse_keeps_its_own_words(capsys):
    i18n.set_language("pt-BR")
    texts = help_texts(cli.parser())
    assert texts.keys() == HELP.keys()
    own = "show this help message and exit"  # argparse's own, as Python prints it
    for where, english in HELP.items():
        if english is None or english == own:
            assert texts[where] == english, where
        else:
            assert texts[where] != english, where
    assert texts["sqslab"] == "Ferramentas do curso sqslab de SQS."
    assert texts["sqslab reset --all"] == "todas as filas do servidor (a turma)"
    assert texts["sqslab classroom status (command)"] == (
        "esvazia a fila do painel e mostra quem concluiu, recebeu dicas, está travado"
    )
    with pytest.raises(SystemExit):
        cli.main(["classroom", "status", "--help"])
    shown = out_err(capsys)[0]
    assert shown.startswith("usage: sqslab classroom status [-h]")
    assert "mostra o estado em JSON" in shown and "options:" in shown


def test_an_unknown_language_is_a_clear_error_not_a_traceback(capsys, monkeypatch):
    monkeypatch.setenv(i18n.ENV, "fr")
    assert cli.main(["doctor"]) == 2
    out, err = out_err(capsys)
    assert out == "" and err == (
        "sqslab: sqslab speaks en and pt-BR, not 'fr': use sqslab.start(lang=\"pt-BR\") or "
        "SQSLAB_LANG=pt-BR (English is the default)\n"
    )


def test_english_is_back_after_a_portuguese_command(capsys, monkeypatch):
    assert cli.main(["classroom", "reset", "--endpoint-url", "http://127.0.0.1:9"]) == 1
    assert "esquece todos os relatórios" in out_err(capsys)[1]
    monkeypatch.setenv(i18n.ENV, "en")
    assert cli.main(["classroom", "reset", "--endpoint-url", "http://127.0.0.1:9"]) == 1
    assert out_err(capsys)[1] == (
        "sqslab classroom reset: forgets every report; run again with --yes\n"
    )


def test_classroom_errors_in_portuguese(capsys, monkeypatch, tmp_path, url, room_file):
    as_instructor(monkeypatch, room_file)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert cli.main(["classroom", "status", "--endpoint-url", "http://127.0.0.1:9"]) == 2
    assert out_err(capsys)[1] == (
        "sqslab classroom status: o servidor não responde (Could not connect to the endpoint "
        'URL: "http://127.0.0.1:9/")\n'
    )
    assert cli.main(["classroom", "status", "--endpoint-url", url, "--board", "no.fifo"]) == 2
    err = out_err(capsys)[1]
    assert err.startswith("sqslab classroom status: o servidor recusou (An error occurred (")
