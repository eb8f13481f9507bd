"""Exercise 7.3's check: the worked answer passes on repeated runs; consumers a learner gets wrong
each get a hint naming what was lost, processed twice, out of order or delivered again, under
which fault, with no line of the answer in it."""

from __future__ import annotations

import contextlib
import json

from capstone_answers import answers, leaked

from sqslab.exercises import check_order_consumer
from sqslab.exercises.capstone_scenarios import SCENARIOS, run_scenario


def receive(sqs, queue_url, wait=20, most=10):
    extra = {"WaitTimeSeconds": wait} if wait else {}
    return sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=most, **extra).get(
        "Messages", []
    )


def delete_all(sqs, queue_url, messages):
    """Delete in one batch and send the failed entries again (the part these learners got right)."""
    entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
    while entries:
        reply = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)
        again = {f["Id"] for f in reply.get("Failed", [])}
        entries = [e for e in entries if e["Id"] in again]


def beat(sqs, queue_url, message):
    return lambda: sqs.change_message_visibility(
        QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=30
    )


def deletes_first(sqs, queue_url, step, done):
    """Deletes the batch as soon as it arrives, then processes it, logging failures."""
    while messages := receive(sqs, queue_url):
        delete_all(sqs, queue_url, messages)
        for message in messages:
            order = json.loads(message["Body"])
            if order["order_id"] in done:
                continue
            try:
                step(order, beat(sqs, queue_url, message))
                done.add(order["order_id"])
            except Exception as err:  # noqa: BLE001 - the mistake under test
                print("failed:", err)


def lets_errors_out(sqs, queue_url, step, done):
    """No try: the first failed order stops the worker."""
    while messages := receive(sqs, queue_url):
        for message in messages:
            order = json.loads(message["Body"])
            if order["order_id"] not in done:
                step(order, beat(sqs, queue_url, message))
                done.add(order["order_id"])
        delete_all(sqs, queue_url, messages)


def deletes_failed_too(sqs, queue_url, step, done):
    """Catches a failure and deletes the whole batch anyway."""
    while messages := receive(sqs, queue_url):
        for message in messages:
            order = json.loads(message["Body"])
            if order["order_id"] in done:
                continue
            try:
                step(order, beat(sqs, queue_url, message))
                done.add(order["order_id"])
            except Exception as err:  # noqa: BLE001 - the mistake under test
                print("failed:", err)
        delete_all(sqs, queue_url, messages)


def keyed_on_message_id(sqs, queue_url, step, done):
    """Idempotent, but on the MessageId, which a redrive or a resend changes."""
    while messages := receive(sqs, queue_url):
        finished, failed = [], set()
        for message in messages:
            order = json.loads(message["Body"])
            if order["customer_id"] in failed:
                continue
            if message["MessageId"] not in done:
                try:
                    step(order, beat(sqs, queue_url, message))
                except Exception:  # noqa: BLE001
                    failed.add(order["customer_id"])
                    continue
                done.add(message["MessageId"])
            finished.append(message)
        delete_all(sqs, queue_url, finished)


def answer_but(
    sqs, queue_url, step, done, *, heartbeat=True, hold_back=True, retry=True, most=10, back=False
):
    """The answer with one part left out (or, with ``most`` and ``back``, done another way)."""
    while messages := receive(sqs, queue_url, most=most):
        finished, failed, waiting = [], set(), []
        for message in messages:
            order = json.loads(message["Body"])
            if hold_back and order["customer_id"] in failed:
                waiting.append(message)
                continue
            if order["order_id"] not in done:
                try:
                    step(order, beat(sqs, queue_url, message) if heartbeat else None)
                except Exception:  # noqa: BLE001
                    failed.add(order["customer_id"])
                    waiting.append(message)
                    continue
                done.add(order["order_id"])
            finished.append(message)
        if back and waiting:  # failed and held back: visible again at once, in group order
            sqs.change_message_visibility_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for n, m in enumerate(waiting)
                ],
            )
        if retry:
            delete_all(sqs, queue_url, finished)
        elif finished:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[
                    {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]}
                    for n, m in enumerate(finished)
                ],
            )


def no_heartbeat(sqs, queue_url, step, done):
    answer_but(sqs, queue_url, step, done, heartbeat=False)


def no_hold_back(sqs, queue_url, step, done):
    answer_but(sqs, queue_url, step, done, hold_back=False)


def ignores_delete_failures(sqs, queue_url, step, done):
    answer_but(sqs, queue_url, step, done, retry=False)


def no_idempotency(sqs, queue_url, step, done):
    """Processes whatever arrives."""
    while messages := receive(sqs, queue_url):
        finished = []
        for message in messages:
            try:
                step(json.loads(message["Body"]), beat(sqs, queue_url, message))
                finished.append(message)
            except Exception:  # noqa: BLE001
                break
        delete_all(sqs, queue_url, finished)


def short_polls(sqs, queue_url, step, done):
    while messages := receive(sqs, queue_url, wait=0):
        for message in messages:
            step(json.loads(message["Body"]))
        delete_all(sqs, queue_url, messages)


def one_delete_per_message(sqs, queue_url, step, done):
    while messages := receive(sqs, queue_url):
        for message in messages:
            step(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def passes_the_message(sqs, queue_url, step, done):
    """Gives the step the raw message instead of the order."""
    while messages := receive(sqs, queue_url):
        for message in messages:
            with contextlib.suppress(Exception):
                step(message)


def never_returns(sqs, queue_url, step, done):
    while True:
        receive(sqs, queue_url)


def unfinished(sqs, queue_url, step, done):  # the chapter's empty cell
    ...


def hinted(lab, fn, *phrases):
    check = check_order_consumer(lab, fn)
    assert not check, check.message
    for phrase in phrases:
        assert phrase in check.message, check.message
    assert not leaked(check.message), leaked(check.message)
    return check


def test_the_answer_passes_every_scenario_every_time(lab):
    consume = answers(lab).consume_orders
    for _ in range(2):
        check = check_order_consumer(lab, consume)
        assert check, check.message
    assert f"in {len(SCENARIOS)} runs" in check.message


def test_the_answer_leaves_each_scenario_clean(lab):
    consume = answers(lab).consume_orders
    for scenario in SCENARIOS:
        out = run_scenario(lab, consume, scenario)
        assert out.left == 0 and all(n == 1 for n in out.processed().values())
        assert set(out.processed()) | set(out.parked) == {o.order_id for o in out.sent}
    assert out.parked[0] == "ORD-10013"  # the poison scenario, last: the poison order is parked


def test_other_right_consumers_pass_too(lab):
    """One message per receive; failed and held-back messages given back at once."""
    for options in ({"most": 1}, {"back": True}, {"most": 3, "back": True}):
        check = check_order_consumer(
            lab, lambda *args, options=options: answer_but(*args, **options)
        )
        assert check, (options, check.message)


def test_before_it_is_written(lab):
    assert "define consume_orders" in check_order_consumer(lab, None).message
    hinted(lab, unfinished, "returned without receiving anything")


def test_deleting_before_processing_loses_orders(lab):
    hinted(lab, deletes_first, "lost", "failed once", "deletes a message")


def test_an_error_that_stops_the_worker(lab):
    hinted(lab, lets_errors_out, "stopped with an error: TransientError")
    assert "must not stop the worker" in check_order_consumer(lab, lets_errors_out).more[0]


def test_deleting_a_failed_order_loses_it(lab):
    hinted(lab, deletes_failed_too, "ORD-10001 was lost", "which messages it deletes")


def test_keying_idempotency_on_the_message_id_charges_twice(lab):
    hinted(lab, keyed_on_message_id, "ORD-10001 was processed twice", "new message")
    assert "MessageId" in repr(check_order_consumer(lab, keyed_on_message_id))


def test_no_idempotency_charges_twice_after_a_crash(lab):
    hinted(lab, no_idempotency, "processed twice", "worker died", "done")


def test_without_a_heartbeat_a_second_worker_takes_the_slow_order(lab):
    hinted(lab, no_heartbeat, "processed twice", "45 s", "second worker", "heartbeat")
    assert "change_message_visibility" in check_order_consumer(lab, no_heartbeat, hint=2).more[0]


def test_a_later_order_after_a_failure_in_the_batch_is_out_of_order(lab):
    hinted(lab, no_hold_back, "out of order", "right after ORD-10001 failed", "rest of a batch")


def test_ignoring_failed_deletes_brings_orders_back(lab):
    hinted(lab, ignores_delete_failures, "delivered again after being processed")


def test_short_polling_single_deletes_and_a_wrong_argument(lab):
    hinted(lab, short_polls, "short-polls", "WaitTimeSeconds")
    hinted(lab, one_delete_per_message, "one message per request")
    hinted(lab, passes_the_message, "the step refused", "json.loads")


def test_a_consumer_that_never_returns_is_stopped(lab):
    hinted(lab, never_returns, "does not stop", "ReceiveMessage most often")
