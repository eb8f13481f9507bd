"""The cost meter prices traced calls as AWS bills them; its estimators agree with real traces."""

from __future__ import annotations

import math

import pytest

from sqslab import cost, facts
from sqslab.errors import LimitError

CHUNK = int(facts.get("billing_chunk").value)
STANDARD = facts.get("price_standard_per_million").value
FIFO = facts.get("price_fifo_per_million").value
WAIT = facts.get("long_poll_max_wait").value


def test_each_started_chunk_bills_one_request():
    assert cost.billed_requests(0) == 1
    assert cost.billed_requests(CHUNK) == 1
    assert cost.billed_requests(CHUNK + 1) == 2
    assert cost.billed_requests(3 * CHUNK) == 3


def test_is_fifo_by_name_or_url():
    assert cost.is_fifo("orders.fifo")
    assert cost.is_fifo("http://localhost/123456789012/orders.fifo")
    assert not cost.is_fifo("orders")
    assert not cost.is_fifo(None)


def test_bill_counts_calls_chunks_empty_receives_and_messages(lab, sqs):
    url = sqs.create_queue(QueueName="billed")["QueueUrl"]
    sqs.receive_message(QueueUrl=url)
    sqs.send_message(QueueUrl=url, MessageBody="x" * (2 * CHUNK + 1))
    sqs.send_message_batch(
        QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "small"} for i in range(3)]
    )
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)]
        + [{"Id": "bogus", "ReceiptHandle": "bogus"}],
    )
    result = cost.bill(lab.trace)
    ops = result.operations
    assert list(ops) == [
        "CreateQueue",
        "ReceiveMessage",
        "SendMessage",
        "SendMessageBatch",
        "DeleteMessageBatch",
    ]
    assert (ops["SendMessage"].calls, ops["SendMessage"].requests) == (1, 3)
    assert (ops["SendMessageBatch"].requests, ops["SendMessageBatch"].messages) == (1, 3)
    receive = ops["ReceiveMessage"]
    assert receive.calls == 2 and receive.empty_receives == 1 and receive.messages == 4
    assert receive.requests == 1 + math.ceil((2 * CHUNK + 1 + 3 * len("small")) / CHUNK)
    assert ops["DeleteMessageBatch"].messages == 4
    assert result.calls == 6 and result.empty_receives == 1
    assert result.requests == sum(op.requests for op in ops.values())
    assert result.dollars == pytest.approx(result.requests * STANDARD / 1e6)
    assert result.messages("SendMessage", "SendMessageBatch") == 4


def test_fifo_queues_bill_at_the_fifo_price(lab, sqs):
    fifo = sqs.create_queue(
        QueueName="jobs.fifo",
        Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"},
    )["QueueUrl"]
    plain = sqs.create_queue(QueueName="jobs")["QueueUrl"]
    lab.trace.clear()
    for i in range(3):
        sqs.send_message(QueueUrl=fifo, MessageBody=str(i), MessageGroupId="g")
    sqs.send_message(QueueUrl=plain, MessageBody="p")
    result = cost.bill(lab.trace)
    assert result.operations["SendMessage"].fifo_requests == 3
    assert result.dollars == pytest.approx((3 * FIFO + 1 * STANDARD) / 1e6)


def test_bill_table_repr_and_free_tier_note(lab, sqs):
    url = sqs.create_queue(QueueName="tabled")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="a")
    sqs.receive_message(QueueUrl=url)
    result = cost.bill(lab.trace)
    table = result.table()
    assert table.columns == cost.COLUMNS
    assert table.column("operation") == ["CreateQueue", "SendMessage", "ReceiveMessage", "total"]
    assert table.column("billed requests")[-1] == str(result.requests)
    assert table.column("dollars")[-1] == cost.money(result.dollars)
    assert not result.free_tier_applied
    assert result.free_tier_requests == facts.get("free_tier_requests").value
    assert f"{result.calls} calls" in repr(result) and "free tier not applied" in repr(result)
    assert cost.bill([]).dollars == 0 and cost.bill([]).calls == 0


def test_per_million_messages(lab, sqs):
    url = sqs.create_queue(QueueName="unit")["QueueUrl"]
    lab.trace.clear()
    for _ in range(4):
        sqs.send_message(QueueUrl=url, MessageBody="m")
    result = cost.bill(lab.trace)
    assert result.per_million_messages(4) == pytest.approx(STANDARD)
    assert result.per_million_messages(2) == pytest.approx(2 * STANDARD)
    with pytest.raises(ValueError, match="at least 1"):
        result.per_million_messages(0)


def test_send_requests_counts_full_and_partial_batches():
    payload = CHUNK // 3 + 1  # three of these need two chunks
    assert cost.send_requests(0, 5, payload) == 0
    assert cost.send_requests(7, 1, payload) == 7
    assert cost.send_requests(7, 3, payload) == 2 * 2 + 1
    assert cost.send_requests(6, 2, payload) == 3


@pytest.mark.parametrize(
    ("messages", "batch", "payload", "match"),
    [
        (5, 0, 100, "batch size 0"),
        (5, int(facts.get("batch_max_entries").value) + 1, 100, "a batch holds 1 to"),
        (5, 10, int(facts.get("batch_max_bytes").value) // 5, "use batches of at most 5"),
        (5, 1, int(facts.get("max_message_size").value) + 1, "keep large payloads in S3"),
        (5, 1, 0, "at least 1 byte"),
    ],
)
def test_send_requests_rejects_what_sqs_rejects(messages, batch, payload, match):
    with pytest.raises(LimitError, match=match):
        cost.send_requests(messages, batch, payload)


def test_curve_defaults_to_the_batch_sizes_that_fit():
    payload = 200_000
    fits = min(
        int(facts.get("batch_max_entries").value),
        int(facts.get("batch_max_bytes").value) // payload,
    )
    rows = cost.batch_size_curve(100, payload)
    assert [r.batch_size for r in rows] == list(range(1, fits + 1))
    small = cost.batch_size_curve(100, 100)
    assert [r.batch_size for r in small] == list(
        range(1, int(facts.get("batch_max_entries").value) + 1)
    )
    assert small[-1].requests == 100 // small[-1].batch_size and small[0].requests == 100
    assert cost.batch_size_curve(100, 100, fifo=True)[0].dollars_per_million == pytest.approx(FIFO)
    with pytest.raises(ValueError):
        cost.batch_size_curve(0, 100)


@pytest.mark.parametrize("fifo", [False, True])
def test_curve_agrees_with_the_bill_of_real_sends(lab, sqs, fifo):
    messages, payload, sizes = 25, 20_000, (1, 3, 4, 10)
    name = "curve.fifo" if fifo else "curve"
    attrs = {"FifoQueue": "true", "ContentBasedDeduplication": "true"} if fifo else {}
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    extra = {"MessageGroupId": "g"} if fifo else {}
    curve = {row.batch_size: row for row in cost.batch_size_curve(messages, payload, sizes, fifo)}
    for size in sizes:
        lab.trace.clear()
        for start in range(0, messages, size):
            count = min(size, messages - start)
            bodies = [f"{start + i:05d}".ljust(payload, "x") for i in range(count)]
            if size == 1:
                sqs.send_message(QueueUrl=url, MessageBody=bodies[0], **extra)
            else:
                entries = [{"Id": str(i), "MessageBody": b, **extra} for i, b in enumerate(bodies)]
                sqs.send_message_batch(QueueUrl=url, Entries=entries)
        real = cost.bill(lab.trace)
        assert real.messages() == messages
        assert real.requests == curve[size].requests
        assert real.per_million_messages(messages) == pytest.approx(curve[size].dollars_per_million)


def _short_poll(lab, sqs, url, every, seconds):
    """Poll every ``every`` seconds (wait first), deleting what arrives, for ``seconds``."""
    end = lab.clock.time() + seconds
    while lab.clock.time() < end:
        lab.wait(every)
        for m in sqs.receive_message(QueueUrl=url).get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _long_poll(lab, sqs, url, seconds):
    """Long poll with the longest wait, deleting what arrives, for ``seconds``."""
    end = lab.clock.time() + seconds
    while lab.clock.time() < end:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=int(WAIT))
        for m in got.get("Messages", []):
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def _receives(lab):
    """The bill of the traced ReceiveMessage calls."""
    return cost.bill(r for r in lab.trace if r.operation == "ReceiveMessage")


def test_polling_estimate_matches_real_receives_on_an_idle_queue(lab, sqs):
    url = sqs.create_queue(QueueName="idle")["QueueUrl"]
    short, long = cost.polling_cost(hours=1, short_poll_every=10)
    lab.trace.clear()
    _short_poll(lab, sqs, url, every=10, seconds=3600)
    real_short = _receives(lab)
    lab.trace.clear()
    _long_poll(lab, sqs, url, seconds=3600)
    real_long = _receives(lab)
    assert (real_short.calls, real_short.empty_receives) == (short.receives, short.empty_receives)
    assert (real_long.calls, real_long.empty_receives) == (long.receives, long.empty_receives)
    assert real_short.dollars == pytest.approx(short.dollars)
    assert real_long.dollars == pytest.approx(long.dollars)
    assert long.wait_seconds == WAIT and long.receives == 3600 / WAIT


def _schedule(sqs, url, window, arrivals):
    """Send ``arrivals`` messages that become visible evenly over ``window`` seconds."""
    sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": str(k), "MessageBody": str(k), "DelaySeconds": int(window * k / arrivals)}
            for k in range(1, arrivals + 1)
        ],
    )


def test_polling_estimate_matches_real_receives_on_a_sparse_queue(lab, sqs):
    window = facts.get("delivery_delay").value  # arrivals are scheduled with DelaySeconds
    arrivals = 3
    url = sqs.create_queue(QueueName="sparse")["QueueUrl"]
    hours, per_hour = window / 3600, arrivals * 3600 / window
    short, long = cost.polling_cost(hours=hours, messages_per_hour=per_hour, short_poll_every=10)
    _schedule(sqs, url, window, arrivals)
    lab.trace.clear()
    _short_poll(lab, sqs, url, every=10, seconds=window)
    real_short = _receives(lab)
    _schedule(sqs, url, window, arrivals)
    lab.trace.clear()
    _long_poll(lab, sqs, url, seconds=window)
    real_long = _receives(lab)
    assert (real_short.calls, real_short.empty_receives) == (short.receives, short.empty_receives)
    assert (real_long.calls, real_long.empty_receives) == (long.receives, long.empty_receives)
    assert real_short.messages("ReceiveMessage") == real_long.messages("ReceiveMessage") == arrivals
    assert long.empty_receives == arrivals * (math.ceil(window / arrivals / WAIT) - 1)
    assert long.receives < short.receives


def test_polling_cost_checks_its_input_and_renders_as_a_table():
    with pytest.raises(ValueError, match="short_poll_every"):
        cost.polling_cost(short_poll_every=0)
    rows = cost.polling_cost(hours=2, fifo=True)
    table = cost.as_table(rows)
    assert table.columns == ("mode", "wait seconds", "receives", "empty receives", "dollars")
    assert table.column("dollars") == [cost.money(r.dollars) for r in rows]
    assert rows[0].dollars == pytest.approx(rows[0].receives * FIFO / 1e6)
    with pytest.raises(ValueError):
        cost.as_table([])


FREE = int(facts.get("free_tier_requests").value)


def _by_hand(messages, batch, payload):
    """Billed requests of a month: sends, receives carrying the same payload, one delete per batch."""
    full, rest = divmod(messages, batch)
    sends = full * math.ceil(batch * payload / CHUNK) + (
        math.ceil(rest * payload / CHUNK) if rest else 0
    )
    return 2 * sends + math.ceil(messages / batch)


@pytest.mark.parametrize(
    ("messages", "batch", "payload"),
    [(10_000_000, 10, 1024), (3_000_001, 7, 20_000), (50_000_000, 1, 100_000)],
)
def test_monthly_counts_sends_receives_deletes_and_subtracts_the_free_tier(
    messages, batch, payload
):
    month = cost.monthly(messages, batch_size=batch, payload_bytes=payload)
    requests = _by_hand(messages, batch, payload)
    assert (month.messages, month.requests) == (messages, requests)
    assert month.billable == requests - FREE
    assert month.dollars == pytest.approx((requests - FREE) * STANDARD / 1e6)


def test_monthly_within_the_free_tier_costs_nothing():
    month = cost.monthly(FREE // 3 - 10)
    assert month.requests <= FREE and month.billable == 0 and month.dollars == 0
    assert cost.monthly(0) == cost.MonthlyCost(0, 0, 0, 0.0)


def test_monthly_without_free_tier_and_fifo_price():
    messages = 1_000_000
    requests = _by_hand(messages, 10, 1024)
    second = cost.monthly(messages, free_tier=False)
    assert second.billable == second.requests == requests
    assert second.dollars == pytest.approx(requests * STANDARD / 1e6)
    fifo = cost.monthly(messages, free_tier=False, fifo=True)
    assert fifo.dollars == pytest.approx(requests * FIFO / 1e6)


def test_monthly_batching_cuts_the_bill():
    single, batched = cost.monthly(5_000_000, batch_size=1), cost.monthly(5_000_000)
    assert single.requests == 3 * 5_000_000
    assert batched.dollars < single.dollars


def test_monthly_checks_batch_and_payload():
    with pytest.raises(LimitError, match="batch size 11"):
        cost.monthly(100, batch_size=11)
    with pytest.raises(LimitError, match="keep large payloads in S3"):
        cost.monthly(100, batch_size=1, payload_bytes=int(facts.get("max_message_size").value) + 1)
