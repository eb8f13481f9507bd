"""High-throughput FIFO: AWS's rule for the two attributes, and the partition model built on the
registry's documented quotas (a group lives in one partition; partitions are capped by the
Region's quota), with its chart read back from the figure's data."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from sqslab import facts, partitions, plots
from sqslab.emulator.determinism import FIGSIZE
from sqslab.errors import LimitError, WrongTypeError

TOP, OTHER = partitions.TIERS[0], partitions.TIERS[-1]
PARTITION = facts.get("fifo_partition_throughput").value


@pytest.mark.parametrize(
    "scope, limit, allowed, high",
    [
        ("queue", "perQueue", True, False),
        ("messageGroup", "perQueue", True, False),
        ("queue", "perMessageGroupId", False, False),
        ("messageGroup", "perMessageGroupId", True, True),
        ("messagegroup", "perMessageGroupId", False, False),
        ("messageGroup", "perGroup", False, False),
    ],
)
def test_only_both_attributes_give_high_throughput(scope, limit, allowed, high):
    mode = partitions.mode({"DeduplicationScope": scope, "FifoThroughputLimit": limit})
    assert (mode.allowed, mode.high_throughput) == (allowed, high)


def test_a_missing_attribute_counts_as_its_default():
    assert partitions.mode({}) == partitions.Mode("queue", "perQueue")
    assert partitions.mode({"FifoQueue": "true"}).describe().startswith("normal throughput")


def test_each_combination_says_what_aws_documents():
    table = partitions.combinations()
    said = dict(
        zip(
            zip(
                table.column("DeduplicationScope"), table.column("FifoThroughputLimit"), strict=True
            ),
            table.column("what AWS does"),
            strict=True,
        )
    )
    assert len(said) == 4
    assert said[("queue", "perMessageGroupId")].endswith(
        facts.get("fifo_throughput_limit_scope").text
    )
    normal = f"normal throughput ({facts.get('fifo_throughput').text})"
    assert said[("messageGroup", "perQueue")] == f"{normal}; deduplication per message group"
    assert said[("queue", "perQueue")] == f"{normal}; deduplication across the queue"
    assert said[("messageGroup", "perMessageGroupId")].startswith("high throughput")


def test_a_wrong_value_is_named_with_the_values_it_takes():
    assert "takes queue or messageGroup" in partitions.Mode("group", "perQueue").describe()
    assert "perQueue or perMessageGroupId" in partitions.Mode("queue", "x").describe()


def test_a_group_always_lands_in_the_same_partition_and_groups_spread_evenly():
    assert partitions.partition_of("customer-17", 8) == partitions.partition_of("customer-17", 8)
    spread = Counter(partitions.partition_of(g, 8) for g in partitions.group_ids(8000))
    assert set(spread) == set(range(8))
    assert all(900 <= n <= 1100 for n in spread.values()), spread


def test_partitions_carry_the_regions_quota():
    for tier in partitions.TIERS:
        count = partitions.partition_count(tier)
        assert count == math.ceil(facts.get(tier).value / PARTITION)
        assert (count - 1) * PARTITION < facts.get(tier).value <= count * PARTITION
    assert partitions.partition_count(OTHER) == 8


@pytest.mark.parametrize("tier", partitions.TIERS)
def test_one_group_gets_one_partitions_quota_in_every_region(tier):
    one = partitions.ceiling(1, tier)
    assert (one.used, one.calls_per_second) == (1, PARTITION)
    assert one.messages_per_second(batch=10) == 10 * PARTITION


@pytest.mark.parametrize("tier", partitions.TIERS)
def test_more_groups_raise_the_ceiling_up_to_the_regions_quota(tier):
    rows = partitions.scaling([1, 2, 5, 10, 50, 100, 500, 1000, 5000], tier)
    calls = [r.calls_per_second for r in rows]
    assert calls == sorted(calls) and calls[-1] == facts.get(tier).value
    for r in rows:
        assert r.used <= min(r.groups, r.partitions)
        assert r.calls_per_second == min(facts.get(tier).value, r.used * PARTITION)


def test_ten_groups_in_other_regions_share_fewer_partitions_than_they_are():
    ten = partitions.ceiling(10, OTHER)
    assert ten.partitions == 8 and ten.used < 8
    assert ten.calls_per_second == ten.used * PARTITION < 10 * PARTITION


def test_the_scaling_table_has_a_column_per_region():
    table = partitions.scaling_table([1, 1000])
    assert table.columns[1] == "N. Virginia, Oregon, Ireland"
    assert table.column("all other Regions") == ["300", "2,400"]
    assert table.column("groups") == ["1", "1,000"]


def test_a_hot_group_stays_at_one_partitions_quota_and_its_neighbours_suffer():
    load = partitions.hot_group(20_000, 1000, 0.25)
    assert load.hot_asked == 5000 and load.hot_served <= PARTITION
    assert load.neighbours > 0
    assert load.neighbour_served < load.neighbour_asked  # squeezed with the hot group
    on_hot = load.hot_asked + load.neighbours * load.neighbour_asked
    assert load.hot_served / load.hot_asked == pytest.approx(PARTITION / on_hot)
    others = (1000 - 1 - load.neighbours) * load.neighbour_asked
    served_elsewhere = load.served - load.hot_served - load.neighbours * load.neighbour_served
    assert served_elsewhere == pytest.approx(others)  # every other partition under its quota
    assert load.throttled == pytest.approx(load.asked - load.served)
    assert "the hot group" in repr(load.table())


def test_the_regions_quota_caps_what_the_partitions_serve():
    load = partitions.hot_group(20_000, 1000, 0.25, OTHER)
    assert load.served == pytest.approx(facts.get(OTHER).value)
    assert load.hot_served < PARTITION


@pytest.mark.parametrize(
    "call, error",
    [
        (lambda: partitions.ceiling(0), LimitError),
        (lambda: partitions.ceiling("10"), WrongTypeError),
        (lambda: partitions.ceiling(10, "us-east-1"), WrongTypeError),
        (lambda: partitions.scaling([]), WrongTypeError),
        (lambda: partitions.partition_of("g", 0), LimitError),
        (lambda: partitions.hot_group(1000, 1, 0.5), LimitError),
        (lambda: partitions.hot_group(1000, 10, 1.5), LimitError),
        (lambda: partitions.hot_group(0, 10, 0.5), LimitError),
        (lambda: partitions.ceiling(1).messages_per_second(batch=11), LimitError),
        (lambda: partitions.mode("messageGroup"), WrongTypeError),
    ],
)
def test_bad_arguments_get_clear_errors(call, error):
    with pytest.raises(error):
        call()


def test_the_chart_draws_each_region_and_the_default_mode():
    counts = [1, 10, 100, 1000]
    rows = [c for tier in (TOP, OTHER) for c in partitions.scaling(counts, tier)]
    fig = plots.partition_scaling(rows)
    assert tuple(fig.get_size_inches()) == FIGSIZE
    ax = fig.axes[0]
    top, other, default = ax.lines
    assert list(top.get_xdata()) == counts
    assert list(top.get_ydata()) == [r.calls_per_second for r in rows[:4]]
    assert list(other.get_ydata()) == [r.calls_per_second for r in rows[4:]]
    assert list(default.get_ydata()) == [facts.get("fifo_throughput").value] * 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[:2] == ["N. Virginia, Oregon, Ireland", "all other Regions"]
    assert labels[2].startswith("default mode: 300")
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert ax.get_title() == partitions.LABEL


def test_the_chart_wants_ceilings():
    with pytest.raises(WrongTypeError, match="Ceiling"):
        plots.partition_scaling([1, 2, 3])


def test_errors_name_the_argument_and_the_choices():
    with pytest.raises(LimitError, match="groups must be 1 or more"):
        partitions.ceiling(0)
    with pytest.raises(WrongTypeError, match="fifo_ht_throughput_other"):
        partitions.ceiling(10, "us-east-1")
