"""The capstone's data: a deterministic generator, the committed file it writes, and the loader."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path

import pytest

from sqslab import orders

ROOT = Path(__file__).parents[1]
SCRIPT = ROOT / "data" / "generate_orders.py"
COMMITTED = ROOT / "data" / "orders.jsonl"


def generator():
    """The generator script, imported as a module (data/ is not a package)."""
    spec = importlib.util.spec_from_file_location("generate_orders", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return [json.loads(line) for line in COMMITTED.read_text(encoding="utf-8").splitlines()]


def test_committed_file_equals_a_rerun_of_the_documented_command(tmp_path):
    out = tmp_path / "orders.jsonl"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert out.read_bytes() == COMMITTED.read_bytes()


def test_same_seed_same_orders_other_seed_other_orders():
    gen = generator()
    assert gen.to_jsonl(gen.generate(seed=5, count=40)) == gen.to_jsonl(
        gen.generate(seed=5, count=40)
    )
    assert gen.generate(seed=5, count=40) != gen.generate(seed=6, count=40)


def test_generator_refuses_an_empty_shop():
    with pytest.raises(ValueError, match="at least 1 order"):
        generator().generate(count=0)


def test_ids_are_unique_and_there_are_a_few_hundred(records):
    ids = [r["order_id"] for r in records]
    assert 250 <= len(ids) <= 400
    assert len(set(ids)) == len(ids)


def test_each_total_is_the_sum_of_its_lines_in_integer_cents(records):
    for r in records:
        lines = sum(int(item["quantity"]) * item["unit_price_cents"] for item in r["items"])
        assert r["total_cents"] == lines, r["order_id"]
        assert isinstance(r["total_cents"], int)
        assert all(isinstance(item["unit_price_cents"], int) for item in r["items"])


def test_no_float_anywhere(records):
    def floats(value) -> int:
        if isinstance(value, float):
            return 1
        if isinstance(value, dict):
            return sum(floats(v) for v in value.values())
        if isinstance(value, list):
            return sum(floats(v) for v in value)
        return 0

    assert sum(floats(r) for r in records) == 0


def test_created_at_ascends_per_customer_and_overall(records):
    stamps = [datetime.fromisoformat(r["created_at"].replace("Z", "+00:00")) for r in records]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    per_customer = defaultdict(list)
    for r, when in zip(records, stamps, strict=True):
        per_customer[r["customer_id"]].append(when)
    assert all(times == sorted(times) for times in per_customer.values())


def test_items_come_from_the_catalogue_one_to_five_distinct_lines(records):
    catalogue = {sku: (name, price) for sku, name, price in generator().CATALOGUE}
    for r in records:
        skus = [item["sku"] for item in r["items"]]
        assert 1 <= len(skus) <= 5 and len(set(skus)) == len(skus)
        for item in r["items"]:
            assert catalogue[item["sku"]] == (item["name"], item["unit_price_cents"])
            assert 1 <= int(item["quantity"]) <= 3


def test_about_forty_customers_with_skewed_activity(records):
    counts = Counter(r["customer_id"] for r in records)
    assert 30 <= len(counts) <= 40
    mean = len(records) / len(counts)
    assert counts.most_common(1)[0][1] > 3 * mean  # a few regulars place most orders
    assert min(counts.values()) < mean / 2


def test_types_have_their_priority(records):
    priority = {kind: prio for kind, _, prio in generator().TYPES}
    assert {r["type"] for r in records} == set(priority)
    assert all(r["priority"] == priority[r["type"]] for r in records)


def test_a_few_percent_are_poison_from_the_legacy_app(records):
    poison = [r for r in records if r["channel"] == "app-v1"]
    assert 0.02 <= len(poison) / len(records) <= 0.03
    for r in records:
        strings = [isinstance(item["quantity"], str) for item in r["items"]]
        assert all(strings) if r["channel"] == "app-v1" else not any(strings)


def test_load_gives_orders_in_file_order(records):
    loaded = orders.load()
    assert [o.order_id for o in loaded] == [r["order_id"] for r in records]
    assert loaded[0].record == records[0]
    assert json.loads(loaded[0].body) == records[0]
    assert sum(o.poison for o in loaded) == sum(r["channel"] == "app-v1" for r in records)


def test_the_file_is_found_from_another_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # e.g. a notebook kernel started elsewhere
    assert orders.find_data_file() == COMMITTED


def test_an_installed_package_without_the_repository_says_how_to_make_the_file(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    fake = tmp_path / "site-packages" / "sqslab" / "orders.py"
    monkeypatch.setattr(orders, "__file__", str(fake))
    with pytest.raises(FileNotFoundError, match="python data/generate_orders.py"):
        orders.load()


def test_a_missing_path_names_the_generator(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"generate_orders\.py.*load\(path=\.\.\.\)"):
        orders.load(tmp_path / "nope.jsonl")


def test_a_bad_line_names_its_number(tmp_path):
    path = tmp_path / "orders.jsonl"
    good = COMMITTED.read_text(encoding="utf-8").splitlines()[0]
    path.write_text(good + "\n{not json\n", encoding="utf-8")
    with pytest.raises(ValueError, match="orders.jsonl line 2"):
        orders.load(path)
    path.write_text(json.dumps({"order_id": "X-1"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1: .*lacks customer_id"):
        orders.load(path)
