"""Chapters 4 and 5: the order each message group was processed in (FIFO or standard), and where
failing messages end up (processed, in the DLQ, still in the source)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from sqslab import dlq, fifo
from sqslab.arguments import LAB, requires
from sqslab.i18n import _
from sqslab.numbers import short
from sqslab.widgets.base import Panel, chart_area, float_slider, int_slider

if TYPE_CHECKING:
    from sqslab.fifo import Delivery
    from sqslab.lab import Lab


class FifoPanel(Panel):
    """Chapter 4: groups x consumers x failures -> the order each group was processed in."""

    PER_GROUP = 5

    @requires(lab=LAB)
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.fifo = w.ToggleButtons(options=["FIFO", _("standard")], value="FIFO")
        self.groups = int_slider(_("message groups"), 3, 1, 5)
        self.workers = int_slider(_("consumers"), 3, 1, 6)
        self.failure = float_slider(_("failure rate"), 0.0, 0.5, 0.1)
        self.chart = chart_area()
        self.report = w.HTML()
        self.last: dict[str, bool | int | float] = {}
        self.deliveries: list[Delivery] = []
        controls = (self.fifo, self.groups, self.workers, self.failure)
        super().__init__([*controls, self.report, self.chart], watch=controls)
        self.refresh()

    def run(self) -> dict[str, bool | int | float]:
        """Send numbered streams and consume them with the chosen settings; report their order."""
        number = self.next_run()
        result = fifo.order_run(
            self.lab,
            f"fifo-panel-{number}",
            fifo=self.fifo.value == "FIFO",
            groups=self.groups.value,
            workers=self.workers.value,
            failure_rate=self.failure.value,
            seed=number,
            per_group=self.PER_GROUP,
        )
        self.deliveries = result.deliveries
        self.last = result.summary()
        return self.last

    def refresh(self) -> None:
        """Run with the current settings and redraw the chart and the summary."""
        from sqslab import plots

        r = self.run()
        kind = self.fifo.value
        title = _("FIFO queue") if self.fifo.value == "FIFO" else _("standard queue")
        self.draw(plots.group_order(self.deliveries, title))
        verdict = (
            _("every group in order")
            if r["in_order"]
            else _("{count} out of order").format(count=r["out_of_order"])
        )
        faster = _(" ({speedup}x faster on a real clock)").format(speedup=fifo.REAL_CLOCK_SPEEDUP)
        pace = "" if self.lab.virtual_time else faster
        self.report.value = _(
            "{kind}: <b>{verdict}</b> · failures retried <b>{failures}</b> · done after {seconds} "
            "s of queue time{pace}"
        ).format(
            kind=kind,
            verdict=verdict,
            failures=r["failures"],
            seconds=short(r["seconds"]),
            pace=pace,
        )


def fifo_panel(lab: Lab) -> FifoPanel:
    """The chapter 4 panel: queue type, groups, consumers, failures -> per-group order chart."""
    return FifoPanel(lab)


class DlqPanel(Panel):
    """Chapter 5: failure rate and maxReceiveCount -> how many messages end processed or in the DLQ."""

    MESSAGES = 20

    @requires(lab=LAB)
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.failure = float_slider(_("failure rate"), 0.3, 1.0, 0.1)
        self.max_receives = int_slider("maxReceiveCount", 3, 1, 10)
        self.chart = chart_area()
        self.report = w.HTML()
        self.last: dict[str, int] = {}
        controls = (self.failure, self.max_receives)
        super().__init__([*controls, self.report, self.chart], watch=controls)
        self.refresh()

    def run(self) -> dict[str, int]:
        """20 messages whose handler fails at the chosen rate on every attempt; where they end."""
        number = self.next_run()
        self.last = dlq.failure_run(
            self.lab,
            f"dlq-panel-{number}",
            failure_rate=self.failure.value,
            max_receive_count=self.max_receives.value,
            seed=number,
            messages=self.MESSAGES,
        )
        return self.last

    def refresh(self) -> None:
        """Run with the current settings and redraw the outcome chart."""
        from sqslab import plots

        counts = self.run()
        self.draw(plots.message_outcomes(counts))
        self.report.value = " · ".join(f"{_(k)} <b>{v}</b>" for k, v in counts.items())


def dlq_panel(lab: Lab) -> DlqPanel:
    """The chapter 5 panel: failure rate and maxReceiveCount -> outcome counts."""
    return DlqPanel(lab)
