"""The classroom board live in JupyterLab: the instructor's notebook watches a real `sqslab
server`, a simulated learner passes an exercise in another process, and the board's grid cell for
that learner and exercise changes from not tried to passed."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ROOT, copy_notebooks, stop, wait_for_http, write_settings
from test_notebooks import run_all

from sqslab.emulator.server import free_port, server_process

LEARNER = """
import sqslab
lab = sqslab.start(quiet=True)
lab.sqs.create_queue(QueueName="payments.fifo", Attributes={
    "FifoQueue": "true", "ContentBasedDeduplication": "true", "VisibilityTimeout": "120"})
print(repr(sqslab.exercises.check_payments_fifo(lab.sqs)))
"""
CELL = '[data-learner="ana"][data-exercise="ex1.1"]'


@pytest.fixture(scope="module")
def room(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """A real-clock `sqslab server` and JupyterLab whose kernels use it as the instructor's
    room (endpoint backend); (server URL, JupyterLab URL)."""
    work = tmp_path_factory.mktemp("classroom")
    copy_notebooks(work / "notebooks")
    write_settings(work / "settings")
    with server_process() as server:
        env = {
            **os.environ,
            "SQSLAB_BACKEND": "endpoint",
            "SQSLAB_ENDPOINT_URL": server,
            "SQSLAB_NAMESPACE": "teacher",
            "SQSLAB_CLASSROOM_STATE": str(work / "board.json"),
            "JUPYTERLAB_SETTINGS_DIR": str(work / "settings"),
            "JUPYTER_CONFIG_DIR": str(work / "config"),
        }
        port = free_port()
        command = [
            str(Path(sys.executable).parent / "jupyter"), "lab", "--no-browser",
            f"--ServerApp.root_dir={work / 'notebooks'}", f"--ServerApp.port={port}",
            "--ServerApp.ip=127.0.0.1", "--ServerApp.token=", "--ServerApp.password=",
            "--LabApp.expose_app_in_browser=True", "--allow-root",
        ]  # fmt: skip
        lab = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{url}/lab", lab)
            yield server, url
        finally:
            stop(lab)


def learner_passes(server: str) -> str:
    env = {**os.environ, "SQSLAB_BACKEND": "endpoint", "SQSLAB_ENDPOINT_URL": server,
           "SQSLAB_NAMESPACE": "ana"}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", LEARNER], env=env, capture_output=True,
                          text=True, timeout=120, check=True, cwd=ROOT)  # fmt: skip
    return done.stdout


def test_a_learners_pass_appears_on_the_live_board(room, browser, screenshots):
    server, url = room
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        run_all(page, f"{url}/lab/workspaces/board/tree/instructor/classroom.ipynb?reset")
        grid = page.locator(".widget-html-content:has(table.sqslab-board), "
                            ".widget-html-content:has-text('no reports yet')").first  # fmt: skip
        grid.wait_for(timeout=30_000)
        assert page.locator(CELL).count() == 0  # ana has not reported anything yet
        out = learner_passes(server)
        assert out.startswith("PASS [ex1.1]") and "reported to the classroom board as ana" in out
        page.get_by_role("button", name="refresh").first.click()
        cell = page.locator(CELL)
        cell.wait_for(timeout=30_000)
        assert cell.inner_text() == "passed"
        cell.scroll_into_view_if_needed()
        page.screenshot(path=str(screenshots / "classroom-board-live.png"))
    finally:
        page.close()
