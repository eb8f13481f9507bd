"""Fault injection, a teaching and test tool: make SendMessageBatch fail some entries on purpose,
or make a consumer's worker crash (:class:`WorkerCrash`).

On AWS a ``SendMessageBatch`` call can succeed (HTTP 200) while some entries fail with a
server-side error (``SenderFault: false``); a producer must notice and retry just those. moto
never does this, so :func:`inject_batch_failures` makes it happen on any backend, truthfully:
an entry reported as failed is withheld from the request, so it really is not in the queue and a
retry cannot create a duplicate. The trace still records the call as the learner made it (all
entries sent, some failed), exactly as a partial failure on AWS would look.

How: botocore events on one client. ``before-parameter-build`` withholds the chosen entries;
``before-call`` puts them back in the parameters the trace reads (the request is already
serialised by then) and, if every entry failed, answers without calling SQS; ``after-call``
adds the withheld entries to the response's ``Failed`` list.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from typing import Any, Self

from botocore.awsrequest import AWSResponse

from sqslab.arguments import SQS, Expected, is_text, is_whole, requires
from sqslab.errors import LimitError, WrongTypeError
from sqslab.i18n import N_, _

FailRule = Callable[[str, int], bool]
OPERATION = "SendMessageBatch"
STATE = "sqslab_batch_faults"
#: What a failed entry's Message says (marked here, shown in the lab's language).
INJECTED_MESSAGE = N_("simulated transient failure (sqslab.faults.inject_batch_failures)")
SENDER_FAULT_MESSAGE = N_("simulated sender-fault failure (sqslab.faults.inject_batch_failures)")


class WorkerCrash(BaseException):
    """Raise it from a handler to simulate the worker's process dying mid-message: nothing after
    it runs (no delete, no release), so what the worker held comes back after its visibility
    timeout. A BaseException, so a handler's ``except Exception`` cannot swallow it."""


class BatchFailures:
    """An installed fault injector on one SQS client; call it (or :meth:`undo`) to remove it.

    It fails entries of ``operation`` (SendMessageBatch here; a subclass may pick another batch
    action and its own way of counting attempts)."""

    operation = OPERATION
    state_key = STATE
    injected_message = INJECTED_MESSAGE

    def __init__(
        self,
        sqs: Any,
        fail: FailRule,
        *,
        code: str = "InternalError",
        sender_fault: bool = False,
    ) -> None:
        self.sqs = sqs
        self.fail = fail
        self.code = code
        self.sender_fault = sender_fault
        #: (entry id, attempt) of every entry failed so far, in order.
        self.injected: list[tuple[str, int]] = []
        self._attempts: dict[tuple[str, str], int] = {}
        self._uid = f"sqslab-faults-{id(self)}"
        self._installed = False

    def install(self) -> Self:
        """Register the handlers on the client's events."""
        events = self.sqs.meta.events
        events.register(
            f"before-parameter-build.sqs.{self.operation}", self._withhold, f"{self._uid}-p"
        )
        events.register(f"before-call.sqs.{self.operation}", self._restore, f"{self._uid}-r")
        events.register_last("before-call.sqs", self._answer_if_all_failed, f"{self._uid}-a")
        events.register(f"after-call.sqs.{self.operation}", self._report, f"{self._uid}-f")
        self._installed = True
        return self

    def undo(self) -> None:
        """Remove the handlers: batches go through untouched again."""
        if not self._installed:
            return
        events = self.sqs.meta.events
        events.unregister(
            f"before-parameter-build.sqs.{self.operation}", unique_id=f"{self._uid}-p"
        )
        events.unregister(f"before-call.sqs.{self.operation}", unique_id=f"{self._uid}-r")
        events.unregister("before-call.sqs", unique_id=f"{self._uid}-a")
        events.unregister(f"after-call.sqs.{self.operation}", unique_id=f"{self._uid}-f")
        self._installed = False

    def __call__(self) -> None:
        self.undo()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.undo()

    def __repr__(self) -> str:
        state = "installed" if self._installed else "removed"
        return f"<BatchFailures {state} code={self.code} injected={len(self.injected)}>"

    def attempt(self, entry: dict[str, Any]) -> int:
        """How many times this entry (same id and body) has been offered, this time included."""
        body = hashlib.sha256(str(entry.get("MessageBody", "")).encode("utf-8")).hexdigest()
        key = (str(entry.get("Id")), body)
        self._attempts[key] = self._attempts.get(key, 0) + 1
        return self._attempts[key]

    def _withhold(self, params: dict[str, Any], context: dict[str, Any], **_kwargs: Any) -> None:
        entries = list(params.get("Entries") or [])
        failed = []
        for entry in entries:
            attempt = self.attempt(entry)
            if self.fail(str(entry.get("Id")), attempt):
                failed.append(entry)
                self.injected.append((str(entry.get("Id")), attempt))
                self.noted(entry)
        if not failed:
            return
        kept = [e for e in entries if all(e is not f for f in failed)]
        context[self.state_key] = {"params": params, "all": entries, "failed": failed, "kept": kept}
        if kept:
            params["Entries"] = kept

    def noted(self, entry: dict[str, Any]) -> None:
        """Called for each entry failed on purpose (a subclass keeps what it needs of it)."""

    def _restore(self, context: dict[str, Any], **_kwargs: Any) -> None:
        state = context.get(self.state_key)
        if state:
            state["params"]["Entries"] = state["all"]

    def _answer_if_all_failed(
        self, model: Any, params: dict[str, Any], context: dict[str, Any], **_kwargs: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        state = context.get(self.state_key)
        if model.name != self.operation or not state or state["kept"]:
            return None
        meta = {"HTTPStatusCode": 200, "HTTPHeaders": {}, "RetryAttempts": 0}
        parsed = {"Successful": [], "Failed": [], "ResponseMetadata": meta}
        return AWSResponse(params.get("url", ""), 200, {}, None), parsed

    def _report(self, parsed: dict[str, Any], context: dict[str, Any], **_kwargs: Any) -> None:
        state = context.get(self.state_key)
        if not state or "Error" in parsed:
            return
        parsed.setdefault("Failed", []).extend(
            {
                "Id": entry["Id"],
                "SenderFault": self.sender_fault,
                "Code": self.code,
                "Message": _(SENDER_FAULT_MESSAGE if self.sender_fault else self.injected_message),
            }
            for entry in state["failed"]
        )


def rate_rule(rate: float, seed: int = 0) -> FailRule:
    """A rule failing each attempt of each entry with probability ``rate``, reproducibly."""
    if isinstance(rate, bool) or not isinstance(rate, int | float):
        raise WrongTypeError(
            _("failure rate must be a number from 0 to 1 (0.2 = 20%), got {rate}").format(
                rate=repr(rate)
            )
        )
    if not 0 <= rate <= 1:
        raise LimitError(
            _("failure rate must be a fraction from 0 to 1 (0.2 = 20%), got {rate}").format(
                rate=repr(rate)
            )
        )
    rng = random.Random(seed)
    return lambda _entry_id, _attempt: rng.random() < rate


RULE = Expected(
    N_(
        "a function of (entry_id, attempt) returning True to fail that entry, "
        "e.g. fail=lambda entry_id, attempt: attempt == 1"
    ),
    lambda v: v is None or callable(v),
)
CODE = Expected(N_("an error code as text, e.g. code='InternalError'"), is_text)
FLAG = Expected(N_("True or False"), lambda v: isinstance(v, bool))
SEED = Expected(N_("a whole number, e.g. seed=7"), is_whole)


@requires(sqs=SQS, fail=RULE, code=CODE, sender_fault=FLAG, seed=SEED)
def inject_batch_failures(
    sqs: Any,
    fail: FailRule | None = None,
    *,
    rate: float | None = None,
    seed: int = 0,
    code: str = "InternalError",
    sender_fault: bool = False,
) -> BatchFailures:
    """Make ``sqs``'s SendMessageBatch calls fail the entries ``fail(entry_id, attempt)`` picks
    (or a seeded random ``rate`` of them); returns the injector, which is also its undo function."""
    if (fail is None) == (rate is None):
        raise WrongTypeError(
            _(
                "give exactly one of fail= (a function of entry id and attempt, True = fail) "
                "or rate= (a fraction from 0 to 1), e.g. inject_batch_failures(sqs, rate=0.2)"
            )
        )
    rule = fail if fail is not None else rate_rule(rate, seed)  # type: ignore[arg-type]
    return BatchFailures(sqs, rule, code=code, sender_fault=sender_fault).install()
