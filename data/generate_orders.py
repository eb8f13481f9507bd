"""Generate ``data/orders.jsonl``, the capstone's orders: seeded, stdlib only, the same bytes every run.

Run from the repository root::

    python data/generate_orders.py            # writes data/orders.jsonl
    python data/generate_orders.py --out x.jsonl --seed 7 --count 50

A small coffee-and-kitchen shop: ~40 customers with skewed activity (a few regulars place most
orders), 1-5 lines per order from a 12-item catalogue, money in integer cents (never floats), order
types standard / express / pre-order with a priority each. About 2.5 % of the orders are "poison":
they come from the legacy app build ``app-v1``, which sends each quantity as a JSON string ("2"),
so a processing step that does arithmetic on the raw value crashes until it is fixed.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 2026
COUNT = 300
CUSTOMERS = 40
#: Share of poison orders (quantities sent as strings by the legacy app).
POISON_SHARE = 0.025
POISON_CHANNEL = "app-v1"
#: Zipf exponent of customer activity: the busiest customer places about a tenth of all orders.
SKEW = 0.8
#: Mean seconds between two orders.
MEAN_GAP = 90.0
START = datetime(2026, 11, 2, 8, 0, 0, tzinfo=UTC)
OUT = Path(__file__).resolve().parent / "orders.jsonl"

#: (sku, name, unit price in cents)
CATALOGUE: tuple[tuple[str, str, int], ...] = (
    ("BEANS-250", "Espresso beans 250 g", 1290),
    ("BEANS-1K", "House blend beans 1 kg", 3990),
    ("FILTERS", "Paper filters, pack of 100", 590),
    ("MUG", "Ceramic mug", 1450),
    ("GRINDER", "Hand grinder", 6900),
    ("KETTLE", "Gooseneck kettle", 5490),
    ("SCALE", "Brew scale", 3250),
    ("DRIPPER", "Pour-over dripper", 2200),
    ("TEA", "Green tea tin", 1100),
    ("TOTE", "Canvas tote bag", 1800),
    ("GIFT-25", "Gift card $25", 2500),
    ("MACHINE", "Espresso machine", 34900),
)
#: (type, weight, priority)
TYPES: tuple[tuple[str, float, str], ...] = (
    ("standard", 0.70, "normal"),
    ("express", 0.20, "high"),
    ("pre-order", 0.10, "low"),
)
CHANNELS: tuple[tuple[str, float], ...] = (("web", 0.7), ("app", 0.3))


def customer_weights(rng: random.Random, customers: int) -> dict[str, float]:
    """Customer id -> activity weight (Zipf-like), the ranks shuffled so ids say nothing."""
    ids = [f"CUST-{i:03d}" for i in range(1, customers + 1)]
    rng.shuffle(ids)
    return {cid: 1 / rank**SKEW for rank, cid in enumerate(ids, start=1)}


def pick_items(rng: random.Random) -> list[dict[str, Any]]:
    """1 to 5 distinct catalogue lines, each with a quantity of 1 to 3."""
    lines = rng.sample(CATALOGUE, rng.choice((1, 1, 2, 2, 3, 4, 5)))
    return [
        {
            "sku": sku,
            "name": name,
            "quantity": rng.choice((1, 1, 1, 2, 2, 3)),
            "unit_price_cents": price,
        }
        for sku, name, price in lines
    ]


def total_cents(items: list[dict[str, Any]]) -> int:
    """The order total: sum of quantity x unit price, in integer cents."""
    return sum(int(item["quantity"]) * int(item["unit_price_cents"]) for item in items)


def make_order(
    rng: random.Random, number: int, customer: str, created: datetime, poison: bool
) -> dict[str, Any]:
    """One order record; a poison order's quantities are strings, as the legacy app sends them."""
    kind, _, priority = rng.choices(TYPES, weights=[w for _, w, _ in TYPES])[0]
    channel = rng.choices(CHANNELS, weights=[w for _, w in CHANNELS])[0][0]
    items = pick_items(rng)
    if poison:
        channel = POISON_CHANNEL
        for item in items:
            item["quantity"] = str(item["quantity"])
    return {
        "order_id": f"ORD-{number:05d}",
        "customer_id": customer,
        "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "type": kind,
        "priority": priority,
        "channel": channel,
        "currency": "USD",
        "items": items,
        "total_cents": total_cents(items),
    }


def generate(
    seed: int = SEED, count: int = COUNT, customers: int = CUSTOMERS
) -> list[dict[str, Any]]:
    """``count`` orders in created_at order (so in order per customer too), from one seeded RNG."""
    if count < 1 or customers < 1:
        raise ValueError(
            f"need at least 1 order and 1 customer, got count={count}, customers={customers}"
        )
    rng = random.Random(seed)
    weights = customer_weights(rng, customers)
    poison = set(rng.sample(range(count), round(count * POISON_SHARE)))
    ids, shares = list(weights), list(weights.values())
    created, orders = START, []
    for index in range(count):
        created += timedelta(seconds=max(1, round(rng.expovariate(1 / MEAN_GAP))))
        customer = rng.choices(ids, weights=shares)[0]
        orders.append(make_order(rng, 10001 + index, customer, created, index in poison))
    return orders


def to_jsonl(orders: list[dict[str, Any]]) -> str:
    """One JSON object per line, keys in a fixed order, ``\\n`` line ends."""
    return "".join(json.dumps(order, ensure_ascii=False) + "\n" for order in orders)


def write(path: Path, orders: list[dict[str, Any]]) -> Path:
    """Write the orders to ``path`` as UTF-8 JSON lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_jsonl(orders).encode("utf-8"))
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line: write the orders file (default ``data/orders.jsonl``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"output file (default {OUT.name})")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--customers", type=int, default=CUSTOMERS)
    args = parser.parse_args(argv)
    orders = generate(args.seed, args.count, args.customers)
    write(args.out, orders)
    print(f"wrote {len(orders)} orders to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
