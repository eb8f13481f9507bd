"""Chapter 8: SQS as a Lambda trigger, run here without Lambda.

An event source mapping polls the queue, hands the function a batch as ``event["Records"]`` and
deletes what succeeded. With ``ReportBatchItemFailures`` the function returns the ids that failed
(``{"batchItemFailures": [{"itemIdentifier": message_id}]}``); only those come back. Raising, or
an answer Lambda cannot read (an empty, null or unknown ``itemIdentifier``), fails the whole
batch. :func:`run` drives a learner's ``handler(event, context)`` the same way
(:class:`~sqslab.lambda_poller.MappingPoller`: batching window, filters, FIFO as Lambda does it),
:func:`from_mapping` takes its settings from a mapping that ``create_event_source_mapping``
stored, and :func:`mapping_problems` checks a mapping against AWS's limits and advice.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from sqslab import dlq, facts, lambda_filters
from sqslab.arguments import CALLABLE, LAB, QUEUE_URL, check_count, requires
from sqslab.consumer import Message, StopPolicy
from sqslab.consumer_settings import queue_visibility
from sqslab.errors import LimitError
from sqslab.i18n import _
from sqslab.lambda_poller import MappingPoller, MappingResult

if TYPE_CHECKING:
    from sqslab.lab import Lab

LambdaHandler = Callable[[dict[str, Any], Any], Any]
#: What :func:`run` passes as ``context`` (this lab has no Lambda runtime to describe).
NO_CONTEXT = None
#: How long :func:`run` waits with nothing received before it stops, on the virtual clock.
IDLE_SECONDS = 60
#: On a real clock, :func:`run` waits this much longer than the queue's visibility timeout, so a
#: failed message is back (and retried) before the run gives up on the queue.
REAL_CLOCK_MARGIN = 2
#: The longest long poll SQS allows (WaitTimeSeconds).
LONGEST_POLL = 20
#: The most pollers :func:`from_mapping` asks :func:`run` for (a lab, not a fleet).
LAB_POLLERS = 10
#: A mapping's BatchSize when none is given (the registry's default).
DEFAULT_BATCH = int(facts.get("lambda_batch_max_standard").default or 10)


def record(message: Message, queue_arn: str, region: str = "us-east-1") -> dict[str, Any]:
    """One entry of ``event["Records"]`` as Lambda builds it from a received message."""
    return {
        "messageId": message.id,
        "receiptHandle": message.receipt_handle,
        "body": message.body,
        "attributes": dict(message.attributes),
        "messageAttributes": {
            name: attribute(value) for name, value in message.message_attributes.items()
        },
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def attribute(value: dict[str, Any]) -> dict[str, Any]:
    """A message attribute as Lambda shows it: camel-case keys, binary values in base64."""
    shown: dict[str, Any] = {
        "stringValue": value.get("StringValue"),
        "binaryValue": _base64(value.get("BinaryValue")),
        "stringListValues": list(value.get("StringListValues", [])),
        "binaryListValues": [_base64(v) for v in value.get("BinaryListValues", [])],
        "dataType": value.get("DataType", "String"),
    }
    return shown


def _base64(raw: bytes | None) -> str | None:
    return None if raw is None else base64.b64encode(raw).decode("ascii")


def event(messages: Iterable[Message], queue_arn: str, region: str = "us-east-1") -> dict:
    """The event a function receives for one batch."""
    return {"Records": [record(m, queue_arn, region) for m in messages]}


def listed(response: Any) -> set[Any] | None:
    """The item identifiers a function's return value lists as failed (empty for a success), or
    None for an answer Lambda cannot read (not an object, ``batchItemFailures`` not a list)."""
    if not response:
        return set()
    if not isinstance(response, dict):
        return None
    items = response.get("batchItemFailures")
    if items is None:
        return set()
    if not isinstance(items, list):
        return None
    return {item.get("itemIdentifier") if isinstance(item, dict) else None for item in items}


def failures(response: Any, batch_ids: Iterable[str]) -> set[str]:
    """The message ids a function's return value reports as failed.

    No value, or an empty list, means the whole batch succeeded. A response of another shape, or
    an identifier that is empty, null, under another key or not in the batch, makes Lambda treat
    the whole batch as failed, and so does this function."""
    ids = set(batch_ids)
    found = listed(response)
    if found is None or not found <= ids:
        return ids
    return {str(item_id) for item_id in found}  # all of them ids, so text


def batch_handler(
    handler: LambdaHandler, queue_arn: str, report_failures: bool = True
) -> Callable[[list[Message]], set[str]]:
    """Wrap ``handler(event, context)`` as a Consumer batch handler (raising fails the batch).

    Without ``report_failures`` (no ReportBatchItemFailures on the mapping) Lambda ignores what
    the function returns: returning at all means the whole batch succeeded."""

    def handle(batch: list[Message]) -> set[str]:
        response = handler(event(batch, queue_arn), NO_CONTEXT)
        return failures(response, (m.id for m in batch)) if report_failures else set()

    return handle


@requires(lab=LAB, queue_url=QUEUE_URL, handler=CALLABLE)
def run(
    lab: Lab,
    queue_url: str,
    handler: LambdaHandler,
    *,
    batch_size: int = 10,
    batching_window: int = 0,
    concurrency: int = 1,
    filter_criteria: dict[str, Any] | None = None,
    report_failures: bool = True,
    stop: StopPolicy | None = None,
) -> MappingResult:
    """Poll ``queue_url`` like an event source mapping until the queue stays empty for a minute
    (or ``stop``); what was processed, failed and filtered out.

    ``batch_size``, ``batching_window``, ``filter_criteria`` and ``report_failures``
    (ReportBatchItemFailures) are the mapping's settings, checked against Lambda's limits;
    ``concurrency`` is how many batches run at once. On a real clock "empty" lasts the queue's
    visibility timeout plus :data:`REAL_CLOCK_MARGIN` instead, so failed messages come back before
    the run stops, as they do on the virtual clock."""
    fifo = str(queue_url).endswith(".fifo")
    batching_limits(batch_size, batching_window, fifo)
    patterns = lambda_filters.parse(filter_criteria)
    idle = idle_seconds(lab, queue_url) + batching_window
    poller = MappingPoller(
        lab.sqs,
        queue_url,
        batch_handler(handler, dlq.arn(lab.sqs, queue_url), report_failures),
        batch_size=batch_size,
        batching_window=batching_window,
        patterns=patterns,
        workers=concurrency,
        wait_time=min(LONGEST_POLL, math.ceil(idle)),
        stop=stop or StopPolicy(idle_timeout=idle),
    )
    poller.run()
    return poller.result


def from_mapping(mapping: dict[str, Any]) -> dict[str, Any]:
    """:func:`run`'s settings from an event source mapping (what ``get_event_source_mapping``
    returns, or the same keys given to ``create_event_source_mapping``).

    ``ScalingConfig.MaximumConcurrency`` sets the pollers (at most :data:`LAB_POLLERS`); without it
    the lab runs as many as the batches Lambda starts with."""
    most = mapping.get("ScalingConfig", {}).get("MaximumConcurrency")
    start = int(facts.get("lambda_initial_batches").value)
    return {
        "batch_size": mapping.get("BatchSize", DEFAULT_BATCH),
        "batching_window": mapping.get("MaximumBatchingWindowInSeconds", 0),
        "concurrency": min(LAB_POLLERS, most or start),
        "filter_criteria": mapping.get("FilterCriteria") or None,
        "report_failures": "ReportBatchItemFailures" in mapping.get("FunctionResponseTypes", []),
    }


def idle_seconds(lab: Lab, queue_url: str) -> float:
    """How long :func:`run` waits with nothing received: a minute on the virtual clock; on a real
    one, just longer than the queue's visibility timeout (failed messages are back by then)."""
    if lab.virtual_time:
        return IDLE_SECONDS
    return queue_visibility(lab.sqs, queue_url) + REAL_CLOCK_MARGIN


def batching_limits(batch_size: int, batching_window: int, fifo: bool) -> None:
    """Raise :class:`LimitError` for a batch size or batching window Lambda refuses."""
    most = facts.get("lambda_batch_max_fifo" if fifo else "lambda_batch_max_standard")
    window = facts.get("lambda_batching_window")
    alone = facts.get("lambda_batch_without_window")
    check_count("batch_size", batch_size, minimum=None, example="batch_size=10")
    check_count("batching_window", batching_window, minimum=None, example="batching_window=5")
    if not 1 <= batch_size <= most.value:
        text = (
            _("batch size {size}: a FIFO queue allows 1 to {most}")
            if fifo
            else _("batch size {size}: a standard queue allows 1 to {most}")
        )
        raise LimitError(text.format(size=batch_size, most=most.translated("text")))
    if fifo and batching_window:
        raise LimitError(
            _("a FIFO queue takes no batching window: set MaximumBatchingWindowInSeconds=0")
        )
    if not 0 <= batching_window <= window.value:
        raise LimitError(
            _("batching window {window} s: Lambda allows 0 to {most}").format(
                window=batching_window, most=window.translated("text")
            )
        )
    if batch_size > alone.value and batching_window < 1:
        raise LimitError(
            _(
                "batch size {size} needs a batching window of at least 1 s "
                "(MaximumBatchingWindowInSeconds); above {alone} Lambda waits to fill the batch"
            ).format(size=batch_size, alone=alone.translated("text"))
        )


def concurrency_limits(maximum_concurrency: int | None) -> None:
    """Raise :class:`LimitError` for a ScalingConfig.MaximumConcurrency outside Lambda's range."""
    if maximum_concurrency is None:
        return
    fact = facts.get("lambda_max_concurrency")
    check_count("maximum_concurrency", maximum_concurrency, minimum=None, example="2")
    if not fact.min <= maximum_concurrency <= fact.value:
        raise LimitError(
            _(
                "MaximumConcurrency {value}: Lambda allows {range} (leave ScalingConfig out for "
                "no cap)"
            ).format(value=maximum_concurrency, range=fact.range_text())
        )


def mapping_problems(
    *,
    batch_size: int,
    batching_window: int = 0,
    fifo: bool = False,
    visibility_timeout: int,
    function_timeout: int,
    max_receive_count: int | None,
    report_batch_item_failures: bool = True,
    maximum_concurrency: int | None = None,
    filter_criteria: dict[str, Any] | None = None,
) -> list[str]:
    """What is wrong or risky in an SQS event source mapping; each line names the limit and the fix.

    Raises :class:`LimitError` for settings Lambda refuses; returns advice for settings it accepts."""
    batching_limits(batch_size, batching_window, fifo)
    concurrency_limits(maximum_concurrency)
    for name, value in (
        ("visibility_timeout", visibility_timeout),
        ("function_timeout", function_timeout),
    ):
        check_count(name, value, minimum=None, example=f"{name}=30")
    if max_receive_count is not None:
        check_count("max_receive_count", max_receive_count, minimum=None, example="5")
    lambda_filters.parse(filter_criteria)
    if function_timeout > visibility_timeout:
        raise LimitError(
            _(
                "function timeout {function} s is longer than the queue's visibility timeout "
                "{visibility} s; Lambda refuses the mapping: raise VisibilityTimeout"
            ).format(function=function_timeout, visibility=visibility_timeout)
        )
    advice = _advice(visibility_timeout, function_timeout, max_receive_count)
    if not report_batch_item_failures:
        advice.append(
            _(
                "ReportBatchItemFailures is off: Lambda ignores a returned batchItemFailures and "
                "deletes the whole batch; set FunctionResponseTypes=['ReportBatchItemFailures']"
            )
        )
    if filter_criteria:
        advice.append(
            _(
                "FilterCriteria: a message that matches no filter is {what}; make sure no other "
                "consumer needs it"
            ).format(what=facts.get("lambda_filter_deletes").translated("text"))
        )
    return advice


def _advice(
    visibility_timeout: int, function_timeout: int, max_receive_count: int | None
) -> list[str]:
    multiple = int(facts.get("lambda_visibility_multiple").value)
    receives = int(facts.get("lambda_max_receive_count").value)
    advice = []
    if visibility_timeout < multiple * function_timeout:
        advice.append(
            _(
                "visibility timeout {visibility} s is under {multiple} × the function timeout "
                "({least} s): AWS advises at least that, so retries after throttling do not "
                "bring messages back while a batch still runs"
            ).format(
                visibility=visibility_timeout,
                multiple=multiple,
                least=multiple * function_timeout,
            )
        )
    if max_receive_count is None:
        advice.append(
            _(
                "the queue has no DLQ: a poison message is retried until its retention ends; "
                "add a RedrivePolicy with maxReceiveCount {receives} or more"
            ).format(receives=receives)
        )
    elif max_receive_count < receives:
        advice.append(
            _(
                "maxReceiveCount {count} is under {receives}: throttled or failed batches can "
                "send good messages to the DLQ; AWS advises at least {receives}"
            ).format(count=max_receive_count, receives=receives)
        )
    return advice
