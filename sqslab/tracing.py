"""Following one request through a queue (chapter 6): ids and log lines that stay the same on every
run, so a notebook can show one order's log lines from both sides of a queue.

The lesson's own calls are plain boto3 and :mod:`logging`: the producer sends a correlation id as
a message attribute and an X-Ray trace header as the ``AWSTraceHeader`` system attribute (fact
``sqs_trace_header``); the consumer asks for both and logs them with the MessageId. This module
only supplies what a production service gets elsewhere: :func:`new_id` (``uuid.uuid4()`` there),
:func:`trace_header` (the X-Ray SDK there) and :func:`capture` (CloudWatch Logs there), all on the
lab's clock and a seeded generator.
"""

from __future__ import annotations

import logging
import random
import uuid
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from sqslab.arguments import LAB, requires
from sqslab.metric_cells import utc
from sqslab.tables import Table

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: The X-Ray trace header's format version, and the seed of each lab's id generator.
XRAY_VERSION = 1
SEED = 2026

_generators: weakref.WeakKeyDictionary[Any, random.Random] = weakref.WeakKeyDictionary()


def _rng(lab: Lab) -> random.Random:
    """The lab's own id generator: the same ids in the same order on every run."""
    return _generators.setdefault(lab, random.Random(SEED))


@requires(lab=LAB)
def new_id(lab: Lab, prefix: str = "req") -> str:
    """A correlation id such as ``req-3f2a9c1e``: a uuid4 from the lab's seeded generator, cut
    to 8 hex digits (in production: ``str(uuid.uuid4())``)."""
    value = uuid.UUID(int=_rng(lab).getrandbits(128), version=4)
    return f"{prefix}-{value.hex[:8]}"


@requires(lab=LAB)
def trace_header(lab: Lab, sampled: bool = True) -> str:
    """An X-Ray trace header, ``Root=1-<time>-<24 hex>;Parent=<16 hex>;Sampled=1``, with the lab's
    clock as the trace's start (in production the X-Ray SDK makes it)."""
    rng = _rng(lab)
    root = f"{XRAY_VERSION}-{int(lab.clock.time()):08x}-{rng.getrandbits(96):024x}"
    return f"Root={root};Parent={rng.getrandbits(64):016x};Sampled={int(sampled)}"


def trace_id(header: str) -> str:
    """The ``Root`` of a trace header: the id X-Ray joins a trace's segments by."""
    fields = dict(part.split("=", 1) for part in header.split(";") if "=" in part)
    return fields.get("Root", "")


class LabLog(logging.Handler):
    """Log lines of some loggers, each stamped with the lab's clock: ``09:41:20 shop  text``."""

    def __init__(self, lab: Lab, names: tuple[str, ...]) -> None:
        super().__init__(logging.INFO)
        self.lab = lab
        self.names = names
        self.records: list[tuple[float, str, str]] = []
        self._width = max((len(n) for n in names), default=0)
        self._before: dict[str, tuple[int, bool]] = {}

    def attach(self) -> None:
        """Collect the INFO lines of the loggers; they stop reaching the root logger."""
        for name in self.names:
            logger = logging.getLogger(name)
            self._before[name] = (logger.level, logger.propagate)
            logger.setLevel(logging.INFO)
            logger.propagate = False
            logger.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((self.lab.clock.time(), record.name, record.getMessage()))

    def lines(self, containing: str | None = None) -> list[str]:
        """Every line (or those that contain ``containing``, e.g. a correlation id), oldest first."""
        return [
            f"{utc(when):%H:%M:%S} {name:<{self._width}}  {text}"
            for when, name, text in self.records
            if containing is None or containing in text
        ]

    def table(self, containing: str | None = None) -> Table:
        """The lines as a table: time, logger, message."""
        rows = [
            (f"{utc(when):%H:%M:%S}", name, text)
            for when, name, text in self.records
            if containing is None or containing in text
        ]
        return Table(("time", "logger", "message"), rows)

    def __iter__(self) -> Iterator[str]:
        return iter(self.lines())

    def __repr__(self) -> str:
        return "\n".join(self.lines()) or f"<LabLog of {', '.join(self.names)}: no lines yet>"

    def close(self) -> None:
        """Stop collecting: the loggers go back to how they were."""
        for name, (level, propagate) in self._before.items():
            logger = logging.getLogger(name)
            logger.removeHandler(self)
            logger.setLevel(level)
            logger.propagate = propagate
        self._before.clear()
        super().close()


@requires(lab=LAB)
def capture(lab: Lab, *names: str) -> LabLog:
    """Collect the INFO lines of the loggers ``names`` on the lab's clock (until the lab stops);
    they no longer reach the root logger, so nothing prints on its own."""
    log = LabLog(lab, names)
    log.attach()
    lab.on_stop(log.close)
    return log
