"""Lambda handlers a learner might write in chapter 8 (exercises 8.2 and 8.3), right and wrong,
shared by the exercise tests and the chapter's translation tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqslab.fifo_ledger import Ledger, LedgerBusy

Handler = Callable[[dict[str, Any], Any], Any]


def batch_failures(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The partial batch response naming ``records`` as failed."""
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in records]}


def raising_receipts(event: dict[str, Any], context: Any) -> None:
    """8.2, wrong: a bad receipt raises, so the whole batch comes back."""
    for record in event["Records"]:
        json.loads(record["body"])


def reporting_receipts(event: dict[str, Any], context: Any) -> dict[str, Any]:
    """8.2, right: only the bad receipts are reported as failed."""
    return batch_failures([r for r in event["Records"] if not _parses(r["body"])])


def _parses(body: str) -> bool:
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def stop_the_batch(ledger: Ledger) -> Handler:
    """8.3, wrong: the first busy record fails it and everything after it, every account."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        records = event["Records"]
        for i, record in enumerate(records):
            try:
                ledger.apply(record)
            except LedgerBusy:
                return batch_failures(records[i:])
        return batch_failures([])

    return handler


def per_account(ledger: Ledger) -> Handler:
    """8.3, right: a busy record fails itself and the rest of its own account (message group)."""

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        failed, stopped = [], set()
        for record in event["Records"]:
            group = record["attributes"]["MessageGroupId"]
            if group not in stopped:
                try:
                    ledger.apply(record)
                    continue
                except LedgerBusy:
                    stopped.add(group)
            failed.append(record)
        return batch_failures(failed)

    return handler
