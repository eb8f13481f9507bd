"""The AWS fact registry: every SQS limit or price the course shows, with its source and check date.

Facts live in ``sqslab/data/facts.toml``; notebooks render them with :func:`show` or :func:`table`
instead of typing numbers by hand, and :func:`stale_claims` finds hand-typed outdated figures.
"""

from __future__ import annotations

import html
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from sqslab.i18n import _

#: Words that mark a sentence as history ("was 256 KiB until Aug 2025", "antes era 256 KiB"), not a
#: current claim. In Portuguese "até" alone means "up to" (a current limit), so only "até" + a date.
HISTORY_WORDS = re.compile(
    r"\b(was|were|previously|formerly|until|raised|older|out[- ]of[- ]date|outdated|old|used to"
    r"|era|eram|antes|antigamente|anteriormente|desatualizad[oa]s?|antig[oa]s?|costumava"
    r"|aumentou|aumentad[oa]|até (?:ago(?:sto)?|20\d\d))\b",
    re.IGNORECASE,
)
#: The fields a learner reads, in the order scripts/i18n.py extracts them from facts.toml for the
#: catalog; :meth:`Fact.translated` shows them in the language sqslab speaks. ``note`` is not shown.
SHOWN_FIELDS = ("title", "text", "min_text", "default_text", "since", "previously")


@dataclass(frozen=True)
class Fact:
    """One AWS fact: a value with its unit, human text, source URL and check date."""

    key: str
    title: str
    value: float
    unit: str
    text: str
    source: str
    checked: str
    verified: bool = True
    min: float = 0
    default: float | None = None
    min_text: str = ""
    default_text: str = ""
    since: str = ""
    previously: str = ""
    note: str = ""
    stale: tuple[str, ...] = field(default_factory=tuple)

    def translated(self, name: str) -> str:
        """The field ``name`` (one of :data:`SHOWN_FIELDS`) in the language sqslab speaks."""
        if name not in SHOWN_FIELDS:
            raise ValueError(f"{name!r} is not a shown field of a fact: {', '.join(SHOWN_FIELDS)}")
        text: str = getattr(self, name)
        return _(text) if text else text  # _("") would be the catalog's header

    def summary(self) -> str:
        """The value with its history, e.g. ``1 MiB (since Aug 2025, was 256 KiB)``."""
        text, since, was = (self.translated(n) for n in ("text", "since", "previously"))
        if since and was:
            return _("{text} (since {since}, was {previously})").format(
                text=text, since=since, previously=was
            )
        if since:
            return _("{text} (since {since})").format(text=text, since=since)
        if was:
            return _("{text} (was {previously})").format(text=text, previously=was)
        return text

    def range_text(self) -> str:
        """``min to max, default d`` for facts that are ranges; the value otherwise."""
        text = self.translated("text")
        if not self.min_text:
            return text
        low = self.translated("min_text")
        if self.default_text:
            return _("{min} to {max}, default {default}").format(
                min=low, max=text, default=self.translated("default_text")
            )
        return _("{min} to {max}").format(min=low, max=text)

    @property
    def provenance(self) -> str:
        """``checked 2026-11-28``, or, for a figure no AWS page confirmed, says so."""
        if self.verified:
            return _("checked {date}").format(date=self.checked)
        return _("UNVERIFIED: no AWS page confirmed it ({date})").format(date=self.checked)

    def __str__(self) -> str:
        return _("{summary}; source: {source} ({provenance})").format(
            summary=self.summary(), source=self.source, provenance=self.provenance
        )


@cache
def registry() -> dict[str, Fact]:
    """Every fact, by key, loaded once from the package's data file."""
    raw = tomllib.loads(resources.files("sqslab").joinpath("data/facts.toml").read_text("utf-8"))
    return {
        key: Fact(key=key, **{**entry, "stale": tuple(entry.get("stale", ()))})
        for key, entry in raw.items()
    }


def get(key: str) -> Fact:
    """The fact named ``key``; a clear error lists the known keys otherwise."""
    facts = registry()
    if key not in facts:
        raise KeyError(
            _("no fact {key} in the registry; known facts: {known}").format(
                key=repr(key), known=", ".join(sorted(facts))
            )
        )
    return facts[key]


class FactView:
    """Facts rendered for a notebook: plain text, and HTML with source links."""

    def __init__(self, facts: list[Fact], with_range: bool = False) -> None:
        self.facts = facts
        self.with_range = with_range

    def _value(self, fact: Fact) -> str:
        return fact.range_text() if self.with_range else fact.summary()

    def __repr__(self) -> str:
        if len(self.facts) == 1 and not self.with_range:
            return str(self.facts[0])
        titles = [f.translated("title") for f in self.facts]
        width = max(len(t) for t in titles)
        return "\n".join(
            f"{title.ljust(width)}  {self._value(f)}  [{f.source}, "
            f"{f.checked if f.verified else f.provenance}]"
            for title, f in zip(titles, self.facts, strict=True)
        )

    def _repr_html_(self) -> str:
        link = html.escape(_("source"))
        rows = "".join(
            f"<tr><td>{html.escape(f.translated('title'))}</td>"
            f"<td>{html.escape(self._value(f))}</td>"
            f'<td><a href="{html.escape(f.source)}">{link}</a>, {html.escape(f.provenance)}</td></tr>'
            for f in self.facts
        )
        return f"<table><tbody>{rows}</tbody></table>"


def show(*keys: str, ranges: bool = False) -> FactView:
    """Render one or more facts: value, history, source and check date."""
    return FactView([get(k) for k in keys], with_range=ranges)


def stale_claims(text: str) -> list[tuple[str, str]]:
    """(fact key, sentence) for each outdated figure ``text`` states as current."""
    found = []
    for sentence in re.split(r"(?<=[.!?])\s+|\n\s*\n", text):
        if HISTORY_WORDS.search(sentence):
            continue
        for fact in registry().values():
            if any(re.search(p, sentence, re.IGNORECASE) for p in fact.stale):
                found.append((fact.key, sentence.strip()))
    return found
