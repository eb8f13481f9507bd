"""A workshop load test: many simulated learners run chapter 2-3 workloads on one server at once.

Each learner has its own namespace and room key, creates a queue, sends its messages in batches,
consumes them with long polls and batch deletes, and checks that it got exactly its own messages.
Then it tries to read the next learner's queue three ways (receive, get its URL, list by its
prefix): on a room server (``sqslab server --room``) every try must be refused. The report counts
requests, errors, lost or foreign messages, refused cross reads and the 95th-percentile latency.
Each learner also reports its exercise checks to the classroom board (:mod:`sqslab.loadtest_board`),
which must receive every report exactly once. Loopback servers only: it is a load test, not something to point at a shared machine.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from botocore.exceptions import BotoCoreError, ClientError

from sqslab import classroom_report, facts, room, workshop
from sqslab.cli import LOOPBACK
from sqslab.errors import LabConfigError
from sqslab.loadtest_board import BoardRun, BoardWatcher, report_checks
from sqslab.namespace import Namespace
from sqslab.room import KeyPair


@dataclass
class LearnerRun:
    """What one simulated learner did and saw."""

    namespace: str
    requests: int = 0
    sent: set[str] = field(default_factory=set)
    received: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    queue_urls: list[str] = field(default_factory=list)
    probes: int = 0
    denied: int = 0

    @property
    def lost(self) -> set[str]:
        """Bodies sent but never received."""
        return self.sent - set(self.received)

    @property
    def foreign(self) -> list[str]:
        """Bodies received that this learner did not send (another learner's messages)."""
        return [b for b in self.received if b not in self.sent]

    @property
    def duplicates(self) -> int:
        """Receives of a body already received."""
        return len(self.received) - len(set(self.received))


class Learner:
    """One simulated learner: a client in its own namespace (signed with its own room key, if
    any) that times every request, and a plain one that tries to read another learner's queue."""

    def __init__(self, url: str, namespace: str, keys: KeyPair | None = None) -> None:
        credentials = None
        if keys is not None:
            credentials = {
                "aws_access_key_id": keys.access_key_id,
                "aws_secret_access_key": keys.secret_access_key,
            }
        self.sqs = workshop.room_client(url, credentials=credentials)
        Namespace(prefix=workshop.prefix(namespace)).attach(self.sqs.meta.events)
        self.prober = workshop.room_client(url, credentials=credentials)
        self.run = LearnerRun(namespace)

    def call(self, operation: str, **params: Any) -> dict[str, Any]:
        """Call ``operation``, recording its latency (not for a long poll that found nothing: it
        waits by design), and any error (then an empty reply)."""
        self.run.requests += 1
        began = time.perf_counter()
        try:
            reply = getattr(self.sqs, operation)(**params)
        except (BotoCoreError, ClientError) as err:
            self.run.errors.append(f"{operation}: {err}")
            return {}
        if operation != "receive_message" or reply.get("Messages"):
            self.run.latencies.append(time.perf_counter() - began)
        return reply

    def produce(self, url: str, messages: int) -> None:
        """Send ``messages`` bodies in batches of the SQS maximum."""
        size = int(facts.get("batch_max_entries").value)
        bodies = [f"{self.run.namespace}:{n}" for n in range(messages)]
        for start in range(0, messages, size):
            chunk = bodies[start : start + size]
            entries = [{"Id": str(i), "MessageBody": b} for i, b in enumerate(chunk)]
            reply = self.call("send_message_batch", QueueUrl=url, Entries=entries)
            self.run.sent.update(chunk[int(ok["Id"])] for ok in reply.get("Successful", []))

    def consume(self, url: str, idle_polls: int = 2) -> None:
        """Receive (long poll) and batch-delete until ``idle_polls`` receives in a row are empty."""
        size = int(facts.get("max_receive_messages").value)
        idle = 0
        while idle < idle_polls:
            reply = self.call(
                "receive_message", QueueUrl=url, MaxNumberOfMessages=size, WaitTimeSeconds=1
            )
            messages = reply.get("Messages", [])
            idle = 0 if messages else idle + 1
            if not messages:
                continue
            self.run.received.extend(m["Body"] for m in messages)
            entries = [
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)
            ]
            self.call("delete_message_batch", QueueUrl=url, Entries=entries)

    def probe(self, own_url: str, other: str) -> None:
        """Try to read learner ``other``'s queue three ways; count the tries the server refused."""
        queue = f"{workshop.prefix(other)}orders"
        tries = {
            "receive_message": {"QueueUrl": f"{own_url.rsplit('/', 1)[0]}/{queue}"},
            "get_queue_url": {"QueueName": queue},
            "list_queues": {"QueueNamePrefix": workshop.prefix(other)},
        }
        for operation, params in tries.items():
            self.run.requests += 1
            self.run.probes += 1
            try:
                getattr(self.prober, operation)(**params)
            except ClientError as err:
                if err.response["Error"]["Code"] == "AccessDenied":
                    self.run.denied += 1
            except BotoCoreError:
                pass

    def workload(self, messages: int, other: str = "outsider") -> LearnerRun:
        """Chapter 2-3 in small: create a queue, produce, consume, list what is left; then try
        to read learner ``other``'s queue."""
        url = self.call("create_queue", QueueName="orders").get("QueueUrl")
        if url is None:
            return self.run
        self.produce(url, messages)
        self.consume(url)
        self.run.queue_urls = self.call("list_queues").get("QueueUrls", [])
        self.probe(url, other)
        return self.run


@dataclass
class LoadReport:
    """The room's result: per-learner runs and the totals a workshop host cares about."""

    runs: list[LearnerRun]
    seconds: float
    board: BoardRun | None = None

    @property
    def requests(self) -> int:
        """Every request the learners made."""
        return sum(r.requests for r in self.runs)

    @property
    def errors(self) -> int:
        """Requests that failed."""
        return sum(len(r.errors) for r in self.runs)

    @property
    def lost(self) -> int:
        """Messages sent and never received, over all learners."""
        return sum(len(r.lost) for r in self.runs)

    @property
    def foreign(self) -> int:
        """Messages a learner received from another learner's queue (isolation broken)."""
        return sum(len(r.foreign) for r in self.runs)

    @property
    def probes(self) -> int:
        """Tries to read another learner's queue."""
        return sum(r.probes for r in self.runs)

    @property
    def denied(self) -> int:
        """Of those tries, the ones the server refused (AccessDenied)."""
        return sum(r.denied for r in self.runs)

    @property
    def p95_ms(self) -> float:
        """95th-percentile request latency in milliseconds (nearest rank; empty long polls, which
        wait by design, left out)."""
        return percentile([s * 1000 for r in self.runs for s in r.latencies], 95)

    def isolated(self) -> bool:
        """True when every learner listed only its own queue, received only its own messages,
        tried to read another learner's queue and was refused every time."""
        own = all(
            all(u.rsplit("/", 1)[1].startswith(workshop.prefix(r.namespace)) for u in r.queue_urls)
            for r in self.runs
        )
        refused = all(r.probes > 0 and r.denied == r.probes for r in self.runs)
        return own and refused and self.foreign == 0

    def summary(self) -> str:
        """One line: learners, requests, errors, lost, isolation, p95 latency, wall time, and
        the classroom board's reports."""
        board = ""
        if self.board is not None:
            p95 = percentile([s * 1000 for s in self.board.latencies()], 95)
            board = " " + self.board.summary(p95)
        return (
            f"learners={len(self.runs)} requests={self.requests} errors={self.errors} "
            f"lost={self.lost} isolated={self.isolated()} denied={self.denied}/{self.probes} "
            f"p95_ms={self.p95_ms:.1f} "
            f"seconds={self.seconds:.1f}{board}"
        )

    def ok(self) -> bool:
        """No error, nothing lost, isolated, and every report on the board exactly once."""
        board_ok = self.board is None or self.board.exact()
        return self.errors == 0 and self.lost == 0 and self.isolated() and board_ok


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank ``pct`` percentile of ``values`` (0.0 for none)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def check_loopback(url: str) -> None:
    """Refuse a server that is not on this machine."""
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK:
        raise LabConfigError(
            f"the load test runs only against a server on this machine (127.0.0.1), not {host!r}: "
            "start one with `sqslab server` and pass its http://127.0.0.1:PORT URL"
        )


def learner_keys(room_file: Path | None, namespace: str) -> KeyPair | None:
    """The learner's key in ``room_file`` (added if new), or None without a room."""
    if room_file is None:
        return None
    return room.learner_keys(room_file, namespace) or room.add_learner(room_file, namespace)


def run_room(
    url: str,
    learners: int = 30,
    messages: int = 40,
    make: Callable[[str, str, KeyPair | None], Learner] = Learner,
    room_file: Path | None = None,
    board: str | None = classroom_report.DEFAULT_BOARD,
) -> LoadReport:
    """Run ``learners`` simulated learners at once against the server at ``url``, each with its
    own key from ``room_file`` (the room server's key file) when given; each reports its checks
    to the classroom ``board`` (None: no board), which the instructor drains meanwhile."""
    check_loopback(url)
    names = [f"learner{n:02d}" for n in range(1, learners + 1)]
    people = [make(url, name, learner_keys(room_file, name)) for name in names]
    others = names[1:] + names[:1] if learners > 1 else ["outsider"]
    reports = BoardRun()
    watcher = None
    if board is not None:
        watcher = BoardWatcher(instructor_client(url, room_file), board, reports).start()

    def work(person: Learner, other: str) -> LearnerRun:
        run = person.workload(messages, other)
        if watcher is not None:
            report_checks(person.prober, watcher.queues.source_url, run.namespace, reports)
        return run

    began = time.perf_counter()
    with ThreadPoolExecutor(max_workers=learners) as pool:
        runs = list(pool.map(work, people, others))
    if watcher is not None:
        watcher.finish()
    return LoadReport(runs, time.perf_counter() - began, reports if watcher else None)


def instructor_client(url: str, room_file: Path | None) -> Any:
    """An SQS client for the instructor: the room's instructor key, else the dummy one."""
    if room_file is None:
        return workshop.room_client(url)
    keys = room.open_room(room_file)[0]
    credentials = {
        "aws_access_key_id": keys.access_key_id,
        "aws_secret_access_key": keys.secret_access_key,
    }
    return workshop.room_client(url, credentials=credentials)


def fresh_room(args: Any) -> LoadReport:
    """Run the load test on a new room server (its key file in a temporary directory)."""
    from sqslab.emulator.server import server_process

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / room.DEFAULT_FILE
        room.open_room(path)
        with server_process(room_file=path) as url:
            return run_room(url, args.learners, args.messages, room_file=path)


def main(argv: list[str] | None = None) -> int:
    """``python -m sqslab.loadtest``: a room on a fresh local room server; prints the summary."""
    import argparse

    parser = argparse.ArgumentParser(description="30 simulated learners on one sqslab server.")
    parser.add_argument("--learners", type=int, default=30, help="simulated learners (default 30)")
    parser.add_argument(
        "--messages", type=int, default=40, help="messages per learner (default 40)"
    )
    parser.add_argument(
        "--endpoint-url", default=None, help="a running local server (default: start a room)"
    )
    parser.add_argument(
        "--room-file",
        default=None,
        help="with --endpoint-url: that room server's key file (the learners are added to it)",
    )
    args = parser.parse_args(argv)
    if args.endpoint_url:
        path = Path(args.room_file) if args.room_file else None
        report = run_room(args.endpoint_url, args.learners, args.messages, room_file=path)
    else:
        report = fresh_room(args)
    print(report.summary())
    if not report.isolated() and report.probes and not report.denied:
        print(
            "not isolated: this server let learners read each other's queues; run the load test "
            "against `sqslab server --room` and pass its --room-file"
        )
    return 0 if report.ok() else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
