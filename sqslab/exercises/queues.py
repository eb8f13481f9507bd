"""Chapter 1 auto-checks: a FIFO queue and a standard queue, each with the attributes and tags the
exercise asks for."""

from __future__ import annotations

from typing import Any

from sqslab import facts
from sqslab.exercises.arguments import SQS, expects
from sqslab.exercises.base import Check, attributes, first_problem, queue_url


@expects("ex1.1", sqs=SQS)
def check_payments_fifo(sqs: Any) -> Check:
    """Exercise 1.1: a FIFO queue ``payments.fifo``, content-based dedup, 2-minute visibility."""
    name = "ex1.1"
    url = queue_url(sqs, "payments.fifo")
    if url is None:
        return Check(
            name,
            False,
            "no queue named 'payments.fifo' yet: call sqs.create_queue with "
            "QueueName='payments.fifo' and Attributes={'FifoQueue': 'true', ...}",
        )
    attrs = attributes(sqs, url)
    return first_problem(
        name,
        [
            (
                attrs.get("FifoQueue") == "true",
                "the queue exists but is not FIFO: FifoQueue can only be set when the queue is created; "
                "delete it and create it again with 'FifoQueue': 'true'",
            ),
            (
                attrs.get("ContentBasedDeduplication") == "true",
                "set 'ContentBasedDeduplication': 'true' (sqs.set_queue_attributes works on an existing queue)",
            ),
            (
                attrs.get("VisibilityTimeout") == "120",
                f"VisibilityTimeout is {attrs.get('VisibilityTimeout')} seconds; 2 minutes is 120 seconds",
            ),
        ],
        "payments.fifo is a FIFO queue with content-based deduplication and a 120 s visibility "
        "timeout.",
    )


@expects("ex1.2", sqs=SQS)
def check_thumbnails_queue(sqs: Any) -> Check:
    """Exercise 1.2: ``thumbnails`` long-polls by default at the maximum, keeps 1 day, tag team=media."""
    name = "ex1.2"
    url = queue_url(sqs, "thumbnails")
    if url is None:
        return Check(
            name, False, "no queue named 'thumbnails' yet: create it with sqs.create_queue"
        )
    attrs = attributes(sqs, url)
    tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    max_wait = int(facts.get("long_poll_max_wait").value)
    return first_problem(
        name,
        [
            (attrs.get("FifoQueue", "false") == "false", "thumbnails should be a standard queue"),
            (
                attrs.get("ReceiveMessageWaitTimeSeconds") == str(max_wait),
                f"ReceiveMessageWaitTimeSeconds is {attrs.get('ReceiveMessageWaitTimeSeconds')}; the "
                f"longest long-poll wait SQS allows is {max_wait} seconds",
            ),
            (
                attrs.get("MessageRetentionPeriod") == "86400",
                f"MessageRetentionPeriod is {attrs.get('MessageRetentionPeriod')} seconds; one day is "
                "24 * 60 * 60 = 86400 seconds",
            ),
            (
                tags.get("team") == "media",
                "tag the queue: sqs.tag_queue(QueueUrl=url, Tags={'team': 'media'})",
            ),
        ],
        f"thumbnails long-polls for {max_wait} s by default, keeps messages for one day and is "
        "tagged team=media.",
    )
