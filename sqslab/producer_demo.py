"""Chapter 2's experiment: send a workload to a fresh queue and price the requests it took (the
producer panel runs it with its sliders' values)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from sqslab import cost
from sqslab.arguments import LAB, NAME, requires
from sqslab.producer import Producer

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: Bytes each body stays under its payload size (its 6-digit number goes in front).
OVERHEAD = 64


@dataclass(frozen=True)
class SendCost:
    """What sending one workload took: messages sent, calls, billed requests and dollars."""

    queue: str
    sent: int
    calls: int
    billed_requests: int
    dollars: float
    per_million: float

    def summary(self) -> dict[str, str | int | float]:
        """The fields as a dict (what the chapter 2 panel keeps as ``last``)."""
        return asdict(self)


@requires(lab=LAB, name=NAME)
def send_and_price(
    lab: Lab, name: str, *, messages: int, batch_size: int, payload_kib: int
) -> SendCost:
    """Send ``messages`` numbered bodies of ``payload_kib`` KiB to a new queue ``name`` in batches
    of ``batch_size``; price the send calls it traced (64 KiB chunks billed, list price)."""
    url = lab.sqs.create_queue(QueueName=name)["QueueUrl"]
    body = "x" * (payload_kib * 1024 - OVERHEAD)
    seen = len(lab.trace)
    producer = Producer(lab.sqs, url, batch_size=batch_size, progress=False)
    result = producer.send_many(f"{i:06d}{body}" for i in range(messages))
    records = [r for r in lab.trace.records[seen:] if r.operation.startswith("Send")]
    bill = cost.bill(records)
    return SendCost(
        queue=name,
        sent=len(result.sent),
        calls=bill.calls,
        billed_requests=bill.requests,
        dollars=bill.dollars,
        per_million=bill.per_million_messages(max(1, len(result.sent))),
    )
