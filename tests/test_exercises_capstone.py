"""Chapter 7 checks: a hint before each exercise is done, PASS for a right answer, the specific hint
for each mistake; and the two pipeline hooks the notebook relies on (receive_batch, redriven)."""

from __future__ import annotations

import pytest

from sqslab import naive, orders
from sqslab.exercises import check_fixed_total, check_healthy_kept, check_naive_losses
from sqslab.exercises.capstone import replay_orders
from sqslab.orders import Order, money

DATA = orders.load()
POISON = [o for o in DATA if o.poison]


# --- 7.1 the fixed processing step ----------------------------------------------------------


def right_total(record: dict) -> int:
    return sum(int(i["quantity"]) * int(i["unit_price_cents"]) for i in record["items"])


def unfinished(record: dict) -> int:  # the notebook's empty cell: a body of `...`
    ...


def test_fixed_total_hints_before_it_is_written():
    assert "define total_fixed" in check_fixed_total(None).message
    check = check_fixed_total(unfinished)
    assert not check and f"returned None for {POISON[0].order_id}" in check.message


def test_fixed_total_passes_for_a_right_answer():
    check = check_fixed_total(right_total)
    assert check, check.message
    assert f"{len(POISON)} legacy ones" in check.message
    assert money(sum(o.total_cents for o in DATA)) in check.message


def test_fixed_total_catches_the_v1_bug_on_a_legacy_order():
    check = check_fixed_total(orders.total_v1)
    assert not check and "raised TypeError" in check.message
    assert POISON[0].order_id in check.message and "int(...)" in check.message


def test_fixed_total_catches_floats_and_dollars():
    def floats(record):
        return sum(float(i["quantity"]) * i["unit_price_cents"] for i in record["items"])

    def dollars(record):
        return right_total(record) / 100

    assert "return an int of cents" in check_fixed_total(floats).message
    assert "that is dollars" in check_fixed_total(dollars).message


def test_fixed_total_catches_a_wrong_sum_and_names_the_order():
    def first_line_only(record):
        item = record["items"][0]
        return int(item["quantity"]) * item["unit_price_cents"]

    wrong = next(o for o in POISON if len(o.record["items"]) > 1)
    check = check_fixed_total(first_line_only, [wrong])
    assert not check
    assert f"{wrong.order_id}: total_fixed gives " in check.message
    assert f"the order is {money(wrong.total_cents)}" in check.message


def test_fixed_total_catches_rewriting_the_record():
    def in_place(record):
        for item in record["items"]:
            item["quantity"] = int(item["quantity"])
        return right_total(record)

    assert "changed the record" in check_fixed_total(in_place).message


def test_fixed_total_catches_trusting_the_clients_total():
    check = check_fixed_total(lambda record: record["total_cents"])
    assert not check and "the total the client sent" in check.message


# --- 7.2 what the naive pipeline lost ----------------------------------------------------------


@pytest.fixture(scope="module")
def naive_run():
    """A naive run on 40 orders where every delete is lost once: each order is delivered twice,
    so some that failed once were processed on the second delivery."""
    from sqslab.lab import start

    lab = start("moto", quiet=True)
    try:
        yield naive.run_naive(lab, DATA[:40], seed=4, duplicates=1.0, reorder=0)
    finally:
        lab.stop()


def lost_by_hand(run: naive.NaiveRun) -> list[str]:
    done = {e.order_id for e in run.ledger}
    return [o.order_id for o in run.order_list if o.order_id not in done]


def test_naive_losses_hint_before_the_answer(naive_run):
    assert "run the naive pipeline first" in check_naive_losses(None, None, None).message
    check = check_naive_losses(naive_run, None, None)
    assert not check and "compare the order ids" in check.message


def test_naive_losses_pass_for_a_right_answer(naive_run):
    lost = lost_by_hand(naive_run)
    assert lost == naive_run.lost() and 0 < len(lost) < 40
    cents = sum(o.total_cents for o in naive_run.order_list if o.order_id in lost)
    assert "now lost_revenue" in check_naive_losses(naive_run, lost, None).message
    check = check_naive_losses(naive_run, set(lost), cents)
    assert check, check.message
    assert f"lost {len(lost)} of 40 orders worth {money(cents)}" in check.message


def test_naive_losses_catch_the_failure_log(naive_run):
    failed = sorted({line.split(":")[0] for line in naive_run.failed})
    assert set(failed) > set(naive_run.lost())  # the trap exists: a failure then a success
    check = check_naive_losses(naive_run, failed, None)
    assert not check and "came again as a duplicate delivery" in check.message


def test_naive_losses_catch_missing_extra_and_wrong_revenue(naive_run):
    lost = lost_by_hand(naive_run)
    processed = next(e.order_id for e in naive_run.ledger)
    assert "missing from your list" in check_naive_losses(naive_run, lost[1:], None).message
    check = check_naive_losses(naive_run, [*lost, processed], None)
    assert f"e.g. {processed}" in check.message and "were processed" in check.message
    assert "not order ids" in check_naive_losses(naive_run, ["ORD-1"], None).message
    cents = sum(o.total_cents for o in naive_run.order_list if o.order_id in lost)
    assert "in dollars" in check_naive_losses(naive_run, lost, cents / 100).message
    assert "lost_revenue is" in check_naive_losses(naive_run, lost, cents + 1).message


# --- 7.3 settings that keep healthy orders out of the DLQ ------------------------------------


def test_healthy_kept_hints_before_and_refuses_odd_settings(lab):
    assert "settings = {" in check_healthy_kept(lab, None).message
    assert "only max_receive_count" in check_healthy_kept(lab, {"workers": 2}).message
    assert "keep it at 10 or less" in check_healthy_kept(lab, {"max_receive_count": 50}).message
    check = check_healthy_kept(lab, {"receive_batch": 20})
    assert not check and "refused" in check.message and "1 to 10" in check.message


def test_the_defaults_send_healthy_orders_to_the_dlq(lab):
    check = check_healthy_kept(lab, {"max_receive_count": 3, "receive_batch": 10})
    assert not check and "held back behind their customer's failing order" in check.message


def test_a_higher_max_receive_count_alone_gets_its_own_hint(lab):
    check = check_healthy_kept(lab, {"max_receive_count": 10})
    assert not check and "with max_receive_count=10" in check.message
    assert "climbs with the failing order's" in check.message


def test_one_message_per_receive_keeps_healthy_orders_out(lab):
    check = check_healthy_kept(lab, {"receive_batch": 1})
    assert check, check.message
    assert "billed requests against" in check.message


def test_replay_takes_every_order_of_the_customers_with_a_poison_order():
    chosen = replay_orders()
    customers = {o.customer_id for o in POISON}
    assert {o.customer_id for o in chosen} == customers
    assert len(chosen) == sum(o.customer_id in customers for o in DATA)


# --- the pipeline hooks the notebook uses --------------------------------------------------------


def record(oid: str, created: str, quantity: int | str) -> Order:
    item = {"sku": "S", "name": "x", "quantity": quantity, "unit_price_cents": 100}
    return Order.from_record(
        {
            "order_id": oid,
            "customer_id": "ann",
            "created_at": created,
            "type": "standard",
            "priority": "normal",
            "items": [item],
            "total_cents": 100 * int(quantity),
        }
    )


# one customer: a poison order first, then two healthy ones behind it
ANN = [
    record("A1", "2026-11-02T08:00:00Z", "1"),
    record("A2", "2026-11-02T08:01:00Z", 2),
    record("A3", "2026-11-02T08:02:00Z", 3),
]


def test_receive_batch_one_never_holds_an_order_back(lab):
    batched = orders.OrderPipeline(lab, ANN, name="ann-10", failure_rate=0.0)
    batched.create_queues()
    batched.send()
    batched.process()
    assert {"A2", "A3"} <= set(batched.held_back)  # received with A1, returned unprocessed
    single = orders.OrderPipeline(lab, ANN, name="ann-1", failure_rate=0.0, receive_batch=1)
    single.create_queues()
    single.send()
    single.process()
    assert single.dead_lettered == ["A1"] and single.held_back == []
    with pytest.raises(ValueError, match="1 to 10"):
        orders.OrderPipeline(lab, ANN, receive_batch=11)


def test_a_plain_boto3_redrive_is_noted_with_redriven(lab):
    pipeline = orders.OrderPipeline(lab, ANN, failure_rate=0.0, receive_batch=1)
    pair = pipeline.create_queues()
    pipeline.send()
    pipeline.process()
    pipeline.fix()
    handle = lab.sqs.start_message_move_task(SourceArn=pair.dlq_arn)["TaskHandle"]
    with pytest.raises(RuntimeError, match="is RUNNING"):
        pipeline.redriven(handle)
    while lab.sqs.list_message_move_tasks(SourceArn=pair.dlq_arn)["Results"][0]["Status"] != (
        "COMPLETED"
    ):
        lab.wait(1)
    pipeline.redriven(handle)
    with pytest.raises(RuntimeError, match="already noted"):
        pipeline.redriven(handle)
    pipeline.process()
    assert [(e.order_id, e.phase) for e in pipeline.ledger] == [
        ("A2", orders.FIRST_PASS),
        ("A3", orders.FIRST_PASS),
        ("A1", f"{orders.AFTER_REDRIVE} 1"),
    ]
    result = pipeline.reconcile()
    assert result.ok and "A1" in result.notes[0]  # processed after A2, A3: noted, not failed
    ops = pipeline.bill().operations
    assert ops["StartMessageMoveTask"].calls == 1 and ops["ListMessageMoveTasks"].calls >= 1
