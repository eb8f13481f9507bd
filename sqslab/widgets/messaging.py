"""Chapters 2 and 3: the producer panel (requests and cost), the consumer panel (processing time
against the visibility timeout) and a stop button for a consumer running in the background."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w
from botocore.exceptions import ClientError

from sqslab import consumer_demo, facts, producer_demo
from sqslab.arguments import LAB, requires
from sqslab.errors import LimitError
from sqslab.i18n import _
from sqslab.numbers import money, short
from sqslab.widgets.base import Panel, chart_area, error_html, float_slider, int_slider

if TYPE_CHECKING:
    from sqslab.consumer import Consumer
    from sqslab.lab import Lab
    from sqslab.timeline import Timeline


class ProducerPanel(Panel):
    """Chapter 2: choose a message count, batch size and payload size, send, see requests and cost."""

    @requires(lab=LAB)
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.count = int_slider(_("messages"), 100, 10, 200, 10)
        self.batch = int_slider(_("batch size"), 10, 1, int(facts.get("batch_max_entries").value))
        self.payload = int_slider(_("payload (KiB)"), 1, 1, 256)
        self.send = w.Button(description=_("send"), button_style="primary")
        self.send.on_click(self._on_send)
        self.report = w.HTML()
        self.last: dict[str, Any] = {}
        super().__init__([self.count, self.batch, self.payload, self.send, self.report])

    def run(self) -> dict[str, Any]:
        """Send the chosen workload to a fresh queue; return what it took and cost."""
        number = self.next_run()
        self.last = producer_demo.send_and_price(
            self.lab,
            f"producer-panel-{number}",
            messages=self.count.value,
            batch_size=self.batch.value,
            payload_kib=self.payload.value,
        ).summary()
        return self.last

    def _on_send(self, _button: w.Button | None = None) -> None:
        try:
            r = self.run()
        except (LimitError, ClientError) as err:
            self.report.value = error_html(err)
            return
        self.report.value = _(
            "sent <b>{sent}</b> messages in <b>{calls}</b> requests (<b>{billed}</b> billed, "
            "64 KiB chunks counted) · {price} per million messages at list price"
        ).format(
            sent=r["sent"],
            calls=r["calls"],
            billed=r["billed_requests"],
            price=money(r["per_million"]),
        )


def producer_panel(lab: Lab) -> ProducerPanel:
    """The chapter 2 panel: count, batch size and payload size -> requests and dollars."""
    return ProducerPanel(lab)


class ConsumerPanel(Panel):
    """Chapter 3: processing time vs visibility timeout and a failure rate -> timeline and outcome.

    On a real clock a run takes real time: it runs :attr:`SPEEDUP` times faster than set, and only
    when asked (a run button, or a changed setting), not when the panel appears."""

    MESSAGES = 5
    #: How much faster a run goes on a real clock (the timeout slider's steps of 5 s stay whole).
    SPEEDUP = 5
    #: Each message's life in the last run.
    timeline: Timeline

    @requires(lab=LAB)
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.work = int_slider(_("processing time (s)"), 20, 1, 90)
        self.visibility = int_slider(_("visibility timeout (s)"), 30, 5, 90, 5)
        self.failure = float_slider(_("failure rate"), 0.0, 0.5, 0.1)
        self.heartbeat = w.Checkbox(value=False, description=_("heartbeat"))
        self.chart = chart_area()
        self.report = w.HTML()
        self.last: dict[str, float] = {}
        controls = (self.work, self.visibility, self.failure, self.heartbeat)
        extra: list[w.Widget] = []
        if not lab.virtual_time:
            self.run_button = w.Button(description=_("run"), button_style="primary")
            self.run_button.on_click(lambda _button: self.refresh())
            extra = [self.run_button]
        super().__init__([*controls, *extra, self.report, self.chart], watch=controls)
        if lab.virtual_time:
            self.refresh()
        else:
            self.report.value = real_clock_note(self.SPEEDUP)

    def run(self) -> dict[str, float]:
        """Run two workers (one message per receive) on a fresh queue of 5 messages."""
        number = self.next_run()
        result = consumer_demo.work_vs_timeout(
            self.lab,
            f"consumer-panel-{number}",
            work=self.work.value,
            visibility=self.visibility.value,
            failure_rate=self.failure.value,
            heartbeat=self.heartbeat.value,
            seed=number,
            messages=self.MESSAGES,
            speedup=self.SPEEDUP,
        )
        self.timeline = result.timeline
        self.last = result.summary()
        return self.last

    def refresh(self) -> None:
        """Run with the current settings and redraw the timeline and the outcome."""
        from sqslab import plots

        r = self.run()
        self.draw(plots.message_timeline(self.timeline))
        self.report.value = _(
            "processed <b>{processed}</b> of {messages} · handled twice or more "
            "<b>{duplicates}</b> · failures <b>{failures}</b> · left in the queue "
            "<b>{left}</b> · {seconds} s of queue time"
        ).format(
            processed=r["processed"],
            messages=r["messages"],
            duplicates=r["duplicates"],
            failures=r["failures"],
            left=r["left"],
            seconds=short(r["seconds"]),
        )
        if not self.lab.virtual_time:
            self.report.value += _(" (real clock: {speedup} times faster than set)").format(
                speedup=self.SPEEDUP
            )


def real_clock_note(speedup: float) -> str:
    """What the consumer panel says before its first run on a real clock."""
    return _(
        "real clock: a run waits for real, {speedup} times faster than the settings say (about "
        "half a minute with these); press <b>run</b> or change a setting to start one"
    ).format(speedup=short(speedup))


def consumer_panel(lab: Lab) -> ConsumerPanel:
    """The chapter 3 panel: processing time, visibility timeout, failures -> timeline, outcome."""
    return ConsumerPanel(lab)


class StopButton(Panel):
    """A button that stops a consumer gracefully (its handlers finish, held messages are released)."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.button = w.Button(description=_("stop consumer"), button_style="danger", icon="stop")
        self.button.on_click(self._on_click)
        self.status = w.HTML(_("running"))
        super().__init__([self.button, self.status], box=w.HBox)

    def _on_click(self, _button: w.Button | None = None) -> None:
        self.consumer.stop()
        self.button.disabled = True
        self.status.value = _("stopping: running handlers finish, held messages are released")


def stop_button(consumer: Consumer) -> StopButton:
    """A stop button for a consumer started with ``consumer.start()`` (runs in the background)."""
    return StopButton(consumer)
