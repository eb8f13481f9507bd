"""Chapter 8 auto-checks: a fan-out with a filter, a Lambda-style partial batch response, a
locked-down queue.

The fan-out check publishes two tagged probe events to the learner's topic and takes them back
out of the queues afterwards, so running it again never mixes runs. The batch check runs the
learner's ``handler(event, context)`` on a fresh queue pair of its own.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab import dlq, facts, fanout, lambda_batches, queues, security, workshop
from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, attributes, first_problem, hint, queue_url
from sqslab.i18n import ngettext
from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.lab import Lab

TOPIC, INVOICES, SHIPPING = "shop-events", "invoices", "shipping"
PLACED, CANCELLED = "order_placed", "order_cancelled"
#: Exercise 8.2: receipts per run, which one is malformed, and the DLQ's maxReceiveCount.
RECEIPTS, MALFORMED_AT, RECEIPT_RETRIES = 9, 4, 3
#: Exercise 8.2's visibility timeout: on the virtual clock, and scaled down on a real one (three
#: receives of the malformed receipt then take seconds, not minutes).
RECEIPT_VISIBILITY, REAL_CLOCK_VISIBILITY = 30, 2
PAYROLL, PAYROLL_REUSE = "payroll", 3600

_runs = itertools.count(1)


def _topic_arn(lab: Lab, name: str) -> str | None:
    """The ARN of the lab's topic ``name`` (namespace prefix added), or None."""
    full = lab.namespace.full_name(name)
    found = workshop.topic_arns(lab.client("sns"), full)
    return next((arn for arn in found if arn.endswith(f":{full}")), None)


def _subscriptions(lab: Lab, topic_arn: str) -> dict[str, dict[str, str]]:
    """Queue ARN -> subscription attributes, for the topic's SQS subscriptions."""
    sns = lab.client("sns")
    found = {}
    for sub in sns.list_subscriptions_by_topic(TopicArn=topic_arn).get("Subscriptions", []):
        if sub["Protocol"] == "sqs":
            arn = sub["SubscriptionArn"]
            found[sub["Endpoint"]] = sns.get_subscription_attributes(SubscriptionArn=arn)[
                "Attributes"
            ]
    return found


def _policy_problem(attrs: dict[str, str], topic_arn: str) -> str | None:
    """None when the queue policy lets the topic send, else what its best statement lacks."""
    problems = [
        fanout.topic_may_send(statement, attrs["QueueArn"], topic_arn)
        for statement in security.statements(attrs)
    ]
    if not problems:
        return _("it has no Policy")
    if None in problems:
        return None
    return problems[0]


def _take_probes(lab: Lab, url: str, tag: str) -> list[dict[str, Any]]:
    """Receive every visible message, delete those that carry ``tag`` and return them; the
    others go back to the queue at once."""
    sqs = lab.sqs
    taken: list[dict[str, Any]] = []
    others: list[dict[str, Any]] = []
    with lab.trace.paused():
        while batch := sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=_most(), VisibilityTimeout=30
        ).get("Messages", []):
            for message in batch:
                (taken if tag in fanout.unwrap(message["Body"]) else others).append(message)
        for message in taken:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        queues.release(sqs, url, others)
    return taken


@expects("ex8.1", lab=LAB)
def check_shop_fanout(lab: Lab) -> Check:
    """Exercise 8.1: topic ``shop-events`` -> ``invoices`` (every event) and ``shipping`` (only
    ``order_placed``, filtered on the message attribute, raw delivery), each queue's policy
    allowing the topic."""
    exercise, sqs = "ex8.1", lab.sqs
    topic_arn = _topic_arn(lab, TOPIC)
    if topic_arn is None:
        return hint(
            exercise,
            _("there is no topic named {topic!r} yet: create it first (SNS, section 1)").format(
                topic=TOPIC
            ),
            f"sns.create_topic(Name={TOPIC!r})",
        )
    found = {name: queue_url(sqs, name) for name in (INVOICES, SHIPPING)}
    urls = {name: url for name, url in found.items() if url is not None}
    missing = [name for name in found if name not in urls]
    if missing:
        return hint(
            exercise, _("create the queue(s) {missing} (chapter 1)").format(missing=missing)
        )
    attrs = {name: attributes(sqs, url) for name, url in urls.items()}
    subs = _subscriptions(lab, topic_arn)
    for name in urls:
        if attrs[name]["QueueArn"] not in subs:
            return hint(
                exercise,
                _(
                    "{name!r} is not subscribed to the topic: subscribe it with the sqs protocol "
                    "(section 1)"
                ).format(name=name),
                _(
                    "a queue's subscription endpoint is its QueueArn (get_queue_attributes), not "
                    "its URL"
                ),
                "sns.subscribe(TopicArn=topic_arn, Protocol='sqs', Endpoint=queue_arn)",
            )
    delivered = _probe(lab, topic_arn, urls)
    shipping_sub = subs[attrs[SHIPPING]["QueueArn"]]
    policy = {name: _policy_problem(attrs[name], topic_arn) for name in urls}
    name, problem = next(((n, p) for n, p in policy.items() if p), ("", None))
    scope = shipping_sub.get("FilterPolicyScope", "MessageAttributes")
    return first_problem(
        exercise,
        [
            (
                problem is None,
                _(
                    "the policy of {name!r} does not let the topic send ({problem}): moto "
                    "delivers anyway, but on AWS SNS drops every message to such a queue "
                    "(section 1)"
                ).format(name=name, problem=problem),
                _(
                    "the queue's Policy needs an Allow of sqs:SendMessage on the queue's ARN for "
                    "the SNS service, limited to this topic by an aws:SourceArn condition"
                ),
                "Policy=json.dumps(sqslab.fanout.delivery_policy(queue_arn, topic_arn))",
            ),
            (
                sorted(delivered[INVOICES]) == [CANCELLED, PLACED],
                _(
                    "{queue!r} should get every event; it got {got}: look at the FilterPolicy of "
                    "its subscription"
                ).format(queue=INVOICES, got=sorted(delivered[INVOICES])),
                _("give {queue!r}'s subscription no FilterPolicy").format(queue=INVOICES),
            ),
            (
                scope == "MessageAttributes",
                _(
                    "{queue!r} filters with FilterPolicyScope={scope!r}, but the event type "
                    "travels as a message attribute, not in the body (section 1)"
                ).format(queue=SHIPPING, scope=scope),
                _(
                    "leave FilterPolicyScope out (message attributes are the default) or set it "
                    "to MessageAttributes"
                ),
            ),
            (
                delivered[SHIPPING] == [PLACED],
                _(
                    "{queue!r} should get only {event!r}; it got {got}: look at the FilterPolicy "
                    "of its subscription (section 1)"
                ).format(queue=SHIPPING, event=PLACED, got=delivered[SHIPPING]),
                _(
                    "a filter policy is JSON: the message attribute's name, then the list of "
                    "values to let through"
                ),
                'Attributes={"FilterPolicy": json.dumps({"event": ["order_placed"]})}',
            ),
            (
                shipping_sub.get("RawMessageDelivery") == "true",
                _(
                    "{queue!r} receives SNS's JSON envelope, not the published order: look at "
                    "its subscription's attributes (section 1)"
                ).format(queue=SHIPPING),
                _("turn on raw delivery: RawMessageDelivery='true' on the subscription"),
            ),
        ],
        _(
            "{invoices!r} got both probe events, {shipping!r} only the placed order (filtered "
            "on the message attribute), raw, and both queue policies let only your topic send."
        ).format(invoices=INVOICES, shipping=SHIPPING),
    )


def _probe(lab: Lab, topic_arn: str, urls: dict[str, str]) -> dict[str, list[str]]:
    """Publish a placed and a cancelled probe; which event each queue got, then remove them.

    The event type travels only as the ``event`` attribute: a probe's body holds an opaque id,
    so a filter on the body cannot tell the two apart."""
    tag = f"probe-8.1-{next(_runs)}"
    ids = {f"{tag}-a": PLACED, f"{tag}-b": CANCELLED}
    sns = lab.client("sns")
    with lab.trace.paused():
        for probe, event in ids.items():
            sns.publish(
                TopicArn=topic_arn,
                Message=json.dumps({"probe": probe}),
                MessageAttributes={"event": {"DataType": "String", "StringValue": event}},
            )
    fanout.wait_for_delivery(lab, list(urls.values()))  # SNS delivers a moment later on AWS
    got = {}
    for name, url in urls.items():
        taken = _take_probes(lab, str(url), tag)
        got[name] = [ids[json.loads(fanout.unwrap(m["Body"]))["probe"]] for m in taken]
    return got


def _most() -> int:
    return int(facts.get("max_receive_messages").value)


def receipt_visibility(lab: Lab) -> int:
    """The visibility timeout of exercise 8.2's queue: short on a real clock, where each of the
    malformed receipt's retries really waits for it."""
    return RECEIPT_VISIBILITY if lab.virtual_time else REAL_CLOCK_VISIBILITY


def receipts(run: int) -> list[str]:
    """Exercise 8.2's bodies: JSON receipts, one of them malformed (a truncated write)."""
    bodies = [json.dumps({"receipt": f"r{run}-{i}", "cents": 100 * i}) for i in range(RECEIPTS)]
    bodies[MALFORMED_AT] = bodies[MALFORMED_AT][:12]
    return bodies


class _Watched:
    """A learner's handler, called as given, remembering whether it raised or answered badly."""

    def __init__(self, handler: Callable[[dict, Any], Any]) -> None:
        self.handler = handler
        self.raised = False
        self.bad_answer = False

    def __call__(self, event: dict, context: Any) -> Any:
        try:
            response = self.handler(event, context)
        except Exception:
            self.raised = True
            raise
        ids = [r["messageId"] for r in event["Records"]]
        if lambda_batches.failures(response, ids) == set(ids) and len(ids) > 1:
            self.bad_answer = True
        return response

    def why(self) -> str:
        """Why good records failed with their batch."""
        if self.raised:
            return _("raising fails the whole batch, so Lambda retries every record")
        if self.bad_answer:
            return _(
                "your handler returned something Lambda cannot read (an id not in the batch, a "
                "receipt handle, or not a list of {'itemIdentifier': messageId}), so it failed "
                "the whole batch"
            )
        return _("every record of the batch was reported as failed")


@expects("ex8.2", lab=LAB, handler=FUNCTION)
def check_partial_batch(lab: Lab, handler: Callable[[dict, Any], Any] | None) -> Check:
    """Exercise 8.2: ``handler(event, context)`` reports the malformed receipt as a batch item
    failure, so only it is retried and ends in the DLQ; the good receipts are deleted once."""
    exercise = "ex8.2"
    if not callable(handler):
        return hint(exercise, _("define handle_receipts(event, context) first"))
    run = next(_runs)
    sqs = lab.sqs
    with lab.trace.paused():
        pair = dlq.create_pair(
            sqs,
            f"receipts-8-2-{run}",
            max_receive_count=RECEIPT_RETRIES,
            source_attributes={"VisibilityTimeout": str(receipt_visibility(lab))},
        )
        bodies = receipts(run)
        for body in bodies:
            sqs.send_message(QueueUrl=pair.source_url, MessageBody=body)
        watched = _Watched(handler)
        try:
            result = lambda_batches.run(lab, pair.source_url, watched)
        except Exception as err:  # noqa: BLE001 - the learner's code may fail in any way
            failed = _("running your handler failed: {error}")
            return hint(exercise, failed.format(error=f"{type(err).__name__}: {err}"))
        parked = [m["Body"] for m in queues.peek(lab, pair.dlq_url)]
        left = sum(queues.depth(sqs, pair.source_url))
    bad = bodies[MALFORMED_AT]
    good_parked = [b for b in parked if b != bad]
    per_record = _(
        "catch the error per record, so one bad record does not fail the others, and report "
        "only the bad records as failed"
    )
    return first_problem(
        exercise,
        [
            (
                not good_parked,
                ngettext(
                    "{count} good receipt(s) ended in the DLQ next to the malformed one: {why} "
                    "(section 2)",
                    "{count} good receipt(s) ended in the DLQ next to the malformed one: {why} "
                    "(section 2)",
                    len(good_parked),
                ).format(count=len(good_parked), why=watched.why()),
                per_record,
                _(
                    "return {'batchItemFailures': [{'itemIdentifier': record['messageId']}]} for "
                    "the bad ones only"
                ),
            ),
            (
                not watched.raised,  # on a real clock the bad receipt may come in a batch alone
                _(
                    "your handler raised an exception: raising fails the whole batch, so Lambda "
                    "retries every record in it, good ones too (section 2)"
                ),
                per_record,
            ),
            (
                bad in parked,
                _(
                    "the malformed receipt was deleted as if it had succeeded: it should be "
                    "retried and then parked in the DLQ (section 2)"
                ),
                _(
                    "a record not reported in batchItemFailures counts as done: report the "
                    "malformed one's messageId instead of skipping it"
                ),
            ),
            (
                left == 0,
                ngettext(
                    "{count} message(s) are still in the source queue",
                    "{count} message(s) are still in the source queue",
                    left,
                ).format(count=left),
            ),
            (
                len(set(result.processed)) == RECEIPTS - 1,
                _("{count} good receipts were processed; want {want}").format(
                    count=len(set(result.processed)), want=RECEIPTS - 1
                ),
            ),
        ],
        _(
            "the {good} good receipts were processed and deleted; only the malformed one was "
            "received {retries} times and then parked in the DLQ."
        ).format(good=RECEIPTS - 1, retries=RECEIPT_RETRIES),
    )


@expects("ex8.4", lab=LAB)
def check_payroll_locked(lab: Lab) -> Check:
    """Exercise 8.4: ``payroll`` encrypted with SSE-KMS under a customer managed key (data key
    reused for an hour), reachable over TLS only, open to no one."""
    exercise, sqs = "ex8.4", lab.sqs
    url = queue_url(sqs, PAYROLL)
    if url is None:
        return hint(
            exercise,
            _("there is no queue named {name!r} yet: create it first").format(name=PAYROLL),
            f"sqs.create_queue(QueueName={PAYROLL!r})",
        )
    attrs = attributes(sqs, url)
    key = attrs.get("KmsMasterKeyId", "")
    findings = {f.check: f for f in security.audit(sqs, url)}
    return first_problem(
        exercise,
        [
            (
                security.encryption(attrs) == security.SSE_KMS,
                _(
                    "{name!r} uses {kind}: it must be encrypted with SSE-KMS under a key whose "
                    "policy you control (section 3)"
                ).format(name=PAYROLL, kind=_(security.encryption(attrs))),
                _(
                    "SSE-KMS is the KmsMasterKeyId attribute; make a key with "
                    "lab.client('kms').create_key()"
                ),
                "Attributes=security.kms_attributes(key_id, reuse_seconds=3600)",
            ),
            (
                key != security.AWS_MANAGED_KEY,
                _(
                    "{name!r} uses the AWS managed key {key}: you cannot change its key policy, "
                    "which lets anyone in the account who may use SQS use it (section 3)"
                ).format(name=PAYROLL, key=security.AWS_MANAGED_KEY),
                _(
                    "a customer managed key has a key policy of your own: make one with "
                    "lab.client('kms').create_key() and use its KeyId as KmsMasterKeyId"
                ),
            ),
            (
                _key_exists(lab, key),
                _("KMS has no key {key!r}: KmsMasterKeyId must name an existing key").format(
                    key=key
                ),
                _(
                    "use the KeyId (or ARN) that lab.client('kms').create_key() returned in "
                    "KeyMetadata"
                ),
            ),
            (
                attrs.get("KmsDataKeyReusePeriodSeconds") == str(PAYROLL_REUSE),
                _("KmsDataKeyReusePeriodSeconds is {value}; the exercise asks for one hour").format(
                    value=attrs.get("KmsDataKeyReusePeriodSeconds")
                ),
                _("one hour is {seconds} seconds").format(seconds=PAYROLL_REUSE),
            ),
            (
                findings["TLS only"].ok,
                _(
                    "{name!r} does not refuse plain HTTP: its policy has no Deny for requests "
                    "without TLS that covers this queue (section 3)"
                ).format(name=PAYROLL),
                _(
                    "a Deny for Principal *, Action sqs:* and Resource the queue's ARN, whose "
                    "only condition is aws:SecureTransport false"
                ),
                _("security.deny_insecure_transport(queue_arn) builds that statement"),
            ),
            (
                findings["not open to anyone"].ok,
                _("{detail} (section 3)").format(detail=findings["not open to anyone"].detail),
                _(
                    "or drop that Allow: with no Allow at all, only identity policies of the "
                    "queue's own account grant access"
                ),
            ),
        ],
        _(
            "{name!r} is encrypted under your customer managed key, refuses plain HTTP and is "
            "open to no one (on AWS; moto stores the policies without enforcing them)."
        ).format(name=PAYROLL),
    )


def _key_exists(lab: Lab, key_id: str) -> bool:
    """True for no key (nothing to look up), the AWS managed alias, or a key KMS can describe."""
    if not key_id or key_id == security.AWS_MANAGED_KEY:
        return True
    try:
        lab.client("kms").describe_key(KeyId=key_id)
    except ClientError:
        return False
    return True
