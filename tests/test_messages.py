"""sqslab.messages helpers shared with the producer."""

from __future__ import annotations

import pytest

from sqslab import facts
from sqslab.messages import fact_int


def test_fact_int_is_the_fact_value_as_an_int() -> None:
    value = fact_int("batch_max_entries")
    assert value == facts.get("batch_max_entries").value == 10
    assert type(value) is int
    assert fact_int("max_message_size") == int(facts.get("max_message_size").value)


def test_fact_int_of_an_unknown_fact_fails() -> None:
    with pytest.raises(KeyError):
        fact_int("no_such_fact")
