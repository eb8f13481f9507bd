"""Dead-letter queues: a source queue and its DLQ, a look inside a DLQ that keeps its messages,
redriving them back, and where a workload's messages ended up.

A redrive policy moves a message to the DLQ once it has been received ``maxReceiveCount`` times
without being deleted (AWS: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
The DLQ must be of the same type as its source (standard or FIFO).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqslab import facts, queues, realclock
from sqslab.arguments import ARN, LAB, NAME, QUEUE_URL, SQS, instance, requires
from sqslab.errors import LimitError
from sqslab.i18n import N_, _
from sqslab.tables import Table

if TYPE_CHECKING:
    from sqslab.consumer import Message
    from sqslab.lab import Lab

#: On a real clock :func:`failure_run` runs this many times faster than on the virtual clock.
REAL_CLOCK_SPEEDUP = 5


@dataclass(frozen=True)
class QueuePair:
    """A source queue and the DLQ its redrive policy points to."""

    source_url: str
    dlq_url: str
    source_arn: str
    dlq_arn: str
    max_receive_count: int


@dataclass(frozen=True)
class DeadLetter:
    """One message found in a DLQ, with what it went through."""

    message_id: str
    body: str
    receive_count: int
    sent: datetime
    first_received: datetime | None
    sources: tuple[str, ...]


PAIR = instance(QueuePair, "pair = dlq.create_pair(sqs, 'payments')")


def check_max_receive_count(count: int) -> int:
    """maxReceiveCount must be a whole number in the range AWS allows."""
    fact = facts.get("max_receive_count")
    low, high = int(fact.min), int(fact.value)
    if isinstance(count, bool) or not isinstance(count, int) or not low <= count <= high:
        text = _(
            "maxReceiveCount {count} is out of range: SQS allows {low} to {high}; "
            "3 to 5 is usual (enough retries for a transient failure, few for a poison message)"
        )
        raise LimitError(text.format(count=repr(count), low=low, high=high))
    return count


@requires(sqs=SQS, url=QUEUE_URL)
def arn(sqs: Any, url: str) -> str:
    """The queue's ARN (what a redrive policy names)."""
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    return attrs["QueueArn"]


@requires(dlq_arn=ARN)
def redrive_policy(dlq_arn: str, max_receive_count: int) -> str:
    """The RedrivePolicy attribute value, as JSON."""
    count = check_max_receive_count(max_receive_count)
    return json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": count})


@requires(sqs=SQS, name=NAME)
def create_pair(
    sqs: Any,
    name: str,
    *,
    fifo: bool = False,
    max_receive_count: int = 3,
    source_attributes: dict[str, str] | None = None,
    dlq_attributes: dict[str, str] | None = None,
) -> QueuePair:
    """Create ``name`` and ``name-dlq`` (``.fifo`` added for FIFO) with a redrive policy between."""
    check_max_receive_count(max_receive_count)
    if name.endswith(".fifo") and not fifo:
        text = _("{name} ends in .fifo, a FIFO queue's name: pass fifo=True, or drop the .fifo")
        raise LimitError(text.format(name=repr(name)))
    suffix = ".fifo" if fifo else ""
    base = name.removesuffix(".fifo")
    for full in (f"{base}-dlq{suffix}", f"{base}{suffix}"):  # both, before creating either
        queues.check_name(full, fifo)
    kind = {"FifoQueue": "true"} if fifo else {}
    dlq_url = sqs.create_queue(
        QueueName=f"{base}-dlq{suffix}", Attributes={**kind, **(dlq_attributes or {})}
    )["QueueUrl"]
    dlq_arn = arn(sqs, dlq_url)
    attributes = {
        **kind,
        **(source_attributes or {}),
        "RedrivePolicy": redrive_policy(dlq_arn, max_receive_count),
    }
    source_url = sqs.create_queue(QueueName=f"{base}{suffix}", Attributes=attributes)["QueueUrl"]
    return QueuePair(source_url, dlq_url, arn(sqs, source_url), dlq_arn, max_receive_count)


@requires(sqs=SQS, pair=PAIR)
def retention_problem(sqs: Any, pair: QueuePair) -> str | None:
    """Why the DLQ may lose messages early, or None.

    A standard DLQ keeps each message's original enqueue time, so its retention must be longer than
    the source's (AWS recommends it); a FIFO DLQ resets it.
    """
    names = ["MessageRetentionPeriod", "FifoQueue"]
    src = sqs.get_queue_attributes(QueueUrl=pair.source_url, AttributeNames=names)["Attributes"]
    dlq = sqs.get_queue_attributes(QueueUrl=pair.dlq_url, AttributeNames=names)["Attributes"]
    if src.get("FifoQueue") == "true":
        return None
    kept, source_kept = int(dlq["MessageRetentionPeriod"]), int(src["MessageRetentionPeriod"])
    if kept > source_kept:
        return None
    return _(
        "the DLQ keeps messages {kept} s but the source {source_kept} s: a standard DLQ keeps the "
        "original enqueue time, so a message that spent long in the source expires soon after it "
        "arrives; make the DLQ's MessageRetentionPeriod longer than the source's"
    ).format(kept=kept, source_kept=source_kept)


@requires(lab=LAB, dlq_url=QUEUE_URL)
def inspect(lab: Lab, dlq_url: str) -> list[DeadLetter]:
    """What is in a DLQ, without taking it out: each message, its receives, and its source queues.

    The look itself is a receive (``queues.peek``), so each receive count includes it.
    """
    sources = tuple(
        url.rsplit("/", 1)[-1]
        for url in lab.sqs.list_dead_letter_source_queues(QueueUrl=dlq_url).get("queueUrls", [])
    )
    return [_dead_letter(m, sources) for m in queues.peek(lab, dlq_url)]


def _dead_letter(message: dict[str, Any], sources: tuple[str, ...]) -> DeadLetter:
    attrs = message.get("Attributes", {})
    first = attrs.get("ApproximateFirstReceiveTimestamp")
    return DeadLetter(
        message_id=message["MessageId"],
        body=message.get("Body", ""),
        receive_count=int(attrs.get("ApproximateReceiveCount", 0)),
        sent=_ms(attrs["SentTimestamp"]),
        first_received=_ms(first) if first else None,
        sources=sources,
    )


def _ms(value: str) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


#: The columns of :func:`table` (headers shown in the lab's language; the cells never are).
COLUMNS = (N_("message"), N_("body"), N_("receives"), N_("sent"), N_("first received"), N_("from"))


def table(letters: list[DeadLetter]) -> Table:
    """Dead letters as a table: id, body, receives, sent, first received, source queues."""
    return Table(
        COLUMNS,
        [
            (
                d.message_id[:8],
                d.body if len(d.body) <= 40 else d.body[:37] + "...",
                d.receive_count,
                f"{d.sent:%H:%M:%S}",
                f"{d.first_received:%H:%M:%S}" if d.first_received else "",
                ", ".join(d.sources),
            )
            for d in letters
        ],
        verbatim=COLUMNS,
    )


@requires(sqs=SQS, pair=PAIR)
def redrive(
    sqs: Any, pair: QueuePair, *, destination_arn: str | None = None, rate: int | None = None
) -> str:
    """Start moving the DLQ's messages back to the source (or to ``destination_arn``); the task handle."""
    params: dict[str, Any] = {"SourceArn": pair.dlq_arn}
    if destination_arn:
        params["DestinationArn"] = destination_arn
    if rate is not None:
        params["MaxNumberOfMessagesPerSecond"] = rate
    return sqs.start_message_move_task(**params)["TaskHandle"]


@requires(sqs=SQS, pair=PAIR)
def outcomes(sqs: Any, pair: QueuePair, processed: int) -> dict[str, int]:
    """Where a workload's messages are: processed (given), in the DLQ, still in the source. The
    keys stay English (code reads them); charts and panels show them in the lab's language."""
    source = sum(queues.depth(sqs, pair.source_url))
    dead = sum(queues.depth(sqs, pair.dlq_url))
    return {N_("processed"): processed, N_("in the DLQ"): dead, N_("still in the source"): source}


@requires(lab=LAB, name=NAME)
def failure_run(
    lab: Lab,
    name: str,
    *,
    failure_rate: float,
    max_receive_count: int,
    seed: int,
    messages: int = 20,
) -> dict[str, int]:
    """``messages`` jobs on a new pair ``name`` and ``name-dlq`` (visibility 5 s) whose handler
    fails at ``failure_rate`` on every attempt: where they ended, as :func:`outcomes` counts.
    On a real clock every duration is ``REAL_CLOCK_SPEEDUP`` times shorter."""
    from sqslab.consumer import StopPolicy, consume

    sqs = lab.sqs
    pace = realclock.DemoTime(REAL_CLOCK_SPEEDUP, lab.virtual_time)
    pair = create_pair(
        sqs,
        name,
        max_receive_count=max_receive_count,
        source_attributes={"VisibilityTimeout": str(pace(5))},
    )
    for i in range(messages):
        sqs.send_message(QueueUrl=pair.source_url, MessageBody=f"job {i + 1}")
    rng = random.Random(seed)

    def handler(message: Message) -> None:
        if rng.random() < failure_rate:
            raise RuntimeError("the handler failed")

    stop = StopPolicy(idle_timeout=pace(60))
    result = consume(sqs, pair.source_url, handler, wait_time=pace(20), stop=stop)
    return outcomes(sqs, pair, len(set(result.processed)))
