"""Which engine answers behind an ``endpoint`` lab, and the known ways it differs from AWS that
sqslab works around. Only LocalStack is recognised (by its ``/_localstack/health`` page); any other
endpoint (``sqslab server``, ElasticMQ) is taken to behave as AWS documents.

The differences are measured by ``scripts/localstack_probes.py`` and described in
``docs/localstack.md``; each constant below names the section there."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqslab import facts
from sqslab.i18n import N_, _, translated

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: docs/localstack.md 5.2: a message move task back into a FIFO queue re-sends each message with
#: its old deduplication id, which the queue still remembers for 5 minutes after the first send,
#: so the message is dropped as a duplicate (and counted as moved). AWS redrives a new message.
FIFO_REDRIVE_KEEPS_DEDUP_ID = "fifo-redrive-keeps-dedup-id"
#: docs/localstack.md 4.1 (localstack#12457): a FIFO message made visible again (visibility 0, or
#: its timeout ending) makes its whole group visible while other messages of it are in flight, so
#: a customer's later orders can be processed before an earlier one that failed.
FIFO_GROUP_NOT_HELD = "fifo-group-not-held"
LOCALSTACK_FLAWS = frozenset({FIFO_REDRIVE_KEEPS_DEDUP_ID, FIFO_GROUP_NOT_HELD})
ISSUE_12457 = "https://github.com/localstack/localstack/issues/12457"
#: Where the course describes each difference.
DOCS = "docs/localstack.md"
#: Seconds to wait for the health page: an engine that does not have it answers at once.
HEALTH_TIMEOUT = 2.0


@dataclass(frozen=True)
class Engine:
    """The engine behind a lab: its name (``LocalStack 2026.3.0``, ``moto``, ``AWS``, or
    ``an SQS endpoint``) and the known differences from AWS sqslab works around."""

    name: str
    flaws: frozenset[str] = frozenset()

    def has(self, flaw: str) -> bool:
        """Whether this engine is known to differ from AWS in ``flaw``."""
        return flaw in self.flaws


def describe(engine: Engine) -> str:
    """One line for ``sqslab doctor``: the engine, and where its differences are written down."""
    if engine.flaws:
        text = _("{engine}: where it differs from AWS, and what the course does, is in {docs}")
        return text.format(engine=engine.name, docs=DOCS)
    if engine.name == "moto":
        return _(
            "moto: where it differs from AWS, sqslab's fidelity layers close the gap or say so"
        )
    return _("{engine}: taken to behave as AWS documents").format(engine=translated(engine.name))


def localstack_version(endpoint_url: str, timeout: float = HEALTH_TIMEOUT) -> str | None:
    """LocalStack's version when ``endpoint_url`` is LocalStack's gateway, else None."""
    url = endpoint_url.rstrip("/") + "/_localstack/health"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:  # noqa: S310 (lab's own URL)
            found = json.loads(answer.read().decode() or "{}")
    except (urllib.error.URLError, OSError, ValueError):
        return None
    version = found.get("version") if isinstance(found, dict) else None
    return str(version) if version and "services" in found else None


def identify(lab: Lab) -> Engine:
    """The engine behind ``lab`` (asked once per lab and remembered)."""
    known = getattr(lab, "_engine", None)
    if isinstance(known, Engine):
        return known
    if lab.backend == "aws":
        engine = Engine("AWS")
    elif lab.backend != "endpoint" or not lab.endpoint_url:
        engine = Engine("moto")
    else:
        version = localstack_version(lab.endpoint_url)
        engine = (
            Engine(f"LocalStack {version}", LOCALSTACK_FLAWS)
            if version
            else Engine(N_("an SQS endpoint"))
        )
    lab._engine = engine  # type: ignore[attr-defined]
    return engine


def dedup_window_left(lab: Lab, sent_at: float) -> float:
    """Seconds until messages sent to a FIFO queue at lab time ``sent_at`` can be redriven into it
    without loss: 0 unless the engine keeps their deduplication id on a move task."""
    if not identify(lab).has(FIFO_REDRIVE_KEEPS_DEDUP_ID):
        return 0.0
    window = float(facts.get("fifo_dedup_window").value)
    return max(0.0, sent_at + window + 1 - lab.clock.time())


def fifo_redrive_note(lab: Lab, seconds: float) -> str:
    """What a FIFO redrive on a flawed engine says before it waits ``seconds``."""
    return (
        f"{identify(lab).name}: a move task into a FIFO queue keeps each message's deduplication "
        f"id, and within 5 minutes of the send the queue drops it as a duplicate (AWS redrives a "
        f"new message; {DOCS}, 5.2): waiting {seconds:.0f} s until those 5 minutes have passed"
    )


def fifo_group_note(engine: Engine) -> str:
    """Why a FIFO order check can fail on ``engine`` (one that does not hold a group)."""
    return (
        f"{engine.name} does not hold a FIFO message group while a message of it is in flight "
        f"once another is made visible again ({ISSUE_12457}; {DOCS}, 4.1): a customer's later "
        "orders can go ahead of an earlier one, so a failed order check here is the engine's, not "
        "the pipeline's (AWS and sqslab server keep the order)"
    )


def wait_out_dedup_window(lab: Lab, sent_at: float) -> float:
    """Before a redrive into a FIFO queue whose messages were sent at ``sent_at``: on an engine
    that would drop them as duplicates, say so and wait the window out; returns the wait."""
    seconds = dedup_window_left(lab, sent_at)
    if seconds:
        print(fifo_redrive_note(lab, seconds))
        lab.clock.sleep(seconds)  # the note above says it waits: no second announcement
    return seconds
