"""What the realism layer says about itself: the AWS pages it follows, quoted as AWS wrote them,
and its description in the lab's language (see :mod:`sqslab.emulator.realism`)."""

from __future__ import annotations

from sqslab.i18n import N_, _

AT_LEAST_ONCE_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues-at-least-once-delivery.html"
STANDARD_QUEUES_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/standard-queues.html"
AT_LEAST_ONCE_QUOTE = (
    "Amazon SQS stores copies of your messages on multiple servers for redundancy and high "
    "availability. On rare occasions, one of the servers that stores a copy of a message might be "
    "unavailable when you receive or delete a message. If this occurs, the copy of the message "
    "isn't deleted on the server that is unavailable, and you might get that message copy again "
    "when you receive messages. Design your applications to be idempotent (they should not be "
    "affected adversely when processing the same message more than once)."
)
ORDERING_QUOTE = (
    "Standard queues ensure at-least-once message delivery, but due to the highly distributed "
    "architecture, more than one copy of a message might be delivered, and messages may "
    "occasionally arrive out of order. Despite this, standard queues make a best-effort attempt "
    "to maintain the order in which messages are sent."
)
LABEL = N_("sqslab realism layer (AWS at-least-once delivery, emulated on moto)")

#: The text of :data:`DESCRIPTION`, marked; AWS's quotes stay as AWS wrote them.
_DESCRIPTION = N_("""{label}

AWS, "Amazon SQS at-least-once delivery" ({at_least_once_url}):
  "{at_least_once_quote}"

AWS, "Amazon SQS standard queues" ({standard_queues_url}):
  "{ordering_quote}"

plain moto never does either. With the layer on, on standard queues only (FIFO queues never):
- duplicates: a received copy's delete may be "lost": DeleteMessage answers success, yet the
  message comes back after its visibility timeout, same MessageId, new receipt handle, higher
  ApproximateReceiveCount (at most once per message by default);
- reorder: a receive may serve a slightly newer message before older ones.
Both are drawn from a seeded random generator: the same seed and calls give the same results.""")


def description() -> str:
    """What the layer does and the AWS text it follows, in the lab's language."""
    return _(_DESCRIPTION).format(
        label=_(LABEL),
        at_least_once_url=AT_LEAST_ONCE_URL,
        at_least_once_quote=AT_LEAST_ONCE_QUOTE,
        standard_queues_url=STANDARD_QUEUES_URL,
        ordering_quote=ORDERING_QUOTE,
    )
