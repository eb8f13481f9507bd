"""The discrete-event scheduler: workers take turns on the virtual clock, time jumps when all wait."""

from __future__ import annotations

import time

import pytest

from sqslab.emulator.clock import VirtualClock
from sqslab.scheduler import Scheduler, ThreadRunner, runner_for


def test_workers_sleep_in_parallel_on_virtual_time() -> None:
    clock = VirtualClock()
    start = clock.time()
    sched = Scheduler(clock)
    log: list[tuple[str, float]] = []

    def worker(name: str, step: float) -> None:
        for _ in range(3):
            clock.sleep(step)
            log.append((name, round(clock.time() - start, 3)))

    sched.spawn(lambda: worker("a", 0.05), "a")
    sched.spawn(lambda: worker("b", 0.08), "b")
    began = time.perf_counter()
    sched.run()
    assert time.perf_counter() - began < 2
    assert log == [
        ("a", 0.05),
        ("b", 0.08),
        ("a", 0.1),
        ("a", 0.15),
        ("b", 0.16),
        ("b", 0.24),
    ]
    assert clock.time() - start == pytest.approx(0.24)


def test_eight_workers_of_50ms_take_50ms_of_virtual_time() -> None:
    clock = VirtualClock()
    start = clock.time()
    sched = Scheduler(clock)
    for i in range(8):
        sched.spawn(lambda: clock.sleep(0.05), f"w{i}")
    sched.run()
    assert clock.time() - start == pytest.approx(0.05)


def test_same_instant_runs_in_spawn_order_every_time() -> None:
    def run_once() -> list[int]:
        clock = VirtualClock()
        sched = Scheduler(clock)
        order: list[int] = []
        for i in range(6):
            sched.spawn(lambda i=i: (clock.sleep(1), order.append(i)))
        sched.run()
        return order

    assert run_once() == run_once() == list(range(6))


def test_a_task_can_spawn_another() -> None:
    clock = VirtualClock()
    start = clock.time()
    sched = Scheduler(clock)
    seen: list[float] = []

    def child() -> None:
        clock.sleep(2)
        seen.append(clock.time() - start)

    def parent() -> None:
        clock.sleep(1)
        sched.spawn(child)
        seen.append(clock.time() - start)

    sched.spawn(parent)
    sched.run()
    assert seen == [1, 3]


def test_errors_reach_the_driver_after_the_others_finish() -> None:
    clock = VirtualClock()
    sched = Scheduler(clock)
    finished: list[str] = []

    def bad() -> None:
        clock.sleep(1)
        raise RuntimeError("handler broke")

    sched.spawn(bad)
    sched.spawn(lambda: (clock.sleep(5), finished.append("ok")))
    with pytest.raises(RuntimeError, match="handler broke"):
        sched.run()
    assert finished == ["ok"]


def test_sleep_outside_a_task_just_advances() -> None:
    clock = VirtualClock()
    start = clock.time()
    Scheduler(clock).sleep(7)
    clock.sleep(3)
    assert clock.time() - start == 10


def test_long_poll_in_a_task_wakes_when_another_task_sends(lab, sqs) -> None:
    url = sqs.create_queue(QueueName="wake")["QueueUrl"]
    start = lab.clock.time()
    sched = Scheduler(lab.clock)
    got: list[tuple[float, list[str]]] = []

    def poller() -> None:
        resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        got.append((lab.clock.time() - start, [m["Body"] for m in resp.get("Messages", [])]))

    def sender() -> None:
        lab.wait(3)
        sqs.send_message(QueueUrl=url, MessageBody="hello")

    sched.spawn(poller)
    sched.spawn(sender)
    sched.run()
    assert got == [(3, ["hello"])]


def test_long_poll_in_a_task_waits_for_a_visibility_timeout(lab, sqs) -> None:
    url = sqs.create_queue(QueueName="vt", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="m")
    sqs.receive_message(QueueUrl=url)  # now in flight for 5 s
    start = lab.clock.time()
    sched = Scheduler(lab.clock)
    got: list[float] = []

    def poller() -> None:
        resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        assert len(resp["Messages"]) == 1
        got.append(lab.clock.time() - start)

    sched.spawn(poller)
    sched.run()
    assert got == [5]


def test_empty_long_poll_in_a_task_returns_at_its_deadline(lab, sqs) -> None:
    url = sqs.create_queue(QueueName="empty")["QueueUrl"]
    start = lab.clock.time()
    sched = Scheduler(lab.clock)
    sched.spawn(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20))
    sched.spawn(lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=7))
    sched.run()
    assert lab.clock.time() - start == 20


def test_thread_runner_runs_in_real_parallel() -> None:
    runner = ThreadRunner()
    for _ in range(4):
        runner.spawn(lambda: runner.sleep(0.1))
    began = time.perf_counter()
    runner.run()
    assert time.perf_counter() - began < 0.35


def test_runner_for_picks_by_clock_kind() -> None:
    from sqslab.emulator.clock import RealClock

    assert isinstance(runner_for(VirtualClock()), Scheduler)
    assert isinstance(runner_for(RealClock()), ThreadRunner)


def test_a_simulation_scheduler_needs_a_virtual_clock():
    from sqslab.emulator.clock import RealClock, VirtualClock
    from sqslab.scheduler import Scheduler, scheduler_for

    assert isinstance(scheduler_for(VirtualClock()), Scheduler)
    with pytest.raises(TypeError, match="virtual clock"):
        scheduler_for(RealClock())


def test_a_thread_runner_settles_a_task_its_run_stopped_waiting_for():
    runner = ThreadRunner()
    task = runner.spawn(lambda: time.sleep(0.3), "worker-1")  # real: a long poll still open
    runner.run(abandon=lambda t: True)  # the stop did not wait for it
    assert not task.done
    assert runner.settle(5) and task.done


def test_settling_gives_up_at_its_limit():
    runner = ThreadRunner()
    runner.spawn(lambda: time.sleep(1.0), "worker-1")  # real: longer than the limit below
    assert not runner.settle(0.05)
    assert runner.settle(5)


def test_a_scheduler_has_nothing_to_settle():
    assert Scheduler(VirtualClock()).settle(5)
