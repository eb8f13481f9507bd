"""What a learner's function did: every call its boto3 clients made (SQS, S3, ...), in order, on
the lab's clock, with the check's own notes (a step done, a crash) in the same timeline.

A check runs the learner's function inside ``with CallLog(lab, clients) as log:``; the check's own
reads go inside ``with log.paused():`` so they stay out of the log (and out of the lab's trace).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqslab.lab import Lab

#: Request parameters whose text is summarised by its size in bytes instead of kept.
BODIES = ("Body", "MessageBody")
#: The key under which a call's context carries its record between the events.
CONTEXT_KEY = "sqslab_exercise_call"


@dataclass
class Call:
    """One API call (or a check's note): what was asked, how it ended, and when."""

    service: str
    operation: str
    time: float
    params: dict[str, Any] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    reply: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when the call succeeded (a note always does)."""
        return self.error is None


def size_of(value: Any) -> int:
    """Bytes of a body given as text, bytes or a file-like object (0 when unknown)."""
    if isinstance(value, str):
        return len(value.encode("utf-8"))
    if isinstance(value, bytes | bytearray):
        return len(value)
    return 0


class CallLog:
    """Records the calls of ``clients`` while it is open (a context manager)."""

    def __init__(self, lab: Lab, clients: list[Any]) -> None:
        self.lab = lab
        self.clients = clients
        self.calls: list[Call] = []
        self._recording = False
        self._uid = f"sqslab-calllog-{id(self)}"

    def __enter__(self) -> CallLog:
        for client in self.clients:
            events = client.meta.events
            events.register("before-parameter-build", self._params, f"{self._uid}-p")
            events.register("after-call", self._after, f"{self._uid}-a")
            events.register("after-call-error", self._error, f"{self._uid}-e")
        self._recording = True
        return self

    def __exit__(self, *exc: object) -> None:
        self._recording = False
        for client in self.clients:
            events = client.meta.events
            events.unregister("before-parameter-build", unique_id=f"{self._uid}-p")
            events.unregister("after-call", unique_id=f"{self._uid}-a")
            events.unregister("after-call-error", unique_id=f"{self._uid}-e")

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Leave the calls made in this block out of the log and out of the lab's trace."""
        was, self._recording = self._recording, False
        try:
            with self.lab.trace.paused():
                yield
        finally:
            self._recording = was

    def note(self, operation: str, **params: Any) -> None:
        """Put one of the check's own events (a step done, a crash) in the timeline."""
        self.calls.append(Call("check", operation, self.lab.clock.time(), dict(params)))

    def of(self, *operations: str) -> list[Call]:
        """The successful calls of these operations, in order."""
        return [c for c in self.calls if c.operation in operations and c.ok]

    def first(self, operation: str) -> int | None:
        """Position of the first successful call of ``operation`` in the log, or None."""
        return next(
            (i for i, c in enumerate(self.calls) if c.operation == operation and c.ok), None
        )

    def last(self, operation: str) -> int | None:
        """Position of the last successful call of ``operation`` in the log, or None."""
        found = [i for i, c in enumerate(self.calls) if c.operation == operation and c.ok]
        return found[-1] if found else None

    def _params(
        self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any
    ) -> None:
        if not self._recording:
            return
        kept = {k: v for k, v in params.items() if k not in BODIES}
        sizes = {k: size_of(params[k]) for k in BODIES if k in params}
        service = model.service_model.service_name
        call = Call(service, model.name, self.lab.clock.time(), kept, sizes)
        self.calls.append(call)
        context[CONTEXT_KEY] = call

    def _after(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        call: Call | None = context.get(CONTEXT_KEY)
        if call is None:
            return
        status = parsed.get("ResponseMetadata", {}).get("HTTPStatusCode", 200)
        if "Error" in parsed and status >= 400:
            call.error = parsed["Error"].get("Code", "Error")
        elif "Messages" in parsed:
            call.reply = {"Messages": parsed["Messages"]}

    def _error(self, exception: Exception, context: dict[str, Any], **_: Any) -> None:
        call: Call | None = context.get(CONTEXT_KEY)
        if call is not None:
            response = getattr(exception, "response", None) or {}
            call.error = response.get("Error", {}).get("Code") or type(exception).__name__
