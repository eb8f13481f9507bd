"""On a real clock, the durations in one SQS client's calls, divided by a demo's speed-up.

Chapter 7 runs code whose timeouts are written for real time: the learner's consumer (its long
polls, its heartbeat's visibility timeout, the queues it creates) and the guide's endless loop.
``demo_calls(sqs, demo)`` hooks the client so that, where the lab clock is real, every duration a
call carries is divided by the demo's speed-up and rounded up to a whole second (0 stays 0): a
receive's ``WaitTimeSeconds`` and ``VisibilityTimeout``, ``ChangeMessageVisibility`` (one or a
batch), a send's ``DelaySeconds`` and a queue's ``VisibilityTimeout``,
``ReceiveMessageWaitTimeSeconds`` and ``DelaySeconds``. A value outside AWS's range is left as it
is, so SQS still refuses it; the retention period is never touched (AWS's minimum is 60 s). On the
virtual clock nothing is hooked: the calls go out as written.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.orders.capstone_faults import Hooks

if TYPE_CHECKING:
    from sqslab.realclock import DemoTime

#: The duration parameters of each operation (top level of the call).
PARAMETERS = {
    "ReceiveMessage": ("WaitTimeSeconds", "VisibilityTimeout"),
    "ChangeMessageVisibility": ("VisibilityTimeout",),
    "SendMessage": ("DelaySeconds",),
}
#: The duration parameter of each entry of a batch operation.
ENTRY_PARAMETERS = {
    "ChangeMessageVisibilityBatch": "VisibilityTimeout",
    "SendMessageBatch": "DelaySeconds",
}
#: Queue attributes that are durations (CreateQueue and SetQueueAttributes).
ATTRIBUTES = ("VisibilityTimeout", "ReceiveMessageWaitTimeSeconds", "DelaySeconds")
#: The fact that holds each duration's AWS maximum, in seconds.
MAXIMUM_FACT = {
    "WaitTimeSeconds": "long_poll_max_wait",
    "ReceiveMessageWaitTimeSeconds": "long_poll_max_wait",
    "VisibilityTimeout": "visibility_timeout",
    "DelaySeconds": "delivery_delay",
}


def scaled_seconds(name: str, value: Any, speedup: float) -> Any:
    """``value`` (whole seconds, as a number or as text) divided by ``speedup`` and rounded up to
    a whole second, of the same type; 0, and anything outside AWS's range, stays as it is."""
    text = isinstance(value, str)
    if isinstance(value, bool) or not isinstance(value, int | str):
        return value
    if isinstance(value, str) and not value.strip().isdigit():
        return value
    seconds = int(value)
    if seconds <= 0 or seconds > int(facts.get(MAXIMUM_FACT[name]).value):
        return value
    shorter = max(1, math.ceil(seconds / speedup))
    return str(shorter) if text else shorter


class DemoCalls(Hooks):
    """The hook of :func:`demo_calls`: ``undo()`` (or the end of a ``with`` block) removes it."""

    def __init__(self, sqs: Any, speedup: float) -> None:
        super().__init__(sqs)
        self.speedup = speedup
        #: How many duration parameters were shortened so far.
        self.shortened = 0

    def install(self) -> DemoCalls:
        """Register the handler that rewrites the parameters before botocore checks them."""
        self.on("provide-client-params.sqs", self._rewrite)
        return self

    def _rewrite(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        for name in PARAMETERS.get(model.name, ()):
            if name in params:
                params[name] = self._scaled(name, params[name])
        entry_name = ENTRY_PARAMETERS.get(model.name)
        if entry_name and isinstance(params.get("Entries"), list):
            params["Entries"] = [self._entry(entry_name, e) for e in params["Entries"]]
        if model.name in ("CreateQueue", "SetQueueAttributes"):
            attributes = params.get("Attributes")
            if isinstance(attributes, dict):
                params["Attributes"] = {
                    k: self._scaled(k, v) if k in ATTRIBUTES else v for k, v in attributes.items()
                }

    def _entry(self, name: str, entry: Any) -> Any:
        if not isinstance(entry, dict) or name not in entry:
            return entry
        return {**entry, name: self._scaled(name, entry[name])}

    def _scaled(self, name: str, value: Any) -> Any:
        shorter = scaled_seconds(name, value, self.speedup)
        self.shortened += shorter != value
        return shorter


def demo_calls(sqs: Any, demo: DemoTime) -> DemoCalls:
    """On a real clock, divide the durations in ``sqs``'s calls by ``demo``'s speed-up until
    ``undo()`` (or the end of a ``with`` block); on the virtual clock, change nothing."""
    hooks = DemoCalls(sqs, demo.speedup)
    return hooks if demo.virtual or demo.speedup == 1 else hooks.install()
