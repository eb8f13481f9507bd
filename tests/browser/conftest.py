"""The course in a real browser: JupyterLab on a copy of the notebooks, driven by headless
Chromium through Playwright. Run with `make test-browser` (not part of `make unit`)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from sqslab.emulator.server import free_port

ROOT = Path(__file__).parents[2]
SCREENSHOTS = ROOT / "build" / "browser-screenshots"
CHROMIUM = os.environ.get("SQSLAB_CHROMIUM", "/usr/bin/chromium")
#: The one user setting the test adds to a fresh user's: every cell rendered (JupyterLab 4 otherwise
#: renders only the cells in view). Notifications are left to what `make lab` ships.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here is a browser test (deselected by `make unit`, run by `make test-browser`)."""
    for item in items:
        if Path(str(item.fspath)).is_relative_to(Path(__file__).parent):
            item.add_marker(pytest.mark.browser)


def pytest_terminal_summary(terminalreporter: object) -> None:
    """Say where the screenshots of this run are."""
    if SCREENSHOTS.exists() and any(SCREENSHOTS.iterdir()):
        terminalreporter.write_line(f"browser screenshots of this run: {SCREENSHOTS}")  # type: ignore[attr-defined]


def copy_notebooks(target: Path) -> None:
    """Copy notebooks/ to ``target``, tagging the cells that show an error on purpose so that
    Run All goes on past them (nbval reads the comment; JupyterLab reads the tag)."""
    shutil.copytree(ROOT / "notebooks", target)
    for path in target.rglob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and cell.source.startswith("# NBVAL_RAISES_EXCEPTION"):
                cell.metadata.setdefault("tags", []).append("raises-exception")
        nbformat.write(nb, path)


def write_settings(folder: Path) -> None:
    """Write the JupyterLab user settings above into ``folder``."""
    for name, values in SETTINGS.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def wait_for_http(url: str, proc: subprocess.Popen, seconds: float = 60) -> None:
    """Wait until ``url`` answers 200, or fail with the server's output."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer on {url} within {seconds:g} s")


def lab_command(notebooks: Path, port: int) -> list[str]:
    """`make lab` as a learner runs it, plus what a test needs: its own folder and port, no token
    or browser, and the app exposed to the page's scripts."""
    extra = [
        "--no-browser", f"--ServerApp.port={port}", "--ServerApp.ip=127.0.0.1",
        "--ServerApp.token=", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True",
    ]  # fmt: skip
    return [
        "make", "--no-print-directory", "-C", str(ROOT), "lab",
        f"LAB_ROOT={notebooks}", f"LAB_EXTRA={' '.join(extra)}",
    ]  # fmt: skip


def stop(proc: subprocess.Popen) -> None:
    """Stop `make lab` and the JupyterLab it started (their own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def jupyterlab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab started by `make lab` (no token, loopback) on a copy of notebooks/, as a fresh
    user (no user settings but the test's one); its base URL."""
    work = tmp_path_factory.mktemp("browser")
    copy_notebooks(work / "notebooks")
    write_settings(work / "settings")
    port = free_port()
    env = {
        **os.environ,
        "SQSLAB_BACKEND": "moto",  # `make lab` would take a backend exported in the shell
        "SQSLAB_LANG": "en",  # ... and the language (each Portuguese notebook asks for its own)
        "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
        "JUPYTER_CONFIG_DIR": str(work / "config"),
    }
    proc = subprocess.Popen(
        lab_command(work / "notebooks", port),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/lab", proc)
        yield url
    finally:
        stop(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium from Debian (Playwright's own download is not used)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"no Chromium at {CHROMIUM}: install it with `apt-get install -y chromium` "
            "(or set SQSLAB_CHROMIUM to its path)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        chromium = play.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """The folder for this run's screenshots, emptied first (git-ignored)."""
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS
