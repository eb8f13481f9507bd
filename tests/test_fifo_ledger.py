"""The chapter 8 ledger: steps fail on demand, and every application is remembered in order."""

from __future__ import annotations

import json

import pytest

from sqslab import fifo_ledger


def record(account, step):
    return {"body": json.dumps({"account": account, "step": step})}


def test_a_step_set_to_fail_raises_that_many_times_then_applies():
    ledger = fifo_ledger.Ledger()
    ledger.fail("acct-1", 2, times=2)
    for _ in range(2):
        with pytest.raises(fifo_ledger.LedgerBusy, match="acct-1 step 2"):
            ledger.apply(record("acct-1", 2))
    ledger.apply(record("acct-1", 2))
    assert ledger.applied == [("acct-1", 2)]


def test_orders_repeats_gaps_and_broken_order():
    ledger = fifo_ledger.Ledger()
    for account, step in [("a", 1), ("b", 1), ("a", 3), ("a", 2), ("b", 2), ("b", 2)]:
        ledger.apply(record(account, step))
    assert ledger.orders() == {"a": [1, 3, 2], "b": [1, 2, 2]}
    assert ledger.out_of_order() == {"a": [1, 3, 2]}  # b's repeat is not a reorder
    assert ledger.twice() == [("b", 2)]
    assert ledger.missing([("a", 1), ("a", 4)]) == [("a", 4)]


def test_reset_forgets_applied_steps_and_pending_failures():
    ledger = fifo_ledger.Ledger()
    ledger.fail("a", 1)
    ledger.apply(record("a", 2))
    ledger.reset()
    ledger.apply(record("a", 1))
    assert ledger.applied == [("a", 1)]


def test_steps_interleave_the_accounts():
    assert fifo_ledger.steps(2, 2) == [("acct-1", 1), ("acct-2", 1), ("acct-1", 2), ("acct-2", 2)]


def test_send_uses_the_account_as_message_group(sqs):
    url = sqs.create_queue(QueueName="ledger.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    fifo_ledger.send(sqs, url, fifo_ledger.steps(2, 6))
    got = []
    while batch := sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["MessageGroupId"]
    ).get("Messages", []):
        got += batch
        for m in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    bodies = [json.loads(m["Body"]) for m in got]
    assert [m["Attributes"]["MessageGroupId"] for m in got] == [b["account"] for b in bodies]
    assert len(got) == 12
