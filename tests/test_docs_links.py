"""The READMEs and the instructor's guides, in English and in Portuguese: every relative link
leads to a file that exists (and to a heading that exists, for a #anchor), every `make` target
they name is one the Makefile has, and each document links its twin in the other language from
the top."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
DOCS = [
    ROOT / "README.md",
    ROOT / "README.pt-BR.md",
    ROOT / "docs" / "instructor-guide.md",
    ROOT / "docs" / "pt-BR" / "guia-do-instrutor.md",
]
IDS = [str(p.relative_to(ROOT)) for p in DOCS]
#: each document and its twin in the other language
TWINS = {
    "README.md": "README.pt-BR.md",
    "README.pt-BR.md": "README.md",
    "docs/instructor-guide.md": "pt-BR/guia-do-instrutor.md",
    "docs/pt-BR/guia-do-instrutor.md": "../instructor-guide.md",
}
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]+`", re.DOTALL)
#: `make lab`, `make PYTHON=python3.11 lab LANG=pt-BR`: the target after any VAR=value
MAKE = re.compile(r"(?:^|[\s;(`])make\s+(?:[A-Z_]+=\S*\s+)*([a-z][\w-]*)", re.M)


def links(text: str) -> list[str]:
    """The targets of the markdown links outside code."""
    return LINK.findall(CODE.sub(" ", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a markdown file's headings."""
    text = re.sub(r"```.*?```", " ", path.read_text(), flags=re.DOTALL)
    return {slug(h) for h in re.findall(r"^#+ (.+)$", text, re.M)}


def broken(doc: Path) -> list[str]:
    """Each relative link of ``doc`` whose file, or whose heading, does not exist."""
    found = []
    for target in links(doc.read_text()):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        name, _, anchor = target.partition("#")
        path = (doc.parent / name).resolve() if name else doc
        if not path.exists():
            found.append(f"{target}: no such file")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            found.append(f"{target}: no such heading")
    return found


def make_targets() -> set[str]:
    """The targets the Makefile defines."""
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), re.M))


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_relative_link_resolves(doc):
    assert broken(doc) == []


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_every_make_target_named_exists(doc):
    named = {m for code in CODE.findall(doc.read_text()) for m in MAKE.findall(code)}
    assert named, "no make command at all"
    assert named - make_targets() == set()


@pytest.mark.parametrize("doc", DOCS, ids=IDS)
def test_each_document_links_its_twin_in_the_other_language_at_the_top(doc):
    top = "\n".join(doc.read_text().splitlines()[:10])
    assert TWINS[str(doc.relative_to(ROOT))] in links(top)


def test_the_portuguese_documents_open_the_portuguese_edition():
    for doc in DOCS[1::2]:
        text = doc.read_text()
        assert "make lab LANG=pt-BR" in text and "SQSLAB_LANG" in text
        notebooks = [t for t in links(text) if "notebooks/" in t]
        assert notebooks and all("notebooks/pt-BR/" in t for t in notebooks), notebooks


def test_a_broken_link_a_missing_heading_and_an_unknown_target_are_caught(tmp_path):
    doc = tmp_path / "doc.md"
    doc.write_text(
        "# Title\n\n[ok](doc.md#title) [gone](nothing.md) [bad](doc.md#nowhere) "
        "[web](https://example.com)\n\n```bash\nmake PYTHON=python3.11 lab LANG=pt-BR\n"
        "make nonsense\n```\n`[not a link](gone.md)`\n"
    )
    assert broken(doc) == ["nothing.md: no such file", "doc.md#nowhere: no such heading"]
    named = {m for code in CODE.findall(doc.read_text()) for m in MAKE.findall(code)}
    assert named == {"lab", "nonsense"} and named - make_targets() == {"nonsense"}


def test_headings_become_githubs_anchors():
    assert slug("LocalStack: a second engine") == "localstack-a-second-engine"
    assert slug("Modo workshop: um servidor para a turma") == (
        "modo-workshop-um-servidor-para-a-turma"
    )
