"""A rehearsal of the classroom board on the virtual clock: simulated learners report as real ones
would (passes, hints, a re-run, one who gets stuck, one who goes quiet, a malformed message), so the
instructor sees the board at work before the workshop, and the notebook runs the same every time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqslab.classroom_report import Report
from sqslab.i18n import N_, _

if TYPE_CHECKING:
    from sqslab.lab import Lab

LEARNERS = ("ana", "bruno", "carla", "davi", "elis", "fabio")
#: The exercises the rehearsal's learners work through, in order.
PATH = ("ex1.1", "ex1.2", "ex1.3", "ex2.1", "ex2.2")
#: The hint each simulated learner gets, sent in the lab's language as a learner's kernel would.
HINTS = {
    "ex1.1": N_("VisibilityTimeout is 30 seconds; the exercise asks for 2 minutes (section 2)"),
    "ex1.2": N_("no queue named '…' yet: create it, a standard queue (section 1)"),
    "ex1.3": N_("the queue still holds messages: purge it (section 4)"),
    "ex2.1": N_("3 of 25 orders were not sent: read each batch's Failed list (section 2)"),
    "ex2.2": N_("the events were sent one call each: send them in batches of 10 (section 3)"),
}
#: Who gets stuck on which exercise, and who stops reporting after which.
STUCK, QUIET = ("carla", "ex2.1"), ("fabio", "ex1.2")


@dataclass(frozen=True)
class Rehearsed:
    """What the rehearsal sent."""

    reports: int
    resent: int
    malformed: int


def timeline(seed: int = 0, minutes: float = 40) -> list[tuple[float, Report]]:
    """(seconds from now, report) for every simulated check, in time order."""
    rng = random.Random(seed)
    events: list[tuple[float, Report]] = []
    for n, learner in enumerate(LEARNERS):
        session = f"{rng.getrandbits(32):08x}"
        t = 60.0 * n
        for exercise in PATH:
            hints = 3 if (learner, exercise) == STUCK else rng.choice((0, 0, 1, 2))
            for attempt in range(1, hints + 2):
                t += rng.uniform(90, 240)
                if t > minutes * 60:
                    break
                stuck = (learner, exercise) == STUCK
                outcome = "hint" if attempt <= hints or stuck else "pass"
                hint = _(HINTS[exercise]) if outcome == "hint" else ""
                events.append((t, Report(learner, exercise, outcome, attempt, session, "", hint)))
            if (learner, exercise) in (STUCK, QUIET):
                break
    return sorted(events, key=lambda e: e[0])


def rehearse(lab: Lab, board_url: str, seed: int = 0, minutes: float = 40) -> Rehearsed:
    """Send the timeline's reports on the lab clock, as the learners' kernels would; one check is
    run twice (same attempt, same deduplication id) and one message is not a report at all."""
    sqs, begin, waited = lab.sqs, lab.clock.time(), 0.0
    sent = resent = 0
    for t, report in timeline(seed, minutes):
        lab.wait(t - waited)
        waited = t
        stamped = Report(**{**report.__dict__, "at": lab.now().isoformat()})
        sqs.send_message(QueueUrl=board_url, **stamped.send_args())
        sent += 1
        if sent == 3:  # a learner re-runs the cell: same outcome, same id
            sqs.send_message(QueueUrl=board_url, **stamped.send_args())
            resent += 1
    sqs.send_message(QueueUrl=board_url, MessageBody="hello board", MessageGroupId="someone",
                     MessageDeduplicationId=f"junk-{int(begin)}")  # fmt: skip
    lab.wait(60)  # the instructor looks a minute after the last check
    return Rehearsed(sent, resent, 1)
