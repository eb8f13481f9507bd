"""The emulator wing: everything that makes moto behave like AWS and runs it.

Clocks (:mod:`.clock`), the layers in their one order (:mod:`.layers`: the clock layer
:mod:`.timepatch`, then :mod:`.fidelity`, :mod:`.dedup`, :mod:`.fifo_groups`, :mod:`.redrive`,
:mod:`.fair_queues`, :mod:`.realism`), the patch helper (:mod:`.patching`), the only reader of moto's state
(:mod:`.state`), starting moto (:mod:`.backends`, :mod:`.server`), the session that never reaches
AWS (:mod:`.session`) and seeded ids (:mod:`.determinism`). The emulator knows a lab only as a
:class:`~.host.Host`. Learners meet it through ``sqslab.start()`` and the layers' ``DESCRIPTION``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any


def __getattr__(name: str) -> Any:
    if not name.startswith("_") and (Path(__file__).parent / f"{name}.py").is_file():
        return importlib.import_module(f"sqslab.emulator.{name}")
    raise AttributeError(f"module 'sqslab.emulator' has no attribute {name!r}")
