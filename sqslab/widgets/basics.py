"""Chapters 0 and 1: the clock panel (move the lab clock, watch a queue) and the queue builder."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w
from botocore.exceptions import ClientError

from sqslab import facts, queues
from sqslab.arguments import LAB, NAME, QUEUE_URL, SQS, requires
from sqslab.errors import LimitError
from sqslab.i18n import N_, _
from sqslab.widgets.base import Panel, error_html, int_slider

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: Retention presets for the queue builder: label (marked, shown translated) -> seconds.
RETENTION_CHOICES = {
    N_("1 minute"): 60,
    N_("1 hour"): 3600,
    N_("1 day"): 86400,
    N_("4 days (default)"): 345600,
    N_("7 days"): 604800,
    N_("14 days"): 1209600,
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
        self.fifo = w.Checkbox(value=False, description=_("FIFO queue"))
        self.content_dedup = w.Checkbox(
            value=False, description=_("content-based dedup"), disabled=True
        )
        self.sliders = {
            "VisibilityTimeout": attribute_slider("VisibilityTimeout", 10, "VisibilityTimeout (s)"),
            "DelaySeconds": attribute_slider("DelaySeconds", 5, "DelaySeconds (s)"),
            "ReceiveMessageWaitTimeSeconds": attribute_slider(
                "ReceiveMessageWaitTimeSeconds", 1, _("long-poll wait (s)")
            ),
            "MaximumMessageSize": attribute_slider(
                "MaximumMessageSize", 1024, "MaximumMessageSize (B)"
            ),
        }
        self.retention = w.Dropdown(
            options={_(label): seconds for label, seconds in RETENTION_CHOICES.items()},
            value=345600,
            description=_("retention"),
        )
        self.code = w.HTML()
        self.status = w.HTML()
        self.create = w.Button(description=_("create queue"), button_style="primary")
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
        self.status.value = (
            _("<b>name problem:</b> {problem}").format(problem=html.escape(problem))
            if problem
            else ""
        )

    def _on_create(self, _button: w.Button | None = None) -> None:
        try:
            url = queues.create(self.sqs, self.name.value, self.attributes(), fifo=self.fifo.value)
        except (LimitError, ClientError) as err:
            self.status.value = error_html(err)
            return
        self.status.value = _("created <code>{url}</code>").format(url=html.escape(url))


def queue_builder(sqs: Any, name: str = "orders") -> QueueBuilder:
    """The chapter 1 panel: controls for a queue's attributes and the create_queue call they make."""
    return QueueBuilder(sqs, name)


class ClockPanel(Panel):
    """Move the lab clock forward with buttons and watch a queue's counts change.

    On a real clock time cannot jump: the buttons are off, a note says why, and a refresh
    button shows the counts as they are now."""

    #: Button labels (in English, shown through ``_``) and the seconds each lets pass.
    STEPS = ((N_("+1 minute"), 60), (N_("+1 hour"), 3600), (N_("+12 hours"), 43200))
    REAL_CLOCK_NOTE = N_(
        "real clock: time on this backend cannot jump, so the buttons that move it are off "
        "(+12 hours would keep the notebook busy for 12 real hours); press refresh to see the "
        "counts now, or run the chapter on the moto backend to move the clock"
    )

    @requires(lab=LAB, url=QUEUE_URL)
    def __init__(self, lab: Lab, url: str) -> None:
        self.lab = lab
        self.url = url
        self.buttons = [w.Button(description=_(label)) for label, _seconds in self.STEPS]
        for button, (_label, seconds) in zip(self.buttons, self.STEPS, strict=True):
            button.on_click(lambda _b, s=seconds: self.advance(s))
        self.state = w.HTML()
        self.note = w.HTML()
        children: list[w.Widget] = [w.HBox(self.buttons), self.state]
        if not lab.virtual_time:
            for button in self.buttons:
                button.disabled = True
            self.reload = w.Button(description=_("refresh"))
            self.reload.on_click(lambda _b: self.refresh())
            self.note.value = html.escape(_(self.REAL_CLOCK_NOTE))
            children = [w.HBox([*self.buttons, self.reload]), self.note, self.state]
        super().__init__(children)
        self.refresh()

    def advance(self, seconds: int) -> None:
        """Let ``seconds`` pass on the lab clock, then redraw; on a real clock only redraw (the
        note says why), since waiting would block the notebook for that long."""
        if self.lab.virtual_time:
            self.lab.wait(seconds)
        self.refresh()

    def counts(self) -> tuple[int, int, int]:
        """(visible, in flight, delayed) of the watched queue."""
        return queues.depth(self.lab.sqs, self.url)

    def refresh(self) -> None:
        """Show the lab time and the queue's counts."""
        visible, in_flight, delayed = self.counts()
        self.state.value = _(
            "lab time <b>{now}</b> UTC · visible <b>{visible}</b> · in flight <b>{in_flight}</b>"
            " · delayed <b>{delayed}</b>"
        ).format(
            now=f"{self.lab.now():%Y-%m-%d %H:%M:%S}",
            visible=visible,
            in_flight=in_flight,
            delayed=delayed,
        )


def clock_panel(lab: Lab, url: str) -> ClockPanel:
    """The chapter 0 panel: buttons that move the lab clock and a live view of one queue."""
    return ClockPanel(lab, url)
