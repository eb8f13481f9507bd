"""Layered patches: each undo puts back exactly what it replaced, only where it is still on top."""

from __future__ import annotations

import json

from sqslab.emulator.patching import Patches


class Target:
    def greet(self) -> str:
        return "hello"


def loud(inner):
    return lambda self: inner(self).upper()


def test_install_wraps_and_uninstall_restores_the_original():
    original = Target.__dict__["greet"]
    patches = Patches(lambda: [(Target, "greet", loud)])
    patches.install()
    patches.install()  # once only
    assert Target().greet() == "HELLO" and patches.installed
    patches.uninstall()
    assert Target.__dict__["greet"] is original and not patches.installed


def test_a_patch_under_another_layer_stays_until_that_one_is_gone():
    plain = vars(Target)["greet"]
    first = Patches(lambda: [(Target, "greet", loud)])
    second = Patches(lambda: [(Target, "greet", lambda inner: lambda self: inner(self) + "!")])
    first.install()
    second.install()
    first.uninstall()  # not on top: left in place, under the second layer's wrapper
    assert Target().greet() == "HELLO!"
    second.uninstall()  # takes the buried first wrapper out with it: nothing piles up
    assert Target().greet() == "hello" and vars(Target)["greet"] is plain


def test_a_new_attribute_is_removed_again():
    patches = Patches(lambda: [(Target, "extra", lambda missing: lambda self: 42)])
    patches.install()
    assert Target().extra() == 42
    patches.uninstall()
    assert not hasattr(Target, "extra")


def _policy_after_other_attribute(sqs):
    url = sqs.create_queue(QueueName="kept")["QueueUrl"]
    document = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "sqs:*", "Resource": "*"}],
        }
    )
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": document})
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "60"})
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]


def test_setting_another_attribute_keeps_the_queue_policy_as_on_aws(sqs):
    url, attrs = _policy_after_other_attribute(sqs)
    assert json.loads(attrs["Policy"])["Statement"][0]["Effect"] == "Deny"
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})  # an empty policy removes it
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"]).get(
        "Attributes", {}
    )


def test_plain_moto_drops_the_policy_that_the_layer_keeps(lab, sqs):
    import moto.sqs.models as sqs_models

    _policy_after_other_attribute(sqs)
    queue = sqs_models.sqs_backends[lab.account_id][lab.region].queues["kept"]
    assert queue.policy is not None
    moto_own = vars(sqs_models.Queue)["_set_attributes"]
    while hasattr(moto_own, "__wrapped__"):  # under redrive's and the fidelity layer's wrappers
        moto_own = moto_own.__wrapped__
    moto_own(queue, {"VisibilityTimeout": "30"})
    assert queue.policy is None
