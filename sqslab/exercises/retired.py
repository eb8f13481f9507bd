"""Retired checks: exercises 2.3, 3.2 and 3.3 as they were before the learner wrote the boto3
calls themselves (a PayloadStore, a ``heartbeat_interval=``, the ``idempotent`` wrapper).

No notebook calls them any more (their successors are :mod:`~sqslab.exercises.claim_check`,
:mod:`~sqslab.exercises.heartbeat` and :mod:`~sqslab.exercises.duplicates`); they stay importable
only while ``tests/test_bad_input_lab.py`` still names them, and go once it no longer does.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab.exercises.arguments import LAB, LIST, NAME, TEXT, WHOLE, Expected, expects
from sqslab.exercises.base import Check, first_problem, queue_url
from sqslab.payloads import PayloadStore, parse_pointer
from sqslab.producer import human_size
from sqslab.queues import peek

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: What a consumer run returns (a ConsumeResult: its ``processed`` list), or None before it ran.
RESULT = Expected(
    "the result of your consumer run (result = consumer.run()), or None before you ran it",
    lambda v: v is None or isinstance(getattr(v, "processed", None), list),
)


@expects("ex2.3", lab=LAB, report=TEXT, queue=NAME)
def check_large_report(lab: Lab, report: str, queue: str = "reports") -> Check:
    """Exercise 2.3: one message in ``queue``, an S3 pointer whose object holds ``report``."""
    name = "ex2.3"
    url = queue_url(lab.sqs, queue)
    if url is None:
        return Check(name, False, f"run the set-up cell first: it creates the queue {queue!r}")
    messages = peek(lab, url)
    how = (
        "store = PayloadStore(lab.client('s3'), 'reports-payloads'); store.ensure_bucket(); "
        "Producer(sqs, url, payloads=store).send(report)"
    )
    if not messages:
        return Check(name, False, f"send the report through S3: {how}")
    restart = "re-run the set-up cell (it empties the queue) and"
    if len(messages) > 1:
        return Check(
            name,
            False,
            f"{len(messages)} messages are in {queue!r}: {restart} send the report once",
        )
    body, attributes = messages[0]["Body"], messages[0].get("MessageAttributes", {})
    where = parse_pointer(body)
    if where is None:
        return Check(
            name,
            False,
            f"the message body is {human_size(len(body.encode('utf-8')))} of text, not an S3 "
            f"pointer: send the whole report through a PayloadStore: {how}",
        )
    problem, resolved = _resolve(lab, body, attributes)
    if problem:
        return Check(name, False, problem)
    location = f"s3://{where[0]}/{where[1]}"
    if resolved != report:
        return Check(
            name,
            False,
            f"{location} holds {human_size(len(resolved.encode('utf-8')))} that differ from "
            f"`report`: {restart} send report itself",
        )
    return Check(
        name,
        True,
        f"the queue holds a {len(body.encode('utf-8'))}-byte pointer to {location}, which "
        f"resolves to the whole {human_size(len(report.encode('utf-8')))} report.",
    )


def _resolve(lab: Lab, body: str, attributes: dict[str, Any]) -> tuple[str | None, str]:
    """(problem, body): the pointer's object from S3, or why it cannot be read."""
    store = PayloadStore(lab.client("s3"), "unused")
    try:
        return None, store.resolve(body, attributes)
    except LookupError as err:
        return f"the message points to an object that is gone: {err}", ""
    except ValueError as err:
        return f"the S3 object does not match the message: {err}", ""
    except ClientError as err:
        code = err.response.get("Error", {}).get("Code", "an error")
        return (
            f"reading the pointer's S3 object failed with {code}: does the bucket exist? "
            "Call store.ensure_bucket() before sending",
            "",
        )


@expects("ex3.2", result=RESULT, expected=WHOLE)
def check_no_double_processing(result: Any, expected: int) -> Check:
    """Exercise 3.2 (failure lab): every message handled exactly once, none left behind."""
    name = "ex3.2"
    if result is None:
        return Check(name, False, "run your fixed consumer and pass its result to the check")
    twice = sorted(k for k, n in Counter(result.processed).items() if n > 1)
    return first_problem(
        name,
        [
            (
                not twice,
                f"{len(twice)} message(s) were processed twice: they stayed held longer than the "
                "visibility timeout, so another worker got them again; add heartbeat_interval= "
                "(or make the timeout longer than a whole received batch takes, or batch_size=1)",
            ),
            (
                len(set(result.processed)) == expected,
                f"{len(set(result.processed))} of {expected} messages were processed; let the "
                "consumer run until the queue is empty",
            ),
        ],
        f"all {expected} messages were processed exactly once, even though each takes longer "
        "than the visibility timeout.",
    )


@expects("ex3.3", effects=LIST, expected=LIST, duplicates=WHOLE)
def check_idempotent(effects: list[str], expected: list[str], duplicates: int) -> Check:
    """Exercise 3.3: with duplicate deliveries injected, each order's effect happened once."""
    name = "ex3.3"
    repeated = sorted(k for k, n in Counter(effects).items() if n > 1)
    return first_problem(
        name,
        [
            (
                duplicates > 0,
                "the realism layer injected no duplicate: enable it with duplicates= above 0",
            ),
            (
                not repeated,
                f"{len(repeated)} order(s) were charged twice ({', '.join(repeated[:3])}…): wrap "
                "the handler with sqslab.idempotency.idempotent(handler, key=...)",
            ),
            (
                sorted(set(effects)) == sorted(expected),
                "some orders were never charged: the handler must still process every new order",
            ),
        ],
        f"{duplicates} duplicate deliveries arrived and every order was charged exactly once.",
    )
