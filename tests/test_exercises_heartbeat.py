"""Exercise 3.2, a heartbeat with ChangeMessageVisibility: the check passes correct heartbeats and
names what a wrong one does under its three jobs (a slow one, a crash, a short one), with a first
hint that gives no solution line."""

from __future__ import annotations

import pytest
from solution_code import leaks

from sqslab.exercises import check_heartbeat
from sqslab.exercises.heartbeat import JOBS, VISIBILITY, job_steps
from sqslab.exercises.heartbeat_hints import LONGEST_STEP

CHAPTER = "03_consumers"


def extend(sqs, url, message, seconds=VISIBILITY):
    sqs.change_message_visibility(
        QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=seconds
    )


def delete(sqs, url, message):
    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def beat_after_each_step(sqs, url, message, steps):
    for step in steps:
        step()
        extend(sqs, url, message)
    delete(sqs, url, message)


def beat_before_each_step(sqs, url, message, steps):
    for step in steps:
        extend(sqs, url, message)
        step()
    delete(sqs, url, message)


def beat_in_a_batch(sqs, url, message, steps):
    for step in steps:
        step()
        entry = {"Id": "0", "ReceiptHandle": message["ReceiptHandle"], "VisibilityTimeout": 30}
        sqs.change_message_visibility_batch(QueueUrl=url, Entries=[entry])
    delete(sqs, url, message)


def beat_by_the_clock(lab):
    def process_job(sqs, url, message, steps):
        last = lab.clock.time()
        for step in steps:
            step()
            if lab.clock.time() - last >= VISIBILITY - LONGEST_STEP:
                extend(sqs, url, message)
                last = lab.clock.time()
        delete(sqs, url, message)

    return process_job


# --- wrong heartbeats --------------------------------------------------------------------------


def no_beat(sqs, url, message, steps):
    for step in steps:
        step()
    delete(sqs, url, message)


def beat_once(sqs, url, message, steps):
    extend(sqs, url, message, 2 * VISIBILITY)
    for step in steps:
        step()
    delete(sqs, url, message)


def beat_every_third_step(sqs, url, message, steps):
    for n, step in enumerate(steps, start=1):
        step()
        if n % 3 == 0:
            extend(sqs, url, message)
    delete(sqs, url, message)


def beat_too_short(sqs, url, message, steps):
    for step in steps:
        step()
        extend(sqs, url, message, LONGEST_STEP)
    delete(sqs, url, message)


def hide_for_an_hour(sqs, url, message, steps):
    extend(sqs, url, message, 3600)
    for step in steps:
        step()
    delete(sqs, url, message)


def growing_beat(lab):
    def process_job(sqs, url, message, steps):
        start = lab.clock.time()
        for step in steps:
            step()
            extend(sqs, url, message, int(lab.clock.time() - start) + VISIBILITY)
        delete(sqs, url, message)

    return process_job


def beat_after_a_crash(sqs, url, message, steps):
    try:
        for step in steps:
            step()
            extend(sqs, url, message)
    finally:
        extend(sqs, url, message)
    delete(sqs, url, message)


def delete_first(sqs, url, message, steps):
    delete(sqs, url, message)
    for step in steps:
        step()


def never_delete(sqs, url, message, steps):
    for step in steps:
        step()
        extend(sqs, url, message)


def wait_out_a_fixed_time(lab):
    def process_job(sqs, url, message, steps):
        start = lab.clock.time()
        for step in steps:
            step()
            extend(sqs, url, message)
        lab.wait(max(0, start + 100 - lab.clock.time()))
        delete(sqs, url, message)

    return process_job


def skip_steps(sqs, url, message, steps):
    for step in steps[::2]:
        step()
        extend(sqs, url, message)
    delete(sqs, url, message)


def beat_after_delete(sqs, url, message, steps):
    for step in steps:
        step()
        extend(sqs, url, message)
    delete(sqs, url, message)
    extend(sqs, url, message)


WRONG = [
    (no_beat, "Nothing extended its visibility"),
    (beat_once, "extended once only"),
    (beat_every_third_step, "came after the timeout had run out"),
    (beat_too_short, f"gave it {LONGEST_STEP} s"),
    (hide_for_an_hour, "still hidden (until 3600 s)"),
    (beat_after_a_crash, "your code still called ChangeMessageVisibility"),
    (delete_first, "before its last step"),
    (never_delete, "its message is still in the queue"),
    (skip_steps, "call every step once"),
    (beat_after_delete, "ReceiptHandleIsInvalid"),
]


@pytest.mark.parametrize(
    "process_job", [beat_after_each_step, beat_before_each_step, beat_in_a_batch]
)
def test_correct_heartbeats_pass_again_and_again(lab, process_job):
    for _ in range(2):
        check = check_heartbeat(lab, process_job)
        assert check.passed, check
    assert "stayed hidden throughout" in check.message


def test_a_heartbeat_by_the_clock_passes_with_fewer_calls(lab):
    check = check_heartbeat(lab, beat_by_the_clock(lab))
    assert check.passed and "with 4 extensions" in check.message, check


@pytest.mark.parametrize(("process_job", "said"), WRONG, ids=lambda v: getattr(v, "__name__", ""))
def test_each_mistake_gets_its_own_hint_with_no_solution_line(lab, process_job, said):
    check = check_heartbeat(lab, process_job)
    assert not check and said in check.message, check
    assert leaks(check.message, CHAPTER) == []


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (growing_beat, "still hidden (until"),
        (
            wait_out_a_fixed_time,
            "the short job was done after 7 s, but its message was deleted 93 s later",
        ),
    ],
)
def test_mistakes_that_read_the_clock(lab, make, said):
    check = check_heartbeat(lab, make(lab))
    assert not check and said in check.message, check


def test_a_duplicate_hint_says_when_and_grades_up_to_the_code(lab):
    check = check_heartbeat(lab, no_beat)
    assert "at 36 s (the end of step 4 of the slow job)" in check.message
    assert "a duplicate" in check.message and "change_message_visibility" not in check.message
    assert "change_message_visibility" in check_heartbeat(lab, no_beat, hint=3).hints[-1]


def test_not_defined_yet(lab):
    assert "define process_job" in check_heartbeat(lab, None).message
    assert "a function you defined" in check_heartbeat(lab, 42).message


def test_the_jobs_keep_the_promises_the_exercise_makes(lab):
    slow = [s for s in JOBS["slow"] if s is not None]
    assert max(slow) <= LONGEST_STEP and sum(slow) > 3 * VISIBILITY
    assert any(sum(slow[i : i + 3]) >= VISIBILITY for i in range(0, len(slow), 3))
    assert None in JOBS["crash"] and sum(JOBS["short"]) < VISIBILITY
    before = lab.clock.time()
    for step in job_steps(lab, [4, 6]):
        step()
    assert lab.clock.time() - before == 10


@pytest.mark.parametrize("seed", [1, 7])
def test_the_solution_passes_on_other_seeds(seed):
    from sqslab.lab import start

    lab = start("moto", seed=seed, quiet=True)
    try:
        assert check_heartbeat(lab, beat_after_each_step).passed
        assert not check_heartbeat(lab, hide_for_an_hour)
    finally:
        lab.stop()
