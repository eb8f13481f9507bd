"""Seeded fault runs on FIFO queues (odd seeds): nothing lost, every group processed in order the
first time, the pool stops by itself; and the run's own measures."""

from __future__ import annotations

import json

import pytest
from test_fault_runs_standard import check_run

from sqslab import faultruns


@pytest.mark.parametrize("seed", range(1, faultruns.RUNS, 2))
def test_fifo_fault_run(seed: int) -> None:
    assert check_run(seed).plan.fifo


def test_the_plans_cover_every_fault() -> None:
    plans = [faultruns.Plan.draw(seed) for seed in range(faultruns.RUNS)]
    for name in ("error_rate", "slow_rate", "crash_rate", "send_failure_rate"):
        assert sum(getattr(p, name) > 0 for p in plans) >= 40, name
    for flag in ("heartbeat", "backoff", "realism", "fifo"):
        assert sum(getattr(p, flag) for p in plans) >= 40, flag
    assert sum(not p.heartbeat for p in plans) >= 40


def body(group: str, n: int) -> str:
    return json.dumps({"group": group, "n": n})


def test_order_violations_count_first_processings_only() -> None:
    done = [body("a", 0), body("b", 1), body("a", 2), body("a", 0), body("b", 1)]
    assert faultruns.order_violations(done) == 0
    assert faultruns.order_violations([body("a", 2), body("a", 0), body("b", 1)]) == 1


def test_a_crash_plan_really_crashes_workers(lab) -> None:
    seed = next(s for s in range(1, 400, 2) if faultruns.Plan.draw(s).crash_rate >= 0.1)
    outcome = faultruns.run(lab, faultruns.Plan.draw(seed))
    assert outcome.crashes > 0 and outcome.lost == 0
