"""What the realism layer injected: each lost delete or out-of-order receive, and the counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqslab.i18n import _, ngettext

DUPLICATE = "duplicate"
REORDER = "reorder"


@dataclass(frozen=True)
class Injection:
    """One thing the layer did: a lost delete (``duplicate``) or an out-of-order receive."""

    kind: str
    queue: str
    message_id: str
    at: float

    @property
    def time(self) -> datetime:
        """When it happened on the lab's clock, as a UTC datetime."""
        return datetime.fromtimestamp(self.at, tz=UTC)


@dataclass(frozen=True)
class RealismStats:
    """How many duplicates and out-of-order receives the layer injected."""

    duplicates: int = 0
    reorders: int = 0

    def __str__(self) -> str:
        return _("the layer injected {duplicates} and {reorders}").format(
            duplicates=plural(self.duplicates, DUPLICATE), reorders=plural(self.reorders, REORDER)
        )


def plural(count: int, word: str) -> str:
    """``1 duplicate``, ``3 duplicates`` (``reorder``, ``reorders``), in the lab's language."""
    form = count or 2  # none takes the plural in both languages ("0 duplicatas", not "0 duplicata")
    if word == DUPLICATE:
        return ngettext("{count} duplicate", "{count} duplicates", form).format(count=count)
    if word == REORDER:
        return ngettext("{count} reorder", "{count} reorders", form).format(count=count)
    return f"{count} {word}{'' if count == 1 else 's'}"
