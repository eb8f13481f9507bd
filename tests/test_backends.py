"""The moto backends refuse a moto outside the range the layers were written for, and that range
is the one pyproject.toml and environment.yml pin."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from sqslab.emulator import backends
from sqslab.errors import LabConfigError

ROOT = Path(__file__).resolve().parent.parent


def pinned_range(text: str) -> str:
    """``>=5.2.2,<5.3`` from a requirement such as ``moto[server]>=5.2.2,<5.3``."""
    return re.search(r"moto\[server\](\S+)", text).group(1)


def test_the_range_is_the_one_pyproject_and_environment_pin():
    low, high = backends.MOTO_RANGE
    wanted = f">={backends.shown(low)},<{high[0]}.{high[1]}"
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert [pinned_range(d) for d in deps if d.startswith("moto")] == [wanted]
    assert pinned_range((ROOT / "environment.yml").read_text()) == wanted


@pytest.mark.parametrize("release", ["5.1.22", "4.2.14", "5.3.0", "6.0.0"])
def test_a_moto_outside_the_range_is_refused_with_the_fix(release):
    with pytest.raises(LabConfigError) as caught:
        backends.check_moto(release)
    text = str(caught.value)
    assert f"moto {release}" in text and "make venv" in text
    assert backends.shown(backends.MOTO_RANGE[0]) in text


def test_the_installed_moto_and_the_range_ends_pass():
    assert backends.check_moto()  # what `make venv` installed
    low, high = backends.MOTO_RANGE
    assert backends.check_moto(backends.shown(low)) == backends.shown(low)
    assert backends.check_moto(f"{high[0]}.{high[1] - 1}.99")


def test_release_numbers_read_dev_and_short_versions():
    assert backends.release("5.2.6.dev3") == (5, 2, 6)
    assert backends.release("5.3") == (5, 3, 0)
