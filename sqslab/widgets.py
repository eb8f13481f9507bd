"""Interactive panels of the course (ipywidgets). The logic lives in plain methods so tests can
drive every control with ``.value = …`` and ``.click()`` without a kernel."""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w
from botocore.exceptions import ClientError

from sqslab import consumer_demo, dlq, facts, fifo, monitor_demo, producer_demo, queues, services
from sqslab.arguments import LAB, NAME, QUEUE_URL, SQS, Expected, is_whole, requires
from sqslab.errors import LimitError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sqslab.consumer import Consumer
    from sqslab.fifo import Delivery
    from sqslab.lab import Lab
    from sqslab.scaling import ScalingPolicy, ScalingRun
    from sqslab.services import Fit
    from sqslab.timeline import Timeline

# --- base -------------------------------------------------------------------------------------

#: Width of every slider, of a slider's label (chapters 2-6) and of every chart.
SLIDER_WIDTH = "520px"
LABEL_WIDTH = "170px"
CHART_WIDTH = "640px"


def int_slider(
    description: str,
    value: int,
    low: int,
    high: int,
    step: int = 1,
    *,
    label_width: str = LABEL_WIDTH,
) -> w.IntSlider:
    """A labelled integer slider that reports only when released."""
    return w.IntSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=description,
        style={"description_width": label_width},
        layout=w.Layout(width=SLIDER_WIDTH),
        continuous_update=False,
    )


def float_slider(description: str, value: float, high: float, step: float) -> w.FloatSlider:
    """A labelled 0..high slider that reports only when released."""
    return w.FloatSlider(
        value=value,
        min=0.0,
        max=high,
        step=step,
        description=description,
        style={"description_width": LABEL_WIDTH},
        layout=w.Layout(width=SLIDER_WIDTH),
        continuous_update=False,
    )


def chart_area() -> w.Image:
    """The empty PNG image a panel draws its figures into."""
    return w.Image(format="png", layout=w.Layout(width=CHART_WIDTH))


def error_html(err: Exception) -> str:
    """An error as a panel shows it (instead of raising it)."""
    return f"<b>error:</b> {html.escape(str(err))}"


class Panel:
    """Base of every panel: its widgets as one ipywidgets box (``ui``), redrawn by :meth:`refresh`
    whenever a watched control changes; :meth:`draw` shows a figure in the panel's ``chart``."""

    #: Runs so far; each run's number names its queue and seeds its randomness.
    runs = 0
    chart: w.Image
    ui: w.Box

    def __init__(
        self,
        children: Sequence[w.Widget],
        *,
        watch: Iterable[w.ValueWidget] = (),
        box: type[w.Box] = w.VBox,
    ) -> None:
        for control in watch:
            control.observe(self.on_change, names="value")
        self.ui = box(list(children))

    def next_run(self) -> int:
        """Count one more run; its number."""
        self.runs += 1
        return self.runs

    def refresh(self) -> None:
        """Redraw from the controls' current values (panels that watch controls override this)."""

    def on_change(self, _change: dict[str, Any]) -> None:
        """A watched control changed: redraw."""
        self.refresh()

    def draw(self, fig: Figure) -> None:
        """Show ``fig`` in the panel's chart as PNG."""
        from sqslab.plots import to_png  # matplotlib loads when a panel first draws

        self.chart.value = to_png(fig)


# --- basics: chapters 0 and 1 -----------------------------------------------------------------

#: Retention presets for the queue builder: label -> seconds.
RETENTION_CHOICES = {
    "1 minute": 60,
    "1 hour": 3600,
    "1 day": 86400,
    "4 days (default)": 345600,
    "7 days": 604800,
    "14 days": 1209600,
}


def attribute_slider(attribute: str, step: int, description: str) -> w.IntSlider:
    """A slider over a queue attribute's full range, starting at its default."""
    fact = facts.get(queues.BY_NAME[attribute].fact)
    return int_slider(
        description,
        int(fact.default or 0),
        int(fact.min),
        int(fact.value),
        step,
        label_width="150px",
    )


class QueueBuilder(Panel):
    """Build a queue's attributes with controls; see the exact boto3 call; create it."""

    @requires(sqs=SQS, name=NAME)
    def __init__(self, sqs: Any, name: str = "orders") -> None:
        self.sqs = sqs
        self.name = w.Text(value=name, description="QueueName")
        self.fifo = w.Checkbox(value=False, description="FIFO queue")
        self.content_dedup = w.Checkbox(
            value=False, description="content-based dedup", disabled=True
        )
        self.sliders = {
            "VisibilityTimeout": attribute_slider("VisibilityTimeout", 10, "VisibilityTimeout (s)"),
            "DelaySeconds": attribute_slider("DelaySeconds", 5, "DelaySeconds (s)"),
            "ReceiveMessageWaitTimeSeconds": attribute_slider(
                "ReceiveMessageWaitTimeSeconds", 1, "long-poll wait (s)"
            ),
            "MaximumMessageSize": attribute_slider(
                "MaximumMessageSize", 1024, "MaximumMessageSize (B)"
            ),
        }
        self.retention = w.Dropdown(
            options=RETENTION_CHOICES, value=345600, description="retention"
        )
        self.code = w.HTML()
        self.status = w.HTML()
        self.create = w.Button(description="create queue", button_style="primary")
        self.create.on_click(self._on_create)
        super().__init__(
            [
                w.HBox([self.name, self.fifo, self.content_dedup]),
                *self.sliders.values(),
                self.retention,
                self.code,
                w.HBox([self.create, self.status]),
            ],
            watch=(
                self.name,
                self.fifo,
                self.content_dedup,
                self.retention,
                *self.sliders.values(),
            ),
        )
        self.refresh()

    def values(self) -> dict[str, int]:
        """The numeric attribute values the controls show now."""
        return {
            **{k: s.value for k, s in self.sliders.items()},
            "MessageRetentionPeriod": self.retention.value,
        }

    def attributes(self) -> dict[str, str]:
        """The Attributes dict of the call (only non-default values)."""
        return queues.build_attributes(
            fifo=self.fifo.value, content_dedup=self.content_dedup.value, **self.values()
        )

    def problem(self) -> str | None:
        """Why the queue cannot be created as set, or None."""
        return queues.name_problem(self.name.value, fifo=self.fifo.value)

    def refresh(self) -> None:
        """Redraw the code preview and the name check."""
        self.content_dedup.disabled = not self.fifo.value
        if not self.fifo.value and self.content_dedup.value:
            self.content_dedup.value = False
        call = queues.create_call(self.name.value, self.attributes())
        self.code.value = f"<pre>{html.escape(call)}</pre>"
        problem = self.problem()
        self.create.disabled = problem is not None
        self.status.value = f"<b>name problem:</b> {html.escape(problem)}" if problem else ""

    def _on_create(self, _button: w.Button | None = None) -> None:
        try:
            url = queues.create(self.sqs, self.name.value, self.attributes(), fifo=self.fifo.value)
        except (LimitError, ClientError) as err:
            self.status.value = error_html(err)
            return
        self.status.value = f"created <code>{html.escape(url)}</code>"


def queue_builder(sqs: Any, name: str = "orders") -> QueueBuilder:
    """The chapter 1 panel: controls for a queue's attributes and the create_queue call they make."""
    return QueueBuilder(sqs, name)


class ClockPanel(Panel):
    """Move the lab clock forward with buttons and watch a queue's counts change."""

    STEPS = (("+1 minute", 60), ("+1 hour", 3600), ("+12 hours", 43200))

    @requires(lab=LAB, url=QUEUE_URL)
    def __init__(self, lab: Lab, url: str) -> None:
        self.lab = lab
        self.url = url
        self.buttons = [w.Button(description=label) for label, _ in self.STEPS]
        for button, (_, seconds) in zip(self.buttons, self.STEPS, strict=True):
            button.on_click(lambda _b, s=seconds: self.advance(s))
        self.state = w.HTML()
        super().__init__([w.HBox(self.buttons), self.state])
        self.refresh()

    def advance(self, seconds: int) -> None:
        """Let ``seconds`` pass on the lab clock, then redraw."""
        self.lab.wait(seconds)
        self.refresh()

    def counts(self) -> tuple[int, int, int]:
        """(visible, in flight, delayed) of the watched queue."""
        return queues.depth(self.lab.sqs, self.url)

    def refresh(self) -> None:
        """Show the lab time and the queue's counts."""
        visible, in_flight, delayed = self.counts()
        self.state.value = (
            f"lab time <b>{self.lab.now():%Y-%m-%d %H:%M:%S}</b> UTC · visible <b>{visible}</b>"
            f" · in flight <b>{in_flight}</b> · delayed <b>{delayed}</b>"
        )


def clock_panel(lab: Lab, url: str) -> ClockPanel:
    """The chapter 0 panel: buttons that move the lab clock and a live view of one queue."""
    return ClockPanel(lab, url)


# --- messaging: chapters 2 and 3 --------------------------------------------------------------


class ProducerPanel(Panel):
    """Chapter 2: choose a message count, batch size and payload size, send, see requests and cost."""

    @requires(lab=LAB)
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.count = int_slider("messages", 100, 10, 200, 10)
        self.batch = int_slider("batch size", 10, 1, int(facts.get("batch_max_entries").value))
        self.payload = int_slider("payload (KiB)", 1, 1, 256)
        self.send = w.Button(description="send", button_style="primary")
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
        self.report.value = (
            f"sent <b>{r['sent']}</b> messages in <b>{r['calls']}</b> requests "
            f"(<b>{r['billed_requests']}</b> billed, 64 KiB chunks counted) · "
            f"${r['per_million']:,.2f} per million messages at list price"
        )


def producer_panel(lab: Lab) -> ProducerPanel:
    """The chapter 2 panel: count, batch size and payload size -> requests and dollars."""
    return ProducerPanel(lab)


class ConsumerPanel(Panel):
    """Chapter 3: processing time vs visibility timeout and a failure rate -> timeline and outcome."""

    MESSAGES = 5
    #: Each message's life in the last run.
    timeline: Timeline

    @requires(lab=LAB)
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.work = int_slider("processing time (s)", 20, 1, 90)
        self.visibility = int_slider("visibility timeout (s)", 30, 5, 90, 5)
        self.failure = float_slider("failure rate", 0.0, 0.5, 0.1)
        self.heartbeat = w.Checkbox(value=False, description="heartbeat")
        self.chart = chart_area()
        self.report = w.HTML()
        self.last: dict[str, float] = {}
        controls = (self.work, self.visibility, self.failure, self.heartbeat)
        super().__init__([*controls, self.report, self.chart], watch=controls)
        self.refresh()

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
        )
        self.timeline = result.timeline
        self.last = result.summary()
        return self.last

    def refresh(self) -> None:
        """Run with the current settings and redraw the timeline and the outcome."""
        from sqslab import plots

        r = self.run()
        self.draw(plots.message_timeline(self.timeline))
        self.report.value = (
            f"processed <b>{r['processed']}</b> of {r['messages']} · handled twice or more "
            f"<b>{r['duplicates']}</b> · failures <b>{r['failures']}</b> · left in the queue "
            f"<b>{r['left']}</b> · {r['seconds']:g} s of queue time"
        )


def consumer_panel(lab: Lab) -> ConsumerPanel:
    """The chapter 3 panel: processing time, visibility timeout, failures -> timeline, outcome."""
    return ConsumerPanel(lab)


class StopButton(Panel):
    """A button that stops a consumer gracefully (its handlers finish, held messages are released)."""

    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.button = w.Button(description="stop consumer", button_style="danger", icon="stop")
        self.button.on_click(self._on_click)
        self.status = w.HTML("running")
        super().__init__([self.button, self.status], box=w.HBox)

    def _on_click(self, _button: w.Button | None = None) -> None:
        self.consumer.stop()
        self.button.disabled = True
        self.status.value = "stopping: running handlers finish, held messages are released"


def stop_button(consumer: Consumer) -> StopButton:
    """A stop button for a consumer started with ``consumer.start()`` (runs in the background)."""
    return StopButton(consumer)


# --- delivery: chapters 4 and 5 ---------------------------------------------------------------


class FifoPanel(Panel):
    """Chapter 4: groups x consumers x failures -> the order each group was processed in."""

    PER_GROUP = 5

    @requires(lab=LAB)
    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.fifo = w.ToggleButtons(options=["FIFO", "standard"], value="FIFO")
        self.groups = int_slider("message groups", 3, 1, 5)
        self.workers = int_slider("consumers", 3, 1, 6)
        self.failure = float_slider("failure rate", 0.0, 0.5, 0.1)
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
        self.draw(plots.group_order(self.deliveries, f"{kind} queue"))
        verdict = "every group in order" if r["in_order"] else f"{r['out_of_order']} out of order"
        self.report.value = (
            f"{kind}: <b>{verdict}</b> · failures retried <b>{r['failures']}</b> · "
            f"done after {r['seconds']:g} s of queue time"
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
        self.failure = float_slider("failure rate", 0.3, 1.0, 0.1)
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
        self.report.value = " · ".join(f"{k} <b>{v}</b>" for k, v in counts.items())


def dlq_panel(lab: Lab) -> DlqPanel:
    """The chapter 5 panel: failure rate and maxReceiveCount -> outcome counts."""
    return DlqPanel(lab)


# --- operations: chapters 6 and 8 -------------------------------------------------------------

#: How often a live panel redraws: every 1 or more simulated minutes.
POSITIVE = Expected("a whole number of minutes, 1 or more", lambda v: is_whole(v) and v >= 1)


class MonitorPanel(Panel):
    """Chapter 6: burst arrival rate, most consumers, processing time -> a scaling run drawn as a
    CloudWatch-style dashboard that updates live every ``live_every`` simulated minutes."""

    @requires(lab=LAB, live_every=POSITIVE)
    def __init__(self, lab: Lab, live_every: int = 4) -> None:
        self.lab = lab
        self.frames = 0
        self.live_every = live_every
        self.arrival = int_slider("burst (messages/min)", 60, 30, 240, 30)
        self.consumers = int_slider("most consumers", 8, 1, 10)
        self.processing = int_slider("processing time (s)", 2, 1, 6)
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
        fired = ", ".join(html.escape(a) for a in r["alarms_fired"]) or "none"
        self.report.value = (
            f"{r['messages']} messages · peak backlog <b>{r['peak_backlog']}</b> · oldest message "
            f"<b>{r['oldest_age']:g} s</b> · peak consumers <b>{r['peak_instances']}</b> · "
            f"alarms fired: <b>{fired}</b> · left in the queue <b>{r['left']}</b>"
        )


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
                description=key.replace("_", " "),
                tooltip=text,
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
        best = [f.service.name for f in self.fits if f.complete]
        if best:
            self.report.value = "fits every need: <b>" + html.escape(", ".join(best)) + "</b>"
        else:
            top = self.fits[0]
            self.report.value = (
                f"nothing fits all {len(asked)}; closest: <b>{html.escape(top.service.name)}</b>, "
                f"missing {html.escape(', '.join(top.missing))}"
            )


def service_panel(needs: tuple[str, ...] = ("retry_each",)) -> ServicePanel:
    """The chapter 8 panel: what the workload needs -> which AWS messaging service fits."""
    return ServicePanel(needs)
