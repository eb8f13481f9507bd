"""`make bench` prints its three ratios and the stop latency as `name: value` lines (the values
are not asserted: machines differ; tests/test_consumer_faults.py asserts the stop bound)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

import bench  # noqa: E402


def test_bench_prints_the_three_ratios_and_the_stop_latency(capsys) -> None:
    bench.main(["--messages", "20", "--pool-messages", "16", "--repeat", "1"])
    lines = capsys.readouterr().out.strip().splitlines()
    names = [re.fullmatch(r"(\w+): (\d+\.\d\d)( s)?", line).group(1) for line in lines]
    assert names == [
        "batch_vs_single",
        "sqslab_overhead",
        "pool_speedup",
        "stop_during_20s_poll",
    ]
