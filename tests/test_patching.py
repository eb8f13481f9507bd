"""Layered patches: each undo puts back exactly what it replaced, only where it is still on top."""

from __future__ import annotations

from sqslab.patching import Patches


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
    first = Patches(lambda: [(Target, "greet", loud)])
    second = Patches(lambda: [(Target, "greet", lambda inner: lambda self: inner(self) + "!")])
    first.install()
    second.install()
    first.uninstall()  # not on top: left in place
    assert Target().greet() == "HELLO!"
    second.uninstall()
    assert Target().greet() == "HELLO"  # the first layer's wrapper was left behind, as documented
    Target.greet = lambda self: "hello"  # reset for the other tests


def test_a_new_attribute_is_removed_again():
    patches = Patches(lambda: [(Target, "extra", lambda missing: lambda self: 42)])
    patches.install()
    assert Target().extra() == 42
    patches.uninstall()
    assert not hasattr(Target, "extra")
