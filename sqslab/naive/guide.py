"""The source guide's order example, rewritten to run in the lab: its queue manager (get or create),
producer (``send_order``), consumer (``process_orders``) and monitor (``get_queue_stats``).

Each piece does what the guide's code does, the flaws included, so the naive run measures the
guide and not a straw man: the deduplication id carries a timestamp, the retry counter lives in
the parsed body and is never written back, a failed order stays in the queue, the hand-made DLQ
send carries no ``MessageGroupId``. What differs is listed in :data:`sqslab.naive.DEVIATIONS`.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqslab.i18n import N_
from sqslab.numbers import number
from sqslab.tables import Table

FIFO_SUFFIX = ".fifo"
#: The guide's OrderConsumer.max_retries: the counter that would send an order to its DLQ.
MAX_RETRIES = 3
#: The guide's visibility timeout, for the queue and for each receive (seconds).
VISIBILITY_TIMEOUT = 60
#: The guide's MessageRetentionPeriod (4 days): SQS deletes a message older than this, processed or not.
RETENTION = 345_600


def guide_attributes(name: str) -> dict[str, str]:
    """The attributes the guide creates a queue with (FIFO and content-based dedup for ``.fifo``)."""
    fifo = "true" if name.endswith(FIFO_SUFFIX) else "false"
    return {
        "DelaySeconds": "0",
        "MessageRetentionPeriod": str(RETENTION),
        "VisibilityTimeout": str(VISIBILITY_TIMEOUT),
        "ReceiveMessageWaitTimeSeconds": "20",
        "FifoQueue": fifo,
        "ContentBasedDeduplication": fifo,
    }


@dataclass(frozen=True)
class LogLine:
    """One line the guide's ``logger`` would have printed: lab time, level, text, the order."""

    time: float
    level: str
    text: str
    order_id: str = ""


@dataclass
class GuideLog:
    """The guide's logger calls, collected instead of printed."""

    clock: Callable[[], float]
    lines: list[LogLine] = field(default_factory=list)

    def add(self, level: str, text: str, order_id: str = "") -> None:
        """Record one logger call."""
        self.lines.append(LogLine(self.clock(), level, text, order_id))

    def counts(self) -> Counter[str]:
        """How many lines of each level."""
        return Counter(line.level for line in self.lines)

    def about(self, order_id: str) -> list[LogLine]:
        """The lines that name ``order_id``."""
        return [line for line in self.lines if line.order_id == order_id]

    def table(self, lines: list[LogLine] | None = None) -> Table:
        """The lines (all of them by default) as a table."""
        shown = self.lines if lines is None else lines
        start = self.lines[0].time if self.lines else 0.0
        return Table(
            (N_("lab time (s)"), N_("level"), N_("message")),
            [(number(line.time - start, 1), line.level, line.text) for line in shown],
            # the guide's own log lines, as its logger writes them
            verbatim=("level", "message"),
        )


def get_or_create_queue(sqs: Any, name: str, log: GuideLog) -> str:
    """The guide's ``_get_or_create_queue``: the queue's URL if it exists, else create it."""
    try:
        url: str = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        log.add("INFO", f"queue {name} found")
        return url
    except sqs.exceptions.QueueDoesNotExist:
        url = sqs.create_queue(QueueName=name, Attributes=guide_attributes(name))["QueueUrl"]
        log.add("INFO", f"queue {name} created")
        return url


@dataclass
class GuideProducer:
    """The guide's OrderProducer: one ``SendMessage`` per order, a timestamp in the dedup id."""

    sqs: Any
    url: str
    name: str
    now: Callable[[], datetime]
    log: GuideLog
    dedup_ids: dict[str, str] = field(default_factory=dict)

    def send_order(self, order: dict[str, Any]) -> bool:
        """Send one order (the dict gains ``timestamp`` and ``processing_attempts``); False on error."""
        try:
            order["timestamp"] = self.now().isoformat()
            order["processing_attempts"] = 0
            params: dict[str, Any] = {
                "QueueUrl": self.url,
                "MessageBody": json.dumps(order),
                "MessageAttributes": {
                    "order_type": _text(order.get("type", "standard")),
                    "priority": _text(order.get("priority", "normal")),
                },
            }
            if self.name.endswith(FIFO_SUFFIX):
                params["MessageGroupId"] = f"order-{order.get('customer_id', 'default')}"
                params["MessageDeduplicationId"] = f"order-{order['order_id']}-{order['timestamp']}"
            reply = self.sqs.send_message(**params)
            self.dedup_ids[str(order["order_id"])] = params.get("MessageDeduplicationId", "")
            self.log.add("INFO", f"order {order['order_id']} sent: {reply['MessageId']}")
            return True
        except Exception as err:  # noqa: BLE001 - the guide logs the error and returns False
            self.log.add("ERROR", f"error sending order {order.get('order_id')}: {err}")
            return False


def _text(value: Any) -> dict[str, str]:
    return {"StringValue": str(value), "DataType": "String"}


@dataclass
class GuideConsumer:
    """The guide's OrderConsumer: receive a batch, process each message in turn, delete after a
    success; on a failure a retry counter in the parsed body, never written back."""

    sqs: Any
    url: str
    name: str
    step: Callable[[dict[str, Any]], bool]
    log: GuideLog
    dlq_url: str | None = None
    max_retries: int = MAX_RETRIES
    received: Counter[str] = field(default_factory=Counter)
    dlq_sends: int = 0

    def process_orders(self, max_messages: int = 10, wait_time: int = 20) -> int:
        """One receive (long poll) and each message it returned processed in turn; how many."""
        try:
            messages = self.sqs.receive_message(
                QueueUrl=self.url,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                MaxNumberOfMessages=min(max_messages, 10),
                WaitTimeSeconds=wait_time,
                VisibilityTimeout=VISIBILITY_TIMEOUT,
            ).get("Messages", [])
        except Exception as err:  # noqa: BLE001 - the guide logs the error and returns
            self.log.add("ERROR", f"error receiving messages: {err}")
            return 0
        if not messages:
            self.log.add("INFO", "no message in the queue")
            return 0
        self.log.add("INFO", f"processing {len(messages)} messages")
        for message in messages:
            self.process_single_order(message)
        return len(messages)

    def process_single_order(self, message: dict[str, Any]) -> None:
        """Process one message: delete after success; after a failure count an attempt in the
        parsed body (it is 1 every time: the body in the queue still says 0) and leave it."""
        handle = message["ReceiptHandle"]
        try:
            order = json.loads(message["Body"])
            oid = str(order["order_id"])
            self.received[oid] += 1
            self.log.add("INFO", f"processing order {oid}", oid)
            if self.step(order):
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=handle)
                self.log.add("INFO", f"order {oid} processed", oid)
                return
            order["processing_attempts"] = order.get("processing_attempts", 0) + 1
            if order["processing_attempts"] >= self.max_retries:
                if self.dlq_url:
                    self.send_to_dlq(order, message)
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=handle)
                self.log.add("WARNING", f"order {oid} sent to the DLQ", oid)
            else:
                attempt = order["processing_attempts"]
                self.log.add("INFO", f"order {oid} will be retried (attempt {attempt})", oid)
        except json.JSONDecodeError as err:
            self.log.add("ERROR", f"malformed message: {err}")
            self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=handle)
        except Exception as err:  # noqa: BLE001 - the guide logs the error and moves on
            self.log.add("ERROR", f"error processing a message: {err}")

    def send_to_dlq(self, order: dict[str, Any], message: dict[str, Any]) -> None:
        """The guide's hand-made DLQ send: no MessageGroupId, which a FIFO DLQ refuses."""
        self.dlq_sends += 1
        try:
            self.sqs.send_message(
                QueueUrl=self.dlq_url,
                MessageBody=json.dumps(order),
                MessageAttributes={
                    "original_queue": _text(self.name),
                    "failure_reason": _text("max_retries_exceeded"),
                    "original_receive_count": _text(
                        message.get("Attributes", {}).get("ApproximateReceiveCount", "0")
                    ),
                },
            )
        except Exception as err:  # noqa: BLE001 - the guide logs the error
            self.log.add("ERROR", f"error sending to the DLQ: {err}", str(order.get("order_id")))


def queue_stats(sqs: Any, url: str, name: str, log: GuideLog) -> dict[str, Any]:
    """The guide's QueueMonitor.get_queue_stats: one GetQueueAttributes (All), a few of them."""
    try:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    except Exception as err:  # noqa: BLE001 - the guide logs the error and returns {}
        log.add("ERROR", f"error reading the statistics: {err}")
        return {}
    return {
        "queue_name": name,
        "messages_available": int(attrs.get("ApproximateNumberOfMessages", 0)),
        "messages_in_flight": int(attrs.get("ApproximateNumberOfMessagesNotVisible", 0)),
        "messages_delayed": int(attrs.get("ApproximateNumberOfMessagesDelayed", 0)),
        "oldest_message_age": attrs.get("ApproximateAgeOfOldestMessage", "N/A"),
        "visibility_timeout": attrs.get("VisibilityTimeout", "N/A"),
        "message_retention_period": attrs.get("MessageRetentionPeriod", "N/A"),
        "is_fifo": attrs.get("FifoQueue", "false") == "true",
    }
