"""The Portuguese catalog: ``python scripts/i18n.py update`` extracts every text sqslab marks with
``_()``, ``N_()`` or ``ngettext()``, and every field of ``sqslab/data/facts.toml`` a learner
reads, and merges them into ``sqslab/locale/pt_BR/LC_MESSAGES/sqslab.po`` (new texts come in
untranslated, translations of texts that changed are kept as fuzzy for review);
``python scripts/i18n.py check`` lists what is untranslated, fuzzy or no longer used (exit 1)."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from sqslab.facts import SHOWN_FIELDS

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "sqslab"
PO = PACKAGE / "locale" / "pt_BR" / "LC_MESSAGES" / "sqslab.po"
KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "NC_": ((1, "c"), 2),
}


def extract_facts(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, None, str, list[str]]]:
    """Babel extractor for facts.toml: each fact's shown fields, in file order then field order,
    at the line of the fact's table, with ``fact KEY: FIELD`` for the translator."""
    source = fileobj.read().decode("utf-8")
    tables = re.finditer(r"^\[([\w.-]+)\]", source, re.MULTILINE)
    lines = {m.group(1): source.count("\n", 0, m.start()) + 1 for m in tables}
    for key, entry in tomllib.loads(source).items():
        for name in SHOWN_FIELDS:
            if entry.get(name):
                yield lines[key], None, entry[name], [f"fact {key}: {name}"]


#: Which extractor reads which file of sqslab/ (paths relative to it).
METHOD_MAP: list[tuple[str, Any]] = [("**.py", "python"), ("data/facts.toml", extract_facts)]


def source_catalog() -> Catalog:
    """Every marked text in sqslab/, with where it is used."""
    catalog = Catalog(project="sqslab", locale="pt_BR")
    for filename, line, message, comments, context in extract_from_dir(
        str(PACKAGE), method_map=METHOD_MAP, keywords=KEYWORDS
    ):
        catalog.add(message, locations=[(f"sqslab/{filename}", line)], auto_comments=comments,
                    context=context)  # fmt: skip
    return catalog


def load(path: Path = PO) -> Catalog:
    """The Portuguese catalog as it is on disk (an empty one if there is none yet)."""
    if not path.exists():
        return Catalog(project="sqslab", locale="pt_BR")
    with path.open("rb") as po:
        return read_po(po, locale="pt_BR")


def problems(translated: Catalog, source: Catalog) -> list[str]:
    """Texts of ``source`` missing, untranslated or fuzzy in ``translated``, and entries of
    ``translated`` that the source no longer has."""
    found = []
    for message in source:
        if not message.id:
            continue
        entry = translated.get(message.id, message.context)
        if entry is None:
            found.append(f"missing: {message.id!r}")
        elif entry.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif not (all(entry.string) if isinstance(entry.string, tuple) else entry.string):
            found.append(f"untranslated: {message.id!r}")
    for entry in translated:
        if entry.id and source.get(entry.id, entry.context) is None:
            found.append(f"no longer used: {entry.id!r}")
    return found


def update() -> int:
    catalog = load()
    catalog.update(source_catalog(), no_fuzzy_matching=False)
    with PO.open("wb") as po:
        # no header (its dates would change the file on every run) and no line numbers (every
        # edit above a text would): the file changes only when a text or a translation does
        write_po(po, catalog, width=100, sort_by_file=True, ignore_obsolete=True,
                 omit_header=True, include_lineno=False)  # fmt: skip
    left = problems(load(), source_catalog())
    print(f"{PO.relative_to(ROOT)}: {len(catalog)} texts, {len(left)} to translate or review")
    return 0


def check() -> int:
    left = problems(load(), source_catalog())
    for line in left:
        print(line)
    print(f"{len(left)} problem(s) in {PO.relative_to(ROOT)}")
    return 1 if left else 0


if __name__ == "__main__":
    commands = {"update": update, "check": check}
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.exit(f"usage: python scripts/i18n.py {'|'.join(commands)}")
    sys.exit(commands[sys.argv[1]]())
