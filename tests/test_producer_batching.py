"""sqslab.batching: the batch-size check and the request parameters of one message."""

from __future__ import annotations

import pytest

from sqslab.batching import batch_entry, check_max_entries, message_params, send_params
from sqslab.errors import LimitError
from sqslab.messages import OutgoingMessage


@pytest.mark.parametrize("size", [1, 10])
def test_check_max_entries_accepts_one_to_ten(size: int) -> None:
    assert check_max_entries(size) == size


@pytest.mark.parametrize(
    ("size", "text"),
    [(0, "out of range"), (11, "1 to 10"), (True, "whole number"), (2.5, "whole number")],
)
def test_check_max_entries_names_the_limit(size: object, text: str) -> None:
    with pytest.raises(LimitError, match=text):
        check_max_entries(size)  # type: ignore[arg-type]


def test_a_plain_message_is_just_its_body() -> None:
    assert message_params(OutgoingMessage("hello")) == {"MessageBody": "hello"}


def test_every_option_becomes_its_parameter() -> None:
    message = OutgoingMessage(
        "b", attributes={"n": 3}, group_id="g", dedup_id="d", delay=5, id="e1"
    )
    assert message_params(message) == {
        "MessageBody": "b",
        "MessageAttributes": {"n": {"DataType": "Number", "StringValue": "3"}},
        "DelaySeconds": 5,
        "MessageGroupId": "g",
        "MessageDeduplicationId": "d",
    }
    assert batch_entry(message) == {"Id": "e1", **message_params(message)}
    assert send_params("url", message) == {"QueueUrl": "url", **message_params(message)}


def test_delay_zero_is_sent() -> None:
    assert message_params(OutgoingMessage("b", delay=0))["DelaySeconds"] == 0
