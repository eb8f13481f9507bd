"""The emulator's layers stack in the one declared order, and each follows the Layer protocol."""

from __future__ import annotations

from typing import Any

import moto.sqs.models as sqs_models
import pytest

from sqslab.emulator import layers, realism
from sqslab.lab import start

DECLARED = ["timepatch", "fidelity", "dedup", "fifo_groups", "redrive", "fair_queues", "realism"]
#: moto attributes that more than one layer wraps, with those layers outermost first.
SHARED = {
    (sqs_models.SQSBackend, "receive_message"): [
        "realism",
        "fair_queues",
        "fifo_groups",
        "timepatch",
    ],
    (sqs_models.SQSBackend, "delete_message"): ["realism", "fair_queues"],
    (sqs_models.SQSBackend, "change_message_visibility"): ["fair_queues", "timepatch"],
    (sqs_models.Queue, "add_message"): ["fair_queues", "redrive", "dedup", "timepatch"],
    (sqs_models.Queue, "messages"): ["realism", "fair_queues"],
    (sqs_models.Queue, "_set_attributes"): ["redrive", "fidelity"],
}


def wrapping_layers(owner: Any, name: str) -> list[str]:
    """The layers whose wrappers sit on ``owner.name`` now, outermost first (via __wrapped__)."""
    found = []
    current = vars(owner).get(name)
    while current is not None:
        target = current.fget if isinstance(current, property) else current
        module = getattr(target, "__module__", "") or ""
        if module.startswith("sqslab.emulator."):
            found.append(module.rsplit(".", 1)[-1])
        current = getattr(target, "__wrapped__", None) or getattr(current, "__wrapped__", None)
    return found


@pytest.fixture
def full_stack():
    lab = start("moto", quiet=True)
    realism.enable(lab, duplicates=0.0, reorder=0.0)
    yield lab
    lab.stop()


def test_the_order_is_declared_once_bottom_first():
    assert layers.names() == DECLARED
    assert layers.names(layers.DEFAULT) == DECLARED[:-1]  # realism is opt-in


@pytest.mark.parametrize(("owner", "name"), list(SHARED), ids=lambda v: getattr(v, "__name__", v))
def test_shared_moto_methods_are_wrapped_in_the_declared_order(full_stack, owner, name):
    found = wrapping_layers(owner, name)
    assert found == SHARED[(owner, name)]
    assert found == sorted(found, key=DECLARED.index, reverse=True)


def test_every_layer_follows_the_protocol_and_the_lab_stop_undoes_all(full_stack):
    for layer in layers.ORDER:
        assert isinstance(layer, layers.Layer)  # install, uninstall, active
        assert layer.active(), layer.__name__
    full_stack.stop()
    assert not any(layer.active() for layer in layers.ORDER)
    for owner, name in SHARED:
        assert wrapping_layers(owner, name) == []


def test_a_layer_uninstalled_early_leaves_the_others_in_place(full_stack):
    realism.uninstall()
    assert wrapping_layers(sqs_models.SQSBackend, "receive_message") == [
        "fair_queues",
        "fifo_groups",
        "timepatch",
    ]
    assert not realism.active() and layers.ORDER[0].active()
