"""The classroom board's queues and store: the FIFO board queue with its DLQ, the file the board's
state is kept in, and the drain that applies reports with the course's own consumer.

The drain is chapter 3 and 5 at work: receive a batch, apply every report (idempotently, see
:mod:`sqslab.board`), write the state to disk, and only then let the consumer delete the batch. A
body that is not a report fails; it is released at once and, its receive count over the redrive
policy's ``maxReceiveCount``, moved by SQS to the board's DLQ, counted once by message id.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from sqslab import classroom_report, dlq
from sqslab.backoff import BackoffPolicy
from sqslab.board import BoardState
from sqslab.consumer import Consumer
from sqslab.consumer_result import Message
from sqslab.consumer_settings import StopPolicy

#: Environment variable naming the state file (default: under XDG_STATE_HOME, one per room).
STATE_ENV = "SQSLAB_CLASSROOM_STATE"
#: Receives of one message before SQS moves it to the DLQ (a malformed body fails every time).
MAX_RECEIVES = 2
#: The board queue's visibility timeout: a crashed board's batch comes back after this long.
VISIBILITY = 30
#: Failed (malformed) messages are made visible again at once, so they reach the DLQ quickly.
RELEASE_NOW = BackoffPolicy(base=0.01, cap=0.01)


@dataclass(frozen=True)
class Drained:
    """What one drain did."""

    applied: int
    duplicates: int
    malformed: int


def board_client(lab: Any) -> Any:
    """The SQS client the board uses: on a room (endpoint backend) one signed with the room key
    and without the lab's namespace prefix, since the board queue belongs to the room; else the
    lab's own client."""
    if lab.backend == "endpoint":
        from sqslab import workshop

        return workshop.room_client(lab.endpoint_url, lab.region)
    return lab.sqs


def create(sqs: Any, board: str) -> dlq.QueuePair:
    """The board queue (FIFO, one group per learner) and its DLQ, with a redrive policy."""
    return dlq.create_pair(
        sqs,
        board,
        fifo=True,
        max_receive_count=MAX_RECEIVES,
        source_attributes={"VisibilityTimeout": str(VISIBILITY)},
    )


def pair(sqs: Any, board: str) -> dlq.QueuePair:
    """The existing board queue and its DLQ (ClientError if the board was never created)."""
    url = sqs.get_queue_url(QueueName=board)["QueueUrl"]
    dlq_url = sqs.get_queue_url(QueueName=classroom_report.dlq_name(board))["QueueUrl"]
    return dlq.QueuePair(url, dlq_url, dlq.arn(sqs, url), dlq.arn(sqs, dlq_url), MAX_RECEIVES)


def depth(sqs: Any, queues: dlq.QueuePair) -> dict[str, int]:
    """The board queue's backlog and in-flight count, and the DLQ's depth."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    board = sqs.get_queue_attributes(QueueUrl=queues.source_url, AttributeNames=names)
    dead = sqs.get_queue_attributes(QueueUrl=queues.dlq_url, AttributeNames=names[:1])
    return {
        "waiting": int(board["Attributes"][names[0]]),
        "in_flight": int(board["Attributes"][names[1]]),
        "dead_letters": int(dead["Attributes"][names[0]]),
    }


class BoardStore:
    """The board's state on disk (JSON), written whole and atomically, one writer at a time."""

    def __init__(self, path: Path, roster: frozenset[str] = frozenset()) -> None:
        self.path = Path(path)
        #: Learners shown even before their first report (the room file's learners).
        self.roster = roster

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the store's lock (a board notebook and ``sqslab classroom status`` may both run)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def load(self) -> BoardState:
        """The saved state, or an empty board."""
        state = BoardState()
        if self.path.exists():
            state = BoardState.from_data(json.loads(self.path.read_text()))
        state.learners |= self.roster
        return state

    def save(self, state: BoardState) -> None:
        """Write ``state`` (to a temporary file, then renamed over the old one)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".board-")
        with os.fdopen(fd, "w") as out:
            json.dump(state.to_data(), out)
        os.replace(tmp, self.path)

    def clear(self) -> None:
        """Forget every report."""
        self.path.unlink(missing_ok=True)


def default_store(endpoint_url: str, board: str) -> BoardStore:
    """SQSLAB_CLASSROOM_STATE, else ``$XDG_STATE_HOME/sqslab/classroom-<host>-<port>-<board>.json``
    (the board notebook and the CLI on one machine share it)."""
    chosen = os.environ.get(STATE_ENV, "").strip()
    if chosen:
        return BoardStore(Path(chosen), room_roster())
    home = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    where = urlsplit(endpoint_url)
    name = f"classroom-{where.hostname}-{where.port or 80}-{board.removesuffix('.fifo')}.json"
    return BoardStore(home / "sqslab" / name, room_roster())


def room_roster(path: Path | None = None) -> frozenset[str]:
    """The learners of the room key file (``path``, SQSLAB_ROOM_FILE or ./sqslab-room.json), or
    none when there is no such file: the board then lists learners as they first report."""
    from sqslab import room
    from sqslab.errors import LabConfigError

    try:
        return frozenset(room.learners(room.room_file(path)))
    except LabConfigError:
        return frozenset()


def store_for(lab: Any, board: str) -> BoardStore:
    """The board's store for ``lab``: in a rehearsal (virtual clock) a fresh one in a temporary
    folder, so every rehearsal starts empty; in a room, :func:`default_store`."""
    if lab.virtual_time or not lab.endpoint_url:
        folder = Path(tempfile.mkdtemp(prefix="sqslab-board-"))
        return BoardStore(folder / "rehearsal.json")
    return default_store(lab.endpoint_url, board)


def drain(
    sqs: Any,
    url: str,
    store: BoardStore,
    *,
    idle: float = 1.0,
    wait_time: int = 0,
    clock: Any = None,
) -> Drained:
    """Apply every report waiting on the board queue, until it has been idle ``idle`` seconds."""
    with store.locked():
        state = store.load()
        before = (len(state.reports), state.duplicates, state.malformed)

        def apply_batch(batch: list[Message]) -> list[str]:
            failed = []
            for message in batch:
                try:
                    state.apply(classroom_report.parse(message.body))
                except classroom_report.MalformedReport:
                    state.note_malformed(message.id)
                    failed.append(message.id)
            store.save(state)  # saved before the consumer deletes the batch
            return failed

        Consumer(
            sqs,
            url,
            batch_handler=apply_batch,
            wait_time=wait_time,
            poll_pause=0.2,
            backoff=RELEASE_NOW,
            stop=StopPolicy(idle_timeout=idle),
            clock=clock,
        ).run()
    return Drained(
        len(state.reports) - before[0], state.duplicates - before[1], state.malformed - before[2]
    )


def reset(sqs: Any, queues: dlq.QueuePair, store: BoardStore) -> None:
    """Empty the board queue and its DLQ and forget every report (a new day, a new room)."""
    with store.locked():
        for url in (queues.source_url, queues.dlq_url):
            sqs.purge_queue(QueueUrl=url)
        store.clear()
