"""Chapter 8: the poller of an SQS event source mapping, as Lambda runs it, on the lab's clock.

A :class:`MappingPoller` is a :class:`~sqslab.consumer.Consumer` with Lambda's rules instead of
the consumer's own:

- **batching window**: with ``batching_window`` seconds, receives go on until the batch holds
  ``batch_size`` records (up to 10,000), the window ends, or the bodies reach the payload limit;
- **filters**: a message that matches none of the mapping's filters is deleted without an
  invocation (counted in :attr:`MappingResult.filtered`);
- **partial batch response**: what the function does not report as failed is deleted, on a FIFO
  queue too. Lambda does not hold back the later records of a failed record's group: keeping
  order is the function's job (stop at the first failure and report the rest), and
  :attr:`MappingResult.ahead_of_failure` lists the records deleted ahead of a failed one of
  their group.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqslab import facts, lambda_filters
from sqslab.consumer import Consumer
from sqslab.consumer_result import ConsumeResult, Message

#: The most messages one ReceiveMessage returns, and the longest long poll.
RECEIVE_MOST, LONGEST_POLL = 10, 20


@dataclass(repr=False)
class MappingResult(ConsumeResult):
    """A consumer run's result plus what Lambda's rules did: filtered messages, invocations."""

    filtered: int = 0
    invocations: int = 0
    batch_sizes: list[int] = field(default_factory=list)
    whole_batch_failures: int = 0
    ahead_of_failure: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"<MappingResult invocations={self.invocations} processed={len(self.processed)} "
            f"failures={self.failures} filtered={self.filtered} deleted={self.deleted} "
            f"whole_batch_failures={self.whole_batch_failures} "
            f"ahead_of_failure={len(self.ahead_of_failure)} in {self.duration:g} s>"
        )


def payload_limit() -> int:
    """The batch payload limit in bytes (the registry's 6 MB, counted as MiB here)."""
    return int(facts.get("lambda_batch_payload").value) * 1024 * 1024


def ahead_of_failure(batch: list[Message], failed_ids: set[str]) -> list[str]:
    """The ids not reported as failed that come after a failed record of their message group."""
    failed_groups: set[str | None] = set()
    ahead = []
    for message in batch:
        if message.id in failed_ids:
            failed_groups.add(message.group_id)
        elif message.group_id in failed_groups:
            ahead.append(message.id)
    return ahead


class MappingPoller(Consumer):
    """Poll a queue like an SQS event source mapping: batching window, filters, and the
    function's partial batch response applied as Lambda applies it."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        invoke: Callable[[list[Message]], set[str]],
        *,
        batch_size: int = 10,
        batching_window: float = 0,
        patterns: list[lambda_filters.Pattern] | None = None,
        **consumer: Any,
    ) -> None:
        super().__init__(
            sqs,
            queue_url,
            batch_handler=invoke,
            batch_size=min(batch_size, RECEIVE_MOST),
            **consumer,
        )
        self.size = batch_size
        self.window = batching_window
        self.patterns = patterns or []
        self.result: MappingResult = MappingResult()

    def _new_result(self) -> MappingResult:
        """The empty result a run fills in, with Lambda's counts."""
        return MappingResult(started=self.clock.time())

    # -- gathering a batch -------------------------------------------------------------------

    def _receive(self, worker: str) -> list[Message]:
        batch = super()._receive(worker)
        if not batch or self.window <= 0:
            return batch
        deadline = self.clock.time() + self.window
        while len(batch) < self.size and _payload(batch) < payload_limit() and not self.stopping:
            left = deadline - self.clock.time()
            if left <= 0:
                break
            wait = min(LONGEST_POLL, math.ceil(left))
            batch += self._more(worker, min(RECEIVE_MOST, self.size - len(batch)), wait)
        return batch

    def _more(self, worker: str, count: int, wait: int) -> list[Message]:
        """One more receive inside the batching window."""
        self._polling.add(worker)
        try:
            raw = self.sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=count,
                WaitTimeSeconds=wait,
                VisibilityTimeout=self.visibility_timeout,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
        finally:
            self._polling.discard(worker)
        with self._lock:
            self.result.receives += 1
            self.result.empty_receives += not raw
        more = [self._message(r) for r in raw]
        for m in more:
            self.inflight.hold(worker, m)
            self._event(worker, "received", m.id, f"receive #{m.receive_count}")
        return more

    # -- handling it ---------------------------------------------------------------------------

    def _run_batch_handler(self, worker: str, batch: list[Message]) -> tuple[list, list, list]:
        """Filter, invoke with what is left, and sort by the response: (delete, retry, release)."""
        keep = [m for m in batch if lambda_filters.matches(self.patterns, m.body)]
        dropped = [m for m in batch if m not in keep]
        for m in dropped:
            self._event(worker, "filtered", m.id, "matched no filter: deleted")
        with self._lock:
            self.result.filtered += len(dropped)
        if not keep:
            return dropped, [], []
        done, failed, untouched = self._invoke(worker, keep)
        return dropped + done, failed, untouched

    def _invoke(self, worker: str, batch: list[Message]) -> tuple[list, list, list]:
        if not self._reserve(len(batch)):
            return [], [], batch  # stopping: released unprocessed
        try:
            failed_ids = set(self._call(worker, self.batch_handler, batch) or ())
            detail = "reported as a batch item failure"
        except Exception as err:  # noqa: BLE001 - a raising function fails the whole batch
            failed_ids = {m.id for m in batch}
            detail = f"{type(err).__name__}: {err}"
        finally:
            self._unreserve(len(batch))
        done = [m for m in batch if m.id not in failed_ids]
        failed = [m for m in batch if m.id in failed_ids]
        self._count(batch, failed_ids)
        for m in done:
            self._processed(worker, m)
        for m in failed:
            self._failed(worker, m, detail)
        return done, failed, []

    def _count(self, batch: list[Message], failed_ids: set[str]) -> None:
        with self._lock:
            self.result.invocations += 1
            self.result.batch_sizes.append(len(batch))
            self.result.whole_batch_failures += len(failed_ids) == len(batch) > 1
            if self.fifo:
                self.result.ahead_of_failure += ahead_of_failure(batch, failed_ids)


def _payload(batch: list[Message]) -> int:
    """The bytes of the batch's bodies (Lambda also counts each record's metadata)."""
    return sum(len(m.body.encode("utf-8")) for m in batch)
