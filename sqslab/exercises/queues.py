"""Chapter 1 auto-checks: a FIFO queue and a standard queue, each with the attributes and tags the
exercise asks for, and a purge (with the error a second purge gets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.exercises.arguments import LAB, NAME, SQS, expects
from sqslab.exercises.base import Check, attributes, first_problem, hint, messages_left, queue_url
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.lab import Lab


@expects("ex1.1", sqs=SQS)
def check_payments_fifo(sqs: Any) -> Check:
    """Exercise 1.1: a FIFO queue ``payments.fifo``, content-based dedup, 2-minute visibility."""
    name = "ex1.1"
    url = queue_url(sqs, "payments.fifo")
    if url is None:
        return hint(
            name,
            _("no queue named 'payments.fifo' yet: create it, as a FIFO queue (section 1)"),
            _(
                "the type and every attribute go into the one create_queue call, as Attributes "
                "(values are text)"
            ),
            "sqs.create_queue(QueueName='payments.fifo', Attributes={'FifoQueue': 'true', ...})",
        )
    attrs = attributes(sqs, url)
    return first_problem(
        name,
        [
            (
                attrs.get("FifoQueue") == "true",
                _(
                    "the queue exists but is standard: a queue's type is set only when it is "
                    "created (section 1)"
                ),
                _("delete it and create it again with 'FifoQueue': 'true'"),
            ),
            (
                attrs.get("ContentBasedDeduplication") == "true",
                _("content-based deduplication is not on (section 2's table)"),
                _(
                    "set 'ContentBasedDeduplication': 'true' (sqs.set_queue_attributes works on "
                    "an existing queue)"
                ),
            ),
            (
                attrs.get("VisibilityTimeout") == "120",
                _(
                    "VisibilityTimeout is {value} seconds; the exercise asks for 2 minutes "
                    "(section 2)"
                ).format(value=attrs.get("VisibilityTimeout")),
                _("attributes are seconds, as text: 2 minutes is 120 seconds"),
            ),
        ],
        _(
            "payments.fifo is a FIFO queue with content-based deduplication and a 120 s "
            "visibility timeout."
        ),
    )


@expects("ex1.2", sqs=SQS)
def check_thumbnails_queue(sqs: Any) -> Check:
    """Exercise 1.2: ``thumbnails`` long-polls by default at the maximum, keeps 1 day, tag team=media."""
    name = "ex1.2"
    url = queue_url(sqs, "thumbnails")
    if url is None:
        return hint(
            name,
            _("no queue named 'thumbnails' yet: create it, a standard queue (section 1)"),
            _("create_queue takes the attributes (Attributes=) and the tags (tags=) at once"),
        )
    attrs = attributes(sqs, url)
    tags = sqs.list_queue_tags(QueueUrl=url).get("Tags", {})
    max_wait = int(facts.get("long_poll_max_wait").value)
    return first_problem(
        name,
        [
            (
                attrs.get("FifoQueue", "false") == "false",
                _("thumbnails should be a standard queue"),
            ),
            (
                attrs.get("ReceiveMessageWaitTimeSeconds") == str(max_wait),
                _(
                    "ReceiveMessageWaitTimeSeconds is {value}; consumers should long-poll for "
                    "the longest wait SQS allows (section 2's table)"
                ).format(value=attrs.get("ReceiveMessageWaitTimeSeconds")),
                _(
                    "the longest wait is {seconds} seconds: "
                    "sqslab.facts.get('long_poll_max_wait').value"
                ).format(seconds=max_wait),
            ),
            (
                attrs.get("MessageRetentionPeriod") == "86400",
                _(
                    "MessageRetentionPeriod is {value} seconds; the exercise asks for one day"
                ).format(value=attrs.get("MessageRetentionPeriod")),
                _("one day is 24 * 60 * 60 = 86400 seconds"),
            ),
            (
                tags.get("team") == "media",
                _("the queue has no tag team=media (section 4)"),
                _("sqs.tag_queue(QueueUrl=url, Tags={'team': 'media'}), or tags= in create_queue"),
            ),
        ],
        _(
            "thumbnails long-polls for {seconds} s by default, keeps messages for one day and "
            "is tagged team=media."
        ).format(seconds=max_wait),
    )


@expects("ex1.3", lab=LAB, queue=NAME)
def check_purged(lab: Lab, queue: str = "load-test") -> Check:
    """Exercise 1.3: ``queue`` was emptied with PurgeQueue, and a second purge right after it got
    PurgeQueueInProgress."""
    name = "ex1.3"
    url = queue_url(lab.sqs, queue)
    if url is None:
        return hint(
            name, _("run the set-up cell first: it fills {queue}").format(queue=repr(queue))
        )
    full = lab.namespace.full_name(queue)
    purges = [r for r in lab.trace if r.queue == full and r.operation == "PurgeQueue"]
    done = [r for r in purges if r.ok]
    refused = [r for r in purges if "PurgeQueueInProgress" in (r.error or "")]
    left = messages_left(lab.sqs, url)
    cooldown = facts.get("purge_cooldown").translated("text")
    return first_problem(
        name,
        [
            (
                bool(done),
                _("{queue} was not purged: one call empties a whole queue (section 4)").format(
                    queue=repr(queue)
                ),
                _("PurgeQueue takes the queue's URL"),
                "sqs.purge_queue(QueueUrl=junk_url)",
            ),
            (
                left == 0,
                # the English text is the same in both forms; Portuguese has a singular
                ngettext(
                    "{count} message(s) are in {queue}: purge it after the set-up cell filled it",
                    "{count} message(s) are in {queue}: purge it after the set-up cell filled it",
                    left,
                ).format(count=left, queue=repr(queue)),
            ),
            (
                bool(refused),
                _(
                    "now purge {queue} a second time, right after the first, and catch the error "
                    "SQS answers (section 4)"
                ).format(queue=repr(queue)),
                _(
                    "a second purge within {cooldown} fails: catch "
                    "sqs.exceptions.PurgeQueueInProgress and print err.response['Error']['Code']"
                ).format(cooldown=cooldown),
            ),
        ],
        _(
            "{queue} is empty, in-flight messages included, and a second purge within {cooldown} "
            "was refused with PurgeQueueInProgress."
        ).format(queue=repr(queue), cooldown=cooldown),
    )
