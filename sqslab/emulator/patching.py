"""Replacing attributes of moto's classes for a fidelity layer, and putting them back exactly.

Several layers wrap the same moto methods (the clock, realism, dedup, redrive), each on top of what
is there when it is turned on. Undo restores an attribute only where this layer's replacement is
still the one in place; a replacement left under someone else's wrapper stays, passes through once
its layer is off, and is taken out when the wrapper above it is undone (so none pile up).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqslab.errors import LabConfigError

if TYPE_CHECKING:
    from sqslab.emulator.host import Host

#: (owner, attribute name, factory that builds the replacement from the current attribute)
Replacement = tuple[Any, str, Callable[[Any], Any]]

_MISSING = object()
#: Replacements undone while buried under another layer's wrapper: id -> (replacement, original).
_buried: dict[int, tuple[Any, Any]] = {}


def _unburied(value: Any) -> Any:
    """``value``, or what it replaced if it is a buried replacement whose layer is off (repeated)."""
    while id(value) in _buried and _buried[id(value)][0] is value:
        value = _buried.pop(id(value))[1]
    return value


class Patches:
    """A set of attribute replacements, installed together and undone together."""

    def __init__(self, replacements: Callable[[], list[Replacement]]) -> None:
        self._replacements = replacements
        self._saved: list[tuple[Any, str, Any, Any]] = []

    @property
    def installed(self) -> bool:
        """True while the replacements are in place."""
        return bool(self._saved)

    def install(self) -> None:
        """Replace each attribute by its wrapper of the current value (once)."""
        if self._saved:
            return
        for owner, name, wrap in self._replacements():
            original = vars(owner).get(name, _MISSING)
            ours = wrap(original)
            self._saved.append((owner, name, original, ours))
            setattr(owner, name, ours)

    def uninstall(self) -> None:
        """Put back what :meth:`install` replaced, where the replacement is still in place."""
        for owner, name, original, ours in reversed(self._saved):
            if vars(owner).get(name) is not ours:
                _buried[id(ours)] = (ours, original)
                continue
            restored = _unburied(original)
            if restored is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, restored)
        self._saved = []


def require_in_process(lab: Host, label: str, elsewhere: str) -> None:
    """Raise a clear error unless ``lab`` runs moto in this process; ``elsewhere`` says who answers
    on the other backends."""
    if lab.in_process:
        return
    raise LabConfigError(
        f"{label} runs only on the in-process moto backends ('moto', 'server'); this lab runs on "
        f"{lab.backend!r}, {elsewhere} (real SQS does it as documented; an emulator behind an "
        f"endpoint has its own rules, which sqslab cannot change). To see the emulation, start "
        f"the lab with sqslab.start('moto')."
    )
