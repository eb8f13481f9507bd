"""The capstone's orders: ``data/orders.jsonl`` read into :class:`Order` values, and money as text."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqslab.numbers import localize
from sqslab.numbers import money as money_of

DATA_FILE = "orders.jsonl"
#: The command that (re)creates the orders file, run from the repository root.
GENERATOR = "python data/generate_orders.py"
REQUIRED = ("order_id", "customer_id", "created_at", "type", "priority", "items", "total_cents")


@dataclass(frozen=True)
class Order:
    """One order from ``data/orders.jsonl``; ``record`` is the JSON object, sent as the body."""

    order_id: str
    customer_id: str
    created_at: str
    type: str
    priority: str
    total_cents: int
    record: dict[str, Any] = field(compare=False, repr=False)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Order:
        """Build from a parsed JSON line (a clear error names a missing field)."""
        missing = [key for key in REQUIRED if key not in record]
        if missing:
            raise ValueError(
                f"order record {record.get('order_id', '?')!r} lacks {', '.join(missing)}; "
                f"regenerate the file with `{GENERATOR}`"
            )
        return cls(
            order_id=str(record["order_id"]),
            customer_id=str(record["customer_id"]),
            created_at=str(record["created_at"]),
            type=str(record["type"]),
            priority=str(record["priority"]),
            total_cents=int(record["total_cents"]),
            record=record,
        )

    @property
    def body(self) -> str:
        """The message body: the order as JSON."""
        return json.dumps(self.record, ensure_ascii=False)

    @property
    def poison(self) -> bool:
        """True when a quantity came as a string (legacy app): the first processing step crashes."""
        return any(not isinstance(item["quantity"], int) for item in self.record["items"])


def package_root() -> Path:
    """The folder holding the ``sqslab`` package: a checkout's root, or site-packages when installed
    (read from the ``sqslab.orders`` package's ``__file__``)."""
    return Path(str(importlib.import_module("sqslab.orders").__file__)).resolve().parents[2]


def candidates(path: str | Path | None = None) -> list[Path]:
    """Where the orders file is looked for: ``path``, else the repository's ``data/`` (next to the
    ``sqslab`` package in a checkout), then ``data/`` and ``../data/`` from the working directory."""
    if path is not None:
        return [Path(path)]
    repo = package_root()
    cwd = Path.cwd()
    found = [repo / "data" / DATA_FILE, cwd / "data" / DATA_FILE, cwd.parent / "data" / DATA_FILE]
    return list(dict.fromkeys(found))


def find_data_file(path: str | Path | None = None) -> Path:
    """The orders file, or a clear error naming where it was looked for and how to create it."""
    places = candidates(path)
    for place in places:
        if place.is_file():
            return place
    looked = ", ".join(str(p) for p in places)
    raise FileNotFoundError(
        f"no orders file found (looked at {looked}). It lives in the repository's data/ folder, "
        f"not in an installed sqslab package: from the repository root run `{GENERATOR}`, or pass "
        "load(path=...)"
    )


def load(path: str | Path | None = None) -> list[Order]:
    """The capstone's orders, in created_at order (see :func:`find_data_file` for where)."""
    source = find_data_file(path)
    orders = []
    for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            orders.append(Order.from_record(json.loads(line)))
        except (json.JSONDecodeError, ValueError, TypeError) as err:
            raise ValueError(f"{source.name} line {number}: {err}") from None
    return orders


def money(cents: int) -> str:
    """Integer cents as dollars: ``$1,234.56``."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return sign + money_of(whole, 0) + localize(f".{rest:02d}")


def as_record(item: Order | dict[str, Any] | str) -> dict[str, Any]:
    """An order record from an Order, a dict or a JSON body."""
    if isinstance(item, Order):
        return item.record
    if isinstance(item, str):
        return json.loads(item)
    return item
