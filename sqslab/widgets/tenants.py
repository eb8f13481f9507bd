"""Chapter 4: one tenant floods a standard queue; the flood's size and the consumer count ->
each tenant's p95 dwell time without and with group ids (the fair-queue layer at work)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import ipywidgets as w

from sqslab import fairness
from sqslab.arguments import LAB, requires
from sqslab.i18n import _
from sqslab.numbers import number
from sqslab.widgets.base import Panel, chart_area, error_html, int_slider

if TYPE_CHECKING:
    from sqslab.fairness import Comparison, Send
    from sqslab.lab import Lab


class FairPanel(Panel):
    """The noisy-neighbour experiment with sliders for the flood's burst and the consumers, and a
    button that runs it again on a new seeded workload (the learner's two send functions)."""

    @requires(lab=LAB, without=fairness.SEND, with_groups=fairness.SEND)
    def __init__(self, lab: Lab, without: Send, with_groups: Send) -> None:
        self.lab, self.without, self.with_groups = lab, without, with_groups
        base = fairness.Workload()
        self.burst = int_slider(_("flood burst (messages)"), base.flood_burst, 50, 400, 50)
        self.consumers = int_slider(_("consumers"), base.consumers, 1, 8)
        self.again = w.Button(description=_("run again"), button_style="primary")
        self.again.on_click(lambda _button: self.refresh())
        self.chart = chart_area()
        self.report = w.HTML()
        self.last: Comparison | None = None
        controls = (self.burst, self.consumers)
        super().__init__([*controls, self.again, self.report, self.chart], watch=controls)
        self.again.disabled = not lab.virtual_time
        self.refresh()

    def workload(self) -> fairness.Workload:
        """The sliders' workload: the chapter's seed first, then a new draw for each run."""
        base = fairness.Workload()
        seed = base.seed + self.runs - 1
        return replace(
            base, flood_burst=self.burst.value, consumers=self.consumers.value, seed=seed
        )

    def refresh(self) -> None:
        """Run both sends on the same workload; redraw the chart and the summary."""
        from sqslab import plots

        if not self.lab.virtual_time:
            self.report.value = _("real clock: the experiment is skipped ({why})").format(
                why=fairness.REAL_CLOCK
            )
            return
        self.next_run()
        try:
            self.last = fairness.compare(self.lab, self.without, self.with_groups, self.workload())
        except Exception as err:  # noqa: BLE001 - the learner's send may fail: say so in the panel
            self.report.value = error_html(err)
            return
        self.draw(plots.tenant_dwell(self.last))
        c = self.last
        self.report.value = _(
            "run {run}: quiet tenants' p95 dwell <b>{quiet_without} s</b> without group ids, "
            "<b>{quiet_with} s</b> with them (<b>{ratio}x</b> lower); the flood tenant's "
            "{flood_without} s and {flood_with} s"
        ).format(
            run=self.runs,
            quiet_without=number(c.without.quiet_p95(), 1, grouping=False),
            quiet_with=number(c.with_groups.quiet_p95(), 1, grouping=False),
            ratio=number(c.ratio, 1, grouping=False),
            flood_without=number(c.without.flood_p95(), 1, grouping=False),
            flood_with=number(c.with_groups.flood_p95(), 1, grouping=False),
        )


def fair_panel(lab: Lab, without: Send, with_groups: Send) -> FairPanel:
    """The chapter 4 fair-queue panel: flood burst and consumers -> p95 dwell per tenant."""
    return FairPanel(lab, without, with_groups)
