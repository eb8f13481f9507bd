"""The exercise plumbing in ``sqslab.exercises.base``: the one Check type, the reads of a queue and
of the lab's trace, and the package that only gathers the chapters' checks."""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import pytest
from botocore.exceptions import ClientError

import sqslab.exercises as exercises
from sqslab.exercises import arguments, base
from sqslab.namespace import Namespace
from sqslab.trace import CallRecord

PACKAGE = Path(exercises.__file__).parent


def test_check_says_pass_or_hint_and_is_truthy_only_when_passed():
    passed, hint = base.Check("ex9.9", True, "done."), base.Check("ex9.9", False, "do this")
    assert passed and not hint
    assert repr(passed) == "PASS [ex9.9] done."
    assert repr(hint) == "HINT [ex9.9] do this"


def test_first_problem_hints_with_the_first_failing_check_else_passes():
    checks = [(True, "a"), (False, "b"), (False, "c")]
    assert base.first_problem("ex9.9", checks, "ok") == base.Check("ex9.9", False, "b")
    assert base.first_problem("ex9.9", [(True, "a")], "ok") == base.Check("ex9.9", True, "ok")
    assert base.first_problem("ex9.9", [], "ok").passed


def test_queue_url_attributes_and_messages_left(sqs):
    assert base.queue_url(sqs, "nowhere") is None
    url = sqs.create_queue(QueueName="plumbing", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert base.queue_url(sqs, "plumbing") == url
    assert base.attributes(sqs, url)["VisibilityTimeout"] == "45"
    assert base.messages_left(sqs, url) == 0
    for body in ("one", "two"):
        sqs.send_message(QueueUrl=url, MessageBody=body)
    sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)  # one in flight, one visible
    assert base.messages_left(sqs, url) == 2


def test_traced_calls_are_the_successful_ones_on_that_queue(lab, sqs):
    url = sqs.create_queue(QueueName="traced")["QueueUrl"]
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="here")
    sqs.send_message(QueueUrl=other, MessageBody="there")
    with pytest.raises(ClientError):
        sqs.send_message(QueueUrl=url, MessageBody="late", DelaySeconds=100_000)
    calls = base.traced_calls(lab, "traced")
    assert [r.operation for r in calls] == ["CreateQueue", "SendMessage"]


def test_traced_calls_add_the_namespace_prefix_and_leave_out_failed_calls():
    records = [
        CallRecord(1, "SendMessage", "ana-orders", 0.0),
        CallRecord(2, "SendMessage", "ana-orders", 1.0, error="AccessDenied"),
        CallRecord(3, "SendMessage", "orders", 2.0),
        CallRecord(4, "ReceiveMessage", "ana-orders", 3.0),
    ]
    lab = SimpleNamespace(namespace=Namespace("ana-"), trace=records)
    assert [r.seq for r in base.traced_calls(lab, "orders")] == [1, 4]  # type: ignore[arg-type]
    assert [r.seq for r in base.traced_calls(lab, "ana-orders")] == [1, 4]  # type: ignore[arg-type]


def test_one_check_type_for_every_check_and_every_wrong_argument(sqs):
    assert exercises.Check is base.Check
    assert isinstance(exercises.check_payments_fifo(sqs), base.Check)
    wrong = exercises.check_payments_fifo(42)  # the decorator's HINT, the check does not run
    assert isinstance(wrong, base.Check) and not wrong and "int 42" in wrong.message
    assert arguments.Check is base.Check


def test_every_name_the_package_offers_is_there():
    missing = [name for name in exercises.__all__ if not hasattr(exercises, name)]
    assert not missing
    assert all(callable(getattr(exercises, n)) for n in exercises.__all__ if n.startswith("check_"))


def _imports(tree: ast.AST) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.add(node.module or "")
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_chapter_module_imports_the_package_back_or_a_private_name():
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        assert "sqslab.exercises" not in _imports(tree), f"{path.name} imports the package"
        private = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqslab")
            for alias in node.names
            if alias.name.startswith("_")
        ]
        assert not private, f"{path.name} imports private names {private}"


def test_the_package_init_only_gathers_names():
    tree = ast.parse((PACKAGE / "__init__.py").read_text(encoding="utf-8"))
    kinds = {type(node).__name__ for node in tree.body}
    assert kinds <= {"Expr", "ImportFrom", "Assign"}, kinds
    assert all(
        isinstance(n, ast.Expr | ast.ImportFrom)
        or (isinstance(n, ast.Assign) and n.targets[0].id == "__all__")  # type: ignore[attr-defined]
        for n in tree.body
    )
