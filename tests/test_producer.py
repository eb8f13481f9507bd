"""Producer: sending, attribute conversion, batching by count and bytes, retrying partial batch
failures (and only those), progress bars, FIFO, and the fault injector that provokes failures."""

from __future__ import annotations

import pytest

from sqslab import facts
from sqslab.backoff import BackoffPolicy
from sqslab.errors import LimitError, WrongTypeError
from sqslab.faults import inject_batch_failures
from sqslab.messages import to_sqs_attributes
from sqslab.payloads import PayloadStore, content_hash
from sqslab.producer import (
    OutgoingMessage,
    Producer,
    QueueInfo,
    SendResult,
    batches,
    human_size,
    queue_info,
    send_messages,
)

KIB = 1024


@pytest.fixture
def url(sqs):
    return sqs.create_queue(QueueName="orders")["QueueUrl"]


@pytest.fixture
def fifo_url(sqs):
    attributes = {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    return sqs.create_queue(QueueName="orders.fifo", Attributes=attributes)["QueueUrl"]


def drain(sqs, url):
    """Every message in the queue (received once, kept invisible)."""
    found = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=600,
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not got:
            return found
        found.extend(got)


def depth(sqs, url):
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attrs["Attributes"]["ApproximateNumberOfMessages"])


class Sleeps(list):
    """An injected sleep that records its waits instead of sleeping."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


# --- converting and chunking ----------------------------------------------------------------


def test_plain_attribute_values_become_boto3_attributes():
    converted = to_sqs_attributes(
        {
            "kind": "order",
            "qty": 3,
            "price": 9.5,
            "sig": b"\x01\x02",
            "raw": {"DataType": "Number.int", "StringValue": "7"},
        }
    )
    assert converted == {
        "kind": {"DataType": "String", "StringValue": "order"},
        "qty": {"DataType": "Number", "StringValue": "3"},
        "price": {"DataType": "Number", "StringValue": "9.5"},
        "sig": {"DataType": "Binary", "BinaryValue": b"\x01\x02"},
        "raw": {"DataType": "Number.int", "StringValue": "7"},
    }
    assert to_sqs_attributes(None) == {}


def test_human_size():
    assert [human_size(n) for n in (512, 2048, 1_363_149, 1 << 20)] == [
        "512 B",
        "2 KiB",
        "1.3 MiB",
        "1 MiB",
    ]


def test_batches_split_by_count_and_number_the_entries():
    chunks = list(batches(f"m{i}" for i in range(25)))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert [m.id for m in chunks[2]] == ["20", "21", "22", "23", "24"]
    assert [len(c) for c in batches(["a"] * 7, max_entries=3)] == [3, 3, 1]


def test_batches_split_by_bytes_before_the_batch_limit():
    limit = int(facts.get("batch_max_bytes").value)
    body = "x" * (300 * KIB)
    chunks = list(batches([body] * 7))
    assert [len(c) for c in chunks] == [3, 3, 1]
    assert all(sum(m.size for m in c) <= limit for c in chunks)
    assert [len(c) for c in batches(["abcd"] * 5, max_bytes=10)] == [2, 2, 1]


def test_batches_count_attribute_bytes_too():
    message = OutgoingMessage("abcd", attributes={"k": "v"})  # 4 + len("k" "String" "v") = 12
    assert message.size == 12
    assert [len(c) for c in batches([message] * 3, max_bytes=24)] == [2, 1]


def test_batches_are_lazy():
    pulled = []

    def source():
        for i in range(1000):
            pulled.append(i)
            yield f"m{i}"

    first = next(batches(source()))
    assert len(first) == 10
    assert len(pulled) == 10


# --- sending --------------------------------------------------------------------------------


def test_queue_info_reads_type_dedup_and_size_limit(sqs, url, fifo_url):
    small = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "2048"})
    assert queue_info(sqs, url) == QueueInfo(
        url, "orders", False, False, int(facts.get("max_message_size").value)
    )
    fifo = queue_info(sqs, fifo_url)
    assert (fifo.name, fifo.fifo, fifo.content_based_dedup) == ("orders.fifo", True, True)
    assert queue_info(sqs, small["QueueUrl"]).max_message_size == 2048


def test_send_one_message_with_plain_attributes(sqs, url):
    result = Producer(sqs, url).send("hello", attributes={"kind": "greeting", "n": 3})
    assert result.ok and result.requests == 1 and len(result.sent) == 1
    (message,) = drain(sqs, url)
    assert message["MessageId"] == result.sent[0].message_id
    assert message["Body"] == "hello"
    assert message["MessageAttributes"]["n"] == {"StringValue": "3", "DataType": "Number"}


def test_send_many_uses_one_batch_call_per_ten_messages(lab, sqs, url):
    lab.trace.clear()
    result = Producer(sqs, url).send_many([f"m{i}" for i in range(25)])
    assert repr(result) == "<SendResult sent=25 failed=0 requests=3 retries=0>"
    assert lab.trace.operations() == {"GetQueueAttributes": 1, "SendMessageBatch": 3}
    assert sorted(m["Body"] for m in drain(sqs, url)) == sorted(f"m{i}" for i in range(25))


def test_items_may_be_strings_dicts_or_messages(sqs, url):
    items = [
        "plain",
        {"body": "from a dict", "attributes": {"source": "dict"}, "id": "d"},
        OutgoingMessage("a message", id="m"),
    ]
    result = Producer(sqs, url).send_many(items)
    assert [s.id for s in result.sent] == ["0", "d", "m"]
    bodies = {m["Body"]: m.get("MessageAttributes") for m in drain(sqs, url)}
    assert bodies["from a dict"] == {"source": {"StringValue": "dict", "DataType": "String"}}
    assert set(bodies) == {"plain", "from a dict", "a message"}


def test_per_message_delay_holds_the_message_back(lab, sqs, url):
    Producer(sqs, url).send("later", delay=30)
    assert drain(sqs, url) == []
    lab.wait(30)
    assert [m["Body"] for m in drain(sqs, url)] == ["later"]


def test_batch_size_smaller_than_ten(sqs, url):
    result = Producer(sqs, url, batch_size=4).send_many(["x"] * 10)
    assert result.requests == 3 and len(result.sent) == 10


def test_send_messages_one_liner(sqs, url):
    result = send_messages(sqs, url, ["a", "b"], batch_size=1)
    assert result.requests == 2 and depth(sqs, url) == 2


def test_fifo_keeps_order_within_a_group(sqs, fifo_url):
    messages = [{"body": f"step {i}", "group_id": "order-1"} for i in range(12)]
    result = Producer(sqs, fifo_url).send_many(messages)
    assert result.ok
    assert [m["Body"] for m in drain(sqs, fifo_url)][:10] == [f"step {i}" for i in range(10)]


def test_fifo_content_dedup_survives_offloading_to_s3(lab, sqs, fifo_url):
    s3 = lab.client("s3")
    store = PayloadStore(s3, "sqslab-test-fifo", always=True)
    store.ensure_bucket()
    producer = Producer(sqs, fifo_url, payloads=store)
    first = producer.prepare({"body": "same order", "group_id": "g"})
    second = producer.prepare({"body": "same order", "group_id": "g"})
    assert first.body != second.body  # two S3 objects, two pointers
    assert first.dedup_id == second.dedup_id == content_hash("same order")


# --- partial failures and retries -------------------------------------------------------------


def test_only_the_failed_entries_are_retried_after_a_backoff(lab, sqs, url):
    sleeps = Sleeps()
    lab.trace.clear()
    with inject_batch_failures(sqs, lambda entry, attempt: entry in {"1", "4"} and attempt == 1):
        result = Producer(sqs, url, sleep=sleeps).send_many([f"m{i}" for i in range(10)])
    assert repr(result) == "<SendResult sent=10 failed=0 requests=2 retries=2>"
    attempts = {s.id: s.attempts for s in result.sent}
    assert attempts == {str(i): (2 if i in (1, 4) else 1) for i in range(10)}
    batch_calls = [r for r in lab.trace if r.operation == "SendMessageBatch"]
    assert [(r.entries, r.failed) for r in batch_calls] == [(10, 2), (2, 0)]
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 0.05
    assert sorted(m["Body"] for m in drain(sqs, url)) == sorted(f"m{i}" for i in range(10))


def test_retries_stop_after_max_attempts_with_growing_waits(sqs, url):
    sleeps = Sleeps()
    policy = BackoffPolicy(base=1.0, cap=100.0, jitter="none")
    with inject_batch_failures(sqs, rate=1.0):
        producer = Producer(sqs, url, retry=policy, max_attempts=4, sleep=sleeps)
        result = producer.send_many(["a", "b", "c"])
    assert not result.ok and result.sent == []
    assert [(f.code, f.sender_fault, f.attempts) for f in result.failed] == [
        ("InternalError", False, 4)
    ] * 3
    assert result.requests == 4 and result.retries == 9
    assert sleeps == producer.sleeps == [1.0, 2.0, 4.0]
    assert depth(sqs, url) == 0


def test_sender_fault_failures_are_reported_not_retried(sqs, url):
    sleeps = Sleeps()
    with inject_batch_failures(
        sqs, lambda entry, _attempt: entry == "3", code="InvalidParameterValue", sender_fault=True
    ):
        result = Producer(sqs, url, sleep=sleeps).send_many([f"m{i}" for i in range(5)])
    assert [(f.id, f.code, f.sender_fault, f.attempts) for f in result.failed] == [
        ("3", "InvalidParameterValue", True, 1)
    ]
    assert result.requests == 1 and result.retries == 0 and sleeps == []
    table = result.failures_table()
    assert table.columns == ("id", "code", "sender fault", "attempts", "message")
    assert table.column("code") == ["InvalidParameterValue"]
    assert depth(sqs, url) == 4


def test_backoff_on_the_virtual_clock_takes_no_real_time(lab, sqs, url):
    before = lab.clock.time()
    with inject_batch_failures(sqs, lambda _entry, attempt: attempt < 3):
        producer = Producer(sqs, url, sleep=lab.wait, retry=BackoffPolicy(base=60, cap=600))
        result = producer.send_many(["a", "b"])
    assert result.ok and len(producer.sleeps) == 2
    assert lab.clock.time() - before == pytest.approx(sum(producer.sleeps))


def test_jitter_is_reproducible_with_the_seed(sqs, url):
    def run(seed):
        with inject_batch_failures(sqs, lambda _entry, attempt: attempt < 4):
            producer = Producer(sqs, url, sleep=Sleeps(), seed=seed)
            producer.send_many(["a"])
        return producer.sleeps

    assert run(1) == run(1) != run(2)


def test_injected_failures_by_rate_are_seeded_and_undone(sqs, url):
    def injected(seed):
        with inject_batch_failures(sqs, rate=0.3, seed=seed) as faults:
            Producer(sqs, url, sleep=Sleeps()).send_many([f"m{i}" for i in range(30)])
        return faults.injected

    assert injected(5) == injected(5) and injected(5)
    undo = inject_batch_failures(sqs, rate=1.0)
    undo()
    assert Producer(sqs, url, sleep=Sleeps()).send_many(["after undo"]).ok


def test_injector_needs_exactly_one_rule(sqs):
    with pytest.raises(WrongTypeError, match="exactly one of fail="):
        inject_batch_failures(sqs)
    with pytest.raises(ValueError, match="fraction from 0 to 1"):
        inject_batch_failures(sqs, rate=1.5)


# --- progress and results -------------------------------------------------------------------


class RecordingBar:
    """Stands in for tqdm.auto.tqdm and remembers how it was used."""

    made: list[RecordingBar] = []

    def __init__(self, **kwargs):
        self.kwargs, self.n, self.closed = kwargs, 0, False
        RecordingBar.made.append(self)

    def update(self, n):
        self.n += n

    def close(self):
        self.closed = True


@pytest.fixture
def bars(monkeypatch):
    import tqdm.auto

    RecordingBar.made = []
    monkeypatch.setattr(tqdm.auto, "tqdm", RecordingBar)
    return RecordingBar.made


def test_big_sends_get_a_progress_bar(sqs, url, bars):
    result = Producer(sqs, url).send_many(["x"] * 501)
    assert result.ok
    (bar,) = bars
    assert bar.kwargs["total"] == 501 and bar.kwargs["leave"] is False
    assert bar.n == 501 and bar.closed


def test_small_sends_have_no_bar_unless_asked(sqs, url, bars):
    Producer(sqs, url).send_many(["x"] * 20)
    assert bars == []
    Producer(sqs, url, progress=True).send_many(iter(["x"] * 3))
    assert len(bars) == 1 and bars[0].kwargs["total"] is None and bars[0].n == 3


def test_send_result_ok_and_empty_table():
    result = SendResult()
    assert result.ok and len(result.failures_table()) == 0


def test_validation_error_stops_before_anything_is_sent(sqs, url):
    with pytest.raises(LimitError, match="item 10 given to send_many"):
        Producer(sqs, url).send_many(["fine"] * 10 + [""])
    assert depth(sqs, url) == 10  # the first full batch went out; the bad one never did
