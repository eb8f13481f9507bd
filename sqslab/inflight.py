"""The messages a consumer holds (received, not yet deleted or released) and the batch calls that
settle them: delete after success, release at once, retry after a backoff, extend (heartbeat).

A message leaves the holding once it is deleted, released or handed to a backoff; the messages of
a crashed worker are forgotten (nobody may touch them), so they come back when their visibility
timeout ends.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from typing import Any

from sqslab import facts
from sqslab.backoff import BackoffPolicy
from sqslab.consumer_result import Message
from sqslab.i18n import _

#: Records one event: ``record(worker, kind, message_id, detail)``.
Record = Callable[[str, str, str | None, str], None]
#: Entries per batch call (DeleteMessageBatch, ChangeMessageVisibilityBatch).
BATCH = 10


class InFlight:
    """The messages a consumer's workers hold, each with the worker holding it."""

    def __init__(
        self,
        sqs: Any,
        queue_url: str,
        visibility_timeout: int,
        record: Record,
        *,
        payloads: Any = None,
        backoff: BackoffPolicy | None = None,
        rng: random.Random,
    ) -> None:
        self.sqs, self.queue_url = sqs, queue_url
        self.visibility_timeout = visibility_timeout
        self.record = record
        self.payloads = payloads
        self.backoff = backoff
        self.rng = rng
        self._held: dict[str, tuple[str, Message]] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._held)

    def hold(self, worker: str, message: Message) -> None:
        """``worker`` received ``message`` and holds it until it is settled."""
        self._held[message.receipt_handle] = (worker, message)

    def messages(self) -> list[Message]:
        """Every message held now."""
        return [m for _, m in list(self._held.values())]

    def forget_worker(self, worker: str) -> int:
        """Forget the messages a dead worker held (nobody may extend, delete or release them)."""
        with self._lock:
            mine = [h for h, (w, _) in self._held.items() if w == worker]
            for handle in mine:
                del self._held[handle]
        return len(mine)

    def delete(self, worker: str, messages: list[Message]) -> int:
        """Delete successes in batches of 10, only then forget them; returns how many went."""
        deleted = 0
        self._let_go(messages)
        for chunk in chunks(messages, BATCH):
            resp = self.sqs.delete_message_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m.receipt_handle} for i, m in enumerate(chunk)
                ],
            )
            ok = {int(e["Id"]) for e in resp.get("Successful", [])}
            for i, m in enumerate(chunk):
                if i in ok:
                    deleted += 1
                    self.record(worker, "deleted", m.id, "")
                    if self.payloads is not None:
                        self.payloads.delete(m.raw.get("Body", ""), m.raw.get("MessageAttributes"))
                else:
                    self.record(worker, "delete failed", m.id, _("it will be delivered again"))
        return deleted

    def release(self, worker: str, messages: list[Message]) -> int:
        """Make unprocessed messages visible again at once (visibility 0) for another consumer
        (on FIFO, after the group's failed message: the group stays locked until it is back)."""
        self.set_visibility(worker, [(m, 0) for m in messages], "released")
        return len(messages)

    def retry_later(self, worker: str, messages: list[Message]) -> None:
        """Failed messages: retry after a backoff delay, or when the visibility timeout ends."""
        if self.backoff is None:
            self._let_go(messages)
            return
        cap = int(facts.get("visibility_timeout").value)
        delays = [min(cap, round(self.backoff.delay(m.receive_count, self.rng))) for m in messages]
        self.set_visibility(worker, list(zip(messages, delays, strict=True)), "backoff")

    def set_visibility(self, worker: str, items: list[tuple[Message, int]], kind: str) -> None:
        """Forget each message, then give it its visibility timeout (``kind`` names the event)."""
        self._let_go([m for m, _ in items])
        for chunk in chunks(items, BATCH):
            self.sqs.change_message_visibility_batch(
                QueueUrl=self.queue_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": v}
                    for i, (m, v) in enumerate(chunk)
                ],
            )
            for m, v in chunk:
                self.record(worker, kind, m.id, _("visible again in {seconds} s").format(seconds=v))

    def extend(self) -> int:
        """The heartbeat: push every held message's visibility out by the timeout again;
        returns how many were extended. A message let go meanwhile waits until this is done, so
        a late beat never hides a message again after its worker released it."""
        with self._lock:
            return sum(self._extend(chunk) for chunk in chunks(self.messages(), BATCH))

    def _let_go(self, messages: list[Message]) -> None:
        """Stop holding ``messages`` (before they are deleted or released): not while a beat runs."""
        with self._lock:
            for m in messages:
                self._held.pop(m.receipt_handle, None)

    def _extend(self, messages: list[Message]) -> int:
        resp = self.sqs.change_message_visibility_batch(
            QueueUrl=self.queue_url,
            Entries=[
                {
                    "Id": str(i),
                    "ReceiptHandle": m.receipt_handle,
                    "VisibilityTimeout": self.visibility_timeout,
                }
                for i, m in enumerate(messages)
            ],
        )
        ok = {int(e["Id"]) for e in resp.get("Successful", [])}
        extended = 0
        for i, m in enumerate(messages):
            kind = "extended" if i in ok else "heartbeat failed"
            extended += i in ok
            self.record("heartbeat", kind, m.id, f"+{self.visibility_timeout} s")
        return extended


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    """``items`` cut into lists of at most ``size``."""
    return [items[i : i + size] for i in range(0, len(items), size)]
