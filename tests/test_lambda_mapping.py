"""The event source mapping's rules in ``lambda_batches.run``: filters delete what they do not
let through, the batching window gathers bigger batches, a FIFO partial failure is applied as
Lambda applies it (later records of the group deleted unless reported), an unreadable response
fails the whole batch, and the mapping's settings come from what boto3 stored."""

from __future__ import annotations

import json
import re
from collections import Counter

import pytest
from lambda_answers import stop_the_batch

from sqslab import dlq, facts, fifo_ledger, lambda_poller, lambda_stand_in, queues, scheduler
from sqslab import lambda_batches as lb
from sqslab.consumer import StopPolicy
from sqslab.errors import LimitError

PLACED = {"Filters": [{"Pattern": json.dumps({"body": {"event": ["order_placed"]}})}]}


def _queue(sqs, name, **attributes):
    attrs = {k: str(v) for k, v in attributes.items()}
    return sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]


def _send(sqs, url, bodies):
    for body in bodies:
        sqs.send_message(QueueUrl=url, MessageBody=body)


def _events(n):
    kinds = ["order_placed", "order_placed", "order_cancelled"]
    return [json.dumps({"order": i, "event": kinds[i % 3]}) for i in range(n)]


def test_a_filter_deletes_what_matches_no_filter_without_invoking(lab, sqs):
    url = _queue(sqs, "events")
    _send(sqs, url, [*_events(9), "not json at all"])
    seen = []
    result = lb.run(
        lab,
        url,
        lambda e, _: seen.extend(r["body"] for r in e["Records"]),
        **{"filter_criteria": PLACED},
    )
    placed = [b for b in _events(9) if "order_placed" in b]
    assert sorted(seen) == sorted(placed)
    assert result.filtered == 10 - len(placed) and len(result.processed) == len(placed)
    assert result.deleted == 10 and sum(queues.depth(sqs, url)) == 0  # gone, not left behind


def test_a_batch_with_nothing_that_matches_is_not_invoked(lab, sqs):
    url = _queue(sqs, "cancellations")
    _send(sqs, url, [json.dumps({"event": "order_cancelled"})] * 3)
    calls = []
    result = lb.run(lab, url, lambda e, _: calls.append(e), filter_criteria=PLACED)
    assert calls == [] and result.invocations == 0 and result.filtered == 3


def test_an_unsupported_filter_is_refused_before_anything_is_received(lab, sqs):
    url = _queue(sqs, "kept")
    _send(sqs, url, ["x"])
    numeric = {"Filters": [{"Pattern": json.dumps({"body": {"n": [{"numeric": [">", 1]}]}})}]}
    with pytest.raises(LimitError, match="'numeric' rule is not modelled"):
        lb.run(lab, url, lambda e, _: None, filter_criteria=numeric)
    assert queues.depth(sqs, url)[0] == 1


def test_the_batching_window_gathers_more_than_one_receive(lab, sqs):
    url = _queue(sqs, "gathered")
    _send(sqs, url, _events(25))
    result = lb.run(lab, url, lambda e, _: None, batch_size=20, batching_window=5)
    assert result.batch_sizes == [20, 5] and result.invocations == 2


def test_the_window_waits_for_a_batch_that_is_not_full(lab, sqs):
    url = _queue(sqs, "trickle")
    _send(sqs, url, _events(3))
    started = lab.clock.time()
    result = lb.run(lab, url, lambda e, _: None, batch_size=10, batching_window=7)
    (first,) = [e for e in result.events if e.kind == "started"]
    assert result.batch_sizes == [3] and first.time - started == pytest.approx(7, abs=1)


def test_without_a_window_a_batch_is_one_receive(lab, sqs):
    url = _queue(sqs, "prompt")
    _send(sqs, url, _events(3))
    started = lab.clock.time()
    result = lb.run(lab, url, lambda e, _: None)
    (first,) = [e for e in result.events if e.kind == "started"]
    assert result.batch_sizes == [3] and first.time - started < 1


@pytest.mark.parametrize(("limit", "sizes"), [(None, [15]), (100, [10, 5])])
def test_the_payload_limit_ends_a_batch_early(lab, sqs, monkeypatch, limit, sizes):
    if limit:  # 10 bodies of 60 bytes pass it: no second receive joins the batch
        monkeypatch.setattr(lambda_poller, "payload_limit", lambda: limit)
    url = _queue(sqs, "heavy")
    _send(sqs, url, ["x" * 60] * 15)
    result = lb.run(lab, url, lambda e, _: None, batch_size=20, batching_window=5)
    assert result.batch_sizes == sizes


def test_the_real_payload_limit_comes_from_the_registry():
    assert lambda_poller.payload_limit() == facts.get("lambda_batch_payload").value * 1024 * 1024


def test_run_refuses_batches_lambda_refuses(lab, sqs):
    url = _queue(sqs, "limits")
    fifo = _queue(sqs, "limits.fifo", FifoQueue="true")
    alone = facts.get("lambda_batch_without_window")
    with pytest.raises(LimitError, match=f"above {re.escape(alone.text)}"):
        lb.run(lab, url, lambda e, _: None, batch_size=int(alone.value) + 1)
    with pytest.raises(LimitError, match="MaximumBatchingWindowInSeconds=0"):
        lb.run(lab, fifo, lambda e, _: None, batching_window=1)
    with pytest.raises(LimitError, match="FIFO"):
        lb.run(lab, fifo, lambda e, _: None, batch_size=11)


# -- FIFO partial batch failures -------------------------------------------------------------


def _ledger_queue(sqs, name, ledger):
    url = _queue(sqs, f"{name}.fifo", FifoQueue="true", VisibilityTimeout=30)
    sent = fifo_ledger.steps(2, 5)
    fifo_ledger.send(sqs, url, sent)
    ledger.fail("acct-1", 2)
    return url, sent


def report_only_the_failed(ledger):
    def handler(event, context):
        failed = []
        for record in event["Records"]:
            try:
                ledger.apply(record)
            except fifo_ledger.LedgerBusy:
                failed.append({"itemIdentifier": record["messageId"]})
        return {"batchItemFailures": failed}

    return handler


def test_on_fifo_lambda_deletes_the_later_records_of_a_failed_group_unless_reported(lab, sqs):
    ledger = fifo_ledger.Ledger()
    url, sent = _ledger_queue(sqs, "only-failed", ledger)
    result = lb.run(lab, url, report_only_the_failed(ledger))
    assert ledger.out_of_order() == {"acct-1": [1, 3, 4, 5, 2]}
    assert len(result.ahead_of_failure) == 3  # acct-1's steps 3, 4 and 5
    assert not ledger.twice() and not ledger.missing(sent)


def test_stopping_at_the_first_failure_keeps_every_group_in_order(lab, sqs):
    ledger = fifo_ledger.Ledger()
    url, sent = _ledger_queue(sqs, "stop-first", ledger)
    result = lb.run(lab, url, stop_the_batch(ledger))
    assert ledger.out_of_order() == {} and result.ahead_of_failure == []
    assert ledger.orders() == {a: [1, 2, 3, 4, 5] for a in ("acct-1", "acct-2")}
    assert not ledger.twice() and not ledger.missing(sent)


def test_ahead_of_failure_names_only_later_records_of_the_failed_group():
    from sqslab.consumer import Message

    batch = [Message(str(i), "", f"h{i}", group_id=g) for i, g in enumerate("abab")]
    assert lambda_poller.ahead_of_failure(batch, {"0"}) == ["2"]
    assert lambda_poller.ahead_of_failure(batch, {"0", "2"}) == []
    assert lambda_poller.ahead_of_failure(batch, {"3"}) == []


# -- what fails the whole batch, and what is ignored -------------------------------------------


def test_an_invalid_item_identifier_brings_the_whole_batch_back(lab, sqs):
    pair = dlq.create_pair(sqs, "bad-ids", max_receive_count=5)
    _send(sqs, pair.source_url, ["a", "b", "c"])
    seen = Counter()

    def handler(event, context):
        seen.update(r["body"] for r in event["Records"])
        if seen["a"] == 1:  # the first time, report a receipt handle instead of a message id
            return {"batchItemFailures": [{"itemIdentifier": event["Records"][0]["receiptHandle"]}]}
        return {"batchItemFailures": []}

    result = lb.run(lab, pair.source_url, handler)
    assert seen == Counter({"a": 2, "b": 2, "c": 2})
    assert result.whole_batch_failures == 1 and result.failures == 3


def test_without_report_batch_item_failures_a_return_deletes_the_whole_batch(lab, sqs):
    url = _queue(sqs, "ignored")
    _send(sqs, url, ["ok", "bad"])
    seen = Counter()

    def handler(event, context):
        seen.update(r["body"] for r in event["Records"])
        bad = [r for r in event["Records"] if r["body"] == "bad"]
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in bad]}

    result = lb.run(lab, url, handler, report_failures=False)
    assert seen == Counter({"ok": 1, "bad": 1}) and result.deleted == 2 and result.failures == 0


# -- the mapping's settings ------------------------------------------------------------------


MAX = facts.get("lambda_max_concurrency")
GOOD = dict(
    batch_size=10,
    visibility_timeout=6 * 30,
    function_timeout=30,
    max_receive_count=int(facts.get("lambda_max_receive_count").value),
)


@pytest.mark.parametrize("most", [int(MAX.min), int(MAX.value)])
def test_maximum_concurrency_inside_its_range_is_accepted(most):
    assert lb.mapping_problems(**GOOD, maximum_concurrency=most) == []


@pytest.mark.parametrize("most", [0, int(MAX.min) - 1, int(MAX.value) + 1])
def test_maximum_concurrency_outside_its_range_is_refused(most):
    with pytest.raises(LimitError, match=re.escape(MAX.range_text())):
        lb.mapping_problems(**GOOD, maximum_concurrency=most)


def test_a_filter_is_checked_and_its_deletes_are_advised():
    (advice,) = lb.mapping_problems(**GOOD, filter_criteria=PLACED)
    assert facts.get("lambda_filter_deletes").text in advice
    with pytest.raises(LimitError, match="body"):
        lb.mapping_problems(
            **GOOD, filter_criteria={"Filters": [{"Pattern": '{"attributes": {}}'}]}
        )


def test_from_mapping_reads_what_create_event_source_mapping_stored(lab, sqs):
    url = _queue(sqs, "mapped")
    function = lambda_stand_in.stand_in_function(lab, "charge")
    client = lab.client("lambda")
    created = client.create_event_source_mapping(
        FunctionName=function,
        EventSourceArn=dlq.arn(sqs, url),
        BatchSize=50,
        MaximumBatchingWindowInSeconds=5,
        FunctionResponseTypes=["ReportBatchItemFailures"],
        ScalingConfig={"MaximumConcurrency": 3},
        FilterCriteria=PLACED,
        Enabled=False,
    )
    stored = client.get_event_source_mapping(UUID=created["UUID"])
    assert stored["State"] == "Disabled"
    assert lb.from_mapping(stored) == dict(
        batch_size=50,
        batching_window=5,
        concurrency=3,
        filter_criteria=PLACED,
        report_failures=True,
    )


def test_from_mapping_defaults_are_lambdas():
    settings = lb.from_mapping({})
    assert settings["batch_size"] == facts.get("lambda_batch_max_standard").default
    assert settings["concurrency"] == facts.get("lambda_initial_batches").value
    assert settings["batching_window"] == 0 and settings["filter_criteria"] is None
    assert settings["report_failures"] is False  # Lambda reads no partial response unless asked
    assert lb.from_mapping({"ScalingConfig": {"MaximumConcurrency": 1000}})["concurrency"] == (
        lb.LAB_POLLERS
    )


def test_the_stand_in_function_is_created_once_and_can_be_mapped(lab, sqs, capsys):
    first = lambda_stand_in.stand_in_function(lab, "charge-orders")
    assert first == lambda_stand_in.stand_in_function(lab, "charge-orders")
    assert first.endswith(":function:charge-orders") and capsys.readouterr().out == ""
    client = lab.client("lambda")
    url = _queue(sqs, "orders")
    client.create_event_source_mapping(
        FunctionName=first, EventSourceArn=dlq.arn(sqs, url), Enabled=False
    )
    (listed,) = client.list_event_source_mappings(FunctionName=first)["EventSourceMappings"]
    assert listed["EventSourceArn"] == dlq.arn(sqs, url)
    _send(sqs, url, ["left alone"])  # a disabled mapping is not run by moto
    assert queues.depth(sqs, url)[0] == 1


def test_on_aws_the_lab_creates_no_function(lab, capsys, monkeypatch):
    monkeypatch.setattr(lab, "backend", "aws")
    assert lambda_stand_in.stand_in_function(lab, "charge-orders") is None
    assert "creates no Lambda function or IAM role" in capsys.readouterr().out


def test_an_endpoint_without_lambda_skips_the_mapping(lab, capsys, monkeypatch):
    from botocore.exceptions import ClientError

    class NoLambda:
        def get_function(self, **_):
            raise ClientError({"Error": {"Code": "InternalFailure"}}, "GetFunction")

    monkeypatch.setattr(lab, "client", lambda name: NoLambda())
    assert lambda_stand_in.stand_in_function(lab, "charge-orders") is None
    assert "answers no Lambda calls" in capsys.readouterr().out


def test_the_workers_start_with_the_mappings_result_already_in_place(lab, sqs, monkeypatch):
    """On a real clock a worker runs as soon as it is spawned: a result swapped in after the
    spawns let a quick worker count into a plain ConsumeResult (real-clock CI, chapter 8:
    'ConsumeResult' object has no attribute 'filtered')."""
    url = _queue(sqs, "early")
    _send(sqs, url, _events(3))
    idle = StopPolicy(idle_timeout=30)
    poller = lambda_poller.MappingPoller(sqs, url, lambda batch: set(), workers=2, stop=idle)
    at_spawn = []
    real_spawn = scheduler.Scheduler.spawn

    def spawn_and_look(self, target, name=None):
        at_spawn.append((name, type(poller.result).__name__))
        return real_spawn(self, target, name)

    monkeypatch.setattr(scheduler.Scheduler, "spawn", spawn_and_look)
    result = poller.run()
    assert at_spawn and {kind for _, kind in at_spawn} == {"MappingResult"}, at_spawn
    assert result.invocations >= 1 and len(result.processed) == 3
