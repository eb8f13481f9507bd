"""The ``sqslab`` commands' English output, pinned exactly as it was before the commands learned
Portuguese (SQSLAB_LANG unset or ``en``): what an instructor reads, line for line."""

from __future__ import annotations

import socket

import pytest
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

from sqslab import cli, room

DOCTOR_MOTO = """\
backend      moto: moto embedded in this kernel, virtual clock (default; never reaches AWS)
answers      yes: moto (us-east-1), 0 queue(s) visible
engine       moto: where it differs from AWS, sqslab's fidelity layers close the gap or say so
clock        virtual: a 12-hour timeout passes in moments, and every demo runs as written
supports     what the chapters use:
  SQS          yes: 0 queues listed (every chapter)
  SNS          yes: 0 topics listed (chapter 8: fan-out)
  S3           yes: 0 buckets listed (chapter 2: claim check)
  CloudWatch   yes: 0 AWS/SQS metrics listed (chapter 6: metrics and alarms)
  KMS          yes: 0 keys listed (chapter 8: encryption)
  move tasks   yes: the operation exists (it answered ResourceNotFoundException) (chapters 5 and 7: redrive)
"""  # noqa: E501

DOCTOR_UNKNOWN = """\
backend      unknown sqslab backend 'nope'; choose one of:
  moto: moto embedded in this kernel, virtual clock (default; never reaches AWS)
  server: a moto server on 127.0.0.1 inside this kernel, virtual clock
  endpoint: any SQS-compatible URL from SQSLAB_ENDPOINT_URL (sqslab server, LocalStack, ElasticMQ)
  aws: real AWS; only with SQSLAB_BACKEND=aws in the environment
"""

ENDPOINT = "any SQS-compatible URL from SQSLAB_ENDPOINT_URL (sqslab server, LocalStack, ElasticMQ)"


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Today's default: no SQSLAB_LANG."""
    monkeypatch.delenv("SQSLAB_LANG", raising=False)
    monkeypatch.delenv("SQSLAB_BACKEND", raising=False)


@pytest.fixture(params=["unset", "en"])
def lang(request, monkeypatch):
    """SQSLAB_LANG unset, or set to ``en``: the same English either way."""
    if request.param == "en":
        monkeypatch.setenv("SQSLAB_LANG", "en")
    return request.param


def test_doctor_on_moto(capsys, lang):
    assert cli.main(["doctor"]) == 0
    out, err = out_err(capsys)
    assert doctor_after_versions(out) == DOCTOR_MOTO and err == ""
    assert out.startswith("python       ")


def test_doctor_with_an_unknown_backend(capsys, lang):
    assert cli.main(["doctor", "--backend", "nope"]) == 1
    assert doctor_after_versions(out_err(capsys)[0]) == DOCTOR_UNKNOWN


def test_doctor_with_a_bad_endpoint_url(capsys, monkeypatch, lang):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "127.0.0.1:4566")
    assert cli.main(["doctor", "--backend", "endpoint"]) == 1
    assert doctor_after_versions(out_err(capsys)[0]) == (
        f"backend      endpoint: {ENDPOINT}\n"
        "endpoint     the endpoint URL '127.0.0.1:4566' (SQSLAB_ENDPOINT_URL) has no http:// or "
        "https:// in front; an endpoint URL is http:// or https://, a host and an optional port "
        "1-65535, e.g. http://127.0.0.1:4566. Fix SQSLAB_ENDPOINT_URL\n"
    )


def test_doctor_with_an_endpoint_that_does_not_answer(capsys, monkeypatch, lang):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("SQSLAB_NAMESPACE", "alice")
    assert cli.main(["doctor", "--backend", "endpoint"]) == 1
    assert doctor_after_versions(out_err(capsys)[0]) == (
        f"backend      endpoint: {ENDPOINT}\n"
        "endpoint     http://127.0.0.1:9\n"
        "answers      no: the SQS endpoint http://127.0.0.1:9 does not answer (Could not connect "
        'to the endpoint URL: "http://127.0.0.1:9/"); is the server running? Start one with '
        "`sqslab server`, or fix SQSLAB_ENDPOINT_URL\n"
    )


def test_server_prints_where_it_answers_and_how_to_point_clients_at_it(capsys, lang):
    port = free_port()
    out = serve(capsys, ["server", "--port", str(port)], "sqs create-queue")
    url = f"http://127.0.0.1:{port}"
    assert out == (
        f"sqslab server: moto answering on {url} (real clock; Ctrl+C stops it)\n"
        "Point clients at it with:\n"
        f"  export SQSLAB_BACKEND=endpoint SQSLAB_ENDPOINT_URL={url}\n"
        f"  export AWS_ENDPOINT_URL={url} AWS_ACCESS_KEY_ID=testing "
        "AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1\n"
        f"  aws --endpoint-url {url} sqs create-queue --queue-name hello\n"
        "sqslab server: stopped\n"
    )


def test_server_warns_beyond_loopback(capsys, lang):
    port = free_port()
    out = serve(capsys, ["server", "--host", "0.0.0.0", "--port", str(port)], "create-queue")
    assert out.splitlines()[:3] == [
        f"sqslab server: moto answering on http://0.0.0.0:{port} (real clock; Ctrl+C stops it)",
        "warning: bound to 0.0.0.0: every machine that reaches it can use and reset these "
        "queues; use it only on a trusted workshop network (or run it with --room)",
        "Point clients at it with:",
    ]


def test_room_server_prints_the_room_and_the_instructors_lines(capsys, tmp_path, lang):
    path, port = tmp_path / "room.json", free_port()
    argv = ["server", "--room-file", str(path), "--port", str(port)]
    out = serve(capsys, argv, "sqslab reset --all")
    keys = room.open_room(path)[0]
    url = f"http://127.0.0.1:{port}"
    assert out == (
        f"sqslab server: room server answering on {url} (real clock; Ctrl+C stops it)\n"
        f"room keys: {path} (created; 0 learner(s); keep it private)\n"
        "Every request must be signed with a room key; each learner may use only queues and "
        "topics named <namespace>-…; /moto-api is closed. S3, CloudWatch, KMS and STS are "
        "shared.\n"
        "Instructor (keep these private):\n"
        f"  export SQSLAB_ENDPOINT_URL={url} SQSLAB_ACCESS_KEY_ID={keys.access_key_id} "
        f"SQSLAB_SECRET_ACCESS_KEY={keys.secret_access_key} SQSLAB_ROOM_FILE={path.resolve()}\n"
        f"  sqslab room add NAME --endpoint-url {url}   # a key per learner; prints their lines\n"
        "  sqslab room list                     # the learners (no secrets)\n"
        "  sqslab reset --all                   # clear the whole room (with the key above)\n"
        "sqslab server: stopped\n"
    )
    again = serve(capsys, argv, "sqslab reset --all")
    assert f"room keys: {path} (reused; 0 learner(s); keep it private)\n" in again


def test_server_refuses_a_port_outside_the_tcp_range(capsys, lang):
    with pytest.raises(SystemExit) as stopped:
        cli.main(["server", "--port", "99999"])
    assert stopped.value.code == 2
    assert out_err(capsys)[1].splitlines()[-1] == (
        "sqslab server: error: argument --port: '99999' is not a TCP port: use a whole number "
        "from 1 to 65535, e.g. --port 4567 (0 lets the system pick a free one and prints it)"
    )


def test_server_refuses_a_busy_port_and_an_unknown_host(capsys, lang):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert cli.main(["server", "--port", str(port)]) == 2
    assert out_err(capsys) == (
        "",
        f"sqslab server: 127.0.0.1:{port} is already in use; pick another port with --port "
        "(e.g. --port 4567)\n",
    )
    assert cli.main(["server", "--host", "999.1.1.1", "--port", str(port)]) == 2
    assert out_err(capsys)[1] == (
        f"sqslab server: 999.1.1.1:{port} cannot be bound: '999.1.1.1' is not an IP address or "
        "a host name this machine can look up; use --host 127.0.0.1 (this machine only) or "
        "0.0.0.0\n"
    )


def test_room_add_and_list(capsys, tmp_path, monkeypatch, lang):
    path = tmp_path / "room.json"
    monkeypatch.setenv(room.ENV_FILE, str(path))
    room.open_room(path)
    assert cli.main(["room", "add", "Carol", "--endpoint-url", "http://10.0.0.5:4566"]) == 0
    out = out_err(capsys)[0].splitlines()
    assert out[:2] == [
        "sqslab room add: carol can now use the room (queues and topics carol-…)",
        "Give carol these lines (and no one else):",
    ]
    assert (
        out[3] == "  # AWS CLI: a profile of its own, so your real AWS credentials stay untouched"
    )
    assert cli.main(["room", "add", "carol"]) == 2
    assert out_err(capsys)[1] == (
        f"sqslab room add: learner 'carol' is already in {path}; pick another name, or give them "
        "the key they already have (`sqslab room list` lists the names)\n"
    )
    assert cli.main(["room", "list"]) == 0
    keys = room.learner_keys(path, "carol")
    assert keys is not None
    assert out_err(capsys)[0] == (
        f"1 learner(s) in {path}\n  carol                {keys.access_key_id}\n"
    )
    missing = tmp_path / "none.json"
    assert cli.main(["room", "list", "--room-file", str(missing)]) == 2
    assert out_err(capsys)[1] == (
        f"sqslab room list: no room key file at {missing}: start the room with `sqslab server "
        "--room` (it creates one), or point --room-file / SQSLAB_ROOM_FILE at the file it "
        "created\n"
    )


def test_classroom_commands(capsys, tmp_path, monkeypatch, url, room_file, lang):
    as_instructor(monkeypatch, room_file)
    board, state = f"pinned-{lang}.fifo", tmp_path / "board.json"
    options = board_args(url, board, state)
    assert cli.main(["classroom", "create", *options]) == 0
    assert out_err(capsys)[0] == (
        f"classroom board ready: {url}/123456789012/{board} "
        f"(dead letters: {url}/123456789012/pinned-{lang}-dlq.fifo)\n"
        f"learners report to it while SQSLAB_CLASSROOM is unset or {board!r}\n"
    )
    fill_board(url, board)
    assert cli.main(["classroom", "status", *options]) == 0
    assert out_err(capsys)[0] == (
        "2 learners, 5 reports applied, 0 duplicates dropped, 0 malformed\n"
        "  alice                passed: ex1.1   hinted: ex1.2 (1x)\n"
        "  bob                  passed: -   hinted: ex1.2 (3x)\n"
        "  STUCK bob: ex1.2: 3 hints in 10 min, no pass\n"
    )
    assert cli.main(["classroom", "status", "--json", *options]) == 0
    assert '"reason": "ex1.2: 3 hints in 10 min, no pass"' in out_err(capsys)[0]
    csv = tmp_path / "day.csv"
    assert cli.main(["classroom", "export", *options, "--out", str(csv)]) == 0
    assert out_err(capsys)[0] == f"wrote {csv} (2 learners)\n"
    assert csv.read_text().splitlines()[0] == "learner,exercise,status,hints,reports,first,last"
    assert cli.main(["classroom", "reset", *options]) == 1
    assert out_err(capsys) == (
        "",
        "sqslab classroom reset: forgets every report; run again with --yes\n",
    )
    assert cli.main(["classroom", "reset", "--yes", *options]) == 0
    assert out_err(capsys)[0] == (
        f"classroom board {board!r} emptied (queue, dead letters and board.json)\n"
    )


def test_reset(capsys, monkeypatch, url, room_file, lang):
    as_instructor(monkeypatch, room_file)
    sqs = cli_client(url)
    sqs.create_queue(QueueName="zed-one")
    sqs.create_queue(QueueName="zed-two")
    assert cli.main(["reset", "--namespace", "zed", "--endpoint-url", url]) == 0
    assert out_err(capsys)[0] == (
        f"sqslab reset: deleted 2 queue(s) and 0 topic(s) of namespace 'zed' on {url}\n"
    )
    assert cli.main(["reset", "--namespace", "zed", "--endpoint-url", url]) == 0
    assert out_err(capsys)[0] == f"sqslab reset: no queues or topics of namespace 'zed' on {url}\n"
    sqs.create_queue(QueueName="zed-three")
    answers = iter(["n", ""])
    monkeypatch.setattr("builtins.input", lambda question: print(question) or next(answers))
    count = len(list(cli_urls(sqs)))
    assert cli.main(["reset", "--all", "--endpoint-url", url]) == 1
    assert out_err(capsys)[0] == (
        f"delete all {count} queues and 0 topics on {url}? [y/N] \nsqslab reset: nothing deleted\n"
    )
    assert cli.main(["reset", "--all", "--endpoint-url", url]) == 1
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="zed-three")["QueueUrl"])
    out_err(capsys)


def test_reset_errors(capsys, lang):
    assert cli.main(["reset", "--namespace", "a-b", "--endpoint-url", "http://127.0.0.1:9"]) == 2
    assert out_err(capsys)[1] == (
        "sqslab reset: the namespace 'a-b' contains '-' (U+002D); a namespace is 1 to 20 "
        "lowercase letters a-z and digits 0-9, nothing else, so that no two learners' queues "
        "share a prefix. Set --namespace to a name like 'ab' or 'team7'\n"
    )
    assert cli.main(["reset", "--all", "--endpoint-url", "http://127.0.0.1:9"]) == 2
    assert out_err(capsys)[1] == (
        "sqslab reset: the server at http://127.0.0.1:9 does not answer (Could not connect to "
        'the endpoint URL: "http://127.0.0.1:9/")\n'
    )


def test_the_help_texts(lang):
    assert help_texts(cli.parser()) == HELP


def cli_client(url: str):
    from sqslab import workshop

    return workshop.room_client(url)


def cli_urls(sqs):
    from sqslab import workshop

    return workshop.queue_urls(sqs)


HELP = {
    "sqslab": "Tools of the sqslab SQS course.",
    "sqslab -h/--help": "show this help message and exit",
    "sqslab server (command)": "run a moto SQS server in the foreground",
    "sqslab room (command)": "learners' keys for a `sqslab server --room`",
    "sqslab classroom (command)": "the classroom board: exercise checks reported over SQS",
    "sqslab reset (command)": "delete a learner's (or every) queue and topic on a workshop server",
    "sqslab doctor (command)": "print versions and check the active backend",
    "sqslab server": None,
    "sqslab server -h/--help": "show this help message and exit",
    "sqslab server --host": "address to bind (default: loopback)",
    "sqslab server --port": "port 1-65535 (default: 4566; 0: any free)",
    "sqslab server --verbose": "log every HTTP request",
    "sqslab server --room": "a workshop room: signed requests only, each learner kept to its own "
    "queues/topics",
    "sqslab server --room-file": "the room key file (default: SQSLAB_ROOM_FILE, else "
    "./sqslab-room.json)",
    "sqslab room": None,
    "sqslab room -h/--help": "show this help message and exit",
    "sqslab room add (command)": "give a learner a key and print their lines",
    "sqslab room list (command)": "list the learners (no secrets)",
    "sqslab room add": None,
    "sqslab room add -h/--help": "show this help message and exit",
    "sqslab room add name": "the learner's namespace (letters and digits)",
    "sqslab room add --endpoint-url": "the URL learners reach the room at (default: "
    "SQSLAB_ENDPOINT_URL)",
    "sqslab room add --room-file": "the room key file (default: SQSLAB_ROOM_FILE, else "
    "./sqslab-room.json)",
    "sqslab room list": None,
    "sqslab room list -h/--help": "show this help message and exit",
    "sqslab room list --room-file": "the room key file (default: SQSLAB_ROOM_FILE, else "
    "./sqslab-room.json)",
    "sqslab classroom": None,
    "sqslab classroom -h/--help": "show this help message and exit",
    "sqslab classroom create (command)": "create the board queue and its DLQ on the room server",
    "sqslab classroom status (command)": "drain the board queue and print who passed, hinted, is "
    "stuck",
    "sqslab classroom export (command)": "drain, then write one CSV row per learner and exercise",
    "sqslab classroom reset (command)": "empty the board queue and DLQ and forget every report",
    "sqslab classroom create": None,
    "sqslab classroom create -h/--help": "show this help message and exit",
    "sqslab classroom create --endpoint-url": "the room server's URL",
    "sqslab classroom create --board": "queue name (SQSLAB_CLASSROOM)",
    "sqslab classroom create --state": "the board's state file",
    "sqslab classroom create --room-file": "learners to list; the room key file (default: "
    "SQSLAB_ROOM_FILE, else ./sqslab-room.json)",
    "sqslab classroom status": None,
    "sqslab classroom status -h/--help": "show this help message and exit",
    "sqslab classroom status --endpoint-url": "the room server's URL",
    "sqslab classroom status --board": "queue name (SQSLAB_CLASSROOM)",
    "sqslab classroom status --state": "the board's state file",
    "sqslab classroom status --room-file": "learners to list; the room key file (default: "
    "SQSLAB_ROOM_FILE, else ./sqslab-room.json)",
    "sqslab classroom status --json": "print the state as JSON",
    "sqslab classroom export": None,
    "sqslab classroom export -h/--help": "show this help message and exit",
    "sqslab classroom export --endpoint-url": "the room server's URL",
    "sqslab classroom export --board": "queue name (SQSLAB_CLASSROOM)",
    "sqslab classroom export --state": "the board's state file",
    "sqslab classroom export --room-file": "learners to list; the room key file (default: "
    "SQSLAB_ROOM_FILE, else ./sqslab-room.json)",
    "sqslab classroom export --out": "the CSV file to write",
    "sqslab classroom reset": None,
    "sqslab classroom reset -h/--help": "show this help message and exit",
    "sqslab classroom reset --endpoint-url": "the room server's URL",
    "sqslab classroom reset --board": "queue name (SQSLAB_CLASSROOM)",
    "sqslab classroom reset --state": "the board's state file",
    "sqslab classroom reset --room-file": "learners to list; the room key file (default: "
    "SQSLAB_ROOM_FILE, else ./sqslab-room.json)",
    "sqslab classroom reset --yes": "really forget every report",
    "sqslab reset": None,
    "sqslab reset -h/--help": "show this help message and exit",
    "sqslab reset --namespace": "the learner's namespace (default: SQSLAB_NAMESPACE, else your user "
    "name)",
    "sqslab reset --all": "every queue on the server (the room)",
    "sqslab reset --yes": "do not ask before --all",
    "sqslab reset --endpoint-url": "server URL (default: SQSLAB_ENDPOINT_URL, else "
    "http://127.0.0.1:4566)",
    "sqslab doctor": None,
    "sqslab doctor -h/--help": "show this help message and exit",
    "sqslab doctor --backend": "backend to check (default: SQSLAB_BACKEND)",
}


def test_classroom_errors_are_one_line_not_a_traceback(
    capsys, monkeypatch, tmp_path, url, room_file, lang
):
    as_instructor(monkeypatch, room_file)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert cli.main(["classroom", "status", "--endpoint-url", "127.0.0.1:9"]) == 2
    assert out_err(capsys) == (
        "",
        "sqslab classroom status: the endpoint URL '127.0.0.1:9' (--endpoint-url) has no http:// "
        "or https:// in front; an endpoint URL is http:// or https://, a host and an optional "
        "port 1-65535, e.g. http://127.0.0.1:4566. Fix --endpoint-url\n",
    )
    assert cli.main(["classroom", "export", "--endpoint-url", "http://127.0.0.1:9"]) == 2
    assert out_err(capsys)[1] == (
        "sqslab classroom export: the server does not answer (Could not connect to the endpoint "
        'URL: "http://127.0.0.1:9/")\n'
    )
    assert (
        cli.main(["classroom", "reset", "--yes", "--endpoint-url", url, "--board", "no.fifo"]) == 2
    )
    err = out_err(capsys)[1]
    assert err.startswith("sqslab classroom reset: the server refused (An error occurred (")
    assert "NonExistentQueue" in err and err.count("\n") == 1
