"""The fact registry in Brazilian Portuguese: every field a learner reads comes from the catalog,
composed sentences are translated whole, sources and numbers used in code stay as they are, and
English is unchanged."""

from __future__ import annotations

import html
import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from sqslab import facts, i18n

ROOT = Path(__file__).parents[1]
SPEC = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
assert SPEC and SPEC.loader
script = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(script)

#: A field both languages may write alike: numbers, byte units and AWS identifiers only.
NUMBERS_UNITS_NAMES = re.compile(r"(?:[\d.,]+|KiB|MiB|MB|GB|[A-Za-z]+[A-Z]\w*|[\s,])+")
SIZE_URL = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html"


@pytest.fixture(autouse=True)
def english_after() -> Iterator[None]:
    i18n.set_language("en")
    yield
    i18n.set_language("en")


def rendered(key: str) -> str:
    """Everything :func:`facts.show` prints for ``key``, as text and as (unescaped) HTML."""
    views = (facts.show(key), facts.show(key, ranges=True))
    return "\n".join([repr(v) for v in views] + [html.unescape(v._repr_html_()) for v in views])


def test_the_maximum_message_size_in_portuguese_keeps_its_source():
    i18n.set_language("pt-BR")
    view = facts.show("max_message_size", ranges=True)
    assert repr(view) == (
        f"Tamanho máximo da mensagem  de 1 KiB a 1 MiB, padrão 1 MiB  [{SIZE_URL}, 2026-11-28]"
    )
    assert view._repr_html_() == (
        "<table><tbody><tr><td>Tamanho máximo da mensagem</td>"
        "<td>de 1 KiB a 1 MiB, padrão 1 MiB</td>"
        f'<td><a href="{SIZE_URL}">fonte</a>, verificado em 2026-11-28</td></tr></tbody></table>'
    )
    assert repr(facts.show("max_message_size")) == (
        f"1 MiB (desde ago. 2025; antes era 256 KiB); fonte: {SIZE_URL} (verificado em 2026-11-28)"
    )


def test_english_is_unchanged_after_speaking_portuguese():
    i18n.set_language("pt-BR")
    repr(facts.show("max_message_size", ranges=True))
    i18n.set_language("en")
    assert repr(facts.show("max_message_size", ranges=True)) == (
        f"Maximum message size  1 KiB to 1 MiB, default 1 MiB  [{SIZE_URL}, 2026-11-28]"
    )
    assert repr(facts.show("max_message_size")) == (
        f"1 MiB (since Aug 2025, was 256 KiB); source: {SIZE_URL} (checked 2026-11-28)"
    )
    assert '">source</a>, checked 2026-11-28' in facts.show("max_message_size")._repr_html_()


def test_values_used_in_code_stay_as_the_registry_has_them():
    i18n.set_language("pt-BR")
    fact = facts.get("message_retention")
    assert (fact.value, fact.unit, fact.text, fact.title) == (
        1_209_600,
        "seconds",
        "14 days",
        "Message retention period",
    )
    assert fact.translated("text") == "14 dias" and fact.translated("min_text") == "60 segundos"


@pytest.mark.parametrize("key", sorted(facts.registry()))
def test_every_field_a_learner_reads_is_portuguese(key):
    fact = facts.get(key)
    in_english = rendered(key)
    english = {n: getattr(fact, n) for n in facts.SHOWN_FIELDS}
    english = {n: text for n, text in english.items() if text and text in in_english}
    assert english.keys() >= {"title", "text"}
    i18n.set_language("pt-BR")
    shown = rendered(key)
    for name, text in english.items():
        portuguese = fact.translated(name)
        assert portuguese in shown, (name, portuguese)
        if portuguese == text:
            assert NUMBERS_UNITS_NAMES.fullmatch(text), f"{key}.{name} untranslated: {text!r}"
        else:
            assert text not in shown, f"{key}.{name} shown in English: {text!r}"
    assert fact.source in shown


def test_the_check_of_equal_fields_lets_through_only_numbers_units_and_names():
    for text in ("1 MiB", "2", "20,000", "ApproximateNumberOfNoisyGroups, ApproximateAgeX"):
        assert NUMBERS_UNITS_NAMES.fullmatch(text)
    for text in ("4 days", "Visibility timeout", "Aug 2025", "10 % of the queue"):
        assert not NUMBERS_UNITS_NAMES.fullmatch(text)


def test_each_composed_phrase_is_one_translated_sentence():
    i18n.set_language("pt-BR")
    in_flight = facts.get("fifo_in_flight")
    assert in_flight.summary() == "120.000 mensagens (antes era 20.000)"
    since_only = facts.Fact(
        key="k", title="t", value=1, unit="bytes", text="1 MiB", source="https://x",
        checked="2026-11-28", since="Aug 2025",
    )  # fmt: skip
    assert since_only.summary() == "1 MiB (desde ago. 2025)"
    assert facts.get("batch_max_entries").range_text() == "10 entradas"
    assert facts.get("lambda_max_concurrency").range_text() == "de 2 a 1.000 invocações simultâneas"
    price = facts.get("price_fifo_per_million")
    assert price.provenance == "NÃO VERIFICADO: nenhuma página da AWS confirma este valor (2026-11)"


def test_an_unknown_fact_is_refused_in_portuguese_with_the_known_ones():
    i18n.set_language("pt-BR")
    with pytest.raises(KeyError, match=r"não há fato 'max_size' no registro.*max_message_size"):
        facts.get("max_size")


def test_only_shown_fields_can_be_translated():
    with pytest.raises(ValueError, match="note"):
        facts.get("max_message_size").translated("note")


def test_the_extractor_yields_every_shown_field_in_file_order_and_no_note():
    path = ROOT / "sqslab" / "data" / "facts.toml"
    with path.open("rb") as toml:
        found = list(script.extract_facts(toml, (), (), {}))
    expected = [
        f"fact {fact.key}: {name}"
        for fact in facts.registry().values()
        for name in facts.SHOWN_FIELDS
        if getattr(fact, name)
    ]
    assert [comments[0] for _, _, _, comments in found] == expected
    assert all(message == getattr(facts.get(c[0][5:].split(":")[0]), c[0].split(": ")[1])
               for _, _, message, c in found)  # fmt: skip
    lines = path.read_text("utf-8").splitlines()
    assert all(re.fullmatch(r"\[\w+\]", lines[line - 1]) for line, _, _, _ in found)
    catalog = script.source_catalog()
    assert catalog.get(facts.get("visibility_timeout").title) is not None
    assert catalog.get(facts.get("max_message_size").note) is None
