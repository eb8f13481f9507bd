"""Chapter 8: SNS → SQS fan-out. One topic, one queue per consumer, each with its own filter.

A topic pushes every published message to each subscription; a queue behind each subscription
gives that consumer its own buffer, retries and DLQ. A filter policy (on message attributes or,
with ``FilterPolicyScope=MessageBody``, on the JSON body) decides which messages a queue gets.
Raw delivery hands the queue the published body itself instead of SNS's JSON envelope.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import dlq, queues, security
from sqslab.arguments import ARN, LAB, NAME, given, is_list, is_text, requires
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import _

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: Filter policy scopes SNS knows; attributes are the default.
SCOPES = ("MessageAttributes", "MessageBody")
POLICY_VERSION = "2012-10-17"
#: Seconds between two looks at the queues while SNS delivers on a real clock.
DELIVERY_POLL = 0.5


@dataclass(frozen=True)
class Subscriber:
    """A queue behind the topic: its name, an optional filter policy, and its delivery mode."""

    queue: str
    filter_policy: Mapping[str, Any] | None = None
    scope: str = "MessageAttributes"
    raw: bool = True

    def __post_init__(self) -> None:
        if not is_text(self.queue):
            raise WrongTypeError(
                _(
                    "Subscriber's queue is the queue's name as text, e.g. "
                    "Subscriber('invoices'); got {given}"
                ).format(given=given(self.queue))
            )
        if self.filter_policy is not None and not isinstance(self.filter_policy, Mapping):
            raise WrongTypeError(
                _(
                    "filter_policy is a dict, e.g. {example} (sqslab turns it into JSON); got "
                    "{given}"
                ).format(example="{'event': ['order_placed']}", given=given(self.filter_policy))
            )
        if self.scope not in SCOPES:
            raise LimitError(_scope_error(self.scope))

    def attributes(self) -> dict[str, str]:
        """The Subscribe call's Attributes for this subscriber."""
        if self.scope not in SCOPES:
            raise LimitError(_scope_error(self.scope))
        attrs = {"RawMessageDelivery": "true" if self.raw else "false"}
        if self.filter_policy is not None:
            attrs["FilterPolicy"] = json.dumps(self.filter_policy)
            attrs["FilterPolicyScope"] = self.scope
        return attrs


def _scope_error(scope: str) -> str:
    return _("filter policy scope {scope!r} is not one of {scopes}").format(
        scope=scope, scopes=SCOPES
    )


@dataclass
class FanOut:
    """A topic and its subscribed queues: ``queue_urls`` and ``subscriptions`` by queue name."""

    topic_arn: str
    queue_urls: dict[str, str] = field(default_factory=dict)
    subscriptions: dict[str, str] = field(default_factory=dict)


@requires(queue_arn=ARN, topic_arn=ARN)
def delivery_policy(queue_arn: str, topic_arn: str) -> dict[str, Any]:
    """The queue policy that lets this one topic (and nothing else) send to the queue."""
    return {
        "Version": POLICY_VERSION,
        "Statement": [
            {
                "Sid": "topic-may-send",
                "Effect": "Allow",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
            }
        ],
    }


def source_arns(statement: Mapping[str, Any]) -> list[str]:
    """The ARNs an ``ArnEquals``/``ArnLike`` condition on ``aws:SourceArn`` allows (none if absent)."""
    condition = statement.get("Condition", {})
    found: list[str] = []
    for operator in ("ArnEquals", "ArnLike"):
        found += security.as_list(condition.get(operator, {}).get("aws:SourceArn", []))
    return found


def topic_may_send(statement: Mapping[str, Any], queue_arn: str, topic_arn: str) -> str | None:
    """None when the statement lets SNS deliver from ``topic_arn`` to this queue (and only from
    it), else what is missing."""
    principal = statement.get("Principal")
    services = security.as_list(principal.get("Service", [])) if isinstance(principal, dict) else []
    if statement.get("Effect") != "Allow":
        return _("the statement must be an Allow")
    if "sns.amazonaws.com" not in services and not security.anyone(principal):
        return _("the Principal must be {principal}").format(
            principal='{"Service": "sns.amazonaws.com"}'
        )
    if not security.actions(statement) & {"sqs:sendmessage", "sqs:*", "*"}:
        return _('the Action must include "sqs:SendMessage"')
    if not security.covers(statement, queue_arn):
        return _("the Resource must be this queue's ARN, {arn}").format(arn=queue_arn)
    if topic_arn not in source_arns(statement):
        condition = f'{{"ArnEquals": {{"aws:SourceArn": "{topic_arn}"}}}}'
        return _("the Condition must be {condition}").format(condition=condition)
    return None


#: SNS topic names: 1 to 256 letters, digits, hyphens and underscores (a FIFO topic's end in .fifo).
TOPIC_NAME = re.compile(r"[A-Za-z0-9_-]{1,256}")


def check_topic_name(topic: str) -> str:
    """``topic`` if SNS accepts it as a topic name, else a :class:`LimitError` saying why."""
    stem = topic.removesuffix(".fifo") if isinstance(topic, str) else ""
    if not TOPIC_NAME.fullmatch(stem) or len(topic) > 256:
        raise LimitError(
            _(
                "invalid topic name {topic!r}: SNS allows 1 to 256 letters, digits, hyphens (-) "
                "and underscores (_), plus .fifo at the end for a FIFO topic"
            ).format(topic=topic)
        )
    return topic


def check_pairing(topic: str, subscribers: Sequence[Subscriber]) -> None:
    """Raise before anything is created if a subscriber cannot work behind ``topic``."""
    check_topic_name(topic)
    if not is_list(subscribers) or not subscribers:
        raise WrongTypeError(
            _(
                "subscribers is a list of one or more Subscriber, e.g. [Subscriber('invoices')]; "
                "got {given}"
            ).format(given=given(subscribers))
        )
    names = [getattr(sub, "queue", None) for sub in subscribers]
    for sub in subscribers:
        if not isinstance(sub, Subscriber):
            raise WrongTypeError(
                _("each subscriber is a Subscriber('queue-name'); got {given}").format(
                    given=given(sub)
                )
            )
        if names.count(sub.queue) > 1:
            raise LimitError(
                _("queue {queue!r} is listed twice: give each subscriber its own").format(
                    queue=sub.queue
                )
            )
        queues.check_name(sub.queue, fifo=sub.queue.endswith(".fifo"))
        if sub.scope not in SCOPES:
            raise LimitError(_scope_error(sub.scope))
        if sub.queue.endswith(".fifo") and not topic.endswith(".fifo"):
            raise LimitError(
                _(
                    "FIFO queue {queue!r} behind standard topic {topic!r}: a standard topic "
                    "cannot deliver to a FIFO queue; subscribe it to a FIFO topic (name ending "
                    ".fifo)"
                ).format(queue=sub.queue, topic=topic)
            )


@requires(lab=LAB, topic=NAME)
def build(lab: Lab, topic: str, subscribers: Sequence[Subscriber]) -> FanOut:
    """Create the topic (FIFO when its name ends in ``.fifo``), one queue per subscriber with the
    policy SNS needs, and the subscriptions. A FIFO topic may also feed standard queues (which
    then get best-effort order); a standard topic feeds standard queues only."""
    check_pairing(topic, subscribers)
    sns, sqs = lab.client("sns"), lab.sqs
    topic_attrs = {"FifoTopic": "true"} if topic.endswith(".fifo") else {}
    made = FanOut(sns.create_topic(Name=topic, Attributes=topic_attrs)["TopicArn"])
    for sub in subscribers:
        queue_attrs = {"FifoQueue": "true"} if sub.queue.endswith(".fifo") else {}
        url = sqs.create_queue(QueueName=sub.queue, Attributes=queue_attrs)["QueueUrl"]
        arn = dlq.arn(sqs, url)
        policy = json.dumps(delivery_policy(arn, made.topic_arn))
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
        made.queue_urls[sub.queue] = url
        made.subscriptions[sub.queue] = sns.subscribe(
            TopicArn=made.topic_arn,
            Protocol="sqs",
            Endpoint=arn,
            Attributes=sub.attributes(),
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
    return made


def unwrap(body: str) -> str:
    """The published message inside an SNS envelope (a body delivered without raw delivery);
    any other body unchanged."""
    try:
        envelope = json.loads(body)
    except ValueError:
        return body
    if isinstance(envelope, dict) and envelope.get("Type") == "Notification":
        return str(envelope.get("Message", ""))
    return body


def wait_for_delivery(
    lab: Lab, urls: Sequence[str], quiet: float = 2.0, limit: float = 20.0
) -> None:
    """Give SNS time to deliver what was just published to these queues.

    On AWS (and LocalStack) SNS delivers a moment after ``publish`` returns, so an immediate read
    may find a queue still empty. On a real clock this watches the queues' counts and returns
    once they have not changed for ``quiet`` seconds (at most ``limit`` seconds in all). On the
    virtual clock moto has already delivered during the publish: it returns at once."""
    if lab.virtual_time:
        return
    started = lab.clock.time()
    last, since = None, started
    with lab.trace.paused():
        while lab.clock.time() - started < limit:
            now = [queues.depth(lab.sqs, url) for url in urls]
            if now != last:
                last, since = now, lab.clock.time()
            elif lab.clock.time() - since >= quiet:
                return
            lab.wait(DELIVERY_POLL)


def delivered(lab: Lab, made: FanOut) -> dict[str, list[str]]:
    """What each queue holds, published bodies in delivery order (envelopes unwrapped); the
    messages stay in their queues. On a real clock it first waits for SNS to deliver
    (:func:`wait_for_delivery`)."""
    wait_for_delivery(lab, list(made.queue_urls.values()))
    return {
        name: [unwrap(m["Body"]) for m in queues.peek(lab, url)]
        for name, url in made.queue_urls.items()
    }
