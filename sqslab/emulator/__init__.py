"""The emulator wing: everything that makes moto behave like AWS and runs it.

The virtual clock and its moto time patch (:mod:`.clock`), the patch helper (:mod:`.patching`), the
labelled fidelity layers (:mod:`.fidelity`, :mod:`.dedup`, :mod:`.fifo_groups`, :mod:`.redrive`,
:mod:`.realism`), the moto server (:mod:`.server`), seeded ids (:mod:`.determinism`). Learners meet
it only through ``sqslab.start()`` and the layers' ``DESCRIPTION`` texts.
"""

from __future__ import annotations

import importlib
from typing import Any

MODULES = (
    "clock",
    "dedup",
    "determinism",
    "fidelity",
    "fifo_groups",
    "patching",
    "realism",
    "redrive",
    "server",
)


def __getattr__(name: str) -> Any:
    if name in MODULES:
        return importlib.import_module(f"sqslab.emulator.{name}")
    raise AttributeError(f"module 'sqslab.emulator' has no attribute {name!r}")
