"""What the emulator needs from a lab, and nothing more: the emulator never imports the lab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqslab.emulator.clock import Clock


class Host(Protocol):
    """A running lab as the layers see it: its backend's name, its clock, a stop hook."""

    backend: str
    clock: Clock

    def on_stop(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` when the lab stops (once, however often it was registered)."""
