"""Exercise 8.3: a FIFO handler with ReportBatchItemFailures, checked under injected failures. Each
wrong version gets its hint; the per-account solution passes, on every run."""

from __future__ import annotations

import pytest
from lambda_answers import batch_failures as _ids
from lambda_answers import per_account, stop_the_batch

from sqslab.exercises import check_fifo_in_order
from sqslab.fifo_ledger import Ledger, LedgerBusy


def raising(ledger):
    def handler(event, context):
        for record in event["Records"]:
            ledger.apply(record)

    return handler


def only_the_failed(ledger):
    def handler(event, context):
        failed = []
        for record in event["Records"]:
            try:
                ledger.apply(record)
            except LedgerBusy:
                failed.append(record)
        return _ids(failed)

    return handler


def apply_all_then_report_the_rest(ledger):
    """Applies every record it can, then reports the failed one and everything after it."""

    def handler(event, context):
        records, first = event["Records"], None
        for i, record in enumerate(records):
            try:
                ledger.apply(record)
            except LedgerBusy:
                first = i if first is None else first
        return _ids(records[first:] if first is not None else [])

    return handler


def skip_silently(ledger):
    """Stops its account at a failure but reports only the failed record."""

    def handler(event, context):
        failed, stopped = [], set()
        for record in event["Records"]:
            group = record["attributes"]["MessageGroupId"]
            if group in stopped:
                continue
            try:
                ledger.apply(record)
            except LedgerBusy:
                stopped.add(group)
                failed.append(record)
        return _ids(failed)

    return handler


def receipt_handles(ledger):
    def handler(event, context):
        failed = []
        for record in event["Records"]:
            try:
                ledger.apply(record)
            except LedgerBusy:
                failed.append({"itemIdentifier": record["receiptHandle"]})
        return {"batchItemFailures": failed}

    return handler


@pytest.mark.parametrize(
    ("version", "first_hint"),
    [
        (raising, "your handler raised"),
        (receipt_handles, "Lambda could not read your answer"),
        (only_the_failed, "steps were applied in the order"),
        (apply_all_then_report_the_rest, "steps applied twice"),
        (skip_silently, "steps never applied"),
        (stop_the_batch, "accounts that had no failure were reported"),
    ],
)
def test_each_wrong_version_gets_its_hint(lab, version, first_hint):
    ledger = Ledger()
    check = check_fifo_in_order(lab, version(ledger), ledger)
    assert not check and first_hint in check.message, check.message
    assert len(check.hints) >= 1


def test_order_hints_grow_more_telling(lab):
    ledger = Ledger()
    first = check_fifo_in_order(lab, only_the_failed(ledger), ledger)
    assert "acct-" in first.message and len(first.hints) == 3
    assert "MessageGroupId" in first.hints[-1]
    again = check_fifo_in_order(lab, only_the_failed(ledger), ledger)
    assert again.level == 2


def test_the_per_account_handler_passes_on_every_run(lab):
    ledger = Ledger()
    assert check_fifo_in_order(lab, per_account(ledger), ledger)
    assert check_fifo_in_order(lab, per_account(ledger), ledger)
    assert ledger.applied == [] and not ledger.failing  # the check leaves the ledger clean


def test_hints_before_anything_is_written(lab):
    ledger = Ledger()
    assert "define post_steps" in check_fifo_in_order(lab, None, ledger).message
    assert "make the ledger first" in check_fifo_in_order(lab, per_account(ledger), None).message
    wrong = check_fifo_in_order(lab, per_account(ledger), "ledger")
    assert not wrong and "Ledger" in wrong.message
