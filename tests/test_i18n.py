"""The language sqslab speaks: the choice (start(lang=...), SQSLAB_LANG), the Portuguese catalog
complete (every marked text translated, none fuzzy, none stale), and a check that catches a
broken catalog."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from sqslab import i18n
from sqslab.errors import LabConfigError
from sqslab.lab import start

ROOT = Path(__file__).parents[1]
SPEC = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
assert SPEC and SPEC.loader
script = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(script)


@pytest.mark.parametrize(
    ("given", "lang"),
    [
        (None, "en"),
        ("", "en"),
        ("en", "en"),
        ("pt-BR", "pt-BR"),
        ("pt_br", "pt-BR"),
        ("PT", "pt-BR"),
    ],
)
def test_the_language_is_english_or_brazilian_portuguese(given, lang, monkeypatch):
    monkeypatch.delenv(i18n.ENV, raising=False)
    assert i18n.normalize(given) == lang


def test_an_unknown_language_is_refused_with_the_fix():
    with pytest.raises(LabConfigError, match=r"not 'fr'.*lang=\"pt-BR\""):
        i18n.normalize("fr")


def test_start_speaks_the_language_asked_for(monkeypatch, capsys):
    monkeypatch.delenv(i18n.ENV, raising=False)
    start("moto", lang="pt-BR").stop()
    assert capsys.readouterr().out.startswith(
        "laboratório sqslab: backend=moto, região=us-east-1, relógio virtual em "
    )
    monkeypatch.setenv(i18n.ENV, "pt-BR")
    start("moto", quiet=True).stop()
    assert i18n.language() == "pt-BR"
    start("moto", lang="en").stop()
    assert capsys.readouterr().out.startswith(
        "sqslab lab: backend=moto, region=us-east-1, virtual clock"
    )


def test_every_text_sqslab_marks_is_translated_and_none_is_fuzzy_or_stale():
    assert script.problems(script.load(), script.source_catalog()) == []


def test_the_check_catches_a_missing_an_untranslated_a_fuzzy_and_a_stale_text():
    source = Catalog(locale="pt_BR")
    for text in ("one", "two", "three", "four"):
        source.add(text)
    broken = Catalog(locale="pt_BR")
    broken.add("two", "")
    broken.add("three", "três", flags=["fuzzy"])
    broken.add("four", "quatro")
    broken.add("gone", "foi")
    assert script.problems(broken, source) == [
        "missing: 'one'",
        "untranslated: 'two'",
        "fuzzy: 'three'",
        "no longer used: 'gone'",
    ]


def test_a_fuzzy_translation_is_never_shown(tmp_path, monkeypatch):
    po = tmp_path / "pt_BR" / "LC_MESSAGES" / "sqslab.po"
    po.parent.mkdir(parents=True)
    po.write_text('#, fuzzy\nmsgid "hello"\nmsgstr "olá"\n\nmsgid "bye"\nmsgstr "tchau"\n')
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        i18n.set_language("pt-BR")
        assert (i18n._("hello"), i18n._("bye")) == ("hello", "tchau")
    finally:
        i18n.translations.cache_clear()
