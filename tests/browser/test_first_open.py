"""What a newcomer sees first: chapter 0 in a fresh `make lab`, with no notification toast (the
"official Jupyter news?" consent prompt, an update notice) over it."""

from __future__ import annotations

import json

from test_notebooks import run_all

#: Every toast JupyterLab shows (its notifications are react-toastify toasts).
TOASTS = ".Toastify__toast"


def test_no_notification_over_chapter_0(jupyterlab, browser, screenshots):
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        run_all(page, f"{jupyterlab}/lab/workspaces/first-open/tree/00_welcome.ipynb?reset")
        page.wait_for_timeout(5000)  # the consent prompt comes a moment after the page loads
        page.screenshot(path=str(screenshots / "first-open.png"))
        texts = page.locator(TOASTS).all_inner_texts()
        assert texts == [], f"notification toasts over chapter 0: {json.dumps(texts)}"
    finally:
        page.close()
