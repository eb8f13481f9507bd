"""Bad input to the lab, the clock, the workshop settings, the fidelity layer and the helpers
gets a sqslab error that names the rule and the fix, and the lab still works afterwards.

The same shape as ``tests/test_bad_input.py`` (the producer and consumer table): each
:class:`Case` runs an action against a :class:`World` and lists fragments its error text must
contain; limits in the fragments come from the fact registry. Exercise checks answer with a HINT
instead of raising: :func:`hint` turns a HINT into :class:`Hint` so they fit the same table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

import sqslab
from sqslab import (
    alarms,
    cost,
    dlq,
    facts,
    fanout,
    faults,
    fifo,
    idempotency,
    lambda_batches,
    monitor,
    plots,
    queues,
    scaling,
    security,
    services,
    timeline,
    widgets,
    workshop,
)
from sqslab import exercises as ex
from sqslab.backoff import BackoffPolicy
from sqslab.emulator import realism
from sqslab.emulator.clock import MAX_WAIT
from sqslab.errors import LabConfigError, LimitError, UnknownNameError, WrongTypeError
from sqslab.payloads import PayloadStore
from sqslab.scaling import ScalingPolicy


def fact(key: str) -> str:
    """The human text of a fact, e.g. ``14 days``."""
    return facts.get(key).text


NAMESPACE_RULE = "1 to 20 lowercase letters a-z and digits 0-9"
EXAMPLE_URL = "http://127.0.0.1:4566"


@dataclass
class World:
    """A running lab with a standard and a FIFO queue, and a way to change the environment."""

    lab: Any
    sqs: Any
    standard: str
    fifo: str
    monkeypatch: pytest.MonkeyPatch
    tmp_path: Path


class Hint(Exception):
    """An exercise check answered with a HINT (not PASS, and without raising)."""


@dataclass(frozen=True)
class Case:
    """One bad input: what to do, and what the error must say."""

    name: str
    action: Callable[[World], Any]
    fragments: tuple[str, ...]
    error: type[Exception] = LimitError


def hint(call: Callable[[World], Any]) -> Callable[[World], Any]:
    """An action running an exercise check: its HINT is raised as :class:`Hint`."""

    def action(w: World) -> None:
        result = call(w)
        if not isinstance(result, ex.Check) or result.passed:
            raise AssertionError(f"expected a HINT, got {result!r}")
        raise Hint(result.message)

    return action


def wait(seconds: Any) -> Callable[[World], Any]:
    """An action letting ``seconds`` pass on the lab's clock."""
    return lambda w: w.lab.wait(seconds)


def wait_past_the_end_of_time(w: World) -> None:
    """Wait 100 years again and again, until the clock would pass what datetime can show."""
    for _ in range(100):
        w.lab.wait(MAX_WAIT)


def start_with(backend: str | None = None, **env: str | None) -> Callable[[World], Any]:
    """An action starting a lab on ``backend`` with these environment variables (None unsets)."""

    def action(w: World) -> Any:
        for name, value in env.items():
            if value is None:
                w.monkeypatch.delenv(name, raising=False)
            else:
                w.monkeypatch.setenv(name, value)
        return sqslab.start(backend, quiet=True)

    return action


def aws_profile_that_does_not_exist(w: World) -> Any:
    """SQSLAB_BACKEND=aws with AWS_PROFILE=nope and an AWS config that has no such profile."""
    (w.tmp_path / "config").write_text("[default]\nregion = eu-west-1\n")
    return start_with(
        "aws",
        SQSLAB_BACKEND="aws",
        AWS_PROFILE="nope",
        AWS_CONFIG_FILE=str(w.tmp_path / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(w.tmp_path / "credentials"),
    )(w)


def attributes(url: str = "standard", **values: str) -> Callable[[World], Any]:
    """An action setting queue attributes with plain boto3."""
    return lambda w: w.sqs.set_queue_attributes(QueueUrl=getattr(w, url), Attributes=values)


def create(name: str, **values: str) -> Callable[[World], Any]:
    """An action creating a queue with plain boto3."""
    return lambda w: w.sqs.create_queue(QueueName=name, Attributes=values)


POLICY = ScalingPolicy(10, 1)


CLOCK_CASES = [
    Case("wait forever", wait(math.inf), ("cannot wait inf seconds", "finite", "lab.wait(60)")),
    Case("wait minus forever", wait(-math.inf), ("finite", "lab.wait(60)")),
    Case("wait not a number", wait(math.nan), ("cannot wait nan seconds", "finite")),
    Case(
        "wait a trillion seconds",
        wait(1e12),
        ("at most 100 years", fact("message_retention"), "lab.wait(14 * 24 * 3600)"),
    ),
    Case("wait a 400-digit number", wait(10**400), ("at most 100 years", "401 characters")),
    Case("wait backwards", wait(-1), ("only moves forward", "0 or more seconds")),
    Case(
        "wait a string",
        wait("10"),
        ("number of seconds", "str '10'", "lab.wait(60)"),
        WrongTypeError,
    ),
    Case("wait None", wait(None), ("number of seconds", "NoneType"), WrongTypeError),
    Case("wait True", wait(True), ("number of seconds",), WrongTypeError),
    Case(
        "wait past the year 9999",
        wait_past_the_end_of_time,
        ("9999-12-31", "datetime", "lab = sqslab.start()"),
    ),
]

LAB_CASES = [
    Case(
        "client of an unknown service",
        lambda w: w.lab.client("nope"),
        ("no service 'nope'", "service name as text"),
        LabConfigError,
    ),
    Case(
        "client with a typo",
        lambda w: w.lab.client("sqss"),
        ("did you mean", "'sqs'"),
        LabConfigError,
    ),
    Case("client of a number", lambda w: w.lab.client(42), ("no service 42",), LabConfigError),
    Case(
        "backend that is not text",
        lambda w: sqslab.start(42, quiet=True),
        ("a name as text", "moto, server, endpoint, aws"),
        LabConfigError,
    ),
    Case(
        "unknown backend",
        lambda w: sqslab.start("localstack", quiet=True),
        ("'localstack'", "choose one of"),
        LabConfigError,
    ),
    Case(
        "seed that is not a number",
        lambda w: sqslab.start(seed="x", quiet=True),
        ("seed is a whole number", "sqslab.start(seed=1)"),
        LabConfigError,
    ),
    Case(
        "endpoint URL without a scheme",
        start_with("endpoint", SQSLAB_ENDPOINT_URL="127.0.0.1:4566"),
        ("no http:// or https://", EXAMPLE_URL, "Fix SQSLAB_ENDPOINT_URL"),
        LabConfigError,
    ),
    Case(
        "endpoint URL with a port out of range",
        start_with("endpoint", SQSLAB_ENDPOINT_URL="http://127.0.0.1:99999"),
        ("port that is not a number from 1 to 65535", EXAMPLE_URL),
        LabConfigError,
    ),
    Case(
        "endpoint URL with port 0",
        start_with("endpoint", SQSLAB_ENDPOINT_URL="http://127.0.0.1:0"),
        ("port 0", "1-65535"),
        LabConfigError,
    ),
    Case(
        "endpoint URL that is a queue URL",
        start_with("endpoint", SQSLAB_ENDPOINT_URL=f"{EXAMPLE_URL}/123456789012/orders"),
        ("is it a queue URL?", EXAMPLE_URL),
        LabConfigError,
    ),
    Case(
        "endpoint URL with a space in the host",
        start_with("endpoint", SQSLAB_ENDPOINT_URL="http://my server:4566"),
        ("not a valid host name", "'my server'"),
        LabConfigError,
    ),
    Case(
        "endpoint backend without a URL",
        start_with("endpoint", SQSLAB_ENDPOINT_URL=None),
        ("needs SQSLAB_ENDPOINT_URL", EXAMPLE_URL, "sqslab server"),
        LabConfigError,
    ),
    Case(
        "endpoint backend with a namespace it would have changed",
        start_with("endpoint", SQSLAB_ENDPOINT_URL=EXAMPLE_URL, SQSLAB_NAMESPACE="a-b"),
        ("'-' (U+002D)", NAMESPACE_RULE, "SQSLAB_NAMESPACE"),
        LabConfigError,
    ),
    Case(
        "endpoint backend with an empty namespace",
        start_with("endpoint", SQSLAB_ENDPOINT_URL=EXAMPLE_URL, SQSLAB_NAMESPACE=""),
        ("is empty", NAMESPACE_RULE),
        LabConfigError,
    ),
    Case(
        "aws backend without the opt-in",
        start_with("aws", SQSLAB_BACKEND=None),
        ("opt-in only", "SQSLAB_BACKEND=aws"),
        LabConfigError,
    ),
    Case(
        "aws backend with a profile that does not exist",
        aws_profile_that_does_not_exist,
        ("profile 'nope' does not exist", "aws configure list-profiles", "AWS_PROFILE"),
        LabConfigError,
    ),
]

WORKSHOP_CASES = [
    Case(
        "namespace with a letter outside a-z",
        lambda w: workshop.clean("ålice"),
        ("'å' (U+00E5)", NAMESPACE_RULE, "'lice'"),
        LabConfigError,
    ),
    Case(
        "namespace with a hyphen",
        lambda w: workshop.clean("a-b"),
        ("'-' (U+002D)", "'ab'"),
        LabConfigError,
    ),
    Case(
        "namespace with punctuation",
        lambda w: workshop.clean("alice!"),
        ("'!' (U+0021)", "'alice'"),
        LabConfigError,
    ),
    Case("empty namespace", lambda w: workshop.clean(""), ("is empty",), LabConfigError),
    Case(
        "namespace over 20 characters",
        lambda w: workshop.prefix("a" * 21),
        ("21 characters", fact("queue_name_max_length")),
        LabConfigError,
    ),
    Case(
        "namespace that is not text",
        lambda w: workshop.clean(7),
        ("must be text", NAMESPACE_RULE),
        LabConfigError,
    ),
    Case(
        "endpoint URL of None",
        lambda w: workshop.check_endpoint_url(None),
        ("is empty", EXAMPLE_URL),
        LabConfigError,
    ),
]

FIDELITY_CASES = [
    Case(
        "RedrivePolicy that is not JSON (create)",
        create("broken", RedrivePolicy="not json"),
        ("InvalidAttributeValue", "Redrive policy is not a valid JSON map", "fidelity layer"),
        ClientError,
    ),
    Case(
        "RedrivePolicy that is not JSON (set)",
        attributes(RedrivePolicy="{deadLetterTargetArn: x}"),
        ("Invalid value for the parameter RedrivePolicy", "json.dumps"),
        ClientError,
    ),
    Case(
        "RedrivePolicy that is a JSON list",
        attributes(RedrivePolicy="[1, 2]"),
        ("not a valid JSON map",),
        ClientError,
    ),
    Case(
        "RedrivePolicy without maxReceiveCount",
        attributes(RedrivePolicy="{}"),
        ("does not contain mandatory attribute: maxReceiveCount", "set it to ''"),
        ClientError,
    ),
    Case(
        "RedrivePolicy without deadLetterTargetArn",
        attributes(RedrivePolicy='{"maxReceiveCount": 3}'),
        ("does not contain mandatory attribute: deadLetterTargetArn",),
        ClientError,
    ),
    Case(
        "queue Policy that is not JSON",
        attributes(Policy="allow everyone"),
        ("InvalidAttributeValue", "Invalid value for the parameter Policy", "fidelity layer"),
        ClientError,
    ),
    Case(
        "RedriveAllowPolicy that is not JSON",
        attributes(RedriveAllowPolicy="nope"),
        ("RedriveAllowPolicy is invalid", "JSON object"),
        ClientError,
    ),
    Case(
        "visibility timeout over the maximum",
        attributes(VisibilityTimeout="43201"),
        (fact("visibility_timeout"), "fidelity layer"),
        ClientError,
    ),
]

HELPER_CASES = [
    Case(
        "depth of the lab instead of the client",
        lambda w: queues.depth(w.lab, w.standard),
        ("the lab's SQS client", "it got the lab", "sqslab.queues.depth(sqs, url)"),
        WrongTypeError,
    ),
    Case(
        "depth of a number",
        lambda w: queues.depth(w.sqs, 42),
        ("a queue URL", "int 42"),
        WrongTypeError,
    ),
    Case(
        "peek with the client instead of the lab",
        lambda w: queues.peek(w.sqs, w.standard),
        ("sqslab.start()", "it got the SQS client"),
        WrongTypeError,
    ),
    Case("name problem of a number", lambda w: queues.name_problem(42), ("text",), WrongTypeError),
    Case(
        "DLQ pair named .fifo without fifo=True",
        lambda w: dlq.create_pair(w.sqs, "pay.fifo"),
        ("ends in .fifo", "fifo=True"),
    ),
    Case(
        "DLQ pair with an invalid name",
        lambda w: dlq.create_pair(w.sqs, "pay day"),
        ("invalid queue name", "hyphens"),
    ),
    Case(
        "DLQ pair with maxReceiveCount 0",
        lambda w: dlq.create_pair(w.sqs, "pay", max_receive_count=0),
        ("maxReceiveCount 0", "1 to 1000"),
    ),
    Case(
        "DLQ pair on the lab",
        lambda w: dlq.create_pair(w.lab, "pay"),
        ("SQS client", "it got the lab"),
        WrongTypeError,
    ),
    Case(
        "inspect with the client",
        lambda w: dlq.inspect(w.sqs, w.standard),
        ("it got the SQS client",),
        WrongTypeError,
    ),
    Case(
        "redrive policy with a number for the ARN",
        lambda w: dlq.redrive_policy(42, 3),
        ("an ARN", "QueueArn"),
        WrongTypeError,
    ),
    Case(
        "retention problem of a number",
        lambda w: dlq.retention_problem(w.sqs, 42),
        ("QueuePair", "dlq.create_pair"),
        WrongTypeError,
    ),
    Case(
        "timeline of the client",
        lambda w: timeline.of(w.sqs, w.standard),
        ("sqslab.timeline.of(lab, queue_url)",),
        WrongTypeError,
    ),
    Case(
        "subscriber of a number",
        lambda w: fanout.Subscriber(42),
        ("queue's name as text", "Subscriber('invoices')"),
        WrongTypeError,
    ),
    Case(
        "subscriber with a filter policy as text",
        lambda w: fanout.Subscriber("q", filter_policy='{"a": ["b"]}'),
        ("filter_policy is a dict",),
        WrongTypeError,
    ),
    Case(
        "subscriber with an unknown scope",
        lambda w: fanout.Subscriber("q", scope="Body"),
        ("'Body'", "MessageBody"),
    ),
    Case(
        "fan-out to a queue name instead of a list",
        lambda w: fanout.build(w.lab, "shop", "invoices"),
        ("list of one or more Subscriber", "str 'invoices'"),
        WrongTypeError,
    ),
    Case(
        "fan-out to nobody",
        lambda w: fanout.build(w.lab, "shop", []),
        ("one or more Subscriber",),
        WrongTypeError,
    ),
    Case(
        "fan-out with an invalid topic name",
        lambda w: fanout.build(w.lab, "shop events", [fanout.Subscriber("a")]),
        ("invalid topic name", "256"),
    ),
    Case(
        "fan-out to one queue twice",
        lambda w: fanout.build(w.lab, "shop", [fanout.Subscriber("a"), fanout.Subscriber("a")]),
        ("listed twice",),
    ),
    Case(
        "fan-out to an invalid queue name",
        lambda w: fanout.build(w.lab, "shop", [fanout.Subscriber("bad q!")]),
        ("invalid queue name", "underscores"),
    ),
    Case(
        "delivery policy of numbers",
        lambda w: fanout.delivery_policy(42, 42),
        ("an ARN",),
        WrongTypeError,
    ),
    Case("target of NaN", lambda w: scaling.target(math.nan, 1), ("finite", "target(10, 0.1)")),
    Case("target of text", lambda w: scaling.target("10", 1), ("number",), WrongTypeError),
    Case(
        "fractional max_instances",
        lambda w: ScalingPolicy(10, 1, max_instances=2.5),
        ("max_instances must be a whole number",),
        WrongTypeError,
    ),
    Case(
        "simulate with a number for the policy",
        lambda w: scaling.simulate(w.lab, 42),
        ("ScalingPolicy(10, 0.1)",),
        WrongTypeError,
    ),
    Case(
        "simulate negative arrivals",
        lambda w: scaling.simulate(w.lab, POLICY, arrivals=[-5]),
        ("arrivals[0] must be 0 or more",),
    ),
    Case(
        "simulate with one number for arrivals",
        lambda w: scaling.simulate(w.lab, POLICY, arrivals=42),
        ("list of messages per minute", "bursty_arrivals"),
        WrongTypeError,
    ),
    Case(
        "backlog alarm below zero",
        lambda w: alarms.backlog("orders", -5),
        ("messages must be a finite number 0 or more", "backlog('orders', 500)"),
    ),
    Case(
        "age alarm of infinity",
        lambda w: alarms.oldest_message_age("orders", math.inf),
        ("seconds must be a finite number",),
    ),
    Case(
        "age alarm of text",
        lambda w: alarms.oldest_message_age("orders", "300"),
        ("seconds must be a number",),
        WrongTypeError,
    ),
    Case(
        "alarm threshold NaN",
        lambda w: alarms.Alarm("a", monitor.VISIBLE, math.nan),
        ("threshold must be a finite number",),
    ),
    Case(
        "alarm on an unknown metric",
        lambda w: alarms.Alarm("a", "Backlog", 1),
        ("unknown AWS/SQS metric 'Backlog'", monitor.VISIBLE),
        UnknownNameError,
    ),
    Case(
        "DLQ alarm of None",
        lambda w: alarms.dlq_not_empty(None),
        ("a name as text",),
        WrongTypeError,
    ),
    Case(
        "sampler period of 61 s",
        lambda w: monitor.Sampler(w.lab, w.standard, period=61),
        ("whole number of minutes", "60"),
    ),
    Case(
        "sampler of a number",
        lambda w: monitor.Sampler(w.lab, 42),
        ("queue URL",),
        WrongTypeError,
    ),
    Case(
        "sampler of the client",
        lambda w: monitor.Sampler(w.sqs, w.standard),
        ("it got the SQS client",),
        WrongTypeError,
    ),
    Case(
        "monthly cost of NaN messages",
        lambda w: cost.monthly(math.nan),
        ("messages must be a whole number",),
        WrongTypeError,
    ),
    Case(
        "monthly cost of text",
        lambda w: cost.monthly("1000"),
        ("whole number",),
        WrongTypeError,
    ),
    Case(
        "billed requests of a negative payload",
        lambda w: cost.billed_requests(-1),
        ("payload_bytes must be 0 or more",),
    ),
    Case(
        "polling cost over infinite hours",
        lambda w: cost.polling_cost(hours=math.inf),
        ("hours must be a finite number",),
    ),
    Case("bill of a number", lambda w: cost.bill(42), ("lab.trace",), WrongTypeError),
    Case(
        "batch size curve for 1.5 messages",
        lambda w: cost.batch_size_curve(1.5, 100),
        ("messages must be a whole number",),
        WrongTypeError,
    ),
    Case(
        "payload over the SQS maximum",
        lambda w: cost.max_batch_size(int(facts.get("max_message_size").value) + 1),
        (fact("max_message_size"), "S3"),
    ),
    Case(
        "KMS reuse period as text",
        lambda w: security.kms_attributes(reuse_seconds="3600"),
        ("reuse_seconds must be a whole number",),
        WrongTypeError,
    ),
    Case(
        "KMS reuse period too short",
        lambda w: security.kms_attributes(reuse_seconds=5),
        (facts.get("kms_data_key_reuse").min_text, fact("kms_data_key_reuse")),
    ),
    Case(
        "KMS key id empty",
        lambda w: security.kms_attributes(key_id=""),
        ("a name as text",),
        WrongTypeError,
    ),
    Case(
        "TLS statement for a name instead of an ARN",
        lambda w: security.deny_insecure_transport("orders"),
        ("an ARN",),
        WrongTypeError,
    ),
    Case(
        "one need as text instead of a list",
        lambda w: services.recommend("retry_each"),
        ("['retry_each']",),
        WrongTypeError,
    ),
    Case(
        "unknown need",
        lambda w: services.recommend(["teleport"]),
        ("unknown needs ['teleport']", "retry_each"),
    ),
    Case(
        "payload bucket with capitals",
        lambda w: PayloadStore(w.lab.client("s3"), "Bad_Bucket"),
        ("invalid S3 bucket name", "3 to 63"),
    ),
    Case(
        "payload store on the SQS client",
        lambda w: PayloadStore(w.sqs, "reports-payloads"),
        ("S3 client", "lab.client('s3')"),
        WrongTypeError,
    ),
    Case(
        "idempotent of a number",
        lambda w: idempotency.idempotent(42),
        ("your function",),
        WrongTypeError,
    ),
    Case(
        "processed store of capacity 0",
        lambda w: idempotency.ProcessedStore(0),
        ("capacity must be at least 1",),
    ),
    Case(
        "recorder with work as a number",
        lambda w: fifo.recorder(w.lab, work=42),
        ("work(group, seq, receive_count)",),
        WrongTypeError,
    ),
    Case("streams of text", lambda w: fifo.streams("3", 3), ("whole number",), WrongTypeError),
    Case(
        "backoff chart of 0 receives",
        lambda w: plots.backoff_by_receive(BackoffPolicy(), 0),
        ("receives must be 1 or more",),
    ),
    Case(
        "backoff chart past maxReceiveCount",
        lambda w: plots.backoff_by_receive(BackoffPolicy(), 100_000),
        (f"at most {facts.get('max_receive_count').value:.0f} times",),
    ),
    Case(
        "outcome chart with a negative count",
        lambda w: plots.message_outcomes({"processed": -1}),
        ("a dict of counts",),
        WrongTypeError,
    ),
    Case(
        "depth chart of nothing",
        lambda w: plots.queue_depth([]),
        ("non-empty list",),
        WrongTypeError,
    ),
    Case(
        "monitor panel redrawn every 0 minutes",
        lambda w: widgets.monitor_panel(w.lab, live_every=0),
        ("1 or more",),
        WrongTypeError,
    ),
    Case(
        "service panel with one need as text",
        lambda w: widgets.service_panel("retry_each"),
        ("['retry_each']",),
        WrongTypeError,
    ),
    Case("DLQ panel of a number", lambda w: widgets.dlq_panel(42), ("int 42",), WrongTypeError),
    Case(
        "Lambda run with a number for the handler",
        lambda w: lambda_batches.run(w.lab, w.standard, 42),
        ("your function",),
        WrongTypeError,
    ),
    Case(
        "event source mapping with a timeout as text",
        lambda w: lambda_batches.mapping_problems(
            batch_size=10, visibility_timeout="30", function_timeout=10, max_receive_count=3
        ),
        ("visibility_timeout must be a whole number",),
        WrongTypeError,
    ),
    Case(
        "Lambda mapping batch over the maximum",
        lambda w: lambda_batches.mapping_problems(
            batch_size=10_001, visibility_timeout=30, function_timeout=10, max_receive_count=3
        ),
        (fact("lambda_batch_max_standard"),),
    ),
    Case(
        "realism on a number",
        lambda w: realism.enable(42),
        ("sqslab.start()",),
        WrongTypeError,
    ),
    Case(
        "invoice run without a handler",
        lambda w: ex.run_invoices(w.lab, None),
        ("your function", "run_invoices(lab, handler)"),
        WrongTypeError,
    ),
    Case(
        "thumbnail run with a number for the policy",
        lambda w: ex.run_thumbnails(w.lab, 42),
        ("ScalingPolicy",),
        WrongTypeError,
    ),
    Case(
        "batch failures injected into the lab instead of the client",
        lambda w: faults.inject_batch_failures(w.lab, rate=0.2),
        ("the lab's SQS client", "it got the lab"),
        WrongTypeError,
    ),
    Case(
        "batch failures with a number for the rule",
        lambda w: faults.inject_batch_failures(w.sqs, fail=42),
        ("a function of (entry_id, attempt)", "int 42"),
        WrongTypeError,
    ),
    Case(
        "batch failures with an empty error code",
        lambda w: faults.inject_batch_failures(w.sqs, rate=0.2, code=""),
        ("an error code as text", "code='InternalError'"),
        WrongTypeError,
    ),
    Case(
        "batch failures with both a rule and a rate",
        lambda w: faults.inject_batch_failures(w.sqs, lambda i, a: True, rate=0.2),
        ("exactly one of fail=", "rate="),
        WrongTypeError,
    ),
    Case(
        "batch failures at a rate of 150 %",
        lambda w: faults.inject_batch_failures(w.sqs, rate=1.5),
        ("fraction from 0 to 1", "1.5"),
    ),
    Case(
        "batch failures at a rate given as text",
        lambda w: faults.inject_batch_failures(w.sqs, rate="20%"),
        ("number from 0 to 1", "'20%'"),
        WrongTypeError,
    ),
]

CHECK_CASES = [
    Case(
        "1.1 given the lab",
        hint(lambda w: ex.check_payments_fifo(w.lab)),
        ("sqs = lab.sqs", "it got the lab", "check_payments_fifo(sqs)"),
        Hint,
    ),
    Case(
        "1.2 given a number",
        hint(lambda w: ex.check_thumbnails_queue(42)),
        ("int 42",),
        Hint,
    ),
    Case(
        "0.1 given the client",
        hint(lambda w: ex.check_first_roundtrip(w.sqs)),
        ("it got the SQS client", "check_first_roundtrip(lab)"),
        Hint,
    ),
    Case(
        "0.2 given a number for the queue",
        hint(lambda w: ex.check_comes_back(w.lab, 42)),
        ("queue name as text",),
        Hint,
    ),
    Case(
        "2.1 given one string of orders",
        hint(lambda w: ex.check_batch_orders(w.lab, "orders")),
        ("a list", "str 'orders'"),
        Hint,
    ),
    Case(
        "2.3 given a number for send_large",
        hint(lambda w: ex.check_claim_check(w.lab, 42, None)),
        ("a function you defined",),
        Hint,
    ),
    Case(
        "3.2 given the client for the lab",
        hint(lambda w: ex.check_heartbeat(w.sqs, None)),
        ("sqslab.start()",),
        Hint,
    ),
    Case(
        "3.3 given a number for the handler",
        hint(lambda w: ex.check_idempotent_handler(w.lab, 42)),
        ("a function you defined",),
        Hint,
    ),
    Case(
        "4.1 given a number for publish",
        hint(lambda w: ex.check_resend_safe(w.lab, 42)),
        ("a function",),
        Hint,
    ),
    Case(
        "4.2 given orders as text",
        hint(lambda w: ex.check_customer_groups([], "ORDERS", ("c-1", 1))),
        ("(customer, number) tuples",),
        Hint,
    ),
    Case(
        "4.3 given the lab",
        hint(lambda w: ex.check_high_throughput(w.lab)),
        ("it got the lab",),
        Hint,
    ),
    Case(
        "5.1 given the lab",
        hint(lambda w: ex.check_payments_pair(w.lab)),
        ("sqs = lab.sqs",),
        Hint,
    ),
    Case(
        "5.2 given a number for the run",
        hint(lambda w: ex.check_poison_caught(w.lab, 42)),
        ("InvoiceRun", "run_invoices"),
        Hint,
    ),
    Case(
        "6.1 given a number for the alarm",
        hint(lambda w: ex.check_stuck_alarm(42)),
        ("as an Alarm", "it got int 42"),
        Hint,
    ),
    Case(
        "6.2 given a number for the policy",
        hint(lambda w: ex.check_scaling_target(w.lab, 42)),
        ("ScalingPolicy", "it got int 42"),
        Hint,
    ),
    Case(
        "7.1 given a number for the function",
        hint(lambda w: ex.check_order_queues(w.lab, 42)),
        ("a function",),
        Hint,
    ),
    Case(
        "7.2 given the client for the lab",
        hint(lambda w: ex.check_order_producer(w.sqs, None)),
        ("sqslab.start()",),
        Hint,
    ),
    Case(
        "7.3 given a number for the function",
        hint(lambda w: ex.check_order_consumer(w.lab, 42)),
        ("a function",),
        Hint,
    ),
    Case(
        "7.4 given a number for the lab",
        hint(lambda w: ex.check_order_redrive(42, None)),
        ("sqslab.start()",),
        Hint,
    ),
    Case(
        "7.5 given a list for the function",
        hint(lambda w: ex.check_order_books([])),
        ("a function",),
        Hint,
    ),
    Case(
        "7.6 given a number for the run",
        hint(lambda w: ex.check_guide_stuck(42, [], {})),
        ("NaiveRun",),
        Hint,
    ),
    Case(
        "8.1 given the client",
        hint(lambda w: ex.check_shop_fanout(w.sqs)),
        ("it got the SQS client",),
        Hint,
    ),
    Case(
        "8.2 given a number for the handler",
        hint(lambda w: ex.check_partial_batch(w.lab, 42)),
        ("a function",),
        Hint,
    ),
]

CASES: list[Case] = [
    *CLOCK_CASES,
    *LAB_CASES,
    *WORKSHOP_CASES,
    *FIDELITY_CASES,
    *HELPER_CASES,
    *CHECK_CASES,
]


@pytest.fixture
def world(lab, monkeypatch, tmp_path) -> World:
    sqs = lab.sqs
    return World(
        lab=lab,
        sqs=sqs,
        standard=sqs.create_queue(QueueName="standard")["QueueUrl"],
        fifo=sqs.create_queue(QueueName="plain.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"],
        monkeypatch=monkeypatch,
        tmp_path=tmp_path,
    )


def still_works(w: World) -> None:
    """The lab is the one running, tells the time, and a queue can be made and used."""
    assert sqslab.lab.active() is w.lab
    assert w.lab.now().tzinfo is not None
    url = w.sqs.create_queue(QueueName="after")["QueueUrl"]
    w.sqs.send_message(QueueUrl=url, MessageBody="still here")
    got = w.sqs.receive_message(QueueUrl=url)["Messages"]
    assert [m["Body"] for m in got] == ["still here"]
    w.sqs.delete_message(QueueUrl=url, ReceiptHandle=got[0]["ReceiptHandle"])
    assert queues.depth(w.sqs, w.standard) == (0, 0, 0)


def test_the_two_tables_hold_at_least_a_hundred_cases():
    import test_bad_input  # the producer and consumer table, beside this file

    assert len(CASES) + len(test_bad_input.CASES) >= 100
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_names_the_rule_and_the_fix_and_the_lab_still_works(world, case):
    with pytest.raises(case.error) as info:
        case.action(world)
    text = str(info.value)
    for fragment in case.fragments:
        assert fragment in text
    assert "Traceback" not in text
    still_works(world)


def test_a_hint_names_where_the_learner_finds_a_function_not_where_it_now_lives():
    from sqslab import monitor, plots
    from sqslab.arguments import call_of

    assert call_of(monitor.Sampler.__init__) == "sqslab.monitor.Sampler(lab)"
    assert call_of(plots.queue_depth).startswith("sqslab.plots.queue_depth(")
    assert call_of(queues.depth) == "sqslab.queues.depth(sqs, url)"
