"""The fair-queue fidelity layer with plain boto3 on the default backend: the issue's acceptance
test, then each documented rule as a receive sees it, on the lab's virtual clock."""

from __future__ import annotations

import boto3
import pytest

from sqslab.emulator import fair_queues

HOUR = "3600"


def make_queue(sqs, name: str, **attributes: str) -> str:
    """A standard queue whose messages stay in flight for an hour once received."""
    return sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": HOUR, **attributes})[
        "QueueUrl"
    ]


def send(sqs, url: str, tenant: str | None, count: int, first: int = 0) -> None:
    """``count`` messages ``<tenant>-<n>`` of one tenant (no group id when ``tenant`` is None)."""
    label = tenant or "solo"
    group = {"MessageGroupId": tenant} if tenant is not None else {}
    for start in range(first, first + count, 10):
        entries = [
            {"Id": str(n), "MessageBody": f"{label}-{n}", **group}
            for n in range(start, min(start + 10, first + count))
        ]
        sqs.send_message_batch(QueueUrl=url, Entries=entries)


def receive(sqs, url: str, count: int = 10) -> list[str]:
    """The bodies of one receive of up to ``count`` messages."""
    return [
        m["Body"]
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=count).get("Messages", [])
    ]


def hold(sqs, url: str, count: int) -> list[str]:
    """Receive ``count`` messages (and keep them in flight)."""
    held: list[str] = []
    while len(held) < count:
        got = receive(sqs, url, min(10, count - len(held)))
        assert got, "the queue ran dry"
        held += got
    return held


def tenants_of(bodies: list[str]) -> list[str]:
    return [body.rsplit("-", 1)[0] for body in bodies]


# --- the acceptance test ---------------------------------------------------------------


def noisy_neighbour(sqs, name: str, grouped: bool) -> dict:
    """One tenant with 100 messages in flight and 200 more waiting; then 10 other tenants send one
    message each; the reply of the next receive of 10."""
    url = make_queue(sqs, name)
    send(sqs, url, "flood" if grouped else None, 300)
    assert len(hold(sqs, url, 100)) == 100
    for n in range(10):
        group = {"MessageGroupId": f"tenant{n}"} if grouped else {}
        sqs.send_message(QueueUrl=url, MessageBody=f"tenant{n}-0", **group)
    return sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)


def test_quiet_tenants_come_back_first_with_group_ids_and_not_without(lab):
    sqs = boto3.client("sqs", region_name="us-east-1")  # plain boto3, the lab's moto
    with_groups = noisy_neighbour(sqs, "fair-shop", grouped=True)
    bodies = [m["Body"] for m in with_groups["Messages"]]
    assert sum(not b.startswith("flood") for b in bodies) >= 8
    assert bodies == [f"tenant{n}-0" for n in range(10)]
    headers = with_groups["ResponseMetadata"]["HTTPHeaders"]
    assert headers[fair_queues.HEADER] == fair_queues.HEADER_VALUE

    without = noisy_neighbour(sqs, "plain-shop", grouped=False)
    assert [m["Body"] for m in without["Messages"]] == [f"solo-{n}" for n in range(100, 110)]
    assert fair_queues.HEADER not in without["ResponseMetadata"]["HTTPHeaders"]


def test_the_reordered_receive_is_logged_and_labelled(lab, sqs):
    noisy_neighbour(sqs, "logged", grouped=True)
    layer = fair_queues.current()
    assert layer is not None and len(layer.log) == 1
    entry = layer.log[0]
    assert (entry.queue, entry.quiet_served, entry.noisy_served) == ("logged", 10, 0)
    assert entry.noisy == (("flood", "100 of the queue's 100 messages in flight"),)  # at the look
    shown = repr(layer.table())
    assert shown.startswith(fair_queues.LABEL) and "sqslab fidelity layer" in shown
    status = fair_queues.tenants("logged")
    assert repr(status).startswith(f"{fair_queues.LABEL}: queue logged")
    assert status.table.column("tenant")[0] == "flood"
    assert status.table.column("noisy")[0].startswith("100 of the queue's")
    assert "<em>sqslab fidelity layer" in status._repr_html_()


# --- one test per documented rule ----------------------------------------------------------------


@pytest.mark.parametrize(("in_flight", "first"), [(29, "A"), (30, "Q")])
def test_30_of_its_own_in_flight_is_the_edge(lab, sqs, in_flight, first):
    url = make_queue(sqs, f"edge-{in_flight}")
    send(sqs, url, "A", in_flight + 5)
    hold(sqs, url, in_flight)
    send(sqs, url, "Q", 3)
    assert tenants_of(receive(sqs, url, 3)) == [first] * 3


@pytest.mark.parametrize(("others", "first"), [(270, "A"), (269, "Q")])
def test_more_than_10_percent_of_the_in_flight_messages_is_the_edge(lab, sqs, others, first):
    url = make_queue(sqs, f"share-{others}")
    send(sqs, url, "A", 30)
    hold(sqs, url, 30)
    for n in range(0, others, 10):  # tenants of 10 in flight each: never noisy themselves
        send(sqs, url, f"t{n}", min(10, others - n))
    hold(sqs, url, others)
    send(sqs, url, "A", 5, first=30)  # A's backlog, older than Q's messages
    send(sqs, url, "Q", 5)
    assert tenants_of(receive(sqs, url, 5)) == [first] * 5


def test_several_noisy_tenants_the_fewest_in_flight_first(lab, sqs):
    url = make_queue(sqs, "several")
    send(sqs, url, "A", 40)
    hold(sqs, url, 40)
    send(sqs, url, "B", 35)
    hold(sqs, url, 35)
    send(sqs, url, "A", 10, first=40)
    send(sqs, url, "B", 10, first=35)
    send(sqs, url, "Q", 2)
    # Q is quiet; B has 35 in flight to A's 40: five of B's, then A's (ties to the older)
    assert tenants_of(receive(sqs, url, 10)) == ["Q", "Q", *"BBBBB", "A", "B", "A"]


def test_five_minutes_without_a_send_make_a_noisy_tenant_quiet(lab, sqs):
    url = make_queue(sqs, "quiet-after")
    send(sqs, url, "A", 40)
    hold(sqs, url, 30)
    lab.wait(299)
    send(sqs, url, "Q", 2)
    assert tenants_of(receive(sqs, url, 2)) == ["Q", "Q"]  # A sent 299 s ago: still noisy
    lab.wait(1)
    send(sqs, url, "Q", 2, first=2)
    assert receive(sqs, url, 2) == ["A-30", "A-31"]  # 300 s without a send: A is quiet
    send(sqs, url, "A", 1, first=40)
    send(sqs, url, "Q", 1, first=4)
    assert tenants_of(receive(sqs, url, 1)) == ["Q"]  # A sends again: noisy again


def test_a_drained_backlog_makes_a_noisy_tenant_quiet(lab, sqs):
    url = make_queue(sqs, "drained")
    send(sqs, url, "A", 40)
    hold(sqs, url, 30)
    layer = fair_queues.current()
    status = fair_queues.tenants("drained")
    assert status.table.column("noisy")[0].startswith("30 of the queue's 30")
    hold(sqs, url, 10)  # A's last waiting messages: nothing is held back from a lone tenant
    assert fair_queues.tenants("drained").table.column("noisy") == [""]
    assert layer is not None and layer.log == []


def test_messages_without_a_group_are_tenants_of_their_own_never_noisy(lab, sqs):
    url = make_queue(sqs, "mixed")
    send(sqs, url, None, 140)
    hold(sqs, url, 100)
    send(sqs, url, "Q", 3)
    # 100 messages without a group in flight are 100 tenants of one message: none is noisy
    assert receive(sqs, url, 3) == ["solo-100", "solo-101", "solo-102"]
    rows = fair_queues.tenants("mixed").table
    assert len(rows) == 141 and set(rows.column("noisy")) == {""}


def test_a_slow_tenant_is_noisy_by_its_share_of_processing_time(lab, sqs):
    url = make_queue(sqs, "slow", VisibilityTimeout="120")
    send(sqs, url, "S", 3)
    assert receive(sqs, url, 1) == ["S-0"]
    send(sqs, url, "Q", 1)
    assert receive(sqs, url, 1) == ["S-1"]  # no time has passed: nobody is noisy yet
    lab.wait(10)  # S's two messages held 10 s: all of the recent processing time
    send(sqs, url, "Q", 1, first=1)
    assert receive(sqs, url, 1) == ["Q-0"]
    reasons = fair_queues.tenants("slow").table.column("noisy")
    assert reasons[0] == "100 % of the recent processing time"


def test_a_delete_ends_the_processing_time(lab, sqs):
    url = make_queue(sqs, "deleted")
    send(sqs, url, "S", 2)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=got["ReceiptHandle"])  # held 0 s
    send(sqs, url, "Q", 1)
    lab.wait(10)
    assert receive(sqs, url, 1) == ["S-1"]  # S held nothing: not noisy, oldest first


def test_a_visibility_change_to_zero_ends_the_processing_time(lab, sqs):
    url = make_queue(sqs, "released")
    send(sqs, url, "S", 2)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"][0]
    lab.wait(2)
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=got["ReceiptHandle"], VisibilityTimeout=0
    )
    status = fair_queues.tenants("released").table
    assert status.column("processing (s)") == ["2.0"] and status.column("in flight") == ["0"]
    lab.wait(30)
    assert fair_queues.tenants("released").table.column("processing (s)") == ["2.0"]


def test_fifo_queues_are_untouched(lab, sqs):
    def run() -> list[list[str]]:
        url = sqs.create_queue(
            QueueName=f"orders{len(runs)}.fifo",
            Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
        )["QueueUrl"]
        send(sqs, url, "A", 40)
        send(sqs, url, "B", 5)
        replies = [sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10) for _ in range(4)]
        assert all(fair_queues.HEADER not in r["ResponseMetadata"]["HTTPHeaders"] for r in replies)
        return [[m["Body"] for m in r.get("Messages", [])] for r in replies]

    runs: list[list[list[str]]] = []
    runs.append(run())
    layer = fair_queues.current()
    assert layer is not None and layer.log == []
    with pytest.raises(KeyError, match="no standard queue"):
        fair_queues.tenants("orders0.fifo")
    fair_queues.uninstall()
    runs.append(run())
    assert runs[0] == runs[1]  # the same answers as plain moto's
    assert runs[0][0] == [f"A-{n}" for n in range(10)]


def test_the_layer_is_on_by_default_and_follows_the_protocol(lab):
    assert fair_queues.active() and fair_queues.current().lab is lab  # type: ignore[union-attr]
    undo = fair_queues.install(lab)
    assert fair_queues.install(lab) is undo  # installing again keeps it
    fair_queues.uninstall()
    assert not fair_queues.active() and fair_queues.current() is None
    with pytest.raises(ValueError, match="is off"):
        fair_queues.tenants("anything")


def test_the_description_gives_the_sources_and_the_exact_thresholds():
    text = fair_queues.DESCRIPTION
    assert text.startswith("sqslab fidelity layer: fair queues")
    assert "sqs-fair-queues-detailed.html" in text and "approximate" in text
    for figure in ("10 %", "30 of its own", "5 minutes", "60 seconds", "29 in flight is not 30"):
        assert figure in text


def test_the_book_notes_holds_only_for_queues_with_group_ids_and_forgets_old_ones():
    from sqslab.emulator.fair_book import QueueBook
    from sqslab.emulator.fair_rules import Tenant, Thresholds

    limits, book = Thresholds.from_facts(), QueueBook()
    book.sent(Tenant(None, "m1"), 0.0)
    assert not book.grouped and book.last_send == {}  # no group id: nothing to remember
    book.sent(Tenant("A"), 0.0)
    assert book.grouped
    book.received(Tenant("A"), "a1", 0.0, deadline=30.0)
    book.received(Tenant("A"), "a1", 40.0, deadline=70.0)  # timed out at 30, received again
    book.deleted("a1", 50.0)
    assert [(d.start, d.stop) for d in book.deliveries] == [(0.0, 30.0), (40.0, 50.0)]
    assert book.processing(60.0, limits.window) == {Tenant("A"): 40.0}
    book.prune(95.0, limits)  # the window starts at 35 s: the first hold is forgotten
    assert [(d.start, d.stop) for d in book.deliveries] == [(40.0, 50.0)]
    book.prune(300.0, limits)
    assert book.deliveries == [] and book.last_send == {}  # 5 minutes without a send
