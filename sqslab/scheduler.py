"""Run several workers at once on the lab's clock: for real on a real clock, as discrete events on
the virtual one.

On the virtual clock the workers are threads that take turns: exactly one runs at a time, and when
every worker is waiting (``sleep``, a long poll) the clock jumps to the earliest wake-up, the
"autojump" idea of trio's ``MockClock`` and simpy's event queue. A pool of 8 consumers that each
work 50 ms then shows the right virtual timeline, in the same order every run, in no real time.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqslab.emulator.clock import Clock, VirtualClock, check_seconds

#: Real seconds between looks for Ctrl+C while the driver waits for a task.
POLL = 0.1
#: A condition that ends a wait early (a long poll waking when a message arrives).
Wake = Callable[[], bool]
#: Tells the runner it need not wait for a task any more (a worker stuck in a long poll).
Abandon = Callable[["Task"], bool]


@dataclass(eq=False)
class Task:
    """One worker: its thread, when it wants to wake up, and how it ended."""

    name: str
    seq: int
    target: Callable[[], Any]
    wake_at: float = 0.0
    wake_if: Wake | None = None
    done: bool = False
    #: Set when the task is asked to stop: a long poll it is in returns at once.
    interrupted: bool = False
    error: BaseException | None = None
    go: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None


class Scheduler:
    """Runs tasks one at a time on a :class:`VirtualClock`, jumping time when all of them wait."""

    virtual = True

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.tasks: list[Task] = []
        self._by_thread: dict[int, Task] = {}
        self._yielded = threading.Event()
        self._lock = threading.Lock()
        #: The task that has the turn now (None between turns).
        self.running: Task | None = None

    def spawn(self, target: Callable[[], Any], name: str | None = None) -> Task:
        """Add a task that starts at the current virtual time (from the driver or another task)."""
        with self._lock:
            task = Task(name or f"task-{len(self.tasks) + 1}", len(self.tasks), target)
            task.wake_at = self.clock.time()
            self.tasks.append(task)
        task.thread = threading.Thread(target=self._body, args=(task,), name=task.name, daemon=True)
        task.thread.start()
        return task

    def current(self) -> Task | None:
        """The task running in the calling thread, if it is one of this scheduler's."""
        return self._by_thread.get(threading.get_ident())

    def waiter(self) -> Task | None:
        """The task a wait in this thread is for: the calling task, or else the task that has the
        turn (a moto server thread serving that task's long poll waits on its behalf)."""
        return self.current() or self.running

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of virtual time: from a task, let the others run; otherwise jump."""
        self.wait_until(self.clock.time() + check_seconds(seconds))

    def wait_until(
        self, when: float, wake_if: Wake | None = None, task: Task | None = None
    ) -> None:
        """Wait until virtual time ``when``, or earlier once ``wake_if()`` is true (checked between
        turns); ``task`` (default: the calling one) gives up its turn meanwhile."""
        task = task or self.current()
        if task is None:
            self.clock.advance_to(when)
            return
        task.wake_at, task.wake_if = max(when, self.clock.time()), wake_if
        task.go.clear()
        self._yielded.set()
        task.go.wait()

    def interrupt(self, tasks: Iterable[Task]) -> None:
        """Ask ``tasks`` to stop waiting in long polls (they return empty on their next turn)."""
        _interrupt(tasks)

    def settle(self, limit: float) -> bool:
        """True: nothing is left to wait for (here an interrupted long poll returns at once, so
        ``run`` has waited for every task)."""
        return True

    def run(
        self, on_interrupt: Callable[[], None] | None = None, abandon: Abandon | None = None
    ) -> None:
        """Drive every task to its end; re-raise the first error a task raised (``abandon`` is
        for real clocks: here an interrupted long poll returns at once instead).

        Ctrl+C (KeyboardInterrupt) calls ``on_interrupt`` at once (a consumer asks its workers to
        stop) and keeps driving until the tasks wind down; without ``on_interrupt`` it propagates
        once the running task has finished its turn.
        """
        previous = self.clock.scheduler
        self.clock.scheduler = self
        try:
            while (turn := self._next()) is not None:
                self._turn(*turn, on_interrupt)
        finally:
            self.clock.scheduler = previous
        _raise_first_error(self.tasks)

    def _next(self) -> tuple[Task, float] | None:
        """The task to run next and when: the earliest wake-up, a woken long poll counting as now."""
        now = self.clock.time()
        best: tuple[float, float, int, Task] | None = None
        for task in self.tasks:
            if task.done:
                continue
            woken = task.wake_if is not None and task.wake_at > now and task.wake_if()
            key = (now if woken else max(task.wake_at, now), task.wake_at, task.seq, task)
            if best is None or key[:3] < best[:3]:
                best = key
        return None if best is None else (best[3], best[0])

    def _turn(
        self, task: Task, when: float, on_interrupt: Callable[[], None] | None = None
    ) -> None:
        """Give the turn to ``task`` at virtual time ``when``; wait until it waits again or ends."""
        self.clock.advance_to(when)
        task.wake_if = None
        self._yielded.clear()
        self.running = task
        task.go.set()
        try:
            _wait_interruptibly(lambda: self._yielded.wait(POLL), on_interrupt)
        finally:
            self.running = None

    def _body(self, task: Task) -> None:
        self._by_thread[threading.get_ident()] = task
        task.go.wait()
        try:
            task.target()
        except BaseException as err:  # noqa: BLE001 - handed to the driver, re-raised by run()
            task.error = err
        finally:
            task.done = True
            self._by_thread.pop(threading.get_ident(), None)
            self._yielded.set()


class ThreadRunner:
    """Runs tasks as ordinary threads on real time (endpoint and aws backends)."""

    virtual = False
    #: How often a waiting task looks at its ``wake_if`` condition, in real seconds.
    poll_interval = 0.05

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock
        self.tasks: list[Task] = []

    def spawn(self, target: Callable[[], Any], name: str | None = None) -> Task:
        """Start ``target`` in a new thread now."""
        task = Task(name or f"task-{len(self.tasks) + 1}", len(self.tasks), target)
        self.tasks.append(task)
        task.thread = threading.Thread(target=self._body, args=(task,), name=task.name, daemon=True)
        task.thread.start()
        return task

    def sleep(self, seconds: float) -> None:
        """Really sleep."""
        time.sleep(check_seconds(seconds))  # real clock: endpoint/aws backends keep real time

    def wait_until(self, when: float, wake_if: Wake | None = None) -> None:
        """Really sleep until ``when`` (clock seconds), or until ``wake_if()`` turns true."""
        now = self.clock.time if self.clock else time.time
        while (left := when - now()) > 0:
            if wake_if is not None and wake_if():
                return
            time.sleep(min(left, self.poll_interval))  # real clock: look again at wake_if

    def interrupt(self, tasks: Iterable[Task]) -> None:
        """Mark ``tasks`` as asked to stop (a real long poll cannot be cut short: see ``run``)."""
        _interrupt(tasks)

    def settle(self, limit: float) -> bool:
        """Wait (at most ``limit`` real seconds) for the tasks ``run`` stopped waiting for, such as
        a worker left in a long poll, to end; True when every task has."""
        deadline = time.monotonic() + limit
        for task in self.tasks:
            if task.thread is not None:
                task.thread.join(max(0.0, deadline - time.monotonic()))
        return all(task.done for task in self.tasks)

    def run(
        self, on_interrupt: Callable[[], None] | None = None, abandon: Abandon | None = None
    ) -> None:
        """Wait for every thread (including ones spawned meanwhile); re-raise the first error.

        Ctrl+C calls ``on_interrupt`` and keeps waiting (or propagates without one). A task for
        which ``abandon(task)`` turns true is not waited for any longer (it ends on its own).
        """
        index = 0
        while index < len(self.tasks):
            task = self.tasks[index]
            if task.thread is not None:
                _wait_interruptibly(functools.partial(_ended, task, abandon), on_interrupt)
            index += 1
        _raise_first_error(self.tasks)

    def _body(self, task: Task) -> None:
        try:
            task.target()
        except BaseException as err:  # noqa: BLE001 - re-raised by run()
            task.error = err
        finally:
            task.done = True


def _interrupt(tasks: Iterable[Task]) -> None:
    for task in tasks:
        task.interrupted = True


def _ended(task: Task, abandon: Abandon | None) -> bool:
    """True once ``task``'s thread has ended or need no longer be waited for."""
    return (task.thread is None or _joined(task.thread)) or _gone(task, abandon)


def _gone(task: Task, abandon: Abandon | None) -> bool:
    return abandon is not None and abandon(task)


def _joined(thread: threading.Thread) -> bool:
    thread.join(POLL)
    return not thread.is_alive()


def _wait_interruptibly(done: Callable[[], bool], on_interrupt: Callable[[], None] | None) -> None:
    """Poll ``done`` so Ctrl+C reaches the main thread; hand it to ``on_interrupt`` or re-raise."""
    interrupted = False
    while True:
        try:
            if done():
                break
        except KeyboardInterrupt:
            if on_interrupt is None:
                interrupted = True
            else:
                on_interrupt()
    if interrupted:
        raise KeyboardInterrupt


def _raise_first_error(tasks: list[Task]) -> None:
    for task in tasks:
        if task.error is not None:
            raise task.error


def runner_for(clock: Clock) -> Scheduler | ThreadRunner:
    """A scheduler on a virtual clock, plain threads on a real one."""
    return Scheduler(clock) if isinstance(clock, VirtualClock) else ThreadRunner(clock)


def scheduler_for(clock: Clock) -> Scheduler:
    """A scheduler on ``clock``, which must be virtual (simulations that jump time)."""
    if not isinstance(clock, VirtualClock):
        raise TypeError("a simulation needs the lab's virtual clock (the moto or server backend)")
    return Scheduler(clock)
