"""sqslab: the companion package of the hands-on Amazon SQS course.

``lab = sqslab.start()`` gives a notebook a boto3 SQS client on the chosen backend. Heavy libraries
(boto3, moto, matplotlib) load only when used, so ``import sqslab`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["start", "__version__"]

SUBMODULES = (
    "alarm_evaluator",
    "alarms",
    "arguments",
    "aws_account",
    "backoff",
    "batching",
    "board",
    "board_queue",
    "board_rehearsal",
    "capabilities",
    "classroom",
    "classroom_cli",
    "classroom_report",
    "cli",
    "cloudwatch",
    "consumer",
    "consumer_demo",
    "consumer_result",
    "consumer_settings",
    "cost",
    "emulator",
    "engines",
    "derived_metrics",
    "dlq",
    "doctor",
    "errors",
    "exercises",
    "facts",
    "fair_metrics",
    "fairness",
    "fanout",
    "faultruns",
    "faults",
    "fifo",
    "fifo_ledger",
    "i18n",
    "idempotency",
    "inflight",
    "lambda_batches",
    "lambda_filters",
    "lambda_poller",
    "lambda_stand_in",
    "lab",
    "loadtest",
    "loadtest_board",
    "message_states",
    "messages",
    "metric_cells",
    "metric_publisher",
    "metric_series",
    "monitor",
    "monitor_demo",
    "naive",
    "namespace",
    "numbers",
    "orders",
    "partitions",
    "payloads",
    "plots",
    "producer",
    "producer_demo",
    "queue_metrics",
    "realclock",
    "queues",
    "room",
    "sampler",
    "roomauth",
    "roomboard",
    "roomrules",
    "roomwire",
    "scaling",
    "scaling_policy",
    "scheduler",
    "security",
    "send_result",
    "services",
    "tables",
    "timeline",
    "trace",
    "tracing",
    "widgets",
    "workshop",
)

#: What a learner meets in the notebooks, and all that ``dir(sqslab)`` (tab completion) lists; the
#: other modules (the emulator wing, the workshop server, the command line) stay reachable by name.
LEARNER_MODULES = (
    "alarms",
    "backoff",
    "consumer",
    "cost",
    "dlq",
    "errors",
    "exercises",
    "facts",
    "fairness",
    "fanout",
    "faults",
    "fifo",
    "fifo_ledger",
    "i18n",
    "idempotency",
    "lab",
    "lambda_batches",
    "lambda_stand_in",
    "monitor",
    "naive",
    "orders",
    "partitions",
    "payloads",
    "plots",
    "producer",
    "queues",
    "scaling",
    "security",
    "services",
    "tables",
    "timeline",
    "tracing",
    "widgets",
)

if TYPE_CHECKING:
    from sqslab.lab import Lab


def start(
    backend: str | None = None, *, seed: int = 0, quiet: bool = False, lang: str | None = None
) -> Lab:
    """Start the lab: backend from the argument, else SQSLAB_BACKEND, else embedded moto;
    ``lang`` (else SQSLAB_LANG) picks the language sqslab speaks: English or "pt-BR"."""
    from sqslab.lab import start as _start

    return _start(backend, seed=seed, quiet=quiet, lang=lang)


def __getattr__(name: str) -> Any:
    if name in SUBMODULES:
        return importlib.import_module(f"sqslab.{name}")
    raise AttributeError(f"module 'sqslab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *LEARNER_MODULES])
