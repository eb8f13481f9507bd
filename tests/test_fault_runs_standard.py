"""Seeded fault runs on standard queues (even seeds; the FIFO half is in test_fault_runs_fifo.py):
nothing accepted is lost and the pool stops by itself."""

from __future__ import annotations

import pytest

from sqslab import faultruns
from sqslab.lab import start


def check_run(seed: int) -> faultruns.Outcome:
    """Run one seeded plan on a fresh moto lab and assert the pattern's promises."""
    plan = faultruns.Plan.draw(seed)
    lab = start("moto", seed=seed, quiet=True)
    try:
        outcome = faultruns.run(lab, plan)
    finally:
        lab.stop()
    assert outcome.accepted > 0
    assert outcome.lost == 0, outcome
    assert outcome.order_violations == 0, outcome
    assert outcome.stopped_by == "idle", outcome
    return outcome


@pytest.mark.parametrize("seed", range(0, faultruns.RUNS, 2))
def test_standard_fault_run(seed: int) -> None:
    assert not check_run(seed).plan.fifo
