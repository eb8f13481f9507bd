"""The noisy-neighbour experiment (chapter 4, section 6): one seeded workload sent with plain boto3
without and with group ids; the quiet tenants' p95 dwell, in the result and in the chart."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sqslab import fairness, plots
from sqslab.emulator.determinism import FIGSIZE
from sqslab.errors import LabConfigError, LimitError


def senders(sqs):
    """The learner's two sends, as the chapter writes them."""

    def plain(queue_url, tenant, body):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body)

    def grouped(queue_url, tenant, body):
        sqs.send_message(QueueUrl=queue_url, MessageBody=body, MessageGroupId=tenant)

    return plain, grouped


@pytest.fixture
def comparison(lab, sqs):
    return fairness.compare(lab, *senders(sqs))


def test_the_workload_is_seeded_and_the_flood_keeps_sending():
    workload = fairness.Workload()
    arrivals = workload.arrivals()
    assert arrivals == fairness.Workload().arrivals()
    assert arrivals != replace(workload, seed=5).arrivals()
    flood = [a for a in arrivals if a.tenant == fairness.FLOOD]
    assert sum(a.at == 0 for a in flood) == workload.flood_burst
    assert max(a.at for a in flood) >= workload.seconds - 1  # no 5 minutes of quiet to end it
    quiet = {a.tenant for a in arrivals} - {fairness.FLOOD}
    assert len(quiet) == workload.quiet_tenants >= 10  # fewer would all be noisy by their share
    assert len({a.key for a in arrivals}) == len(arrivals)


def test_group_ids_make_the_quiet_tenants_wait_at_least_5_times_less(comparison):
    without, fair = comparison.without, comparison.with_groups
    assert not without.grouped and fair.grouped
    assert without.missing == [] and fair.missing == []  # nothing dropped
    assert set(without.dwell) == set(fair.dwell)
    assert comparison.ratio >= 5
    assert without.quiet_p95() >= 5 * fair.quiet_p95()
    assert fair.flood_p95() >= without.flood_p95()  # the flood waits longer instead
    quiet = [t for t in fair.dwell if t != fairness.FLOOD]
    assert all(fair.p95(t) < without.p95(t) for t in quiet)


def test_the_comparison_table_and_ratio_line(comparison):
    table = comparison.table()
    assert table.column("tenant")[0] == fairness.FLOOD
    assert table.column("tenant")[-1] == "quiet tenants"
    assert table.column("with group ids (s)")[-1] == f"{comparison.with_groups.quiet_p95():.1f}"
    assert repr(comparison).endswith(f"{comparison.ratio:.1f}x lower with group ids")


def test_the_chart_draws_each_tenants_p95_and_the_quiet_lines(comparison):
    fig = plots.tenant_dwell(comparison)
    ax = fig.axes[0]
    assert tuple(fig.get_size_inches()) == FIGSIZE
    tenants = [t.get_text() for t in ax.get_xticklabels()]
    assert tenants[0] == fairness.FLOOD and len(tenants) == 13
    bars = ax.patches
    without, fair = bars[: len(tenants)], bars[len(tenants) :]
    assert [b.get_height() for b in without] == [comparison.without.p95(t) for t in tenants]
    assert [b.get_height() for b in fair] == [comparison.with_groups.p95(t) for t in tenants]
    quiet_lines = [line.get_ydata()[0] for line in ax.lines if line.get_linestyle() == ":"]
    assert quiet_lines == [comparison.without.quiet_p95(), comparison.with_groups.quiet_p95()]
    assert quiet_lines[0] >= 5 * quiet_lines[1]  # the 5x, read off the figure
    assert "sqslab fidelity layer" in ax.get_title()


def test_p95_is_the_nearest_rank():
    assert fairness.p95([]) == 0
    assert fairness.p95(list(range(1, 101))) == 95
    assert fairness.p95([3.0]) == 3.0


def test_the_same_workload_gives_the_same_dwell_times(lab, sqs):
    plain, _ = senders(sqs)
    small = fairness.Workload(flood_burst=20, seconds=20, quiet_tenants=3)
    assert fairness.run(lab, plain, small).dwell == fairness.run(lab, plain, small).dwell


def test_a_workload_out_of_range_is_refused():
    with pytest.raises(LimitError):
        fairness.Workload(batch_size=11)
    with pytest.raises(LimitError):
        fairness.Workload(quiet_tenants=0)


def test_a_real_clock_is_refused_with_why(lab, sqs, monkeypatch):
    monkeypatch.setattr(type(lab), "virtual_time", property(lambda self: False))
    with pytest.raises(LabConfigError, match="only sqslab.s moto runs fair queues"):
        fairness.run(lab, senders(sqs)[0])
