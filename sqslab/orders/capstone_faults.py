"""Faults for the capstone's step checks, beyond :mod:`sqslab.faults`: partial DeleteMessageBatch
failures, a process that dies right after a call went through, a guard against a loop that never
ends, and a second worker that polls the queue while a slow order is being processed.

Like :mod:`sqslab.faults` they act through one boto3 client's botocore event hooks, never by
patching the backend, so they behave the same on moto, on a moto server and on AWS. A failed
delete entry is withheld from the request, so the message really stays in the queue, as it does
on AWS when DeleteMessageBatch lists an entry in ``Failed``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sqslab import facts, queues
from sqslab.errors import LimitError
from sqslab.faults import BatchFailures, FailRule, WorkerCrash

if TYPE_CHECKING:
    from sqslab.lab import Lab

DELETE = "DeleteMessageBatch"
STATE = "sqslab_delete_faults"
INJECTED_MESSAGE = (
    "simulated transient failure (sqslab.orders.capstone_faults.inject_delete_failures)"
)


class BudgetExceeded(BaseException):  # noqa: N818 - it reads as what happened, like WorkerCrash
    """Raised from a client call once a function made more calls than a check allows: a loop that
    would never end. A BaseException, so a learner's ``except Exception`` cannot swallow it."""


class Hooks:
    """Handlers registered on one client's events, removed together (call it, or use ``with``)."""

    def __init__(self, sqs: Any) -> None:
        self.sqs = sqs
        self._uid = f"sqslab-capstone-{type(self).__name__}-{id(self)}"
        self._registered: list[tuple[str, str]] = []

    def on(self, event: str, handler: Callable[..., Any], *, last: bool = False) -> None:
        """Register ``handler`` for ``event`` (after every other handler when ``last``)."""
        unique = f"{self._uid}-{len(self._registered)}"
        register = self.sqs.meta.events.register_last if last else self.sqs.meta.events.register
        register(event, handler, unique)
        self._registered.append((event, unique))

    def undo(self) -> None:
        """Remove every handler this object registered."""
        while self._registered:
            event, unique = self._registered.pop()
            self.sqs.meta.events.unregister(event, unique_id=unique)

    def __call__(self) -> None:
        self.undo()

    def __enter__(self) -> Hooks:
        return self

    def __exit__(self, *exc: object) -> None:
        self.undo()


class DeleteFailures(BatchFailures):
    """DeleteMessageBatch entries that fail on purpose: ``fail(entry_id, attempt)`` picks them,
    where ``attempt`` counts the deletes asked for the same receipt handle."""

    operation = DELETE
    state_key = STATE
    injected_message = INJECTED_MESSAGE

    def __init__(self, sqs: Any, fail: FailRule, code: str = "InternalError") -> None:
        super().__init__(sqs, fail, code=code)
        #: Receipt handles of the failed entries, in order.
        self.handles: list[str] = []
        self._by_handle: dict[str, int] = {}

    def attempt(self, entry: dict[str, Any]) -> int:
        """How many deletes were asked for this entry's receipt handle, this one included."""
        handle = str(entry.get("ReceiptHandle"))
        self._by_handle[handle] = self._by_handle.get(handle, 0) + 1
        return self._by_handle[handle]

    def noted(self, entry: dict[str, Any]) -> None:
        """Keep the receipt handle of an entry failed on purpose."""
        self.handles.append(str(entry.get("ReceiptHandle")))


def inject_delete_failures(sqs: Any, fail: FailRule, code: str = "InternalError") -> DeleteFailures:
    """Make ``sqs``'s DeleteMessageBatch calls fail the entries ``fail(entry_id, attempt)`` picks;
    returns the injector, which is also its undo function."""
    if not callable(fail):
        raise LimitError(
            "fail= is a function of (entry_id, attempt) returning True to fail that entry, "
            "e.g. lambda entry_id, attempt: attempt == 1"
        )
    return DeleteFailures(sqs, fail, code).install()


class CrashAfter(Hooks):
    """The process dies right after its ``calls``-th call of ``operation`` went through: SQS did
    the work, the caller never hears of it (:class:`~sqslab.faults.WorkerCrash`)."""

    def __init__(self, sqs: Any, operation: str, calls: int) -> None:
        super().__init__(sqs)
        if isinstance(calls, bool) or not isinstance(calls, int) or calls < 1:
            raise LimitError(
                f"calls is a whole number from 1 up (the call that crashes), got {calls!r}"
            )
        self.operation = operation
        self.calls = calls
        self.seen = 0
        self.crashed = False

    def install(self) -> CrashAfter:
        """Register the handler, after the trace's (the call is recorded as it went)."""
        self.on("after-call.sqs", self._count, last=True)
        return self

    def _count(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name != self.operation or "Error" in parsed or self.crashed:
            return
        self.seen += 1
        if self.seen == self.calls:
            self.crashed = True
            raise WorkerCrash(
                f"simulated crash right after {self.operation} call {self.calls} went through "
                "(sqslab.orders.capstone_faults)"
            )


def crash_after(sqs: Any, operation: str, calls: int) -> CrashAfter:
    """Crash (raise WorkerCrash) right after the ``calls``-th successful ``operation`` on ``sqs``."""
    return CrashAfter(sqs, operation, calls).install()


class CallBudget(Hooks):
    """At most ``limit`` calls on the client; the next one raises :class:`BudgetExceeded`."""

    def __init__(self, sqs: Any, limit: int) -> None:
        super().__init__(sqs)
        self.limit = limit
        self.used = 0
        self.by_operation: dict[str, int] = {}

    def install(self) -> CallBudget:
        """Register the counting handler."""
        self.on("before-call.sqs", self._count)
        return self

    def _count(self, model: Any, **_: Any) -> None:
        self.used += 1
        self.by_operation[model.name] = self.by_operation.get(model.name, 0) + 1
        if self.used > self.limit:
            raise BudgetExceeded(
                f"more than {self.limit} SQS calls ({self.most_used()} most often): the function "
                "does not stop"
            )

    def most_used(self) -> str:
        """The operation called most often so far."""
        return max(self.by_operation, key=lambda name: self.by_operation[name], default="none")


def call_budget(sqs: Any, limit: int) -> CallBudget:
    """Allow ``limit`` calls on ``sqs``; the next one raises :class:`BudgetExceeded`."""
    return CallBudget(sqs, limit).install()


class Rival:
    """A second worker on the same queue: :meth:`poll` receives once, as another consumer of the
    service would, keeps the bodies it got, and makes every message visible again at once. Its
    calls are left out of the lab's trace."""

    def __init__(self, lab: Lab, queue_url: str, visibility: int = 30) -> None:
        self.lab = lab
        self.queue_url = queue_url
        self.visibility = visibility
        #: The bodies of every message the rival received, in order.
        self.received: list[str] = []

    def poll(self) -> list[str]:
        """Receive what is visible now (as many as one receive returns); the bodies."""
        sqs = self.lab.sqs
        most = int(facts.get("max_receive_messages").value)
        with self.lab.trace.paused():
            got = sqs.receive_message(
                QueueUrl=self.queue_url, MaxNumberOfMessages=most, VisibilityTimeout=self.visibility
            ).get("Messages", [])
            queues.release(sqs, self.queue_url, got)
        bodies = [m["Body"] for m in got]
        self.received += bodies
        return bodies
