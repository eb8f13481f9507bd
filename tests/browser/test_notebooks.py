"""Every notebook in JupyterLab: Run All, no unexpected error, every widget panel rendered, one
interaction per panel that changes what it shows, and a screenshot."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

ROOT = Path(__file__).parents[2]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ALL_NOTEBOOKS = sorted(
    p.relative_to(ROOT / "notebooks") for p in (ROOT / "notebooks").rglob("*.ipynb")
)


def in_ci_sample(path: Path) -> bool:
    """The CI sample (`make test-browser-ci`): the English chapters, the instructor's notebook and
    chapter 0 in Portuguese; `make test-browser` runs every notebook."""
    if path.parts[0] == "pt-BR":
        return path == Path("pt-BR", "00_welcome.ipynb")
    return "solutions" not in path.parts


NOTEBOOKS = [
    p for p in ALL_NOTEBOOKS if os.environ.get("SQSLAB_BROWSER_SAMPLE") != "ci" or in_ci_sample(p)
]
#: True once the open notebook's kernel is idle and no cell waits to run.
IDLE = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  const kernel = w && w.sessionContext.session && w.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  return !Array.from(w.content.widgets).some(
    c => c.model.type === 'code' && c.promptNode && c.promptNode.textContent.includes('*'));
}"""
#: Index of each code cell with an error output, from the notebook model in the browser.
ERRORS = """() => {
  const cells = window.jupyterapp.shell.currentWidget.content.model.cells, found = [];
  for (let i = 0; i < cells.length; i++) {
    const cell = cells.get(i);
    if (cell.type !== 'code') continue;
    for (let j = 0; j < cell.outputs.length; j++)
      if (cell.outputs.get(j).type === 'error') found.push(i);
  }
  return found;
}"""
#: What a panel shows: its charts (images) and its figures (HTML), not its controls' readouts.
SHOWN = """e => Array.from(e.querySelectorAll('img')).map(i => i.src).join('|') + '#' +
  Array.from(e.querySelectorAll('.widget-html-content')).map(x => x.innerHTML).join('|')"""


def expected(path: Path) -> tuple[list[int], int]:
    """The cells meant to raise, and how many widget views the executed notebook holds."""
    nb = nbformat.read(ROOT / "notebooks" / path, as_version=4)
    raising = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.source.startswith("# NBVAL_RAISES_EXCEPTION")
    ]
    views = sum(
        WIDGET_VIEW in out.get("data", {}) for c in nb.cells for out in c.get("outputs", [])
    )
    return raising, views


def run_all(page: Any, url: str) -> None:
    """Open the notebook at ``url``, wait for its kernel, Run All, wait until everything ran."""
    page.goto(url)
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget && "
        "window.jupyterapp.shell.currentWidget.sessionContext.session && "
        "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel && "
        "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status === 'idle'",
        timeout=90_000,
    )
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(1000)
    page.wait_for_function(IDLE, timeout=180_000, polling=500)


def panels(page: Any) -> Any:
    """The output areas that hold a rendered widget view."""
    return page.locator(".jp-OutputArea-output:has(> .jupyter-widgets)")


def interact(page: Any, panel: Any) -> str:
    """Click the panel's first button not already pressed (its action; a toggle switches), or else
    move its first slider one step."""
    button = panel.locator("button:not(.mod-active)").first
    if button.count():
        button.click()
        return "button"
    panel.locator(".noUi-handle").first.focus()
    page.keyboard.press("ArrowRight")
    return "slider"


def changed(page: Any, panel: Any, before: str, seconds: float = 30) -> None:
    """Wait (up to ``seconds``) for the panel to show something other than ``before``."""
    with contextlib.suppress(PlaywrightTimeout):  # the assertion after it names what did not change
        page.wait_for_function(
            f"([e, before]) => ({SHOWN})(e) !== before",
            arg=[panel.element_handle(), before],
            timeout=seconds * 1000,
        )


def shot_name(path: Path) -> str:
    """The notebook's name for its screenshots and workspace: a Portuguese twin's starts with
    ``pt-BR-`` so it does not overwrite its English original's."""
    return f"pt-BR-{path.stem}" if path.parts[0] == "pt-BR" else path.stem


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[str(p) for p in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(path, jupyterlab, browser, screenshots):
    raising, views = expected(path)
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        # a workspace of its own, reset: JupyterLab would otherwise reopen earlier tests' tabs
        name = shot_name(path)
        workspace = name.replace("_", "-")
        run_all(page, f"{jupyterlab}/lab/workspaces/{workspace}/tree/{path.as_posix()}?reset")
        shot = screenshots / f"{name}.png"
        assert page.evaluate(ERRORS) == raising, f"unexpected error output (see {shot})"
        shown = panels(page)
        with contextlib.suppress(PlaywrightTimeout):  # widget views render a moment after idle
            expect(shown).to_have_count(views, timeout=30_000)
        assert shown.count() == views, f"{shown.count()} of {views} widget panels rendered"
        for n in range(views):
            panel = shown.nth(n)
            panel.scroll_into_view_if_needed()
            before = panel.evaluate(SHOWN)
            how = interact(page, panel)
            page.wait_for_timeout(500)
            page.wait_for_function(IDLE, timeout=120_000, polling=300)
            changed(page, panel, before)
            after = panel.evaluate(SHOWN)
            panel.screenshot(path=str(screenshots / f"{name}-panel{n + 1}.png"))
            assert after != before, f"panel {n + 1}: the {how} changed nothing it shows"
        page.screenshot(path=str(shot))
    finally:
        page.close()
