"""The language sqslab speaks: English, or Brazilian Portuguese (``sqslab.start(lang="pt-BR")`` or
``SQSLAB_LANG=pt-BR``). One mechanism for every text a learner reads: gettext, with the catalog
``sqslab/locale/pt_BR/LC_MESSAGES/sqslab.po`` read directly (Babel turns it into a gettext
catalog in memory, so there is no compile step to forget). Modules mark their texts with
:func:`_` (or :func:`N_` where a text is stored and translated where it is shown); AWS error
codes and API names are never translated.
"""

from __future__ import annotations

import gettext
import io
import os
from functools import cache
from pathlib import Path

from sqslab.errors import LabConfigError

#: Environment variable choosing the language when ``sqslab.start`` is not given one.
ENV = "SQSLAB_LANG"
DOMAIN = "sqslab"
LOCALE_DIR = Path(__file__).parent / "locale"
#: The languages of the course, by the tag learners write, with their gettext locale (None: source).
LANGUAGES = {"en": None, "pt-BR": "pt_BR"}
_ALIASES = {
    "en": "en",
    "en-us": "en",
    "en-gb": "en",
    "pt-br": "pt-BR",
    "pt_br": "pt-BR",
    "pt": "pt-BR",
}

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = "en"


def normalize(lang: str | None) -> str:
    """``lang`` (or SQSLAB_LANG, else English) as one of :data:`LANGUAGES`; a clear error if none."""
    chosen = (lang if lang is not None else os.environ.get(ENV, "")).strip() or "en"
    found = _ALIASES.get(chosen.lower())
    if found is None:
        raise LabConfigError(
            f"sqslab speaks {' and '.join(LANGUAGES)}, not {chosen!r}: "
            'use sqslab.start(lang="pt-BR") or SQSLAB_LANG=pt-BR (English is the default)'
        )
    return found


def po_path(lang: str) -> Path:
    """Where the catalog of ``lang`` lives."""
    locale = LANGUAGES[lang]
    if locale is None:
        raise LabConfigError(f"{lang} is the source language: it has no catalog")
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The gettext translations of ``lang`` (English: none), read from its .po file."""
    if LANGUAGES[lang] is None:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po_path(lang).open("rb") as po:
        catalog = read_po(po, locale=LANGUAGES[lang])
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def set_language(lang: str | None) -> str:
    """Speak ``lang`` from now on (None: SQSLAB_LANG, else English); the language chosen."""
    global _current, _language
    _language = normalize(lang)
    _current = translations(_language)
    return _language


def language() -> str:
    """The language sqslab speaks now."""
    return _language


def _(message: str) -> str:
    """``message`` in the current language (itself when it has no translation)."""
    return _current.gettext(message)


#: :func:`_` under a public name, for modules that may not import private names (the exercise
#: checks): ``from sqslab.i18n import translate as _`` keeps ``_()`` for extraction.
translate = _


class Marked(str):
    """A text marked for the catalog and kept in English (:func:`N_`, :func:`NC_`): whoever shows it
    (a :class:`~sqslab.tables.Table`) shows :meth:`translated`; any other text is shown as it is."""

    context: str | None = None

    def __new__(cls, message: str, context: str | None = None) -> Marked:
        text = super().__new__(cls, message)
        text.context = context
        return text

    def translated(self) -> str:
        """This text in the current language."""
        plain = str.__str__(self)
        return pgettext(self.context, plain) if self.context else _current.gettext(plain)


def N_(message: str) -> str:
    """Mark ``message`` for the catalog and return it, still English, as a :class:`Marked` text: for
    texts kept in module-level tables (``lab.BACKENDS``) or table cells, translated where shown."""
    return Marked(message)


def pgettext(context: str, message: str) -> str:
    """``message`` in the current language, as meant in ``context``: for a short word that means
    something else elsewhere (a need called ``order`` is not a table's ``order``)."""
    return _current.pgettext(context, message)


def NC_(context: str, message: str) -> str:
    """Mark ``message`` in ``context`` for the catalog (see :func:`N_`); shown with :func:`pgettext`
    and the same context."""
    return Marked(message, context)


def translated(text: str) -> str:
    """``text`` in the current language: a :class:`Marked` text with its context, any other
    through the catalog."""
    return text.translated() if isinstance(text, Marked) else _current.gettext(text)


def ngettext(singular: str, plural: str, count: int) -> str:
    """The singular or plural form for ``count``, in the current language."""
    return _current.ngettext(singular, plural, count)


def plural_count(count: int) -> int:
    """``count`` for :func:`ngettext`, with 0 taking the plural form as English and Brazilian
    Portuguese write it ("0 queues", "0 filas"); gettext's Portuguese rule files 0 with 1."""
    return count if count else 2
