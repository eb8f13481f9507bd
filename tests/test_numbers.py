"""Numbers in the lab's language (sqslab.numbers): the English f-string formats unchanged, the
Brazilian ones (120.000; US$ 0,40; 1,5 MiB) in Portuguese, and the tables, hints and sizes that use
them."""

from __future__ import annotations

import pytest

from sqslab import cost, fairness, numbers, partitions
from sqslab.messages import human_size
from sqslab.metric_cells import cell
from sqslab.orders.data import money as order_money

CASES = [1234567.891, 0.5, 0.0, 74148.4, 999.95, -1500.25]


@pytest.mark.parametrize("value", CASES)
@pytest.mark.parametrize("decimals", [0, 1, 2, 7])
def test_english_number_is_the_f_string_format(value, decimals):
    assert numbers.number(value, decimals) == f"{value:,.{decimals}f}"
    assert numbers.number(value, decimals, grouping=False) == f"{value:.{decimals}f}"


def test_portuguese_number_swaps_the_separators(portuguese):
    assert numbers.number(120_000) == "120.000"
    assert numbers.number(1_234_567.891, 2) == "1.234.567,89"
    assert numbers.number(3603, 1) == "3.603,0"
    assert numbers.number(3603, 1, grouping=False) == "3603,0"
    assert numbers.number(-1500.25, 1) == "-1.500,2"


def test_money_in_both_languages(portuguese):
    assert numbers.money(0.4) == "US$ 0,40"
    assert numbers.money(74_148.4) == "US$ 74.148,40"
    assert numbers.money(0.0000004, 7) == "US$ 0,0000004"
    assert numbers.money(-2.5) == "-US$ 2,50"
    numbers_in_english()


def numbers_in_english():
    """The English formats, checked after Portuguese was spoken (the language is switched back)."""
    from sqslab import i18n

    i18n.set_language("en")
    assert numbers.money(0.4) == "$0.40"
    assert numbers.money(74_148.4) == "$74,148.40"
    assert numbers.money(0.0000004, 7) == "$0.0000004"
    assert numbers.money(-2.5) == "-$2.50"
    assert numbers.percent(0.027, 1) == "2.7%"
    assert numbers.seconds(76.5) == "76.5 s"
    assert numbers.short(0.5) == "0.5"
    assert numbers.tick(1_000_000, 0) == "1,000,000"


def test_percent_seconds_short_and_ticks_in_portuguese(portuguese):
    assert numbers.percent(0.027, 1) == "2,7%"
    assert numbers.percent(0.87) == "87%"
    assert numbers.seconds(76.5) == "76,5 s"
    assert numbers.short(0.5) == "0,5"
    assert numbers.short(30.0) == "30"
    assert numbers.tick(1_000_000, 0) == "1.000.000"


def test_english_is_unchanged():
    numbers_in_english()
    assert human_size(1_258_291) == "1.2 MiB"
    assert human_size(2048) == "2 KiB"
    assert cost.money(0.0000004) == "$0.0000004"
    assert order_money(7_414_840) == "$74,148.40"
    assert order_money(-5) == "-$0.05"
    assert cell(8.8) == "8.8"


def test_sizes_and_money_of_sqslab_in_portuguese(portuguese):
    assert human_size(1_258_291) == "1,2 MiB"
    assert human_size(2048) == "2 KiB"
    assert human_size(512) == "512 B"
    assert cost.money(0.0000004) == "US$ 0,0000004"
    assert order_money(7_414_840) == "US$ 74.148,40"
    assert order_money(-5) == "-US$ 0,05"
    assert cell(8.8) == "8,8"
    assert cell(5.0) == "5"


def test_a_portuguese_table_shows_brazilian_thousands(portuguese):
    table = partitions.scaling_table([1, 1000])
    assert table.column("groups") == ["1", "1.000"]
    assert "1,000" not in repr(table)
    polling = repr(cost.as_table(cost.polling_cost()))
    assert "3.600,0" in polling
    assert "US$ 0,0014400" in polling


def test_the_same_tables_in_english_keep_commas():
    assert partitions.scaling_table([1, 1000]).column("groups") == ["1", "1,000"]
    polling = repr(cost.as_table(cost.polling_cost()))
    assert "3,600.0" in polling
    assert "$0.0014400" in polling


def test_a_portuguese_summary_writes_decimals_with_a_comma(portuguese):
    workload = fairness.Workload()
    assert "0,5 s" in workload.describe()
    assert "0.5 s" not in workload.describe()


def test_a_duration_in_a_hint_in_both_languages(portuguese):
    from sqslab import i18n, realclock
    from sqslab.exercises import heartbeat_hints

    assert realclock.span(7.5) == "7,5 s"
    assert heartbeat_hints.seconds(7.24) == "7,2"
    assert heartbeat_hints.seconds(36) == "36"
    i18n.set_language("en")
    assert realclock.span(7.5) == "7.5 s"
    assert heartbeat_hints.seconds(7.24) == "7.2"
