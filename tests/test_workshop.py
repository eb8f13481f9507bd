"""Workshop mode: one server for a room, a namespace per learner, and `sqslab reset`."""

from __future__ import annotations

import pytest

from sqslab import cli, workshop
from sqslab.emulator.server import free_port
from sqslab.errors import LabConfigError
from sqslab.lab import Lab, start


@pytest.fixture
def empty_room(room: str) -> str:
    """The room's server with no queues left from an earlier test."""
    workshop.reset(workshop.room_client(room), sns=workshop.room_client(room, service="sns"))
    return room


#: The run id every learner's lab gets in these tests (each real start draws a new one).
RUN = "7e57"


def learner(room: str, name: str, monkeypatch: pytest.MonkeyPatch) -> Lab:
    """A learner's lab on the room's server under namespace ``name``."""
    monkeypatch.setenv("SQSLAB_BACKEND", "endpoint")
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", room)
    monkeypatch.setenv(workshop.ENV, name)
    monkeypatch.setattr("sqslab.lab.run_id", lambda: RUN)  # one known run id: names are known
    return start(quiet=True)


def names(lab: Lab) -> list[str]:
    return sorted(u.rsplit("/", 1)[1] for u in lab.sqs.list_queues().get("QueueUrls", []))


@pytest.mark.parametrize(
    ("given", "expected"),
    [("alice", "alice"), ("Alice", "alice"), ("  team7 ", "team7"), ("a" * 20, "a" * 20)],
)
def test_a_namespace_is_only_stripped_and_lowercased(given, expected):
    assert workshop.clean(given) == expected
    assert workshop.prefix(given) == f"{expected}-"


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ("ålice", "'å' (U+00E5)"),  # was silently 'lice'
        ("a-b", "'-' (U+002D)"),  # was silently 'ab', colliding with 'ab'
        ("alice!", "'!' (U+0021)"),  # was silently 'alice', colliding with 'alice'
        ("Alice.Smith", "'.' (U+002E)"),
        ("al ice", "' ' (U+0020)"),
        ("\u212a", "U+212A"),  # the Kelvin sign lowercases to an ASCII 'k'
        ("---", "'-'"),
        ("", "is empty"),
        ("   ", "is empty"),
        ("a" * 21, "21 characters"),
    ],
)
def test_a_namespace_outside_the_rule_is_refused_never_changed(given, words):
    with pytest.raises(LabConfigError) as err:
        workshop.clean(given)
    text = str(err.value)
    assert words in text
    assert "1 to 20 lowercase letters a-z and digits 0-9" in text and workshop.ENV in text


def test_namespaces_that_used_to_collide_stay_apart():
    assert workshop.clean("ab") == "ab"
    for other in ("a-b", "a_b", "a.b", "AB!"):
        with pytest.raises(LabConfigError):
            workshop.clean(other)


def test_the_namespace_defaults_to_a_valid_login_name(monkeypatch):
    monkeypatch.setattr(workshop.getpass, "getuser", lambda: "Dana")
    assert workshop.current({}) == "dana"
    assert workshop.current({workshop.ENV: "team3"}) == "team3"


def test_a_login_name_outside_the_rule_asks_for_sqslab_namespace(monkeypatch):
    monkeypatch.setattr(workshop.getpass, "getuser", lambda: "Dana.K")
    with pytest.raises(LabConfigError, match="export SQSLAB_NAMESPACE=danak") as err:
        workshop.current({})
    assert "'Dana.K'" in str(err.value) and "'.'" in str(err.value)
    assert workshop.current({workshop.ENV: "dana"}) == "dana"


def test_no_login_name_asks_for_sqslab_namespace(monkeypatch):
    def no_user() -> str:
        raise OSError("No username set in the environment")

    monkeypatch.setattr(workshop.getpass, "getuser", no_user)
    with pytest.raises(LabConfigError, match="set SQSLAB_NAMESPACE"):
        workshop.current({})


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_sqslab_namespace_is_an_error_not_the_login_name(monkeypatch, blank):
    monkeypatch.setattr(workshop.getpass, "getuser", lambda: "dana")
    with pytest.raises(LabConfigError, match="is empty"):
        workshop.current({workshop.ENV: blank})


def test_learners_on_one_server_see_only_their_own_queues(empty_room, monkeypatch):
    alice = learner(empty_room, "alice", monkeypatch)
    alice_url = alice.sqs.create_queue(QueueName="orders")["QueueUrl"]
    alice.sqs.send_message(QueueUrl=alice_url, MessageBody="from alice")
    bob = learner(empty_room, "bob", monkeypatch)
    bob_url = bob.sqs.create_queue(QueueName="orders")["QueueUrl"]

    assert alice_url != bob_url and alice_url.endswith("/alice-7e57-orders")
    assert names(alice) == ["alice-7e57-orders"] and names(bob) == ["bob-7e57-orders"]
    assert bob.sqs.get_queue_url(QueueName="orders")["QueueUrl"] == bob_url
    assert "Messages" not in bob.sqs.receive_message(QueueUrl=bob_url)
    got = alice.sqs.receive_message(
        QueueUrl=alice.sqs.get_queue_url(QueueName="orders")["QueueUrl"]
    )
    assert got["Messages"][0]["Body"] == "from alice"
    assert "your queues are named bob-" in bob.describe()


def test_a_namespace_that_starts_like_another_stays_apart(empty_room, monkeypatch):
    learner(empty_room, "al", monkeypatch).sqs.create_queue(QueueName="jobs")
    learner(empty_room, "alice", monkeypatch).sqs.create_queue(QueueName="jobs")
    assert cli.main(["reset", "--namespace", "al", "--endpoint-url", empty_room]) == 0
    left = workshop.room_client(empty_room).list_queues()["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in left] == ["alice-7e57-jobs"]


def test_reset_clears_one_learner_and_leaves_the_others(empty_room, monkeypatch, capsys):
    for who in ("alice", "bob"):
        lab = learner(empty_room, who, monkeypatch)
        for queue in ("orders", "orders-dlq", "events.fifo"):
            attrs = {"FifoQueue": "true"} if queue.endswith(".fifo") else {}
            lab.sqs.create_queue(QueueName=queue, Attributes=attrs)
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", empty_room)
    assert cli.main(["reset", "--namespace", "alice"]) == 0
    assert "deleted 3 queue(s) and 0 topic(s) of namespace 'alice'" in capsys.readouterr().out
    assert names(lab) == ["bob-7e57-events.fifo", "bob-7e57-orders", "bob-7e57-orders-dlq"]
    assert cli.main(["reset", "--namespace", "alice"]) == 0
    assert "no queues or topics of namespace 'alice'" in capsys.readouterr().out


def test_reset_all_asks_first_unless_yes(empty_room, monkeypatch, capsys):
    for who in ("alice", "bob"):
        learner(empty_room, who, monkeypatch).sqs.create_queue(QueueName="orders")
    client = workshop.room_client(empty_room)
    monkeypatch.setattr("builtins.input", lambda question: "n")
    assert cli.main(["reset", "--all", "--endpoint-url", empty_room]) == 1
    assert len(client.list_queues()["QueueUrls"]) == 2
    assert "nothing deleted" in capsys.readouterr().out
    monkeypatch.setattr("builtins.input", lambda question: "y")
    assert cli.main(["reset", "--all", "--endpoint-url", empty_room]) == 0
    assert "QueueUrls" not in client.list_queues()
    for who in ("alice", "bob"):
        learner(empty_room, who, monkeypatch).sqs.create_queue(QueueName="orders")
    assert cli.main(["reset", "--all", "--yes", "--endpoint-url", empty_room]) == 0
    assert "deleted 2 queue(s) and 0 topic(s) of the whole room" in capsys.readouterr().out


def test_topics_are_namespaced_and_reset_with_their_learner(empty_room, monkeypatch, capsys):
    for who in ("alice", "bob"):
        lab = learner(empty_room, who, monkeypatch)
        arn = lab.client("sns").create_topic(Name="shop")["TopicArn"]
        assert arn.endswith(f":{who}-{RUN}-shop")
        lab.sqs.create_queue(QueueName="billing")
    sns = workshop.room_client(empty_room, service="sns")
    assert cli.main(["reset", "--namespace", "alice", "--endpoint-url", empty_room]) == 0
    assert "deleted 1 queue(s) and 1 topic(s) of namespace 'alice'" in capsys.readouterr().out
    left = [t["TopicArn"].rsplit(":", 1)[1] for t in sns.list_topics()["Topics"]]
    assert left == ["bob-7e57-shop"]


def test_reset_lists_past_the_first_page(empty_room, monkeypatch):
    lab = learner(empty_room, "carol", monkeypatch)
    for n in range(3):
        lab.sqs.create_queue(QueueName=f"q{n}")
    pages: list[dict] = []
    real = lab.sqs.list_queues

    def two_per_page(**params):
        page = real(**{**params, "MaxResults": 2})
        pages.append(page)
        return page

    monkeypatch.setattr(lab.sqs, "list_queues", two_per_page)
    found = list(workshop.queue_urls(lab.sqs, lab.namespace.prefix))
    assert len(found) == 3 and len(pages) == 2


def test_reset_says_when_the_server_does_not_answer(capsys):
    port = free_port()
    assert cli.main(["reset", "--all", "--yes", "--endpoint-url", f"http://127.0.0.1:{port}"]) == 2
    assert "does not answer" in capsys.readouterr().err


@pytest.mark.parametrize("blank", ["", "   "])
def test_reset_with_a_blank_namespace_is_an_error_not_the_login_name(
    empty_room, monkeypatch, capsys, blank
):
    monkeypatch.setattr(workshop.getpass, "getuser", lambda: "alice")
    alice = learner(empty_room, "alice", monkeypatch)
    alice.sqs.create_queue(QueueName="orders")
    argv = ["reset", "--namespace", blank, "--endpoint-url", empty_room]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "is empty" in err and "--namespace" in err
    assert names(alice) == ["alice-7e57-orders"]  # nothing was deleted


def test_reset_refuses_a_namespace_it_would_have_changed(empty_room, monkeypatch, capsys):
    alice = learner(empty_room, "alice", monkeypatch)
    alice.sqs.create_queue(QueueName="orders")
    assert cli.main(["reset", "--namespace", "alice!", "--endpoint-url", empty_room]) == 2
    assert "'!' (U+0021)" in capsys.readouterr().err
    assert names(alice) == ["alice-7e57-orders"]


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("127.0.0.1:4566", "no http:// or https://"),
        ("localhost:4566", "no http:// or https://"),
        ("http://127.0.0.1:99999", "port"),
        ("http://127.0.0.1:4566/123456789012/orders", "queue URL"),
        ("ftp://127.0.0.1:4566", "no http:// or https://"),
        ("", "is empty"),
    ],
)
def test_reset_names_what_is_wrong_with_the_endpoint_url(capsys, url, words):
    assert cli.main(["reset", "--all", "--yes", "--endpoint-url", url]) == 2
    err = capsys.readouterr().err
    assert words in err and "--endpoint-url" in err and "http://127.0.0.1:4566" in err
    assert "Traceback" not in err


def test_reset_reads_a_bad_sqslab_endpoint_url_and_says_so(monkeypatch, capsys):
    monkeypatch.setenv("SQSLAB_ENDPOINT_URL", "127.0.0.1:4566")
    assert cli.main(["reset", "--all", "--yes"]) == 2
    assert "SQSLAB_ENDPOINT_URL" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:4566", "http://127.0.0.1:4566"),
        (" https://sqs.example.test/ ", "https://sqs.example.test"),
        ("http://[::1]:4566", "http://[::1]:4566"),
        ("HTTP://localhost", "HTTP://localhost"),
    ],
)
def test_check_endpoint_url_accepts_a_server_address(url, expected):
    assert workshop.check_endpoint_url(url) == expected


def test_moto_labs_use_no_namespace_unless_one_is_set(monkeypatch):
    monkeypatch.delenv(workshop.ENV, raising=False)
    plain = start("moto", quiet=True)
    assert plain.sqs.create_queue(QueueName="orders")["QueueUrl"].endswith("/orders")
    plain.stop()
    monkeypatch.setenv(workshop.ENV, "dana")
    named = start("moto", quiet=True)
    try:
        assert named.sqs.create_queue(QueueName="orders")["QueueUrl"].endswith("/dana-orders")
    finally:
        named.stop()


@pytest.mark.parametrize(
    ("room_key", "expected"),
    [
        ({}, "testing"),
        ({"SQSLAB_ACCESS_KEY_ID": "SQSLABAAAAAAAAAAAAAA"}, "testing"),
        (
            {"SQSLAB_ACCESS_KEY_ID": "SQSLABAAAAAAAAAAAAAA", "SQSLAB_SECRET_ACCESS_KEY": "s"},
            "SQSLABAAAAAAAAAAAAAA",
        ),
    ],
)
def test_room_clients_sign_with_the_room_key_never_an_aws_key(monkeypatch, room_key, expected):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "real-aws-key-id")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-for-a-workshop")
    for name in ("SQSLAB_ACCESS_KEY_ID", "SQSLAB_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    for name, value in room_key.items():
        monkeypatch.setenv(name, value)
    assert workshop.room_credentials()["aws_access_key_id"] == expected
    assert workshop.room_session().get_credentials().access_key == expected
    client = workshop.room_client("http://127.0.0.1:9")
    assert client._request_signer._credentials.access_key == expected
