"""Which AWS messaging service fits: the profiles and the ranking."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from sqslab import services


def _names(fits):
    return [f.service.name for f in fits]


def test_order_and_dedup_rank_sqs_fifo_first():
    fits = services.recommend({"order", "dedup"})
    assert _names(fits)[:2] == ["SQS FIFO", "SNS FIFO + SQS FIFO"]
    assert fits[0].complete and fits[1].complete and not fits[2].complete


def test_complete_fits_come_first_then_fewest_extras():
    for needs in ({"retry_each"}, {"fan_out"}, {"order"}, {"huge_scale", "no_servers"}):
        fits = services.recommend(needs)
        keys = [(len(f.missing), len(f.service.meets - set(needs))) for f in fits]
        assert keys == sorted(keys)
        assert [f.complete for f in fits] == sorted((f.complete for f in fits), reverse=True)


def test_each_fit_splits_the_needs_into_met_and_missing():
    asked = ["order", "replay", "no_servers"]
    for fit in services.recommend(asked):
        assert set(fit.met) == set(asked) & fit.service.meets
        assert set(fit.missing) == set(asked) - fit.service.meets


def test_replay_is_kinesis_only_and_protocols_amazon_mq_only():
    assert [f.service.name for f in services.recommend(["replay"]) if f.complete] == [
        "Kinesis Data Streams"
    ]
    (mq,) = [f for f in services.recommend(["protocols"]) if f.complete]
    assert mq.service.name.startswith("Amazon MQ")


def test_every_service_ranks_for_no_needs():
    fits = services.recommend([])
    assert len(fits) == len(services.SERVICES) and all(f.complete for f in fits)


def test_an_unknown_need_lists_the_known_ones():
    with pytest.raises(ValueError, match="teleport") as err:
        services.recommend(["order", "teleport"])
    for need in services.NEEDS:
        assert need in str(err.value)


def test_check_needs_returns_them_in_needs_order():
    assert services.check_needs(["dedup", "no_servers", "dedup"]) == ["no_servers", "dedup"]


def test_every_profile_uses_known_needs_and_cites_aws():
    assert len({s.name for s in services.SERVICES}) == len(services.SERVICES)
    for service in services.SERVICES:
        assert service.meets and service.meets <= services.NEEDS.keys()
        url = urlparse(service.source)
        assert url.scheme == "https"
        assert url.hostname == "aws.amazon.com" or url.hostname.endswith(".aws.amazon.com")
    used = set().union(*(s.meets for s in services.SERVICES))
    assert used == set(services.NEEDS)


def test_table_has_one_row_per_fit_with_what_it_misses():
    fits = services.recommend(["order", "fan_out"])
    table = services.as_table(fits)
    assert table.column("service") == _names(fits)
    assert table.column("meets") == [str(len(f.met)) for f in fits]
    assert table.column("misses") == [", ".join(f.missing) or "-" for f in fits]
