"""What the emulator needs from a lab, and nothing more: the emulator never imports the lab."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqslab.emulator.clock import Clock


class Host(Protocol):
    """A running lab as the layers see it: its backend's name, its clock, whether moto runs in
    this process (so the layers can patch it), a stop hook."""

    backend: str
    clock: Clock

    @property
    def in_process(self) -> bool:
        """True when moto answers in this process: the layers can patch it."""

    def on_stop(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` when the lab stops (once, however often it was registered)."""


class ServerHost:
    """``sqslab server``'s process as a host: moto in this process, on a real clock. Its layers
    are undone, last first, by :meth:`stop`."""

    backend = "sqslab server"
    in_process = True

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self._undo: list[Callable[[], None]] = []

    def on_stop(self, undo: Callable[[], None]) -> None:
        """Run ``undo`` at :meth:`stop` (once, however often it was registered)."""
        if undo in self._undo:
            self._undo.remove(undo)
        self._undo.append(undo)

    def stop(self) -> None:
        """Undo every layer, the last installed first."""
        while self._undo:
            self._undo.pop()()
