"""The fact registry is complete and sourced, and no notebook states an outdated limit by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sqslab import facts

NOTEBOOKS = sorted(Path(__file__).parents[1].joinpath("notebooks").rglob("*.ipynb"))


def test_every_fact_has_value_source_and_check_date():
    registry = facts.registry()
    assert len(registry) >= 20
    for key, fact in registry.items():
        assert fact.source.startswith("https://"), key
        assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", fact.checked), key
        assert fact.text, key
        if fact.min_text:
            assert (
                fact.min <= (fact.default if fact.default is not None else fact.min) <= fact.value
            )


def test_current_limits_from_the_guide():
    assert facts.get("max_message_size").value == 1_048_576
    assert facts.get("max_message_size").min == 1024
    assert facts.get("visibility_timeout").value == 43_200
    assert facts.get("message_retention").value == 1_209_600
    assert facts.get("fifo_in_flight").value == 120_000
    assert facts.get("batch_max_entries").value == 10


def test_show_renders_value_history_and_source():
    text = repr(facts.show("max_message_size"))
    assert text.startswith(
        "1 MiB (since Aug 2025, was 256 KiB); source: https://docs.aws.amazon.com/"
    )
    html = facts.show("visibility_timeout", "message_retention", ranges=True)._repr_html_()
    assert "0 seconds to 12 hours, default 30 seconds" in html
    assert 'href="https://' in html


def test_unknown_fact_lists_the_known_ones():
    with pytest.raises(KeyError, match="max_message_size"):
        facts.get("max_size")


@pytest.mark.parametrize(
    "text, keys",
    [
        ("A message can be up to 256 KB.", {"max_message_size"}),
        ("SQS messages are limited to 256KiB", {"max_message_size"}),
        ("FIFO queues allow 20,000 messages in flight.", {"fifo_in_flight"}),
        ("The limit was 256 KiB until August 2025.", set()),
        ("FIFO queues allow 120,000 messages in flight.", set()),
        ("Messages can be up to 1 MiB.", set()),
        ("Uma mensagem pode ter até 256 KB.", {"max_message_size"}),
        ("As filas FIFO permitem 20.000 mensagens em trânsito.", {"fifo_in_flight"}),
        ("O limite era 256 KiB até agosto de 2025.", set()),
        ("Antes de agosto de 2025, o limite de 256 KiB valia.", set()),
        ("Guias desatualizados ainda dizem 256 KB.", set()),
    ],
)
def test_stale_claims(text, keys):
    assert {key for key, _ in facts.stale_claims(text)} >= keys
    if not keys:
        assert facts.stale_claims(text) == []


def _markdown(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    return "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")


def test_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"00_welcome.ipynb", "01_queues.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_states_an_outdated_limit(path):
    assert facts.stale_claims(_markdown(path)) == []


@pytest.mark.parametrize(
    "path",
    [p for p in NOTEBOOKS if "pt-BR" in p.parts],
    ids=lambda p: str(p.relative_to(p.parents[1])),
)
def test_the_portuguese_prose_leaves_outdated_figures_to_the_registry(path):
    """The Portuguese edition never writes an old figure itself, even as history: a cell printing
    ``sqslab.facts.show(...)`` renders it ("antes era 256 KiB") with the current one and its source."""
    prose = _markdown(path)
    found = [
        (fact.key, m.group(0))
        for fact in facts.registry().values()
        for pattern in fact.stale
        for m in re.finditer(pattern, prose, re.IGNORECASE)
    ]
    assert not found, found


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_markdown_shows_a_literal_backslash_n(path):
    assert "\\n" not in _markdown(path)  # an escaped newline renders as the two characters


def test_an_unverified_fact_is_marked_as_such_wherever_it_is_shown():
    unverified = [f for f in facts.registry().values() if not f.verified]
    verified = facts.get("max_message_size")
    assert unverified and verified.verified
    for fact in unverified:
        view = facts.show(fact.key, verified.key)
        assert "UNVERIFIED" in str(fact) and "UNVERIFIED" in repr(view)
        assert "UNVERIFIED" in view._repr_html_()
    assert "UNVERIFIED" not in str(verified) and f"checked {verified.checked}" in str(verified)
