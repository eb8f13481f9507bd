"""Exercise 3.2's hints: what the heartbeat check can find wrong in one job, least telling first
(what happened and where to look), the code itself only in the last hint.

Times in the hints are seconds since the check received the job's message, on the check's clock
(:attr:`JobRun.pace`: as written on the virtual clock, faster on a real one).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from sqslab import facts, numbers
from sqslab.exercises.base import Check, hint
from sqslab.exercises.calls import Call
from sqslab.i18n import N_
from sqslab.i18n import translate as _

if TYPE_CHECKING:
    from sqslab.exercises.heartbeat import JobRun

EXERCISE = "ex3.2"
#: The visibility timeout of the check's queue, as in the notebook's set-up (seconds, as written).
VISIBILITY = 30
#: No step of a job takes longer than this (seconds, as written): the exercise promises it.
LONGEST_STEP = 10
EXTENDS = ("ChangeMessageVisibility", "ChangeMessageVisibilityBatch")
DELETES = ("DeleteMessage", "DeleteMessageBatch")


def code(run: JobRun) -> str:
    """The last hint: the heartbeat itself, with the queue's timeout on the check's clock."""
    return _(
        "for step in steps: step(); sqs.change_message_visibility(QueueUrl=queue_url, "
        "ReceiptHandle=message['ReceiptHandle'], VisibilityTimeout={timeout}); then, "
        "after the loop, sqs.delete_message(QueueUrl=queue_url, "
        "ReceiptHandle=message['ReceiptHandle'])"
    ).format(timeout=numbers.short(run.visibility))


def extend_how(run: JobRun) -> str:
    """How to extend: by the queue's timeout after each step (on the check's clock)."""
    return _(
        "after each step call ChangeMessageVisibility with the message's ReceiptHandle and "
        "VisibilityTimeout={timeout} (the queue's timeout): it restarts the timer from "
        "now, and no step takes more than {longest} s"
    ).format(timeout=numbers.short(run.visibility), longest=numbers.short(run.longest_step))


#: The check's jobs as the hints name them (marked here, shown in the lab's language).
JOB_NAMES = {"slow": N_("slow"), "crash": N_("crash"), "short": N_("short")}


def job_name(run: JobRun) -> str:
    """The job's name in the lab's language (``slow``, ``crash``, ``short``)."""
    return _(JOB_NAMES.get(run.name, run.name))


def seconds(value: float) -> str:
    """Seconds as the hints write them: ``36``, ``7.2`` (a real clock's tenths, no more)."""
    return numbers.short(round(value, 1))


def timeout_of(call: Call) -> int:
    """The VisibilityTimeout a visibility change asked for (the first entry of a batch)."""
    if "VisibilityTimeout" in call.params:
        return int(call.params["VisibilityTimeout"])
    entries = call.params.get("Entries") or [{}]
    return int(entries[0].get("VisibilityTimeout", 0))


def at(run: JobRun, call: Call) -> str:
    """When ``call`` happened, in seconds since the job was received (``30 s``)."""
    return f"{seconds(call.time - run.received_at)} s"


def indexed(run: JobRun, operations: tuple[str, ...]) -> list[tuple[int, Call]]:
    """(position in the log, call) of the successful calls of these operations."""
    return [(i, c) for i, c in enumerate(run.log.calls) if c.operation in operations and c.ok]


def raised(run: JobRun) -> Check:
    """The learner's function raised something other than the simulated crash."""
    error = run.error
    if isinstance(error, NotImplementedError):
        return hint(EXERCISE, _("process_job is not written yet: write it in the cell above"))
    what = f"{type(error).__name__}: {error}"
    if isinstance(error, ClientError):
        what = error.response.get("Error", {}).get("Code", _("an error")) + f" ({error})"
    longest = facts.get("visibility_timeout").translated("text")
    return hint(
        EXERCISE,
        _(
            "on the {job} job process_job raised {what}. A visibility change fails when the "
            "message is already deleted, and a message stays hidden at most {longest} counted "
            "from its receive: look at your ChangeMessageVisibility calls"
        ).format(job=job_name(run), what=what, longest=longest),
        _(
            "ChangeMessageVisibility restarts the timer from now: VisibilityTimeout is the time "
            "left from this call, not a total since the receive"
        ),
    )


def step_problems(run: JobRun) -> list[tuple[Any, ...]]:
    """Every step of the job (up to its crash) ran once, in order."""
    crash = next((i for i, s in enumerate(run.seconds) if s is None), None)
    expected = list(range(len(run.seconds) if crash is None else crash + 1))
    ran = run.steps_run
    return [
        (
            ran[: len(expected)] == expected[: len(ran)] and len(ran) >= len(expected),
            _(
                "process_job ran steps {ran} of the {job} job, which has {count}: call every "
                "step once, in order"
            ).format(ran=[i + 1 for i in ran], job=job_name(run), count=len(run.seconds)),
            "for step in steps: step()",
        ),
        (
            len(ran) <= len(expected),
            _(
                "process_job went on with the job after the worker crashed: a crash ends the "
                "worker; nothing after it runs"
            ),
            _("let the crash (sqslab.faults.WorkerCrash) pass: do not catch BaseException"),
        ),
    ]


def lapse(run: JobRun) -> tuple[int, Call] | None:
    """The first step at whose end the message was visible again, with its place in the log."""
    steps = [(i, c) for i, c in enumerate(run.log.calls) if c.operation == "step"]
    return next(((i, c) for i, c in steps if c.params.get("visible")), None)


def duplicate_problems(run: JobRun) -> list[tuple[Any, ...]]:
    """The message must never be visible while the job runs (a second worker would take it)."""
    found = lapse(run)
    if found is None:
        return []
    where, step = found
    extends = indexed(run, EXTENDS)
    earlier = [c for i, c in extends if i < where]
    late = [c for i, c in extends if i > where]
    seen = _(
        "at {when} (the end of step {step} of the {job} job) the message was visible again: a "
        "second worker would have received it and done the job a second time (a duplicate)"
    ).format(when=at(run, step), step=step.params["step"] + 1, job=job_name(run))
    if not extends:
        why = _("Nothing extended its visibility: section 4 shows how a heartbeat keeps it hidden")
    elif len(extends) == 1:
        c = extends[0][1]
        why = _(
            "It was extended once only (at {when}, by {seconds} s): a heartbeat goes on for as "
            "long as the job does"
        ).format(when=at(run, c), seconds=timeout_of(c))
    elif earlier:
        c = earlier[-1]
        why = _(
            "The extension before it, at {when}, gave it {seconds} s, which ran out before the "
            "next one: extend more often, by the queue's whole timeout"
        ).format(when=at(run, c), seconds=timeout_of(c))
    else:
        why = _("No extension came before it")
    if late:
        why += _(
            "; the extension at {when} came after the timeout had run out (on AWS such a late "
            "call may fail with MessageNotInflight, and another worker may hold the message by "
            "then)"
        ).format(when=at(run, late[0]))
    return [(False, f"{seen}. {why}.", extend_how(run), code(run))]


def finish_problems(run: JobRun) -> list[tuple[Any, ...]]:
    """A job that ends normally: deleted once done, at once, and not before."""
    deletes = indexed(run, DELETES)
    steps = [(i, c) for i, c in enumerate(run.log.calls) if c.operation == "step"]
    last_step = steps[-1] if steps else None
    early = [c for i, c in deletes if last_step is not None and i < last_step[0]]
    late = deletes[0][1].time - last_step[1].time if deletes and last_step else 0.0
    late = 0.0 if late <= run.slack else late
    return [
        (
            not early,
            _(
                "process_job deleted the message of the {job} job at {when}, before its last "
                "step: had the worker crashed after that, the job would be lost"
            ).format(job=job_name(run), when=at(run, early[0]))
            if early
            else "",
            _("delete only after the loop over the steps has finished"),
        ),
        (
            run.after == (0, 0),
            _(
                "the {job} job is done, but its message is still in the queue: when its timeout "
                "runs out, another worker does the job again. Delete it when the job is done"
            ).format(job=job_name(run)),
            _(
                "after the last step: sqs.delete_message(QueueUrl=queue_url, "
                "ReceiptHandle=message['ReceiptHandle'])"
            ),
        ),
        (
            late <= 0,
            _(
                "the {job} job was done after {total} s, but its message was deleted {late} s "
                "later: the message stays held for nothing after the work ends. A heartbeat "
                "follows the job; it does not run for a fixed time"
            ).format(job=job_name(run), total=numbers.short(run.total), late=seconds(late)),
            _("delete right after the last step, without waiting"),
        ),
    ]


def crash_problems(run: JobRun) -> list[tuple[Any, ...]]:
    """A crashed job: not deleted, no calls after the crash, back within the timeout."""
    crash = next(i for i, c in enumerate(run.log.calls) if c.operation == "crash")
    after = [c for c in run.log.calls[crash + 1 :] if c.ok and c.operation in EXTENDS + DELETES]
    extends = [c for i, c in indexed(run, EXTENDS) if i < crash]
    back = (
        extends[-1].time + timeout_of(extends[-1]) if extends else run.received_at + run.visibility
    )
    crashed = seconds((run.crashed_at or 0.0) - run.received_at)
    return [
        (
            not indexed(run, DELETES),
            _(
                "the worker crashed during the crash job, but its message had been deleted: the "
                "job is lost. Delete only after the last step"
            ),
            _("delete after the loop over the steps, never inside it"),
        ),
        (
            not [c for c in after if c.operation in DELETES or timeout_of(c) > 0],
            _(
                "after the worker crashed (at {crashed} s) your code still called {operation}: "
                "a dead worker calls nothing, and a heartbeat that outlives its job keeps the "
                "message hidden for ever"
            ).format(crashed=crashed, operation=after[0].operation if after else ""),
            _("no try/finally or except BaseException around the steps that extends or deletes"),
        ),
        (
            run.after[0] == 1,
            _(
                "the worker crashed at {crashed} s, and {timeout} s later the message was still "
                "hidden (until {until} s): the job waits that long before another worker retries "
                "it. A heartbeat extends by the queue's timeout, no more, so a crashed job comes "
                "back one timeout after its last beat"
            ).format(
                crashed=crashed,
                timeout=numbers.short(run.visibility),
                until=seconds(back - run.received_at),
            ),
            _(
                "VisibilityTimeout is counted from the call: pass the queue's timeout "
                "({timeout}), not a larger or growing value"
            ).format(timeout=numbers.short(run.visibility)),
        ),
    ]


def success(runs: dict[str, JobRun]) -> str:
    """The PASS text: what the three jobs show."""
    slow, short = runs["slow"], runs["short"]
    beats = len(indexed(slow, EXTENDS))
    text = _(
        "the slow job ({total} s of work on a {timeout} s timeout) stayed hidden throughout with "
        "{beats} extensions and was deleted when done; the crashed job came back within "
        "{timeout} s of the crash; the short job ({short} s) was deleted as soon as it was done."
    ).format(
        total=numbers.short(slow.total),
        timeout=numbers.short(slow.visibility),
        beats=beats,
        short=numbers.short(short.total),
    )
    if not slow.pace.virtual:
        text += _(" (On this real clock the check ran {speedup} times faster.)").format(
            speedup=numbers.short(slow.pace.speedup)
        )
    return text
