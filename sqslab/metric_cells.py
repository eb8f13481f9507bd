"""How metric tables show a datapoint and a period: a value as a short cell, clock seconds as UTC.

Shared by the metric, alarm and scaling tables (:mod:`sqslab.monitor`, :mod:`sqslab.alarms`,
:mod:`sqslab.scaling`) so a number reads the same in all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqslab.numbers import localize


def cell(value: float | None) -> str:
    """A datapoint as a table cell: whole numbers as ``5``, others as ``2.5``, missing as ``""``."""
    if value is None:
        return ""
    return f"{value:g}" if value == int(value) else localize(f"{value:.1f}")


def utc(seconds: float) -> datetime:
    """Clock seconds since the epoch as a UTC datetime (how CloudWatch stamps a period)."""
    return datetime.fromtimestamp(seconds, tz=UTC)


def clock(when: datetime, period: float = 60) -> str:
    """A period's start as a table shows it: ``09:05``, or ``09:05:20`` for periods shorter than a
    minute (a demo squeezed on a real clock)."""
    return when.strftime("%H:%M" if period >= 60 else "%H:%M:%S")
