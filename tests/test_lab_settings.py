"""The JupyterLab settings the course ships: merged into the environment's overrides.json, where
JupyterLab 4 reads them, without dropping what another package put there."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).parents[1]
SPEC = importlib.util.spec_from_file_location(
    "install_lab_settings", ROOT / "scripts" / "install_lab_settings.py"
)
assert SPEC and SPEC.loader
settings = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(settings)
NOTIFICATION = "@jupyterlab/apputils-extension:notification"


def test_the_shipped_overrides_turn_news_and_updates_off() -> None:
    ours = json.loads((ROOT / "jupyter" / "overrides.json").read_text())
    assert ours[NOTIFICATION] == {"fetchNews": "false", "checkForUpdates": False}


def test_install_writes_where_jupyterlab_reads(tmp_path: Path) -> None:
    path = settings.install(str(tmp_path))
    assert path == tmp_path / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    assert json.loads(path.read_text())[NOTIFICATION]["fetchNews"] == "false"


def test_install_keeps_other_settings(tmp_path: Path) -> None:
    path = settings.target(str(tmp_path))
    path.parent.mkdir(parents=True)
    other = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"}}
    path.write_text(
        json.dumps({**other, NOTIFICATION: {"fetchNews": "true", "doNotDisturbMode": True}})
    )
    written = json.loads(settings.install(str(tmp_path)).read_text())
    assert written["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert written[NOTIFICATION] == {
        "fetchNews": "false",
        "doNotDisturbMode": True,
        "checkForUpdates": False,
    }


def test_make_lab_and_binder_install_them() -> None:
    makefile, post_build = (ROOT / "Makefile").read_text(), (ROOT / "postBuild").read_text()
    lab = makefile.split("\nlab: venv\n", 1)[1].split("\n\n", 1)[0]
    assert "scripts/install_lab_settings.py" in lab and "$(LAB_ROOT)" in lab
    assert "scripts/install_lab_settings.py" in post_build


def make_lab(backend: str | None) -> str:
    """The command `make lab` would run with SQSLAB_BACKEND set to ``backend`` (None: unset)."""
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "SQSLAB_BACKEND"}
    if backend is not None:
        env["SQSLAB_BACKEND"] = backend
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "lab"], env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return next(line for line in out.splitlines() if "jupyter lab" in line)


def test_make_lab_runs_on_moto_unless_the_learner_chose_a_backend() -> None:
    assert make_lab(None).startswith("SQSLAB_BACKEND=moto ")
    assert make_lab("  ").startswith("SQSLAB_BACKEND=moto ")
    # a workshop learner's `export SQSLAB_BACKEND=endpoint` then `make lab` reaches the room
    assert make_lab("endpoint").startswith("SQSLAB_BACKEND=endpoint ")
