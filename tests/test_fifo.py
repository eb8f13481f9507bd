"""FIFO helpers: numbered streams per group, order reports, head-of-line blocking on moto."""

from __future__ import annotations

import pytest

from sqslab import fifo
from sqslab.consumer import StopPolicy, WorkerPool
from sqslab.emulator import realism


def run(lab, sqs, name: str, fifo_queue: bool, workers: int = 3, work=None, **kw):
    attrs = {"FifoQueue": "true"} if fifo_queue else {}
    url = sqs.create_queue(QueueName=name, Attributes=attrs)["QueueUrl"]
    fifo.send_streams(sqs, url, fifo.streams(3, 6), fifo=fifo_queue)
    handler, deliveries = fifo.recorder(lab, work or (lambda g, s, n: 1.0))
    WorkerPool(sqs, url, handler, workers=workers, stop=StopPolicy(idle_timeout=60), **kw).run()
    return fifo.report(deliveries), deliveries


def test_streams_interleave_groups_in_order():
    assert fifo.streams(2, 2) == [("g1", 1), ("g2", 1), ("g1", 2), ("g2", 2)]
    with pytest.raises(ValueError, match="at least 1 group"):
        fifo.streams(0, 3)


def test_fifo_keeps_each_group_in_order_with_several_workers(lab, sqs):
    result, deliveries = run(lab, sqs, "orders.fifo", True, batch_size=1)
    assert result.in_order()
    assert sorted(result.processed) == ["g1", "g2", "g3"]
    assert len({d.worker for d in deliveries}) > 1  # groups did flow in parallel


def test_standard_queue_with_realism_loses_order(lab, sqs):
    with realism.enable(lab, duplicates=0.0, reorder=0.8, seed=2):
        result, _ = run(lab, sqs, "orders", False, batch_size=1)
    assert not result.in_order()
    assert sum(result.out_of_order(g) for g in result.processed) > 0


def test_head_of_line_blocking_holds_back_only_its_group(lab, sqs):
    def work(group: str, seq: int, receive_count: int) -> float:
        return 120.0 if (group, seq) == ("g1", 2) else 1.0

    result, deliveries = run(
        lab, sqs, "blocked.fifo", True, work=work, batch_size=1, heartbeat_interval=10
    )
    assert result.in_order()
    done = {g: max(d.time for d in deliveries if d.group == g) for g in ("g1", "g2", "g3")}
    assert done["g1"] - min(done["g2"], done["g3"]) >= 100


def test_report_counts_late_and_repeated_messages():
    report = fifo.OrderReport({"g1": [1, 3, 2, 3], "g2": [1, 2]})
    assert report.out_of_order("g1") == 1 and report.duplicates("g1") == 1
    assert not report.in_order()
    assert report.rows()[1] == ("g2", "1 2", 0, 0)
    assert "processed order" in repr(report.table())


def test_group_order_chart_draws_each_group_in_processing_order(lab, sqs):
    from sqslab import plots

    _, deliveries = run(lab, sqs, "chart.fifo", True, batch_size=1)
    fig = plots.group_order(deliveries)
    lines = {line.get_label(): list(line.get_ydata()) for line in fig.axes[0].lines}
    assert lines == {g: [1, 2, 3, 4, 5, 6] for g in ("g1", "g2", "g3")}
    with pytest.raises(ValueError, match="no deliveries"):
        plots.group_order([])


def test_order_run_on_fifo_keeps_every_group_in_order_despite_failures(lab, sqs):
    run = fifo.order_run(
        lab, "ordered", fifo=True, groups=3, workers=3, failure_rate=0.3, seed=1, per_group=4
    )
    assert sqs.get_queue_url(QueueName="ordered.fifo")["QueueUrl"]
    assert run.failures > 0 and run.order.in_order()
    assert sorted((d.group, d.seq) for d in run.deliveries) == sorted(fifo.streams(3, 4))
    assert run.summary() == {
        "in_order": True,
        "out_of_order": 0,
        "seconds": run.seconds,
        "failures": run.failures,
    }


def test_order_run_on_standard_loses_order_and_switches_realism_off(lab):
    run = fifo.order_run(
        lab, "unordered", fifo=False, groups=3, workers=3, failure_rate=0.0, seed=1
    )
    summary = run.summary()
    assert not summary["in_order"] and summary["out_of_order"] > 0
    assert summary["out_of_order"] == sum(run.order.out_of_order(g) for g in ("g1", "g2", "g3"))
    assert realism.current() is None
    one = fifo.order_run(lab, "one", fifo=True, groups=1, workers=1, failure_rate=0.0, seed=1)
    assert {d.group for d in one.deliveries} == {"g1"} and one.summary()["failures"] == 0
