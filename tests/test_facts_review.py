"""The facts added for the content review: sourced on AWS pages, and the high-throughput FIFO
figures consistent with AWS's own statement that batching gives ten times the call rate."""

from __future__ import annotations

import pytest

from sqslab import facts

NEW = (
    "fifo_group_receive",
    "fifo_ht_throughput_top",
    "fifo_ht_throughput_second",
    "fifo_ht_throughput_apac",
    "fifo_ht_throughput_london",
    "fifo_ht_throughput_other",
    "fifo_partition_throughput",
    "dlq_same_account_region",
    "sqs_aws_managed_key",
    "queue_policy_size",
    "queue_delete_name_wait",
)
TIERS = [k for k in NEW if k.startswith("fifo_ht_throughput_")]


@pytest.mark.parametrize("key", NEW)
def test_each_new_fact_has_an_aws_source_and_a_check_date(key):
    fact = facts.get(key)
    assert fact.source.startswith("https://docs.aws.amazon.com/")
    assert fact.checked == "2026-12-06" and fact.verified and fact.note


@pytest.mark.parametrize("key", TIERS)
def test_batched_high_throughput_is_ten_times_the_call_rate(key):
    fact = facts.get(key)
    batch = int(facts.get("batch_max_entries").value)
    assert fact.text == f"{fact.value:,.0f} API calls/s per action; " + (
        f"{fact.value * batch:,.0f} messages/s in batches of {batch}"
    )


def test_the_tiers_fall_from_the_largest_regions_to_the_rest():
    values = [facts.get(k).value for k in TIERS]
    assert values == sorted(values, reverse=True)
    assert values[0] == 70_000 and values[-1] == 2_400
    assert facts.get("fifo_throughput").value < values[-1]  # high throughput raises every tier
