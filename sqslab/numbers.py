"""Numbers as the lab's language writes them: ``1,500.5`` and ``$0.40`` in English, ``1.500,5`` and
``US$ 0,40`` in Brazilian Portuguese (the glossary's usage). English output is exactly the f-string
format sqslab always printed; Portuguese swaps the separators for Babel's pt_BR symbols, so both
languages show the same digits."""

from __future__ import annotations

from functools import cache

from sqslab.i18n import LANGUAGES, language

#: How Portuguese writes a dollar amount (the glossary: ``US$ 0,40``).
DOLLAR_PT = "US$ "


@cache
def _symbols(lang: str) -> tuple[str, str]:
    """The decimal and grouping symbols of ``lang`` (Babel's)."""
    from babel.numbers import get_decimal_symbol, get_group_symbol

    locale = LANGUAGES[lang] or "en_US"
    return get_decimal_symbol(locale), get_group_symbol(locale)


def localize(english: str) -> str:
    """A number already written the English way (``1,234.5``) in the lab's language."""
    if language() == "en":
        return english
    decimal, group = _symbols(language())
    return english.translate({ord(","): "\0", ord("."): decimal}).replace("\0", group)


def number(value: float, decimals: int = 0, grouping: bool = True) -> str:
    """``value`` with ``decimals`` places (and thousands separators unless ``grouping=False``)."""
    return localize(f"{value:,.{decimals}f}" if grouping else f"{value:.{decimals}f}")


def money(dollars: float, decimals: int = 2) -> str:
    """Dollars: ``$1,234.56`` in English, ``US$ 1.234,56`` in Portuguese (a sign before both)."""
    sign = "-" if dollars < 0 else ""
    amount = number(abs(dollars), decimals)
    return f"{sign}{'$' if language() == 'en' else DOLLAR_PT}{amount}"


def percent(fraction: float, decimals: int = 0) -> str:
    """A fraction as a percentage: ``2.7%`` in English, ``2,7%`` in Portuguese."""
    return localize(f"{fraction:.{decimals}%}")


def seconds(value: float, decimals: int = 1) -> str:
    """A duration in seconds: ``76.5 s`` in English, ``76,5 s`` in Portuguese."""
    return f"{number(value, decimals)} s"


def short(value: float) -> str:
    """``value`` in its shortest form (``0.5``, ``30``), as ``f"{value:g}"`` writes it."""
    return localize(f"{value:g}")


def tick(value: float, _position: int | None = None) -> str:
    """A chart tick or bar label: a whole number with thousands separators (``1,000,000``)."""
    return number(value)
