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
from sqslab.exercises.base import Check, attributes, first_problem, queue_url

if TYPE_CHECKING:
    from sqslab.lab import Lab

TOPIC, INVOICES, SHIPPING = "shop-events", "invoices", "shipping"
PLACED, CANCELLED = "order_placed", "order_cancelled"
#: Exercise 8.2: receipts per run, which one is malformed, and the DLQ's maxReceiveCount.
RECEIPTS, MALFORMED_AT, RECEIPT_RETRIES = 9, 4, 3
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
        return "it has no Policy"
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
    ``order_placed``, raw delivery), each queue's policy allowing the topic."""
    exercise, sqs = "ex8.1", lab.sqs
    topic_arn = _topic_arn(lab, TOPIC)
    if topic_arn is None:
        return Check(exercise, False, f"create the topic first: sns.create_topic(Name={TOPIC!r})")
    found = {name: queue_url(sqs, name) for name in (INVOICES, SHIPPING)}
    urls = {name: url for name, url in found.items() if url is not None}
    missing = [name for name in found if name not in urls]
    if missing:
        return Check(exercise, False, f"create the queue(s) {missing} with sqs.create_queue")
    attrs = {name: attributes(sqs, url) for name, url in urls.items()}
    subs = _subscriptions(lab, topic_arn)
    for name in urls:
        if attrs[name]["QueueArn"] not in subs:
            return Check(
                exercise,
                False,
                f"{name!r} is not subscribed: sns.subscribe(TopicArn=topic_arn, Protocol='sqs', "
                f"Endpoint=<the QueueArn of {name!r}>)",
            )
    delivered = _probe(lab, topic_arn, urls)
    shipping_sub = subs[attrs[SHIPPING]["QueueArn"]]
    policy = {name: _policy_problem(attrs[name], topic_arn) for name in urls}
    name, problem = next(((n, p) for n, p in policy.items() if p), ("", None))
    return first_problem(
        exercise,
        [
            (
                problem is None,
                f"the policy of {name!r} does not let the topic send ({problem}): moto delivers "
                "anyway, but on AWS SNS drops every message to such a queue; set Policy to "
                "json.dumps(sqslab.fanout.delivery_policy(queue_arn, topic_arn))",
            ),
            (
                sorted(delivered[INVOICES]) == [CANCELLED, PLACED],
                f"{INVOICES!r} should get every event; it got {sorted(delivered[INVOICES])}: "
                "give it no FilterPolicy",
            ),
            (
                delivered[SHIPPING] == [PLACED],
                f"{SHIPPING!r} should get only {PLACED!r}; it got {delivered[SHIPPING]}: "
                'subscribe it with Attributes={"FilterPolicy": json.dumps({"event": '
                f'["{PLACED}"]}})}} (the event travels as a message attribute)',
            ),
            (
                shipping_sub.get("RawMessageDelivery") == "true",
                f"{SHIPPING!r} receives SNS's JSON envelope: add RawMessageDelivery='true' to "
                "its subscription so the body is the published order itself",
            ),
        ],
        f"{INVOICES!r} got both probe events, {SHIPPING!r} only the placed order, raw, and both "
        "queue policies let only your topic send.",
    )


def _probe(lab: Lab, topic_arn: str, urls: dict[str, str]) -> dict[str, list[str]]:
    """Publish a placed and a cancelled probe; which event each queue got, then remove them."""
    tag = f"probe-8.1-{next(_runs)}"
    sns = lab.client("sns")
    with lab.trace.paused():
        for event in (PLACED, CANCELLED):
            sns.publish(
                TopicArn=topic_arn,
                Message=json.dumps({"probe": tag, "kind": event}),  # no "event" key in the body
                MessageAttributes={"event": {"DataType": "String", "StringValue": event}},
            )
    got = {}
    for name, url in urls.items():
        taken = _take_probes(lab, str(url), tag)
        got[name] = [json.loads(fanout.unwrap(m["Body"]))["kind"] for m in taken]
    return got


def _most() -> int:
    return int(facts.get("max_receive_messages").value)


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
            return "raising fails the whole batch, so Lambda retries every record"
        if self.bad_answer:
            return (
                "your handler returned something Lambda cannot read (an id not in the batch, a "
                "receipt handle, or not a list of {'itemIdentifier': messageId}), so it failed "
                "the whole batch"
            )
        return "every record of the batch was reported as failed"


@expects("ex8.2", lab=LAB, handler=FUNCTION)
def check_partial_batch(lab: Lab, handler: Callable[[dict, Any], Any] | None) -> Check:
    """Exercise 8.2: ``handler(event, context)`` reports the malformed receipt as a batch item
    failure, so only it is retried and ends in the DLQ; the good receipts are deleted once."""
    exercise = "ex8.2"
    if not callable(handler):
        return Check(exercise, False, "define handle_receipts(event, context) first")
    run = next(_runs)
    sqs = lab.sqs
    with lab.trace.paused():
        pair = dlq.create_pair(
            sqs,
            f"receipts-8-2-{run}",
            max_receive_count=RECEIPT_RETRIES,
            source_attributes={"VisibilityTimeout": "30"},
        )
        bodies = receipts(run)
        for body in bodies:
            sqs.send_message(QueueUrl=pair.source_url, MessageBody=body)
        watched = _Watched(handler)
        try:
            result = lambda_batches.run(lab, pair.source_url, watched)
        except Exception as err:  # noqa: BLE001 - the learner's code may fail in any way
            return Check(
                exercise, False, f"running your handler failed: {type(err).__name__}: {err}"
            )
        parked = [m["Body"] for m in queues.peek(lab, pair.dlq_url)]
        left = sum(queues.depth(sqs, pair.source_url))
    bad = bodies[MALFORMED_AT]
    good_parked = [b for b in parked if b != bad]
    return first_problem(
        exercise,
        [
            (
                not good_parked,
                f"{len(good_parked)} good receipt(s) ended in the DLQ next to the malformed one: "
                f"{watched.why()}; catch the error per record and return "
                "{'batchItemFailures': [{'itemIdentifier': record['messageId']}]} for the bad "
                "ones only",
            ),
            (
                bad in parked,
                "the malformed receipt was deleted as if it had succeeded: report its messageId "
                "in batchItemFailures instead of skipping it, so it is retried and then parked "
                "in the DLQ",
            ),
            (left == 0, f"{left} message(s) are still in the source queue"),
            (
                len(set(result.processed)) == RECEIPTS - 1,
                f"{len(set(result.processed))} good receipts were processed; want {RECEIPTS - 1}",
            ),
        ],
        f"the {RECEIPTS - 1} good receipts were processed and deleted; only the malformed one was "
        f"received {RECEIPT_RETRIES} times and then parked in the DLQ.",
    )


@expects("ex8.3", lab=LAB)
def check_payroll_locked(lab: Lab) -> Check:
    """Exercise 8.3: ``payroll`` encrypted with SSE-KMS (alias/aws/sqs, data key reused for an
    hour), reachable over TLS only, open to no one."""
    exercise, sqs = "ex8.3", lab.sqs
    url = queue_url(sqs, PAYROLL)
    if url is None:
        return Check(
            exercise, False, f"create the queue first: sqs.create_queue(QueueName={PAYROLL!r})"
        )
    attrs = attributes(sqs, url)
    findings = {f.check: f for f in security.audit(sqs, url)}
    return first_problem(
        exercise,
        [
            (
                security.encryption(attrs) == security.SSE_KMS,
                f"{PAYROLL!r} uses {security.encryption(attrs)}: set KmsMasterKeyId "
                "(alias/aws/sqs, or a customer managed key) so that reading payroll also takes "
                "kms:Decrypt",
            ),
            (
                _key_exists(lab, attrs.get("KmsMasterKeyId", "")),
                f"KMS has no key {attrs.get('KmsMasterKeyId')!r}: use {security.AWS_MANAGED_KEY!r} "
                "or the KeyId of a key made with lab.client('kms').create_key()",
            ),
            (
                attrs.get("KmsDataKeyReusePeriodSeconds") == str(PAYROLL_REUSE),
                f"KmsDataKeyReusePeriodSeconds is {attrs.get('KmsDataKeyReusePeriodSeconds')}; "
                f"the exercise asks for one hour ({PAYROLL_REUSE})",
            ),
            (findings["TLS only"].ok, findings["TLS only"].detail),
            (findings["not open to anyone"].ok, findings["not open to anyone"].detail),
        ],
        f"{PAYROLL!r} is encrypted with your KMS key setting, refuses plain HTTP and is open to "
        "no one (on AWS; moto stores the policy without enforcing it).",
    )


def _key_exists(lab: Lab, key_id: str) -> bool:
    """True for no key (nothing to look up), the AWS managed SQS key, or a key KMS can describe."""
    if not key_id or key_id == security.AWS_MANAGED_KEY:
        return True
    try:
        lab.client("kms").describe_key(KeyId=key_id)
    except ClientError:
        return False
    return True
