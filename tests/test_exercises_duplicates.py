"""Exercise 3.3, an idempotent handler: the check passes a handler keyed on the business id and
recorded after the effect, and names what a wrong one does under redeliveries (no store, keyed on
the MessageId or the whole body, recorded before the charge, a failure swallowed), with a first
hint that gives no solution line."""

from __future__ import annotations

import json

import pytest
from solution_code import leaks

from sqslab.exercises import check_idempotent_handler
from sqslab.exercises.duplicates import STORIES, IdempotencyRun

CHAPTER = "03_consumers"


def by_payment_id(message, processed, charge):
    payment = json.loads(message["Body"])
    if payment["payment_id"] in processed:
        return
    charge(payment["payment_id"], payment["amount"])
    processed.add(payment["payment_id"])


def marked_then_unmarked_on_failure(message, processed, charge):
    payment = json.loads(message["Body"])
    key = payment["payment_id"]
    if key in processed:
        return
    processed.add(key)
    try:
        charge(key, payment["amount"])
    except Exception:
        processed.discard(key)
        raise


def no_store(message, processed, charge):
    payment = json.loads(message["Body"])
    charge(payment["payment_id"], payment["amount"])


def by_message_id(message, processed, charge):
    payment = json.loads(message["Body"])
    if message["MessageId"] in processed:
        return
    charge(payment["payment_id"], payment["amount"])
    processed.add(message["MessageId"])


def by_body(message, processed, charge):
    payment = json.loads(message["Body"])
    if message["Body"] in processed:
        return
    charge(payment["payment_id"], payment["amount"])
    processed.add(message["Body"])


def marked_before_charge(message, processed, charge):
    payment = json.loads(message["Body"])
    if payment["payment_id"] in processed:
        return
    processed.add(payment["payment_id"])
    charge(payment["payment_id"], payment["amount"])


def failure_swallowed(message, processed, charge):
    payment = json.loads(message["Body"])
    if payment["payment_id"] in processed:
        return
    try:
        charge(payment["payment_id"], payment["amount"])
    except ConnectionError:
        return
    processed.add(payment["payment_id"])


def mixed_keys(message, processed, charge):
    payment = json.loads(message["Body"])
    if message["MessageId"] in processed:
        return
    charge(payment["payment_id"], payment["amount"])
    processed.add(payment["payment_id"])


def sqslab_message(message, processed, charge):
    charge(message.body, 1)


WRONG = [
    (no_store, "processed-store is still empty"),
    (by_message_id, "holds MessageIds"),
    (by_body, "holds whole message bodies"),
    (marked_before_charge, "P-304 was never charged"),
    (failure_swallowed, "returned normally"),
    (mixed_keys, "check the key your handler looks up"),
    (sqslab_message, "AttributeError"),
]


@pytest.mark.parametrize("handler", [by_payment_id, marked_then_unmarked_on_failure])
def test_idempotent_handlers_pass_again_and_again(lab, handler):
    for _ in range(3):
        check = check_idempotent_handler(lab, handler)
        assert check.passed, check
    assert "5 payments arrived 9 times" in check.message


@pytest.mark.parametrize(("handler", "said"), WRONG, ids=lambda v: getattr(v, "__name__", ""))
def test_each_mistake_gets_its_own_hint_with_no_solution_line(lab, handler, said):
    check = check_idempotent_handler(lab, handler)
    assert not check and said in check.message, check
    assert leaks(check.message, CHAPTER) == []


def test_the_hints_name_the_redeliveries_that_were_charged_twice(lab):
    check = check_idempotent_handler(lab, by_message_id)
    assert "P-303" in check.message and "P-305" in check.message and "P-302" not in check.message
    assert STORIES["P-305"] in check.message
    assert "processed.add(pid)" in check_idempotent_handler(lab, by_message_id, hint=3).hints[-1]


def test_the_check_delivers_each_story_as_it_says(lab):
    seen: list[tuple[str, str]] = []

    def spy(message, processed, charge):
        seen.append((json.loads(message["Body"])["payment_id"], message["MessageId"]))
        by_payment_id(message, processed, charge)

    run = IdempotencyRun(lab, spy)
    assert run.verdict().passed and sorted(run.charges) == sorted(STORIES)
    ids = {p: [m for q, m in seen if q == p] for p in STORIES}
    assert len(ids["P-301"]) == 1
    assert len(ids["P-302"]) == 2 and len(set(ids["P-302"])) == 1  # the same message again
    assert len(set(ids["P-303"])) == 2 and len(set(ids["P-305"])) == 2  # new MessageIds
    assert len(ids["P-304"]) == 2  # the failed charge, then the retry


def test_not_defined_yet(lab):
    assert "define handle_payment" in check_idempotent_handler(lab, None).message
    assert "a function you defined" in check_idempotent_handler(lab, "h").message


def test_a_handler_that_deletes_the_message_itself_gets_a_hint_not_a_crash(lab):
    def deletes(message, processed, charge):
        by_payment_id(message, processed, charge)
        url = lab.sqs.get_queue_url(QueueName="payments-check")["QueueUrl"]
        lab.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])

    check = check_idempotent_handler(lab, deletes)
    assert not check and "does handle_payment delete messages?" in check.message, check


@pytest.mark.parametrize("seed", [1, 7])
def test_the_solution_passes_on_other_seeds(seed):
    from sqslab.lab import start

    lab = start("moto", seed=seed, quiet=True)
    try:
        assert check_idempotent_handler(lab, by_payment_id).passed
        assert not check_idempotent_handler(lab, marked_before_charge)
    finally:
        lab.stop()
