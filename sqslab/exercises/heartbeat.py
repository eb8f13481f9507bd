"""Exercise 3.2: a heartbeat written by the learner with ChangeMessageVisibility, checked under
faults.

The learner's ``process_job(sqs, queue_url, message, steps)`` runs a job's steps (each one a few
seconds of lab time), keeps the message hidden while it works, and deletes it when done. The check
hands it three jobs on a queue with a 30 s visibility timeout: a slow job (longer than three
timeouts), a job whose worker crashes halfway, and a short one. At the end of every step it looks
whether the message is visible, which is the moment a second worker would receive it (a duplicate).
On a real clock every duration of the check (its timeout, steps and crash) is :data:`SPEEDUP` times
shorter, and so are the notebook's (its set-up cell takes ``lab.demo_time(SPEEDUP)``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, first_problem, hint
from sqslab.exercises.calls import CallLog
from sqslab.exercises.heartbeat_hints import (
    LONGEST_STEP,
    VISIBILITY,
    crash_problems,
    duplicate_problems,
    finish_problems,
    raised,
    step_problems,
    success,
)
from sqslab.exercises.producers import fresh_queue
from sqslab.faults import WorkerCrash
from sqslab.i18n import translate as _
from sqslab.queues import depth
from sqslab.realclock import DemoTime

if TYPE_CHECKING:
    from sqslab.lab import Lab

EXERCISE = "ex3.2"
QUEUE = "heartbeat-check"
#: Seconds into its crashing step (a None in a job) at which the worker dies.
CRASH_AFTER = 6
#: On a real clock the check runs this many times faster than written (a 6 s timeout, steps of up
#: to 2 s): a crash still comes back 1.2 s before the check looks, a lapse shows 1.2 s after it.
SPEEDUP = 5
#: On a real clock, a delete this soon after the last step counts as "at once" (the calls between
#: them take real time).
REAL_SLACK = 0.5
#: The receive right after the check's send long-polls: on AWS a short poll may miss a message.
LONG_POLL = int(facts.get("long_poll_max_wait").value)
#: The check's jobs: seconds per step; None is a step during which the worker crashes.
JOBS: dict[str, tuple[float | None, ...]] = {
    "slow": (7, 9, 10, 10, 10, 10, 6, 8, 9, 7, 10, 4),
    "crash": (9, 10, 8, 10, None, 10),
    "short": (4, 3),
}


def job_steps(lab: Lab, seconds: Sequence[float]) -> list[Callable[[], None]]:
    """A job for ``process_job``: one function per step, each taking its seconds of lab time."""
    return [functools.partial(lab.wait, s) for s in seconds]


def pace(lab: Lab) -> DemoTime:
    """The check's durations: as written on the virtual clock, :data:`SPEEDUP` times shorter on a
    real one (without printing: the notebook's ``lab.demo_time(SPEEDUP)`` says it)."""
    return DemoTime(SPEEDUP, lab.virtual_time)


@dataclass
class JobRun:
    """One job handed to the learner's function, and what happened to it."""

    name: str
    seconds: tuple[float | None, ...]
    log: CallLog
    #: The check's clock: durations as written, or SPEEDUP times shorter on a real clock.
    pace: DemoTime = field(default_factory=lambda: DemoTime(1, True))
    received_at: float = 0.0
    crashed_at: float | None = None
    error: BaseException | None = None
    #: (visible, in flight) right after the function returned, or at crash + timeout.
    after: tuple[int, int] = (0, 0)
    steps_run: list[int] = field(default_factory=list)

    @property
    def total(self) -> float:
        """Seconds of work in the job (up to its crash), on the check's clock."""
        return round(self.pace(sum(s if s is not None else CRASH_AFTER for s in self.seconds)), 1)

    @property
    def visibility(self) -> int | float:
        """The visibility timeout of the check's queue, on the check's clock."""
        return self.pace(VISIBILITY)

    @property
    def longest_step(self) -> int | float:
        """The longest a step takes, on the check's clock."""
        return self.pace(LONGEST_STEP)

    @property
    def slack(self) -> float:
        """How late a delete may come after the last step and still count as at once."""
        return 0.0 if self.pace.virtual else REAL_SLACK


class HeartbeatRun:
    """The check: three jobs on a fresh queue of its own, each stopping at its first problem."""

    def __init__(self, lab: Lab, process_job: Callable[..., Any]) -> None:
        self.lab, self.process_job, self.sqs = lab, process_job, lab.sqs
        self.pace = pace(lab)
        with lab.trace.paused():
            self.url = self.recreate()
        self.runs: dict[str, JobRun] = {}

    def verdict(self) -> Check:
        """PASS when every job went right, else the first problem's hints."""
        for name, seconds in JOBS.items():
            run = self.run_job(name, seconds)
            self.runs[name] = run
            problem = self.problem(run)
            if problem is not None:
                return problem
        return Check(EXERCISE, True, success(self.runs))

    def problem(self, run: JobRun) -> Check | None:
        """The first thing that went wrong with ``run``, as a HINT, or None."""
        expected = WorkerCrash if run.name == "crash" else type(None)
        if not isinstance(run.error, expected):
            return raised(run)
        problems = step_problems(run) + duplicate_problems(run)
        problems += crash_problems(run) if run.name == "crash" else finish_problems(run)
        check = first_problem(EXERCISE, problems, "")
        return None if check.passed else check

    def run_job(self, name: str, seconds: tuple[float | None, ...]) -> JobRun:
        """Send one job, receive it, and hand it to the learner's function under a call log."""
        log = CallLog(self.lab, [self.sqs])
        run = JobRun(name, seconds, log, self.pace)
        with self.lab.trace.paused():
            self.sqs.send_message(QueueUrl=self.url, MessageBody=f"{name} job")
            message = self.sqs.receive_message(QueueUrl=self.url, WaitTimeSeconds=LONG_POLL)[
                "Messages"
            ][0]
        run.received_at = self.lab.clock.time()
        with log:
            try:
                self.process_job(self.sqs, self.url, message, self.steps(run))
            except (Exception, WorkerCrash) as err:  # noqa: BLE001 - a crash or the learner's error
                run.error = err
        if run.crashed_at is not None:
            self.lab.wait(max(0.0, run.crashed_at + run.visibility - self.lab.clock.time()))
        with log.paused():
            visible, in_flight, _delayed = depth(self.sqs, self.url)
            run.after = (visible, in_flight)
            self.clear()
        return run

    def steps(self, run: JobRun) -> list[Callable[[], None]]:
        """The job's steps: each waits on the lab clock, then looks whether the message shows."""
        return [self.step(run, i, s) for i, s in enumerate(run.seconds)]

    def step(self, run: JobRun, index: int, seconds: float | None) -> Callable[[], None]:
        """Step ``index`` of ``run``: its work, then a look at the queue (or the crash)."""

        def work() -> None:
            run.steps_run.append(index)
            if seconds is None:
                self.lab.wait(run.pace(CRASH_AFTER))
                run.crashed_at = self.lab.clock.time()
                run.log.note("crash", step=index)
                raise WorkerCrash(
                    _("simulated: the worker died during step {step}").format(step=index + 1)
                )
            self.lab.wait(run.pace(seconds))
            with run.log.paused():
                visible, in_flight, _delayed = depth(self.sqs, self.url)
            run.log.note("step", step=index, visible=visible, in_flight=in_flight)

        return work

    def clear(self) -> None:
        """Delete whatever the job left in the queue, so the next job starts alone."""
        while batch := self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for m in batch:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=m["ReceiptHandle"])
        if depth(self.sqs, self.url)[1]:
            self.url = self.recreate()

    def recreate(self) -> str:
        """A fresh queue when a message is still hidden (hidden for hours by a wrong extension)."""
        return fresh_queue(self.lab, QUEUE, {"VisibilityTimeout": str(self.pace(VISIBILITY))})


@expects(EXERCISE, lab=LAB, process_job=FUNCTION)
def check_heartbeat(lab: Lab, process_job: Callable[..., Any] | None) -> Check:
    """Exercise 3.2: ``process_job`` keeps a slow job hidden with ChangeMessageVisibility, lets a
    crashed job come back within the timeout, and deletes each job only when it is done."""
    if process_job is None:
        return hint(
            EXERCISE,
            _("define process_job in the cell above and run that cell, then run this check"),
            _(
                "process_job(sqs, queue_url, message, steps): call each step, keep the message "
                "hidden meanwhile, delete it at the end"
            ),
        )
    return HeartbeatRun(lab, process_job).verdict()
