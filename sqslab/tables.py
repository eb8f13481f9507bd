"""A small table that renders as aligned text and as HTML in a notebook (no pandas needed).

Headers and marked cells are shown in the lab's language: a header, and a cell that is a text sqslab
marked with ``N_``/``NC_`` (a :class:`~sqslab.i18n.Marked` text: a column name, a backend's
description, "yes"), is translated when the table is rendered; any other cell (queue names, a
learner's data, API values, numbers) shows exactly as it is, even when it reads like a marked word
(an order type "standard" is not the standard queue). The table keeps its cells in English, so
:meth:`Table.column` looks columns up by their English name. Columns named in ``verbatim`` are never
translated, marked cells included."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from sqslab.i18n import Marked, _


def shown(text: str, translate: bool = True) -> str:
    """``text`` as a table shows it: a marked text in the lab's language, anything else as it is."""
    return text.translated() if translate and isinstance(text, Marked) else text


class Table:
    """Rows of cells under named columns; ``repr`` gives aligned text, notebooks get HTML."""

    def __init__(
        self, columns: Sequence[str], rows: Sequence[Sequence[Any]], verbatim: Sequence[str] = ()
    ) -> None:
        self.columns = tuple(columns)
        self.rows = [tuple("" if c is None else c if isinstance(c, str) else str(c) for c in row)
                     for row in rows]  # fmt: skip
        self.verbatim = frozenset(self.columns.index(name) for name in verbatim)

    def column(self, name: str) -> list[str]:
        """Every cell of one column, top to bottom."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def shown(self) -> list[tuple[str, ...]]:
        """The header and the rows as rendered: the header and the marked cells in the lab's
        language (not in the ``verbatim`` columns), every other cell as it is."""
        header = tuple(c.translated() if isinstance(c, Marked) else _(c) if c else c
                       for c in self.columns)  # fmt: skip
        return [header] + [
            tuple(shown(c, i not in self.verbatim) for i, c in enumerate(row)) for row in self.rows
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
