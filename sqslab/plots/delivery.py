"""Delivery charts (chapters 4 and 5): FIFO order per message group, where a workload's messages
ended up, and the backoff before each retry."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from matplotlib.figure import Figure

from sqslab import facts
from sqslab.arguments import Expected, check_count, is_list, is_number, requires
from sqslab.errors import LimitError
from sqslab.i18n import N_, _
from sqslab.plots.base import lazy_kind, new_figure

if TYPE_CHECKING:
    from sqslab.backoff import BackoffPolicy
    from sqslab.fifo import Delivery

#: What :func:`group_order` draws: the deliveries a FIFO recorder kept.
DELIVERIES = Expected(
    N_("a list of Delivery, e.g. the list fifo.recorder(lab) filled"),
    lambda v: is_list(v) and all(type(d).__name__ == "Delivery" for d in v),
)
#: What :func:`message_outcomes` draws: messages per place they ended up.
COUNTS = Expected(
    N_("a dict of counts, e.g. {'processed': 9, 'in the DLQ': 1}"),
    lambda v: isinstance(v, Mapping) and all(is_number(n) and n >= 0 for n in v.values()),
)


@requires(deliveries=DELIVERIES)
def group_order(deliveries: Sequence[Delivery], title: str = "") -> Figure:
    """Each group's step number against the time it was processed: rising lines mean in order."""
    if not deliveries:
        raise LimitError(_("no deliveries to draw: run a consumer with sqslab.fifo.recorder first"))
    fig = new_figure()
    ax = fig.add_subplot()
    zero = min(d.time for d in deliveries)
    for group in sorted({d.group for d in deliveries}):
        mine = sorted((d for d in deliveries if d.group == group), key=lambda d: d.time)
        ax.plot([d.time - zero for d in mine], [d.seq for d in mine], "o-", label=group)
    ax.set_xlabel(_("seconds since the first message was processed"))
    ax.set_ylabel(_("step in its group (seq)"))
    ax.set_title(title or _("Processing order per message group"))
    ax.legend(loc="upper left", fontsize="small")
    return fig


@requires(counts=COUNTS)
def message_outcomes(counts: dict[str, int], title: str = "") -> Figure:
    """Where a workload's messages ended up (processed, in the DLQ, still queued): one bar each,
    named in the lab's language (``dlq.outcomes``'s keys are marked)."""
    fig = new_figure()
    ax = fig.add_subplot()
    names = list(counts)
    colours = ["tab:green", "tab:red", "tab:gray"]
    bars = ax.bar([_(n) for n in names], [counts[n] for n in names], color=colours)
    ax.bar_label(bars)
    ax.set_ylabel(_("messages"))
    ax.set_title(title or _("Where the messages ended up"))
    return fig


@requires(policy=lazy_kind("backoff", "BackoffPolicy", "BackoffPolicy(base=1, cap=300)"))
def backoff_by_receive(policy: BackoffPolicy, receives: int, seed: int = 0) -> Figure:
    """The longest wait (line) and one seeded jittered draw (bars) before each retry."""
    import random

    most = int(facts.get("max_receive_count").value)
    if check_count("receives", receives, minimum=1, example="receives=6") > most:
        text = _("receives={receives}: a message is received at most {most} times")
        raise LimitError(text.format(receives=receives, most=most))
    fig = new_figure()
    ax = fig.add_subplot()
    attempts = list(range(1, receives + 1))
    rng = random.Random(seed)
    ax.bar(
        attempts,
        [policy.delay(n, rng) for n in attempts],
        color="tab:blue",
        alpha=0.6,
        label=_("wait drawn ({jitter} jitter)").format(jitter=policy.jitter),
    )
    ax.plot(
        attempts,
        [policy.ceiling(n) for n in attempts],
        "o-",
        color="tab:orange",
        label=_("longest wait (ceiling)"),
    )
    ax.set_xlabel(_("receive count of the failed message"))
    ax.set_ylabel(_("seconds until it is visible again"))
    ax.set_xticks(attempts)
    ax.set_title(_("Exponential backoff with jitter, per receive"))
    ax.legend(loc="upper left", fontsize="small")
    return fig
