"""The load test's classroom board: every simulated learner reports its checks (one of them run
twice), an instructor's board drains the board queue while they work, and the run checks that
every report reached the board exactly once, timing each from check to board.
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from sqslab import board_queue, classroom_report
from sqslab.board import BoardState
from sqslab.classroom_report import Report
from sqslab.consumer import Consumer
from sqslab.consumer_result import Message
from sqslab.consumer_settings import StopPolicy

#: The checks each simulated learner runs: (exercise, outcome, attempt); the second is a re-run.
CHECKS = (("ex2.1", "hint", 1), ("ex2.1", "hint", 1), ("ex2.1", "pass", 2), ("ex3.1", "pass", 1))
HINT = "3 of 25 orders were not sent: read each batch's Failed list (section 2)"


@dataclass
class BoardRun:
    """What the learners reported and what the board applied, with times (perf_counter)."""

    sent: dict[str, float] = field(default_factory=dict)
    resent: int = 0
    applied: dict[str, float] = field(default_factory=dict)
    dropped: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def exact(self) -> bool:
        """Every report sent was applied, none twice, nothing applied that was not sent."""
        return set(self.applied) == set(self.sent) and not self.errors

    def latencies(self) -> list[float]:
        """Seconds from each check to the board applying its report."""
        return [self.applied[k] - t for k, t in self.sent.items() if k in self.applied]

    def summary(self, p95_ms: float) -> str:
        """The board's part of the load test's line."""
        return (
            f"reports_sent={len(self.sent)} applied={len(self.applied)} "
            f"duplicates_dropped={self.resent} board_exact={self.exact()} "
            f"board_p95_ms={p95_ms:.1f}"
        )


def report_checks(sqs: Any, board_url: str, learner: str, run: BoardRun) -> None:
    """One learner's checks, each sent as its kernel's reporter would send it."""
    session = secrets.token_hex(4)
    for exercise, outcome, attempt in CHECKS:
        at = datetime.now(UTC).isoformat()
        hint = HINT if outcome == "hint" else ""
        report = Report(learner, exercise, outcome, attempt, session, at, hint)
        began = time.perf_counter()
        try:
            sqs.send_message(QueueUrl=board_url, **report.send_args())
        except (BotoCoreError, ClientError) as err:
            with run.lock:
                run.errors.append(f"report {report.key}: {err}")
            continue
        with run.lock:
            if report.key in run.sent:
                run.resent += 1
            else:
                run.sent[report.key] = began


class BoardWatcher:
    """The instructor's board during the load test: a consumer in the background applying
    reports to a :class:`BoardState` and noting when each arrived."""

    def __init__(self, sqs: Any, board: str, run: BoardRun) -> None:
        self.queues = board_queue.create(sqs, board)
        self.run, self.state = run, BoardState()
        self.consumer = Consumer(
            sqs,
            self.queues.source_url,
            batch_handler=self._apply,
            wait_time=1,
            stop=StopPolicy(idle_timeout=None),
        )

    def _apply(self, batch: list[Message]) -> list[str]:
        failed = []
        for message in batch:
            try:
                report = classroom_report.parse(message.body)
            except classroom_report.MalformedReport:
                failed.append(message.id)
                continue
            with self.run.lock:
                if self.state.apply(report):
                    self.run.applied[report.key] = time.perf_counter()
                else:
                    self.run.dropped += 1
        return failed

    def start(self) -> BoardWatcher:
        self.consumer.start()
        return self

    def finish(self, timeout: float = 30.0) -> None:
        """Wait until every report sent has been applied (or ``timeout``), then stop."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.run.lock:
                if set(self.run.sent) <= set(self.run.applied):
                    break
            # a real sleep: the load test runs against a real-clock server on loopback (never moto),
            # and the board's consumer thread applies reports meanwhile
            time.sleep(0.05)
        self.consumer.stop()
        self.consumer.join()
