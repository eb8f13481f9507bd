"""Fault injection for single sends: make a client's next ``SendMessage`` calls to one queue fail,
as a network error or a throttled call that outlived boto3's retries would.

Chapter 5's hand-made DLQ is only safe if a failed send to the DLQ leaves the message where it
was; moto never fails a send, so :func:`fail_sends` makes it happen on any backend. The failure is
raised through the client (a botocore ``before-parameter-build`` hook), so the request never
reaches SQS: nothing is half-sent, and the caller sees the ``ClientError`` a real failure gives.
"""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from sqslab.arguments import QUEUE_URL, SQS, TEXT, WHOLE, requires

OPERATION = "SendMessage"
INJECTED_MESSAGE = "simulated failure of this send (sqslab.exercises.send_faults.fail_sends)"


class SendFailures:
    """An installed injector on one SQS client; call it (or :meth:`undo`) to remove it."""

    def __init__(self, sqs: Any, queue_url: str, times: int, code: str) -> None:
        self.sqs = sqs
        self.queue_url = queue_url
        self.left = times
        self.code = code
        #: How many sends to the queue failed on purpose so far.
        self.failed = 0
        self._uid = f"sqslab-send-faults-{id(self)}"
        self._installed = False

    def install(self) -> SendFailures:
        """Register the hook on the client's events."""
        event = f"before-parameter-build.sqs.{OPERATION}"
        self.sqs.meta.events.register(event, self._fail, self._uid)
        self._installed = True
        return self

    def undo(self) -> None:
        """Remove the hook: sends go through untouched again."""
        if self._installed:
            event = f"before-parameter-build.sqs.{OPERATION}"
            self.sqs.meta.events.unregister(event, unique_id=self._uid)
            self._installed = False

    def __call__(self) -> None:
        self.undo()

    def __enter__(self) -> SendFailures:
        return self

    def __exit__(self, *exc: object) -> None:
        self.undo()

    def __repr__(self) -> str:
        state = "installed" if self._installed else "removed"
        return f"<SendFailures {state} code={self.code} failed={self.failed} left={self.left}>"

    def _fail(self, params: dict[str, Any], **_: Any) -> None:
        if params.get("QueueUrl") != self.queue_url or self.left <= 0:
            return
        self.left -= 1
        self.failed += 1
        error = {"Code": self.code, "Message": INJECTED_MESSAGE}
        meta = {"HTTPStatusCode": 500, "HTTPHeaders": {}, "RetryAttempts": 0}
        raise ClientError({"Error": error, "ResponseMetadata": meta}, OPERATION)


@requires(sqs=SQS, queue_url=QUEUE_URL, times=WHOLE, code=TEXT)
def fail_sends(
    sqs: Any, queue_url: str, times: int = 1, code: str = "InternalError"
) -> SendFailures:
    """Make the next ``times`` SendMessage calls of ``sqs`` to ``queue_url`` raise a ClientError
    with ``code``; returns the injector, which is also its undo function."""
    return SendFailures(sqs, queue_url, times, code).install()
