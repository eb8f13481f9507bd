"""Bad input gets an error that names the limit and the fix: one table of cases, one test.

Each :class:`Case` runs an action against a :class:`World` of ready-made queues and lists
fragments its error text must contain. Limits in the fragments come from the fact registry.
To add cases (e.g. for the consumer), append to ``CASES`` (or extend ``World``) below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from sqslab import facts
from sqslab.errors import LimitError
from sqslab.payloads import PayloadStore
from sqslab.producer import Producer

if TYPE_CHECKING:
    from sqslab.lab import Lab


def fact(key: str) -> str:
    """The human text of a fact, e.g. ``1 MiB``."""
    return facts.get(key).text


MAX_SIZE = int(facts.get("max_message_size").value)
MAX_ATTRIBUTES = int(facts.get("max_message_attributes").value)
NAME_LIMIT = int(facts.get("message_attribute_name_length").value)


@dataclass
class World:
    """Queues every case can use: standard, FIFO (with and without content dedup), and small."""

    lab: Lab
    sqs: Any
    standard: str
    fifo: str
    fifo_content_dedup: str
    small: str

    def producer(self, url: str | None = None, **kw: Any) -> Producer:
        """A producer on ``url`` (default: the standard queue)."""
        return Producer(self.sqs, url or self.standard, **kw)


@dataclass(frozen=True)
class Case:
    """One bad input: what to do, and what the error must say."""

    name: str
    action: Callable[[World], Any]
    fragments: tuple[str, ...]
    error: type[Exception] = LimitError


def send(body: Any, url: str = "standard", **fields: Any) -> Callable[[World], Any]:
    """An action sending one message to the named queue of the world."""
    return lambda w: w.producer(getattr(w, url)).send(body, **fields)


def send_many(items: list[Any]) -> Callable[[World], Any]:
    """An action sending ``items`` in batches to the standard queue."""
    return lambda w: w.producer().send_many(items)


PRODUCER_CASES = [
    Case(
        "body over the SQS maximum",
        send("x" * (MAX_SIZE + 1)),
        (fact("max_message_size"), "MaximumMessageSize", "sqslab.payloads"),
    ),
    Case(
        "body over a small queue's MaximumMessageSize",
        send("x" * 2000, url="small"),
        ("allows 1 KiB", "raise the queue's MaximumMessageSize", "sqslab.payloads"),
    ),
    Case(
        "attributes push the message over the limit",
        send("x" * 1000, url="small", attributes={"note": "y" * 100}),
        ("body plus attributes", "MaximumMessageSize"),
    ),
    Case("NUL character", send("abc\x00def"), ("U+0000 at index 3", "#x9")),
    Case("lone surrogate", send("\ud800 tail"), ("U+D800 at index 0",)),
    Case("non-character U+FFFE", send("ok\ufffe"), ("U+FFFE at index 2", "base64")),
    Case(
        "too many attributes",
        send("x", attributes={f"a{i}": i for i in range(MAX_ATTRIBUTES + 1)}),
        (f"has {MAX_ATTRIBUTES + 1} attributes", fact("max_message_attributes"), "into the body"),
    ),
    Case("FIFO without group id", send("x", url="fifo"), ("is FIFO", "group_id=")),
    Case(
        "FIFO without dedup id",
        send("x", url="fifo", group_id="g"),
        ("ContentBasedDeduplication", "dedup_id=", fact("fifo_dedup_window")),
    ),
    Case(
        "per-message delay on FIFO",
        send("x", url="fifo_content_dedup", group_id="g", delay=5),
        ("not allowed on FIFO", "DelaySeconds on the queue"),
    ),
    Case("delay too long", send("x", delay=901), ("delay=901", fact("delivery_delay"))),
    Case("negative delay", send("x", delay=-1), ("delay=-1", "whole number of seconds")),
    Case("fractional delay", send("x", delay=1.5), ("delay=1.5", "whole number of seconds")),
    Case("empty body", send(""), ("empty", "at least 1 character")),
    Case("bytes body", send(b"raw"), ("must be a str", "base64")),
    Case("bool attribute", send("x", attributes={"urgent": True}), ("bool", "'true'/'false'")),
    Case("list attribute", send("x", attributes={"tags": ["a"]}), ("list", "json.dumps")),
    Case(
        "String attribute with a NUL",
        send("x", attributes={"k": "a\x00"}),
        ("U+0000 at index 1", "same character rules"),
    ),
    Case(
        "reserved attribute name",
        send("x", attributes={"AWS.trace": "t"}),
        ("'AWS.trace'", "reserved for AWS"),
    ),
    Case(
        "attribute name too long",
        send("x", attributes={"a" * (NAME_LIMIT + 1): "v"}),
        (f"has {NAME_LIMIT + 1} characters", fact("message_attribute_name_length")),
    ),
    Case(
        "attribute name with a space",
        send("x", attributes={"order id": "1"}),
        ("'order id'", "letters, digits"),
    ),
    Case(
        "attribute name with two periods",
        send("x", attributes={"a..b": "1"}),
        ("two periods in a row",),
    ),
    Case("empty attribute value", send("x", attributes={"k": ""}), ("no StringValue", "empty")),
    Case(
        "Number attribute that is not a number",
        send("x", attributes={"n": {"DataType": "Number", "StringValue": "ten"}}),
        ("'ten' is not a finite number", "DataType 'String'"),
    ),
    Case(
        "unknown attribute DataType",
        send("x", attributes={"n": {"DataType": "Integer", "StringValue": "1"}}),
        ("'Integer'", "String, Number or Binary"),
    ),
    Case(
        "duplicate entry ids in one batch",
        send_many([{"body": "a", "id": "x"}, {"body": "b", "id": "x"}]),
        ("'x' appears twice", "unique ids", "id=None"),
    ),
    Case(
        "entry id with a space",
        send_many([{"body": "a", "id": "order 1"}]),
        ("'order 1'", fact("batch_entry_id"), "hyphens"),
    ),
    Case(
        "dict item with an unknown field",
        send_many([{"body": "a", "order": 1}]),
        ("'order'", "json.dumps"),
    ),
    Case("dict item without a body", send_many([{"id": "a"}]), ("needs a body",)),
    Case("item of an unsendable type", send_many([42]), ("cannot send a int", "json.dumps")),
    Case(
        "one string given to send_many",
        lambda w: w.producer().send_many("hello"),
        ("got one str", "send(...)"),
    ),
    Case(
        "batch size over the limit",
        lambda w: w.producer(batch_size=11),
        ("batch size 11", fact("batch_max_entries")),
    ),
    Case("max_attempts of zero", lambda w: w.producer(max_attempts=0), ("1 or more",)),
    Case(
        "no attribute slot left for the S3 pointer",
        lambda w: w.producer(payloads=PayloadStore(None, "unused", always=True)).send(
            "x", attributes={f"a{i}": i for i in range(MAX_ATTRIBUTES)}
        ),
        ("ExtendedPayloadSize", f"at most {MAX_ATTRIBUTES - 1}"),
    ),
    Case(
        "payload threshold over the SQS maximum",
        lambda w: PayloadStore(None, "unused", threshold=MAX_SIZE + 1),
        ("threshold", fact("max_message_size"), "always=True"),
    ),
]


#: Every case of the course; other chapters append theirs.
def consumer(**kw: Any) -> Callable[[World], Any]:
    """An action building (and running) a consumer on the standard queue with settings ``kw``."""
    from sqslab.consumer import Consumer

    handler = kw.pop("handler", lambda m: None)
    return lambda w: Consumer(w.sqs, w.standard, handler, **kw).run()


def stop_policy(**kw: Any) -> Callable[[World], Any]:
    """An action building a stop policy."""
    from sqslab.consumer import StopPolicy

    return lambda w: StopPolicy(**kw)


def backoff(**kw: Any) -> Callable[[World], Any]:
    """An action building a backoff policy."""
    from sqslab.backoff import BackoffPolicy

    return lambda w: BackoffPolicy(**kw)


CONSUMER_CASES = [
    Case(
        "receive batch over 10",
        consumer(batch_size=11),
        ("1 to 10 messages", "more workers"),
    ),
    Case("receive batch of 0", consumer(batch_size=0), ("1 to 10 messages",)),
    Case(
        "long poll over 20 s",
        consumer(wait_time=30),
        (f"0 to {int(facts.get('long_poll_max_wait').value)} s", "long polling"),
    ),
    Case("no workers", consumer(workers=0), ("workers must be 1 or more",), ValueError),
    Case(
        "heartbeat slower than the timeout",
        consumer(heartbeat_interval=45),
        ("cannot keep a 30 s visibility timeout alive", "heartbeat_interval=10"),
        ValueError,
    ),
    Case(
        "handler and batch handler",
        consumer(batch_handler=lambda b: None),
        ("exactly one of handler= or batch_handler=",),
        TypeError,
    ),
    Case(
        "stop policy with a negative idle timeout",
        stop_policy(idle_timeout=-5),
        ("StopPolicy.idle_timeout must be positive or None",),
        ValueError,
    ),
    Case(
        "backoff cap below its base",
        backoff(base=10, cap=1),
        ("cap (1 s) is below base (10 s)",),
        ValueError,
    ),
    Case("unknown jitter", backoff(jitter="random"), ("unknown jitter", "'full'"), ValueError),
]

CASES: list[Case] = [*PRODUCER_CASES, *CONSUMER_CASES]


@pytest.fixture
def world(lab) -> World:
    sqs = lab.sqs

    def queue(name: str, **attributes: str) -> str:
        return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]

    return World(
        lab=lab,
        sqs=sqs,
        standard=queue("standard"),
        fifo=queue("plain.fifo", FifoQueue="true"),
        fifo_content_dedup=queue(
            "content.fifo", FifoQueue="true", ContentBasedDeduplication="true"
        ),
        small=queue("small", MaximumMessageSize="1024"),
    )


def test_there_are_enough_cases():
    assert len(CASES) >= 15
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_names_the_limit_and_the_fix(world, case):
    with pytest.raises(case.error) as info:
        case.action(world)
    for fragment in case.fragments:
        assert fragment in str(info.value)
    assert (
        world.sqs.get_queue_attributes(
            QueueUrl=world.standard, AttributeNames=["ApproximateNumberOfMessages"]
        )["Attributes"]["ApproximateNumberOfMessages"]
        == "0"
    )
