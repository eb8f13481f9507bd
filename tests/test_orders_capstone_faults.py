"""sqslab.orders.capstone_faults: partial DeleteMessageBatch failures that really leave the message in
the queue, a crash right after a call went through, a call budget, and a second worker's poll."""

from __future__ import annotations

import pytest

from sqslab import queues
from sqslab.errors import LimitError
from sqslab.faults import WorkerCrash
from sqslab.orders import capstone_faults
from sqslab.orders.capstone_faults import BudgetExceeded


def fifo(sqs, name="f.fifo", count=4):
    url = sqs.create_queue(
        QueueName=name, Attributes={"FifoQueue": "true", "VisibilityTimeout": "30"}
    )["QueueUrl"]
    for n in range(count):
        sqs.send_message(
            QueueUrl=url,
            MessageBody=f"m{n}",
            MessageGroupId=f"g{n}",
            MessageDeduplicationId=f"d{n}",
        )
    return url


def entries(messages):
    return [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]


def test_a_failed_delete_entry_is_reported_and_really_not_deleted(lab, sqs):
    url = fifo(sqs)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    with capstone_faults.inject_delete_failures(sqs, lambda i, attempt: i == "1") as injector:
        reply = sqs.delete_message_batch(QueueUrl=url, Entries=entries(got))
    record = lab.trace.records[-1]  # the trace shows the call as it was made
    assert record.entries == 4 and [m.ok for m in record.messages] == [True, False, True, True]
    assert [f["Id"] for f in reply["Failed"]] == ["1"] and not reply["Failed"][0]["SenderFault"]
    assert len(reply["Successful"]) == 3 and injector.injected == [("1", 1)]
    assert queues.depth(sqs, url) == (0, 1, 0)  # still held, back after its visibility timeout


def test_a_retry_of_the_failed_entry_counts_as_its_second_attempt(sqs):
    url = fifo(sqs)
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    injector = capstone_faults.inject_delete_failures(sqs, lambda i, attempt: attempt == 1)
    first = sqs.delete_message_batch(QueueUrl=url, Entries=entries(got))
    assert not first["Successful"] and len(first["Failed"]) == 4  # answered without calling SQS
    again = sqs.delete_message_batch(QueueUrl=url, Entries=entries(got))
    injector.undo()
    assert len(again["Successful"]) == 4 and sum(queues.depth(sqs, url)) == 0


def test_delete_failures_need_a_rule(sqs):
    with pytest.raises(LimitError, match="entry_id, attempt"):
        capstone_faults.inject_delete_failures(sqs, "every other one")


def test_crash_after_the_nth_call_went_through(lab, sqs):
    url = fifo(sqs, count=0)
    crash = capstone_faults.crash_after(sqs, "SendMessageBatch", 2)
    batch = [{"Id": "a", "MessageBody": "x", "MessageGroupId": "g", "MessageDeduplicationId": "1"}]
    sqs.send_message_batch(QueueUrl=url, Entries=batch)
    with pytest.raises(WorkerCrash):
        sqs.send_message_batch(QueueUrl=url, Entries=[{**batch[0], "MessageDeduplicationId": "2"}])
    assert lab.trace.records[-1].ok and lab.trace.records[-1].message_ids  # recorded as it went
    assert crash.crashed and queues.depth(sqs, url)[0] == 2  # SQS took it; the caller never knew
    sqs.send_message_batch(QueueUrl=url, Entries=[{**batch[0], "MessageDeduplicationId": "3"}])
    crash.undo()
    with pytest.raises(LimitError, match="whole number"):
        capstone_faults.crash_after(sqs, "SendMessageBatch", 0)


def test_the_budget_stops_a_loop_and_its_undo_lets_calls_through(sqs):
    budget = capstone_faults.call_budget(sqs, 3)
    with pytest.raises(BudgetExceeded):
        while True:
            sqs.list_queues()
    assert budget.most_used() == "ListQueues" and budget.used == 4
    budget.undo()
    sqs.list_queues()
    with pytest.raises(BudgetExceeded):  # not an Exception: a learner's except cannot hide it
        try:
            with capstone_faults.call_budget(sqs, 0):
                sqs.list_queues()
        except Exception:  # noqa: BLE001 - what a learner's code would write
            pytest.fail("BudgetExceeded was caught by except Exception")


def test_the_rival_takes_only_what_is_visible_and_gives_it_back(lab, sqs):
    url = fifo(sqs, count=2)
    held = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
    calls = len(lab.trace)
    rival = capstone_faults.Rival(lab, url)
    assert rival.poll() == ["m1"] and len(lab.trace) == calls  # m0 is held; the look is untraced
    assert queues.depth(sqs, url) == (1, 1, 0)  # m1 is visible again at once
    lab.wait(31)
    assert sorted(rival.poll()) == ["m0", "m1"] and rival.received == ["m1", "m0", "m1"]
    assert held
