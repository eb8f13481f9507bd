"""A small table that renders as aligned text and as HTML in a notebook (no pandas needed).

Headers and text cells are shown in the lab's language: a cell that is a text sqslab marked
(``N_``/``_``: a column name, a backend's description) is translated when the table is rendered;
anything else (queue names, API names, numbers) has no translation and shows as it is. The
table keeps its cells in English, so :meth:`Table.column` looks columns up by their English name.
Columns named in ``verbatim`` (API values such as ``queue``, or texts already translated) are shown
exactly as they are, so an API value that happens to be a marked word is never translated."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from sqslab.i18n import _


class Table:
    """Rows of cells under named columns; ``repr`` gives aligned text, notebooks get HTML."""

    def __init__(
        self, columns: Sequence[str], rows: Sequence[Sequence[Any]], verbatim: Sequence[str] = ()
    ) -> None:
        self.columns = tuple(columns)
        self.rows = [tuple("" if c is None else str(c) for c in row) for row in rows]
        self.verbatim = frozenset(self.columns.index(name) for name in verbatim)

    def column(self, name: str) -> list[str]:
        """Every cell of one column, top to bottom."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def shown(self) -> list[tuple[str, ...]]:
        """The header and the rows as rendered: each non-empty text in the lab's language, except
        in the ``verbatim`` columns' cells."""
        header = tuple(_(c) if c else c for c in self.columns)
        return [header] + [
            tuple(c if not c or i in self.verbatim else _(c) for i, c in enumerate(row))
            for row in self.rows
        ]

    def __repr__(self) -> str:
        lines = self.shown()
        widths = [max(len(line[i]) for line in lines) for i in range(len(self.columns))]
        return "\n".join(
            "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip()
            for line in lines
        )

    def _repr_html_(self) -> str:
        columns, *rows = self.shown()
        head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
