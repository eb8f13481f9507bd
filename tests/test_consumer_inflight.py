"""The consumer's parts: what its workers hold and the batch calls that settle it (InFlight), and
how a handled batch sorts into done, failed and (FIFO) held back behind a failure."""

from __future__ import annotations

import random
import threading
from typing import Any

from sqslab.backoff import BackoffPolicy
from sqslab.consumer_result import Message, behind_failure, sort_batch
from sqslab.inflight import InFlight, chunks


def queue_with(sqs: Any, n: int) -> str:
    url = sqs.create_queue(QueueName="held", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    for i in range(n):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    return url


def receive_all(sqs: Any, url: str) -> list[Message]:
    got: list[Message] = []
    while True:
        raw = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not raw:
            return got
        got += [Message.from_sqs(r) for r in raw]


def depth(sqs: Any, url: str) -> tuple[int, int]:
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def holding(sqs: Any, url: str, events: list, **kw: Any) -> tuple[InFlight, list[Message]]:
    held = InFlight(sqs, url, 30, lambda *e: events.append(e), rng=random.Random(0), **kw)
    messages = receive_all(sqs, url)
    for i, m in enumerate(messages):
        held.hold(f"w{i % 2}", m)
    return held, messages


def test_delete_goes_in_batches_of_ten_and_forgets_the_messages(lab, sqs) -> None:
    url = queue_with(sqs, 12)
    events: list = []
    held, messages = holding(sqs, url, events)
    assert len(held) == 12 and {m.id for m in held.messages()} == {m.id for m in messages}
    lab.trace.clear()
    assert held.delete("w0", messages) == 12
    assert lab.trace.operations()["DeleteMessageBatch"] == 2
    assert len(held) == 0 and depth(sqs, url) == (0, 0)
    assert [(e[0], e[1]) for e in events] == [("w0", "deleted")] * 12


def test_a_failed_delete_is_recorded_and_not_counted(sqs) -> None:
    url = queue_with(sqs, 1)
    events: list = []
    held, [message] = holding(sqs, url, events)
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message.receipt_handle)
    bogus = Message(id="x", body="", receipt_handle="bogus")
    assert held.delete("w0", [message, bogus]) == 1
    assert events[-1] == ("w0", "delete failed", "x", "it will be delivered again")


def test_forget_worker_drops_only_that_workers_messages(sqs) -> None:
    url = queue_with(sqs, 5)
    held, _ = holding(sqs, url, [])
    assert held.forget_worker("w0") == 3
    assert len(held) == 2 and held.forget_worker("w0") == 0


def test_release_makes_messages_visible_at_once(sqs) -> None:
    url = queue_with(sqs, 3)
    events: list = []
    held, messages = holding(sqs, url, events)
    assert held.release("w1", messages) == 3
    assert len(held) == 0 and depth(sqs, url) == (3, 0)
    assert {e[1:] for e in events} == {("released", m.id, "visible again in 0 s") for m in messages}


def test_retry_later_backs_off_or_waits_for_the_visibility_timeout(lab, sqs) -> None:
    url = queue_with(sqs, 2)
    events: list = []
    held, messages = holding(sqs, url, events, backoff=BackoffPolicy(base=4, cap=4, jitter="none"))
    held.retry_later("w0", messages[:1])
    assert events[-1] == ("w0", "backoff", messages[0].id, "visible again in 4 s")
    plain, _ = holding(sqs, url, [])
    plain.hold("w0", messages[1])
    plain.retry_later("w0", [messages[1]])
    assert len(plain) == 0
    lab.wait(5)
    assert depth(sqs, url) == (1, 1)


def test_extend_counts_what_was_extended_and_records_failures(lab, sqs) -> None:
    url = queue_with(sqs, 2)
    events: list = []
    held, _ = holding(sqs, url, events)
    held.hold("w0", Message(id="gone", body="", receipt_handle="bogus"))
    assert held.extend() == 2
    assert sorted(e[1] for e in events) == ["extended", "extended", "heartbeat failed"]
    assert {e[0] for e in events} == {"heartbeat"} and events[0][3] == "+30 s"
    lab.wait(25)
    assert depth(sqs, url) == (0, 2)  # 30 s from the extension, not from the receive


def test_chunks_cut_in_order() -> None:
    assert chunks(list(range(23)), 10) == [list(range(10)), list(range(10, 20)), [20, 21, 22]]
    assert chunks([], 10) == []


def message(id: str, group: str | None = None) -> Message:
    return Message(id=id, body=id, receipt_handle=id, group_id=group)


def test_sort_batch_on_a_standard_queue_keeps_going_after_a_failure() -> None:
    batch = [message("a", "g"), message("b", "g"), message("c", "g")]
    done, failed, behind = sort_batch(batch, {"a"}, fifo=False)
    assert [m.id for m in done] == ["b", "c"] and [m.id for m in failed] == ["a"] and not behind


def test_sort_batch_on_fifo_holds_back_the_rest_of_a_failed_group() -> None:
    batch = [message("a", "g1"), message("b", "g2"), message("c", "g1"), message("d", "g2")]
    done, failed, behind = sort_batch(batch, {"a"}, fifo=True)
    assert [m.id for m in done] == ["b", "d"]
    assert [m.id for m in failed] == ["a"] and [m.id for m in behind] == ["c"]
    assert behind_failure(batch[2], failed, fifo=True)
    assert not behind_failure(batch[2], failed, fifo=False)
    assert not behind_failure(batch[3], failed, fifo=True)


class SlowVisibility:
    """A client whose ChangeMessageVisibilityBatch lands when its request ends; the first one
    (the heartbeat's) stays open until ``go`` is set, as a request to a loaded service does."""

    def __init__(self) -> None:
        self.visibility: dict[str, int] = {}
        self.go = threading.Event()
        self.first = threading.Event()

    def change_message_visibility_batch(self, QueueUrl: str, Entries: list) -> dict:
        if not self.first.is_set():
            self.first.set()
            self.go.wait(5)
        for e in Entries:
            self.visibility[e["ReceiptHandle"]] = e["VisibilityTimeout"]
        return {"Successful": [{"Id": e["Id"]} for e in Entries]}


def test_a_release_waits_for_a_heartbeat_already_on_its_way() -> None:
    """A beat in flight when the worker releases its message must land before the release, or it
    hides the released message again: on moto without holding its FIFO group, so a second worker
    got the group's later orders first (real-clock CI, chapter 7)."""
    sqs = SlowVisibility()
    held = InFlight(sqs, "q", 30, lambda *e: None, rng=random.Random(0))
    message = Message(id="m", body="", receipt_handle="h")
    held.hold("w0", message)
    beat = threading.Thread(target=held.extend)
    beat.start()
    assert sqs.first.wait(5)  # the heartbeat's call is open
    release = threading.Thread(target=held.release, args=("w0", [message]))
    release.start()
    release.join(0.3)  # a release that does not wait for the beat is done by now
    sqs.go.set()
    beat.join(5)
    release.join(5)
    assert sqs.visibility == {"h": 0} and len(held) == 0
