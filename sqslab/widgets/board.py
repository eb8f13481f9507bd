"""The instructor's classroom board: learners x exercises, who looks stuck, the room's progress and
the board queue's own depth and DLQ, refreshed by draining the board queue (by a button, and on a
real clock every few seconds while "live" is on)."""

from __future__ import annotations

import html
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import ipywidgets as w

from sqslab import board_queue, dlq
from sqslab.board import HINTED, PASSED, BoardState
from sqslab.i18n import _, ngettext
from sqslab.widgets.base import Panel, chart_area, error_html

CELL_STYLE = {
    PASSED: "background:#c8e6c9",
    HINTED: "background:#ffe082",
}
#: Seconds between live refreshes on a real clock.
LIVE_EVERY = 5.0


def grid_html(state: BoardState) -> str:
    """The grid as an HTML table: a row per learner, a column per exercise."""
    grid = state.grid()
    if not grid:
        return "<i>{}</i>".format(html.escape(_("no reports yet")))
    exercises, learner_head = state.exercises(), html.escape(_("learner"))
    head = "".join(f"<th>{html.escape(ex.removeprefix('ex'))}</th>" for ex in exercises)
    rows = []
    for learner, row in grid.items():
        cells = "".join(
            f'<td style="{CELL_STYLE.get(c.status, "")}" title="{html.escape(c.last_hint)}" '
            f'data-learner="{learner}" data-exercise="{ex}">{html.escape(c.label())}</td>'
            for ex, c in row.items()
        )
        rows.append(f"<tr><th>{html.escape(learner)}</th>{cells}</tr>")
    return (
        '<div style="overflow-x:auto"><table class="sqslab-board">'
        f"<tr><th>{learner_head}</th>{head}</tr>{''.join(rows)}</table></div>"
    )


def stuck_html(state: BoardState, now: datetime) -> str:
    """Who may need the instructor, one line each."""
    stuck, label = state.stuck(now), html.escape(_("stuck:"))
    if not stuck:
        nobody = html.escape(_("nobody"))
        return f"<b>{label}</b> {nobody}"
    items = "".join(f"<li>{html.escape(s.learner)}: {html.escape(s.reason)}</li>" for s in stuck)
    return f"<b>{label}</b><ul>{items}</ul>"


def counts_text(state: BoardState, new: int, depth: dict[str, int]) -> str:
    """The board's numbers in one line: learners, reports, what was dropped, the queue's depth."""
    learners, reports = len(state.learners), len(state.reports)
    return _(
        "{learners} · {reports} ({new} new) · {duplicates} duplicates dropped · "
        "{malformed} malformed · board queue: {waiting} waiting, {in_flight} in flight, "
        "{dead_letters} in its DLQ"
    ).format(
        learners=ngettext("{count} learner", "{count} learners", learners).format(count=learners),
        reports=ngettext("{count} report applied", "{count} reports applied", reports).format(
            count=reports
        ),
        new=new,
        duplicates=state.duplicates,
        malformed=state.malformed,
        **depth,
    )


class BoardPanel(Panel):
    """Drain the board queue into the store and show the room."""

    def __init__(
        self,
        sqs: Any,
        queues: dlq.QueuePair,
        store: board_queue.BoardStore,
        *,
        now: Callable[[], datetime] | None = None,
        clock: Any = None,
        live: bool = False,
    ) -> None:
        self.sqs, self.queues, self.store = sqs, queues, store
        self.now = now or (lambda: datetime.now(UTC))
        self.clock = clock
        self.button = w.Button(description=_("refresh"), icon="refresh")
        self.button.on_click(lambda _b: self.refresh())
        self.live = w.ToggleButton(value=False, description=_("live"), disabled=not live)
        self.live.observe(self._toggle_live, names="value")
        self.counts, self.grid, self.stuck = w.HTML(), w.HTML(), w.HTML()
        self.chart = chart_area()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        super().__init__([w.HBox([self.button, self.live]), self.counts, self.grid, self.stuck,
                          self.chart])  # fmt: skip
        self.state = BoardState()
        self.refresh()

    def refresh(self) -> None:
        """Drain what waits on the board queue, then redraw everything."""
        from sqslab.plots.board import board_progress

        try:
            drained = board_queue.drain(self.sqs, self.queues.source_url, self.store,
                                        clock=self.clock)  # fmt: skip
            self.state = self.store.load()
            depth = board_queue.depth(self.sqs, self.queues)
        except Exception as err:  # noqa: BLE001 - a panel shows its error instead of raising
            self.counts.value = error_html(err)
            return
        self.counts.value = html.escape(counts_text(self.state, drained.applied, depth))
        self.grid.value = grid_html(self.state)
        self.stuck.value = stuck_html(self.state, self.now())
        self.draw(board_progress(self.state))

    def _toggle_live(self, change: dict[str, Any]) -> None:
        """Live on: a background thread refreshes every few seconds; off: it stops."""
        if change["new"] and self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run_live, daemon=True)
            self._thread.start()
        elif not change["new"] and self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None

    def _run_live(self) -> None:
        while not self._stop.wait(LIVE_EVERY):
            self.refresh()


def board_panel(lab: Any, queues: dlq.QueuePair, store: board_queue.BoardStore) -> BoardPanel:
    """The board for ``lab``: on the virtual clock a rehearsal (refresh by the button), on a real
    clock live refreshes too."""
    sqs = board_queue.board_client(lab)
    return BoardPanel(sqs, queues, store, now=lab.now, clock=lab.clock, live=not lab.virtual_time)
