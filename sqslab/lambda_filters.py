"""Chapter 8: Lambda's event filtering on an SQS event source mapping (``FilterCriteria``).

Lambda tests each message against the mapping's filters (ORed) before it builds a batch; a message
that matches none is deleted from the queue and never reaches the function. On SQS only the
``body`` key can be filtered. A JSON body is matched field by field
(``{"body": {"kind": ["order"]}}``); a plain-text body by a list of rules
(``{"body": [{"prefix": "order:"}]}``); a body whose format differs from its pattern's matches
nothing. Of EventBridge's rules this lab models equality (text, numbers, true/false, null) and
``prefix``; :func:`parse` refuses the others by name rather than guessing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqslab import facts
from sqslab.errors import LimitError
from sqslab.i18n import _

#: The one record key an SQS event source mapping filters on.
BODY = "body"
#: EventBridge rules AWS has and this lab does not model (they are refused by name).
NOT_MODELLED = (
    "anything-but",
    "numeric",
    "exists",
    "suffix",
    "equals-ignore-case",
    "wildcard",
    "cidr",
)

Pattern = dict[str, Any]


def parse(criteria: Mapping[str, Any] | None) -> list[Pattern]:
    """The patterns of a ``FilterCriteria`` (``{"Filters": [{"Pattern": "<json>"}]}``), checked;
    an empty list for no criteria. Raises :class:`LimitError` naming what is wrong."""
    if not criteria:
        return []
    filters = criteria.get("Filters") if isinstance(criteria, Mapping) else None
    if not isinstance(filters, list):
        raise LimitError(
            _("FilterCriteria takes {shape}; got {got!r}").format(
                shape='{"Filters": [{"Pattern": "<JSON text>"}, ...]}', got=criteria
            )
        )
    most = facts.get("lambda_filters_per_mapping")
    if len(filters) > most.value:
        raise LimitError(
            _("{count} filters: an event source mapping takes {most}").format(
                count=len(filters), most=most.translated("text")
            )
        )
    return [_pattern(item) for item in filters]


def _pattern(item: Any) -> Pattern:
    text = item.get("Pattern") if isinstance(item, Mapping) else None
    if not isinstance(text, str):
        raise LimitError(
            _("each filter is {shape}; got {got!r}").format(
                shape='{"Pattern": "<JSON text>"}', got=item
            )
        )
    try:
        pattern = json.loads(text)
    except ValueError as err:
        raise LimitError(
            _("a filter Pattern must be JSON text ({error}): {text!r}").format(error=err, text=text)
        ) from None
    if not isinstance(pattern, dict) or not pattern:
        raise LimitError(
            _("a filter Pattern is a JSON object such as {example}: {text!r}").format(
                example="{'body': ...}", text=text
            )
        )
    other = sorted(set(pattern) - {BODY})
    if other:
        rule = facts.get("lambda_filter_sqs_body")
        raise LimitError(
            _(
                "a filter on {keys}: Amazon SQS event source mappings filter on {rule} ({source})"
            ).format(keys=other, rule=rule.translated("text"), source=rule.source)
        )
    _check(pattern[BODY], "body")
    return pattern


def _check(node: Any, where: str) -> None:
    """Refuse a pattern node that is neither fields (a dict) nor a list of supported rules."""
    if isinstance(node, dict):
        if not node:
            raise LimitError(
                _("{where}: an empty pattern object matches nothing useful").format(where=where)
            )
        for key, child in node.items():
            _check(child, f"{where}.{key}")
        return
    if not isinstance(node, list) or not node:
        raise LimitError(
            _("{where}: each field takes a list of rules, e.g. ['order']; got {got!r}").format(
                where=where, got=node
            )
        )
    for rule in node:
        _check_rule(rule, where)


def _check_rule(rule: Any, where: str) -> None:
    if not isinstance(rule, dict):
        return  # an exact value: text, number, true/false or null
    if set(rule) == {"prefix"} and isinstance(rule["prefix"], str):
        return
    named = sorted(set(rule) & set(NOT_MODELLED))
    what = (
        _("the {name!r} rule").format(name=named[0])
        if named
        else _("the rule {rule!r}").format(rule=rule)
    )
    raise LimitError(
        _(
            "{where}: {what} is not modelled in this lab, which filters by equality and "
            "{prefix} only (AWS has EventBridge's full syntax)"
        ).format(where=where, what=what, prefix="{'prefix': ...}")
    )


def matches(patterns: list[Pattern], body: str) -> bool:
    """True when ``body`` satisfies at least one pattern (or there are none)."""
    return not patterns or any(_matches_body(p[BODY], body) for p in patterns)


def _matches_body(node: Any, body: str) -> bool:
    parsed = _json(body)
    if isinstance(node, dict):  # a JSON pattern: the body must be JSON too
        return parsed is not _PLAIN and _matches_fields(node, parsed)
    return parsed is _PLAIN and _matches_value(node, body)  # plain text against plain text


_PLAIN = object()


def _json(body: str) -> Any:
    """The body parsed as JSON, or ``_PLAIN`` for a plain-text body."""
    try:
        return json.loads(body)
    except ValueError:
        return _PLAIN


def _matches_fields(pattern: dict[str, Any], value: Any) -> bool:
    if not isinstance(value, dict):
        return False
    for key, node in pattern.items():
        if key not in value:
            return False
        child = value[key]
        if isinstance(node, dict):
            if not _matches_fields(node, child):
                return False
        elif not _matches_value(node, child):
            return False
    return True


def _matches_value(rules: list[Any], value: Any) -> bool:
    """True when the value (or, for a list, one of its items) satisfies one of the rules."""
    values = value if isinstance(value, list) else [value]
    return any(_rule(rule, v) for rule in rules for v in values)


def _rule(rule: Any, value: Any) -> bool:
    if isinstance(rule, dict):
        return isinstance(value, str) and value.startswith(rule["prefix"])
    return json.dumps(rule) == json.dumps(value)  # 300 and 300.0, or 1 and true, differ
