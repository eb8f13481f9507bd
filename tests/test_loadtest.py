"""The workshop load test: 30 learners on one server at once, isolated, nothing lost."""

from __future__ import annotations

import pytest

from sqslab import loadtest
from sqslab.errors import LabConfigError


def test_thirty_learners_share_one_server_without_errors_or_losses(room):
    report = loadtest.run_room(room, learners=30, messages=40)
    print(report.summary())
    assert len(report.runs) == 30 and report.errors == 0
    assert report.lost == 0 and report.foreign == 0 and report.isolated()
    assert all(len(run.sent) == 40 and run.duplicates == 0 for run in report.runs)
    # each learner: create, 4 batch sends, receives and deletes, list -> at least 4 + 1 + 1 + 1
    assert report.requests >= 30 * 7 and report.p95_ms > 0


def test_a_learner_seeing_another_learners_message_breaks_isolation():
    run = loadtest.LearnerRun("learner01", sent={"learner01:0"}, received=["learner02:0"])
    report = loadtest.LoadReport([run], 1.0)
    assert run.foreign == ["learner02:0"] and run.lost == {"learner01:0"}
    assert not report.isolated() and report.lost == 1


def test_a_queue_listed_outside_the_namespace_breaks_isolation():
    run = loadtest.LearnerRun("learner01", queue_urls=["http://127.0.0.1:1/123456789012/orders"])
    assert not loadtest.LoadReport([run], 1.0).isolated()


@pytest.mark.parametrize(
    ("values", "expected"), [([], 0.0), ([5.0], 5.0), (list(map(float, range(1, 21))), 19.0)]
)
def test_p95_is_the_nearest_rank(values, expected):
    assert loadtest.percentile(values, 95) == expected


def test_only_loopback_servers_are_load_tested():
    with pytest.raises(LabConfigError, match="only against a server on this machine"):
        loadtest.run_room("http://10.0.0.5:4566", learners=1)


def test_the_command_prints_the_summary_and_exits_zero(room, capsys):
    assert loadtest.main(["--endpoint-url", room, "--learners", "3", "--messages", "12"]) == 0
    line = capsys.readouterr().out
    assert "learners=3 " in line and " errors=0 " in line and "p95_ms=" in line
