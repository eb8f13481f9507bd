"""What changes on a real clock (the endpoint and aws backends): a long demo is squeezed by a
speed-up the output states, a demo only the virtual clock can show is skipped with a note saying
why, and a long wait says that it really waits. On the virtual clock nothing changes or prints."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqslab.errors import LimitError
from sqslab.i18n import N_, _, ngettext
from sqslab.numbers import short

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: The start of every line this module prints, so a reader knows where it comes from (in English;
#: shown through ``_``).
LABEL = N_("real clock")
#: A wait of at least this many seconds on a real clock says so before it starts.
ANNOUNCE_WAIT = 10.0


def span(seconds: float) -> str:
    """A duration as a person says it: ``12 h``, ``5 min``, ``1.5 s`` (days in the lab's language)."""
    if seconds >= 86400 and seconds % 86400 == 0:
        count = int(seconds // 86400)
        return ngettext("{count} day", "{count} days", count).format(count=count)
    for size, unit in ((3600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)} {unit}"
    return f"{short(round(seconds, 1))} s"


class DemoTime:
    """The durations of one demo: as written on the virtual clock, divided by ``speedup`` on a
    real one (``demo(12 * 3600)`` is 12 h, or 12 s at a speed-up of 3600)."""

    def __init__(self, speedup: float, virtual: bool) -> None:
        self.speedup = speedup
        self.virtual = virtual

    def __call__(self, seconds: float) -> float:
        """``seconds`` on the virtual clock; ``seconds / speedup`` on a real one (a whole number
        stays an ``int``, so it can go into ``VisibilityTimeout`` or ``DelaySeconds``)."""
        if self.virtual:
            return seconds
        scaled = seconds / self.speedup
        return int(scaled) if float(scaled).is_integer() else scaled

    def past(self, seconds: float) -> float:
        """``seconds``, and a second more on a real clock: a real timer (AWS's, LocalStack's) ends
        a moment after its time, so a wait for it to run out allows for that."""
        return seconds if self.virtual else self(seconds) + 1

    def __repr__(self) -> str:
        return f"<DemoTime {'as written' if self.virtual else f'{self.speedup:g}x faster'}>"


def demo_time(lab: Lab, speedup: float) -> DemoTime:
    """The clock of one demo; on a real clock it prints the speed-up once."""
    if isinstance(speedup, bool) or not isinstance(speedup, int | float) or speedup < 1:
        text = _("speedup is a number of 1 or more (how many times faster); got {speedup}")
        raise LimitError(text.format(speedup=repr(speedup)))
    demo = DemoTime(speedup, lab.virtual_time)
    if not demo.virtual and speedup != 1:
        unit = next(u for u in (86400, 3600, 60, 1) if u <= speedup) if speedup >= 60 else 60
        text = _(
            "{label}: this demo runs {speedup} times faster than written; every duration in it "
            "goes through demo(...), so {unit} lasts {scaled} here"
        )
        print(
            text.format(
                label=_(LABEL),
                speedup=short(speedup),
                unit=span(unit),
                scaled=span(unit / speedup),
            )
        )
    return demo


def virtual_only(lab: Lab, what: str, why: str) -> bool:
    """True on the virtual clock; on a real one, prints that ``what`` is skipped and ``why``."""
    if lab.virtual_time:
        return True
    text = _(
        "{label}: skipped {what}: {why}. The moto backend (SQSLAB_BACKEND=moto) shows it in "
        "moments on its virtual clock."
    )
    print(text.format(label=_(LABEL), what=what, why=why))
    return False


def announce_wait(lab: Lab, seconds: float) -> None:
    """Before a long wait on a real clock, say that it really waits."""
    if not lab.virtual_time and seconds >= ANNOUNCE_WAIT:
        print(_("({label}: waiting {span} for real)").format(label=_(LABEL), span=span(seconds)))
