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


def make_lab(backend: str | None, *args: str, **env_vars: str) -> str:
    """The command `make lab` would run with SQSLAB_BACKEND set to ``backend`` (None: unset), the
    language variables of ``env_vars`` (SQSLAB_LANG and LANG unset unless given) and make ``args``."""
    import os
    import subprocess

    unset = {"SQSLAB_BACKEND", "SQSLAB_LANG", "LANG"}
    env = {k: v for k, v in os.environ.items() if k not in unset} | env_vars
    if backend is not None:
        env["SQSLAB_BACKEND"] = backend
    out = subprocess.run(["make", "-n", "-C", str(ROOT), "lab", *args], env=env, capture_output=True,
                         text=True, check=True).stdout  # fmt: skip
    return next(line for line in out.splitlines() if "jupyter lab" in line)


def test_make_lab_runs_on_moto_unless_the_learner_chose_a_backend() -> None:
    assert " SQSLAB_BACKEND=moto " in make_lab(None)
    assert " SQSLAB_BACKEND=moto " in make_lab("  ")
    # a workshop learner's `export SQSLAB_BACKEND=endpoint` then `make lab` reaches the room
    assert " SQSLAB_BACKEND=endpoint " in make_lab("endpoint")


def test_make_lab_lang_pt_br_opens_the_portuguese_edition() -> None:
    english = make_lab(None, LANG="C.UTF-8")
    assert english.startswith("SQSLAB_LANG=en ") and "root_dir=notebooks " in english
    for command in (
        make_lab(None, "LANG=pt-BR"),  # the README's switch (not a locale: the lab gets C.UTF-8)
        make_lab(None, SQSLAB_LANG="pt-BR"),
        make_lab(None, LANG="pt_BR.UTF-8"),  # a Brazilian machine's own locale
    ):
        assert "SQSLAB_LANG=pt-BR " in command and "root_dir=notebooks/pt-BR " in command
    assert make_lab(None, "LANG=pt-BR").startswith("LANG=C.UTF-8 ")
    assert not make_lab(None, LANG="pt_BR.UTF-8").startswith("LANG=")
    # English on a Brazilian machine, when asked for
    assert "root_dir=notebooks " in make_lab(None, SQSLAB_LANG="en", LANG="pt_BR.UTF-8")
    assert (ROOT / "notebooks" / "pt-BR").is_dir()
