"""The Portuguese notebooks and their English originals: each Portuguese cell records a hash of the
English cell it translates (cell metadata ``sqslab.translates``), so an English edit cannot leave
its translation silently stale.

    python scripts/translations.py stale [notebook ...]   # stale cells, English and Portuguese
                                                          # side by side (exit 1 if any)
    python scripts/translations.py stamp PT_NOTEBOOK [CELL_ID ...]
                                                          # record that these cells (default:
                                                          # all) now translate the current English
"""

from __future__ import annotations

import ast
import hashlib
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import nbformat

ROOT = Path(__file__).parents[1]
ENGLISH = ROOT / "notebooks"
PORTUGUESE = ENGLISH / "pt-BR"
KEY = "sqslab"


def english_of(path: Path) -> Path:
    """The English original of a Portuguese notebook."""
    return ENGLISH / path.relative_to(PORTUGUESE)


def portuguese_notebooks() -> list[Path]:
    """Every Portuguese notebook."""
    return sorted(PORTUGUESE.rglob("*.ipynb"))


def source_hash(cell: nbformat.NotebookNode) -> str:
    """The hash a translation records of its English cell: its type and source."""
    return hashlib.sha256(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:16]


def recorded(cell: nbformat.NotebookNode) -> str | None:
    """The hash of the English cell this Portuguese cell was translated from."""
    return cell.get("metadata", {}).get(KEY, {}).get("translates")


def pairs(
    english: nbformat.NotebookNode, portuguese: nbformat.NotebookNode
) -> Iterator[tuple[nbformat.NotebookNode | None, nbformat.NotebookNode]]:
    """(English cell or None, Portuguese cell), matched by cell id."""
    by_id = {c.get("id"): c for c in english.cells}
    for cell in portuguese.cells:
        yield by_id.get(cell.get("id")), cell


def stale(english: nbformat.NotebookNode, portuguese: nbformat.NotebookNode) -> list[str]:
    """Ids of Portuguese cells whose English original changed since they were translated (or
    that record no original, or whose original is gone)."""
    return [
        str(pt.get("id"))
        for en, pt in pairs(english, portuguese)
        if en is None or recorded(pt) != source_hash(en)
    ]


def stamp(english: nbformat.NotebookNode, portuguese: nbformat.NotebookNode, ids: set[str]) -> int:
    """Record the current English hash on the Portuguese cells in ``ids`` (all if empty)."""
    count = 0
    for en, pt in pairs(english, portuguese):
        if en is not None and (not ids or pt.get("id") in ids):
            pt.setdefault("metadata", {}).setdefault(KEY, {})["translates"] = source_hash(en)
            count += 1
    return count


class _Neutral(ast.NodeTransformer):
    """Sets aside what a translation may change: string literals (docstrings, printed text)."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant(value="…") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        return ast.Constant(value="…")

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if ast.unparse(node.func) == "sqslab.start":  # the one call that picks the language
            node.keywords = [k for k in node.keywords if k.arg != "lang"]
        return node


def code_shape(source: str) -> str:
    """The syntax tree of a code cell with comments, strings and ``lang=`` set aside; IPython
    magics and shell lines (``%``, ``!``) kept as they are."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    return ast.dump(_Neutral().visit(tree))


def different_code(english: nbformat.NotebookNode, portuguese: nbformat.NotebookNode) -> list[str]:
    """Ids of code cells whose Portuguese code does something other than the English code."""
    return [
        str(pt.get("id"))
        for en, pt in pairs(english, portuguese)
        if pt.cell_type == "code"
        and (en is None or en.cell_type != "code" or code_shape(en.source) != code_shape(pt.source))
    ]


def side_by_side(left: str, right: str, width: int = 60) -> str:
    """Two texts in two columns."""
    a = [w for line in left.splitlines() for w in textwrap.wrap(line, width) or [""]]
    b = [w for line in right.splitlines() for w in textwrap.wrap(line, width) or [""]]
    rows = max(len(a), len(b))
    a, b = a + [""] * (rows - len(a)), b + [""] * (rows - len(b))
    return "\n".join(f"{x:<{width}} | {y}" for x, y in zip(a, b, strict=True))


def cmd_stale(paths: list[Path]) -> int:
    found = 0
    for path in paths or portuguese_notebooks():
        english = nbformat.read(english_of(path), as_version=4)
        portuguese = nbformat.read(path, as_version=4)
        by_id = {c.get("id"): c for c in english.cells}
        for cell_id in stale(english, portuguese):
            found += 1
            pt = next(c for c in portuguese.cells if c.get("id") == cell_id)
            en = by_id.get(cell_id)
            print(f"\n== {path.relative_to(ROOT)} {cell_id}: the English cell changed ==")
            print(side_by_side(en.source if en else "(gone)", pt.source))
    print(f"\n{found} stale cell(s)")
    return 1 if found else 0


def cmd_stamp(path: Path, ids: list[str]) -> int:
    english = nbformat.read(english_of(path), as_version=4)
    portuguese = nbformat.read(path, as_version=4)
    count = stamp(english, portuguese, set(ids))
    nbformat.write(portuguese, path)
    print(f"{path.relative_to(ROOT)}: {count} cell(s) stamped as translating the current English")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args[:1] == ["stale"]:
        sys.exit(cmd_stale([Path(a).resolve() for a in args[1:]]))
    if args[:1] == ["stamp"] and len(args) >= 2:
        sys.exit(cmd_stamp(Path(args[1]).resolve(), args[2:]))
    sys.exit(__doc__)
