"""Lambda's event filtering on SQS as the lab models it: patterns on the body only, equality and
prefix rules, filters ORed, a body whose format differs from its pattern's matching nothing, and
every other rule refused by name."""

from __future__ import annotations

import json
import re

import pytest

from sqslab import facts
from sqslab import lambda_filters as lf
from sqslab.errors import LimitError


def criteria(*patterns):
    return {"Filters": [{"Pattern": json.dumps(p)} for p in patterns]}


def matches(body, *patterns):
    return lf.matches(lf.parse(criteria(*patterns)), body)


ORDER = json.dumps({"event": "order_placed", "total": 300, "vip": True, "shop": {"id": "eu-1"}})


def test_no_criteria_lets_everything_through():
    assert lf.parse(None) == [] and lf.parse({}) == []
    assert lf.matches([], "anything") and lf.matches([], ORDER)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ({"body": {"event": ["order_placed"]}}, True),
        ({"body": {"event": ["order_cancelled"]}}, False),
        ({"body": {"event": ["order_cancelled", "order_placed"]}}, True),  # a list is an OR
        ({"body": {"event": ["order_placed"], "vip": [True]}}, True),  # fields are an AND
        ({"body": {"event": ["order_placed"], "vip": [False]}}, False),
        ({"body": {"total": [300]}}, True),
        ({"body": {"total": [300.0]}}, False),  # numbers compare as written, like EventBridge
        ({"body": {"vip": [1]}}, False),  # true is not 1
        ({"body": {"shop": {"id": ["eu-1"]}}}, True),  # nested fields
        ({"body": {"shop": {"id": [{"prefix": "eu-"}]}}}, True),
        ({"body": {"shop": {"id": [{"prefix": "us-"}]}}}, False),
        ({"body": {"coupon": ["none"]}}, False),  # a field the body lacks
        ({"body": {"event": {"type": ["x"]}}}, False),  # fields under a value that is text
    ],
)
def test_json_bodies_match_field_by_field(pattern, expected):
    assert matches(ORDER, pattern) is expected


def test_null_and_lists_in_the_body():
    body = json.dumps({"coupon": None, "tags": ["gift", "express"]})
    assert matches(body, {"body": {"coupon": [None]}})
    assert matches(body, {"body": {"tags": ["express"]}})  # one item of a list is enough
    assert not matches(body, {"body": {"tags": ["bulk"]}})


def test_plain_text_bodies_match_plain_rules():
    assert matches("order:42 placed", {"body": [{"prefix": "order:"}]})
    assert matches("ping", {"body": ["ping"]})
    assert not matches("refund:42", {"body": [{"prefix": "order:"}]})


def test_a_body_whose_format_differs_from_the_pattern_matches_nothing():
    assert not matches("order_placed", {"body": {"event": ["order_placed"]}})  # text vs JSON
    assert not matches(json.dumps("ping"), {"body": ["ping"]})  # JSON text vs a plain pattern
    assert not matches(ORDER, {"body": [{"prefix": "{"}]})


def test_filters_are_ored():
    cancelled = json.dumps({"event": "order_cancelled"})
    patterns = ({"body": {"event": ["order_placed"]}}, {"body": {"event": ["order_cancelled"]}})
    assert matches(cancelled, *patterns) and matches(ORDER, *patterns)
    assert not matches(json.dumps({"event": "refund"}), *patterns)


def test_only_the_body_can_be_filtered_on_sqs():
    body_only = facts.get("lambda_filter_sqs_body")
    with pytest.raises(LimitError, match=re.escape(body_only.text)):
        lf.parse(criteria({"attributes": {"MessageGroupId": ["acct-1"]}}))
    with pytest.raises(LimitError, match="messageAttributes"):
        lf.parse(criteria({"body": {"a": ["b"]}, "messageAttributes": {"x": ["y"]}}))


def test_more_filters_than_the_quota_are_refused():
    most = facts.get("lambda_filters_per_mapping")
    allowed = [{"body": {"n": [i]}} for i in range(int(most.value))]
    assert len(lf.parse(criteria(*allowed))) == most.value
    with pytest.raises(LimitError, match=re.escape(most.text)):
        lf.parse(criteria(*allowed, {"body": {"n": [99]}}))


@pytest.mark.parametrize("rule", lf.NOT_MODELLED)
def test_rules_the_lab_does_not_model_are_refused_by_name(rule):
    with pytest.raises(LimitError, match=f"'{rule}' rule is not modelled"):
        lf.parse(criteria({"body": {"total": [{rule: "x"}]}}))


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ({"Filters": "body"}, "FilterCriteria takes"),
        ({"Filters": [{"pattern": "{}"}]}, "each filter is"),
        ({"Filters": [{"Pattern": "{body: x}"}]}, "must be JSON text"),
        ({"Filters": [{"Pattern": "[1]"}]}, "is a JSON object"),
        (criteria({"body": {"event": "order_placed"}}), "takes a list of rules"),
        (criteria({"body": {}}), "empty pattern"),
        (criteria({"body": {"event": [{"prefix": 1}]}}), "not modelled"),
    ],
)
def test_malformed_criteria_say_what_is_wrong(given, match):
    with pytest.raises(LimitError, match=match):
        lf.parse(given)
