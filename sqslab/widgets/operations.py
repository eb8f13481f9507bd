"""Chapters 6 and 8: a scaling run drawn live as a CloudWatch-style dashboard, and which AWS
messaging service fits a workload's needs."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from sqslab import monitor_demo, services
from sqslab.arguments import LAB, Expected, is_whole, requires
from sqslab.i18n import N_, _, pgettext
from sqslab.numbers import short
from sqslab.widgets.base import Panel, chart_area, int_slider

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.scaling import ScalingPolicy, ScalingRun
    from sqslab.services import Fit

#: How often a live panel redraws: every 1 or more simulated minutes.
POSITIVE = Expected(N_("a whole number of minutes, 1 or more"), lambda v: is_whole(v) and v >= 1)


class MonitorPanel(Panel):
    """Chapter 6: burst arrival rate, most consumers, processing time -> a scaling run drawn as a
    CloudWatch-style dashboard that updates live every ``live_every`` simulated minutes."""

    @requires(lab=LAB, live_every=POSITIVE)
    def __init__(self, lab: Lab, live_every: int = 4) -> None:
        self.lab = lab
        self.frames = 0
        self.live_every = live_every
        self.arrival = int_slider(_("burst (messages/min)"), 60, 30, 240, 30)
        self.consumers = int_slider(_("most consumers"), 8, 1, 10)
        self.processing = int_slider(_("processing time (s)"), 2, 1, 6)
        self.chart = chart_area()
        self.report = w.HTML()
        self.last: dict[str, Any] = {}
        self.run_result: ScalingRun | None = None
        controls = (self.arrival, self.consumers, self.processing)
        super().__init__([*controls, self.report, self.chart], watch=controls)
        self.refresh()

    def policy(self) -> ScalingPolicy:
        """The scaling policy the sliders describe (acceptable latency fixed at 60 s)."""
        return monitor_demo.burst_policy(self.processing.value, self.consumers.value)

    def run(self) -> dict[str, Any]:
        """Simulate 12 minutes with a 3-minute burst; redraw live; return the run's key numbers."""
        number = self.next_run()
        self.run_result = monitor_demo.burst_run(
            self.lab,
            f"monitor-panel-{number}",
            burst=self.arrival.value,
            most_consumers=self.consumers.value,
            processing=self.processing.value,
            on_minute=self.show,
            every=self.live_every,
        )
        self.last = monitor_demo.summary(self.run_result)
        return self.last

    def show(self, run: ScalingRun) -> None:
        """Draw a run (complete or so far) into the chart: the live-update hook."""
        from sqslab import plots

        self.draw(plots.monitor_dashboard(run.metrics, run.alarms, run.instances))
        self.frames += 1

    def refresh(self) -> None:
        """Run with the current settings and write the summary under the sliders."""
        r = self.run()
        if r["skipped"]:
            self.report.value = _("{messages} messages · {why}").format(
                messages=r["messages"], why=html.escape(r["skipped"])
            )
            return
        fired = ", ".join(html.escape(a) for a in r["alarms_fired"])
        parts = (
            _(
                "{messages} messages · peak backlog <b>{backlog}</b> · oldest message "
                "<b>{oldest} s</b> · peak consumers <b>{consumers}</b>"
            ).format(
                messages=r["messages"],
                backlog=r["peak_backlog"],
                oldest=short(r["oldest_age"]),
                consumers=r["peak_instances"],
            ),
            _("alarms fired: <b>{fired}</b>").format(fired=fired)
            if fired
            else _("alarms fired: <b>none</b>"),
            _("left in the queue <b>{left}</b>").format(left=r["left"]),
        )
        self.report.value = " · ".join(parts)


def monitor_panel(lab: Lab, live_every: int = 4) -> MonitorPanel:
    """The chapter 6 panel: burst rate, most consumers, processing time -> live dashboard."""
    return MonitorPanel(lab, live_every)


class ServicePanel(Panel):
    """Chapter 8: toggle what a workload needs -> services ranked, with what each one misses."""

    def __init__(self, needs: tuple[str, ...] = ("retry_each",)) -> None:
        services.check_needs(needs)
        self.toggles = {
            key: w.ToggleButton(
                value=key in needs,
                description=pgettext("need", services.LABELS[key]),
                tooltip=_(text),
                layout=w.Layout(width="150px"),
            )
            for key, text in services.NEEDS.items()
        }
        self.chart = chart_area()
        self.report = w.HTML()
        self.fits: list[Fit] = []
        toggles = list(self.toggles.values())
        super().__init__(
            [w.HBox(toggles, layout=w.Layout(flex_flow="row wrap")), self.report, self.chart],
            watch=toggles,
        )
        self.refresh()

    def needs(self) -> list[str]:
        """The needs switched on, in the order of :data:`sqslab.services.NEEDS`."""
        return [key for key, toggle in self.toggles.items() if toggle.value]

    def refresh(self) -> None:
        """Rank the services for the chosen needs; redraw the chart and name the best fits."""
        from sqslab import plots

        asked = self.needs()
        self.fits = services.recommend(asked)
        self.draw(plots.service_fit(self.fits, len(asked)))
        best = [_(f.service.name) for f in self.fits if f.complete]
        if best:
            self.report.value = _("fits every need: {services}").format(
                services="<b>" + html.escape(", ".join(best)) + "</b>"
            )
        else:
            top = self.fits[0]
            missing = ", ".join(top.missing)  # the needs' keys, as services.recommend takes them
            self.report.value = _(
                "nothing fits all {count}; closest: {service}, missing {missing}"
            ).format(
                count=len(asked),
                service=f"<b>{html.escape(_(top.service.name))}</b>",
                missing=html.escape(missing),
            )


def service_panel(needs: tuple[str, ...] = ("retry_each",)) -> ServicePanel:
    """The chapter 8 panel: what the workload needs -> which AWS messaging service fits."""
    return ServicePanel(needs)
