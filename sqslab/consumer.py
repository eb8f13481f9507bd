"""Consumers done the production way: long polling, batch delete, heartbeat, backoff, graceful stop.

The named concepts (after sqs-workers and bbc/sqs-consumer):

- **handler**: ``handler(message)`` processes one :class:`Message`; returning means success, raising
  means failure. A **batch handler** gets the whole received batch and returns the ids that failed
  (Lambda's ``batchItemFailures``).
- **backoff policy**: after a failure the message's visibility is set to an exponentially growing,
  jittered delay, so retries spread out instead of hammering (``sqslab.backoff.BackoffPolicy``).
- **polling**: ``wait_time`` seconds of long polling per receive (20 by default); with 0 (short
  polling) an empty receive is followed by a ``poll_pause`` before the next one.
- **stop policy**: when the consumer stops by itself: after ``max_messages``, after ``idle_timeout``
  seconds with nothing received, or ``until`` seconds after it started. ``stop()`` (a button) and
  Ctrl+C stop it too. Stopping is graceful: handlers already running finish, successes are deleted,
  and every message held but not processed is released (visibility 0) for another consumer.
- **heartbeat interval**: while a worker holds messages, they are kept invisible by
  ChangeMessageVisibility every ``heartbeat_interval`` seconds, so a slow handler is not raced by a
  second consumer when the visibility timeout ends.
- **FIFO order**: on a FIFO queue, once a message of a group fails, the later messages of that
  group in the same batch are released unprocessed (visibility 0), as AWS advises for partial
  batch failures, so the group is retried from the failed message on.
- **crashes**: a worker whose process dies (:class:`sqslab.faults.WorkerCrash`) can neither delete
  nor release; its messages come back when their visibility timeout ends, the heartbeat stops
  extending them, and the pool starts a replacement worker (``max_restarts`` in all).

A message is deleted only after its handler succeeded. On the virtual clock (moto) the workers run
as discrete events (:mod:`sqslab.scheduler`): an hour of queue time takes a moment, the same way
every run.
"""

from __future__ import annotations

import functools
import random
import threading
from collections.abc import Callable
from typing import Any

from sqslab import consumer_result
from sqslab.backoff import BackoffPolicy
from sqslab.consumer_result import ConsumeResult, Event, Message, behind_failure, sort_batch
from sqslab.consumer_settings import (
    BatchHandler,
    Handler,
    StopPolicy,
    check_batch_size,
    check_handlers,
    check_heartbeat,
    check_visibility,
    check_wait_time,
    check_workers,
    default_clock,
    queue_visibility,
)
from sqslab.emulator import clock as clocks
from sqslab.faults import WorkerCrash
from sqslab.inflight import InFlight
from sqslab.scheduler import Scheduler, ThreadRunner, runner_for

#: Spawns extra tasks beside the workers: called with the runner and a "workers are done" test.
Beside = Callable[[Any, Callable[[], bool]], None]


class Consumer:
    """Receive, handle, delete: one or more workers on one queue, stopping gracefully."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        handler: Handler | None = None,
        *,
        batch_handler: BatchHandler | None = None,
        workers: int = 1,
        batch_size: int = 10,
        wait_time: int = 20,
        poll_pause: float = 1.0,
        visibility_timeout: int | None = None,
        heartbeat_interval: float | None = None,
        backoff: BackoffPolicy | None = None,
        stop: StopPolicy | None = None,
        clock: clocks.Clock | None = None,
        payloads: Any = None,
        max_restarts: int = 10,
        seed: int = 0,
    ) -> None:
        self.handler, self.batch_handler = check_handlers(handler, batch_handler)
        self.sqs, self.queue_url = sqs, queue_url
        self.fifo = str(queue_url).endswith(".fifo")
        self.workers = check_workers(workers)
        self.batch_size = check_batch_size(batch_size)
        self.wait_time = check_wait_time(wait_time)
        self.poll_pause = poll_pause
        self.visibility_timeout = (
            queue_visibility(sqs, queue_url)
            if visibility_timeout is None
            else check_visibility(visibility_timeout)
        )
        self.heartbeat_interval = check_heartbeat(heartbeat_interval, self.visibility_timeout)
        self.backoff = backoff
        self.stop_policy = stop or StopPolicy()
        self.clock = clock or default_clock(sqs)
        self.payloads = payloads
        #: The messages the workers hold, and the batch calls that settle them.
        self.inflight = InFlight(
            sqs,
            queue_url,
            self.visibility_timeout,
            self._event,
            payloads=payloads,
            backoff=backoff,
            rng=random.Random(seed),
        )
        self._stopping = threading.Event()
        self._in_handler = 0
        self._lock = threading.Lock()
        self.max_restarts = max_restarts
        self._polling: set[str] = set()
        self._runner: Scheduler | ThreadRunner | None = None
        self._background: threading.Thread | None = None
        self.result = ConsumeResult()

    # -- running -------------------------------------------------------------------------

    def run(self, beside: Beside | None = None) -> ConsumeResult:
        """Run until the stop policy, :meth:`stop` or Ctrl+C; return what happened.

        ``beside(runner, done)`` may spawn tasks of its own (a metrics sampler) that run next to
        the workers on the same clock; ``done()`` turns true once every worker has finished."""
        self._prepare()
        if beside is not None:
            beside(self.runner, self._finished)
        self.runner.run(on_interrupt=lambda: self.stop("interrupted"), abandon=self._abandonable)
        self.result.ended = self.clock.time()
        return self.result

    def start(self) -> Consumer:
        """Run in a background thread (for a stop button); :meth:`join` or :meth:`stop` later.

        Meant for real clocks: on the virtual clock an idle background consumer races time forward
        as fast as the CPU allows, so notebooks on moto use :meth:`run` with a stop policy.
        """
        self._background = threading.Thread(target=self.run, name="sqslab-consumer", daemon=True)
        self._background.start()
        return self

    def join(self, timeout: float | None = None) -> ConsumeResult:
        """Wait for a background run to end."""
        if self._background is not None:
            self._background.join(timeout)
        return self.result

    def stop(self, reason: str = "stop") -> None:
        """Ask every worker to stop after its current message; held messages are released."""
        if not self._stopping.is_set():
            self.result.stopped_by = self.result.stopped_by or reason
            self.result.stopped_at = self.clock.time()
            self._stopping.set()
            if self._runner is not None:
                self._runner.interrupt(t for t in self._runner.tasks if _is_worker(t))
                self.clock.poke()

    def _abandonable(self, task: Any) -> bool:
        """A worker still in a long poll once stopping need not be waited for: it releases what
        the poll brings when it returns (the stop itself returns at once, not up to 20 s later)."""
        return self.stopping and task.name in self._polling

    @property
    def stopping(self) -> bool:
        """True once a stop was asked for (by a policy, :meth:`stop` or Ctrl+C)."""
        return self._stopping.is_set()

    @property
    def runner(self) -> Scheduler | ThreadRunner:
        """What drives the workers of the current run (set when the run begins)."""
        if self._runner is None:
            raise RuntimeError("the consumer is not running: call run() or start() first")
        return self._runner

    def _prepare(self) -> None:
        self._stopping.clear()
        self.result = self._new_result()  # before any worker starts: on a real clock they run now
        self._last_receive = self.clock.time()
        self._runner = runner_for(self.clock)
        # timer and heartbeat first: at a tie on the virtual clock they act before the workers
        if self.stop_policy.until:
            self._runner.spawn(self._timer, "timer")
        if self.heartbeat_interval:
            self._runner.spawn(self._heartbeat, "heartbeat")
        for i in range(self.workers):
            name = f"worker-{i + 1}"
            self._runner.spawn(functools.partial(self._work, name), name)

    def _new_result(self) -> ConsumeResult:
        """The empty result a run fills in."""
        return ConsumeResult(started=self.clock.time())

    # -- one worker ----------------------------------------------------------------------

    def _work(self, name: str) -> None:
        """Receive and handle batches until asked to stop; a crash or an error ends the worker."""
        try:
            self._loop(name)
        except WorkerCrash as crash:
            self._crashed(name, crash)
        except BaseException:
            self.inflight.forget_worker(name)
            self.stop("error")
            raise

    def _crashed(self, name: str, crash: WorkerCrash) -> None:
        """A worker died: what it held comes back after its visibility timeout; replace it."""
        self.result.crashes += 1
        left = self.inflight.forget_worker(name)
        self._event(name, "crashed", None, consumer_result.crash_detail(crash, left))
        if self.stopping:
            return
        if self.result.crashes > self.max_restarts:
            self.stop("crashes")
            return
        again = f"{name.split('.')[0]}.{self.result.crashes}"
        self.runner.spawn(functools.partial(self._work, again), again)

    def _loop(self, name: str) -> None:
        while not self.stopping:
            batch = self._receive(name)
            if batch:
                self._handle(name, batch)
                self._last_receive = self.clock.time()
                continue
            self._check_idle()
            if self.wait_time == 0 and not self.stopping:
                self.clock.sleep(self.poll_pause)  # short polling: pause between empty receives

    def _receive(self, worker: str) -> list[Message]:
        self._polling.add(worker)
        try:
            resp = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=self.batch_size,
                WaitTimeSeconds=self.wait_time,
                VisibilityTimeout=self.visibility_timeout,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
        finally:
            self._polling.discard(worker)
        raw = resp.get("Messages", [])
        self.result.receives += 1
        if not raw:
            self.result.empty_receives += 1
            return []
        self._last_receive = self.clock.time()
        batch = [self._message(r) for r in raw]
        for m in batch:
            self.inflight.hold(worker, m)
            self._event(worker, "received", m.id, consumer_result.received(m.receive_count))
        return batch

    def _message(self, raw: dict[str, Any]) -> Message:
        body = raw.get("Body", "")
        attrs = raw.get("MessageAttributes")
        if self.payloads is not None and self.payloads.is_pointer(body, attrs):
            body = self.payloads.resolve(body, attrs)
        return Message.from_sqs(raw, body)

    def _handle(self, worker: str, batch: list[Message]) -> None:
        """Handle a received batch, then delete successes and release or back off the rest."""
        if self.batch_handler is not None:
            done, failed, untouched = self._run_batch_handler(worker, batch)
        else:
            done, failed, untouched = self._run_handler(worker, batch)
        deleted = self.inflight.delete(worker, done)
        self.inflight.retry_later(worker, failed)
        released = self.inflight.release(worker, untouched)
        with self._lock:  # other workers add theirs meanwhile (threads on a real clock)
            self.result.deleted += deleted
            self.result.released += released

    def _run_handler(self, worker: str, batch: list[Message]) -> tuple[list, list, list]:
        done: list[Message] = []
        failed: list[Message] = []
        behind: list[Message] = []  # FIFO: after a failure in their group, left unprocessed
        for i, message in enumerate(batch):
            if behind_failure(message, failed, self.fifo):
                behind.append(message)
                continue
            if not self._reserve(1):
                return done, failed, behind + batch[i:]
            try:
                self._call(worker, self.handler, message)
            except Exception as err:  # noqa: BLE001 - a failing handler is a failed message
                self._failed(worker, message, err)
                failed.append(message)
            else:
                self._processed(worker, message)
                done.append(message)
            finally:
                self._unreserve(1)
        return done, failed, behind

    def _run_batch_handler(self, worker: str, batch: list[Message]) -> tuple[list, list, list]:
        if not self._reserve(len(batch)):
            return [], [], batch
        try:
            failed_ids = set(self._call(worker, self.batch_handler, batch) or ())
        except Exception as err:  # noqa: BLE001 - the whole batch failed
            failed_ids = {m.id for m in batch}
            detail = f"{type(err).__name__}: {err}"
        else:
            detail = consumer_result.batch_item_failure()
        finally:
            self._unreserve(len(batch))
        done, failed, behind = sort_batch(batch, failed_ids, self.fifo)
        for m in done:
            self._processed(worker, m)
        for m in failed:
            self._failed(worker, m, detail)
        return done, failed, behind

    def _call(self, worker: str, function: Callable[[Any], Any] | None, arg: Any) -> Any:
        if function is None:  # never: a consumer is built with a handler or a batch handler
            raise TypeError("the consumer has no handler to call")
        first = arg[0].id if isinstance(arg, list) else arg.id
        self._event(worker, "started", first)
        return function(arg)

    def _reserve(self, count: int) -> bool:
        """Claim ``count`` handler slots; False once stopping or max_messages would be passed."""
        with self._lock:
            limit = self.stop_policy.max_messages
            if limit is not None and len(self.result.processed) + self._in_handler >= limit:
                self.stop("max_messages")
            if self.stopping:
                return False
            self._in_handler += count
            return True

    def _unreserve(self, count: int) -> None:
        with self._lock:
            self._in_handler -= count

    def _processed(self, worker: str, message: Message) -> None:
        self.result.processed.append(message.id)
        self._event(worker, "processed", message.id)
        limit = self.stop_policy.max_messages
        if limit is not None and len(self.result.processed) >= limit:
            self.stop("max_messages")

    def _failed(self, worker: str, message: Message, err: Exception | str) -> None:
        self.result.failures += 1
        text = err if isinstance(err, str) else f"{type(err).__name__}: {err}"
        self._event(worker, "failed", message.id, text)

    # -- heartbeat, timer, idle --------------------------------------------------------------

    def _heartbeat(self) -> None:
        """Every interval, push the visibility of every held message out by the timeout again."""
        while not self._finished():
            self.runner.wait_until(
                self.clock.time() + float(self.heartbeat_interval or 0), wake_if=self._finished
            )
            extended = self.inflight.extend()
            with self._lock:
                self.result.extended += extended

    def _finished(self) -> bool:
        """True when no worker is left running (one stuck in a long poll after a stop counts: it
        releases what that poll brings); False before the first worker (those threads start first)."""
        workers = [t for t in self.runner.tasks if _is_worker(t)]
        return bool(workers) and all(t.done or self._abandonable(t) for t in workers)

    def _timer(self) -> None:
        """Stop the consumer ``until`` seconds after it started (the stop policy)."""
        self.runner.wait_until(
            self.result.started + float(self.stop_policy.until or 0), wake_if=self._finished
        )
        if not self._finished():
            self.stop("until")

    def _check_idle(self) -> None:
        """Stop once no worker holds a message and none was received for ``idle_timeout`` s."""
        limit, busy = self.stop_policy.idle_timeout, len(self.inflight) > 0 or self._in_handler > 0
        if limit is not None and not busy and self.clock.time() - self._last_receive >= limit:
            self.stop("idle")

    def _event(self, worker: str, kind: str, message_id: str | None, detail: str = "") -> None:
        self.result.events.append(Event(self.clock.time(), worker, kind, message_id, detail))


class WorkerPool(Consumer):
    """A :class:`Consumer` with several workers (threads) on one queue; 8 by default."""

    def __init__(self, sqs: Any, queue_url: str, handler: Handler | None = None, **kw: Any):
        kw.setdefault("workers", 8)
        super().__init__(sqs, queue_url, handler, **kw)


def consume(sqs: Any, queue_url: str, handler: Handler, **kw: Any) -> ConsumeResult:
    """Run a :class:`Consumer` (or a pool with ``workers=n``) until its stop policy; one-liner."""
    return Consumer(sqs, queue_url, handler, **kw).run()


def _is_worker(task: Any) -> bool:
    return str(task.name).startswith("worker-")
