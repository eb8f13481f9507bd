"""Charts of what a queue is (chapters 0 and 1): its time attributes' ranges, and what it holds
over time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from matplotlib.figure import Figure

from sqslab import facts
from sqslab.arguments import Expected, is_list, requires
from sqslab.i18n import N_, _
from sqslab.plots.base import new_figure

#: Time attributes drawn on one logarithmic axis by :func:`attribute_ranges`.
TIME_ATTRIBUTES = (
    ("ReceiveMessageWaitTimeSeconds", "long_poll_max_wait"),
    ("DelaySeconds", "delivery_delay"),
    ("VisibilityTimeout", "visibility_timeout"),
    ("MessageRetentionPeriod", "message_retention"),
)
#: Ticks of that axis: seconds and their label (marked, drawn in the lab's language).
TIME_TICKS = (
    (1, "1 s"),
    (60, "1 min"),
    (3600, "1 h"),
    (86400, N_("1 day")),
    (1209600, N_("14 days")),
)
#: What :func:`queue_depth` draws: samples such as the ones chapter 0 takes.
SAMPLES = Expected(
    "a non-empty list of (time, visible, in flight) tuples", lambda v: is_list(v) and bool(v)
)


def attribute_ranges() -> Figure:
    """Each time attribute's allowed range (bar) and default (dot) on one log-scale time axis."""
    fig = new_figure()
    ax = fig.add_subplot()
    for row, (_name, key) in enumerate(TIME_ATTRIBUTES):
        fact = facts.get(key)
        low = max(fact.min, 1)
        ax.barh(row, fact.value - low, left=low, height=0.5, color="tab:blue", alpha=0.6)
        if fact.default:
            ax.plot([fact.default], [row], "o", color="tab:orange")
        ax.annotate(
            _("max {value}").format(value=fact.translated("text")),
            (fact.value, row),
            xytext=(4, -3),
            textcoords="offset points",
            fontsize=8,
        )
    ax.plot([], [], "o", color="tab:orange", label=_("default"))
    ax.set_xscale("log")
    ax.set_xlim(1, 1209600 * 8)
    ax.set_xticks([t for t, _label in TIME_TICKS], [_(label) for _t, label in TIME_TICKS])
    ax.set_yticks(range(len(TIME_ATTRIBUTES)), [name for name, _key in TIME_ATTRIBUTES])
    ax.set_title(_("Allowed range of each time attribute (log scale)"))
    ax.legend(loc="lower right")
    return fig


@requires(samples=SAMPLES)
def queue_depth(samples: Sequence[tuple[datetime, int, int]], title: str = "") -> Figure:
    """Visible and in-flight message counts over (virtual) time, as steps."""
    fig = new_figure()
    ax = fig.add_subplot()
    start = samples[0][0]
    hours = [(when - start).total_seconds() / 3600 for when, _, _ in samples]
    ax.step(hours, [v for _t, v, _f in samples], where="post", label=_("visible"))
    ax.step(hours, [f for _t, _v, f in samples], where="post", label=_("in flight (not visible)"))
    ax.set_xlabel(_("hours since {start} (lab clock)").format(start=f"{start:%H:%M}"))
    ax.set_ylabel(_("messages"))
    ax.set_yticks(range(max(max(v, f) for _t, v, f in samples) + 2))
    ax.set_title(title or _("What the queue holds over time"))
    ax.legend(loc="upper right")
    return fig
