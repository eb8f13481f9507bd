"""The learner's side of the classroom board: in workshop mode every exercise check reports its
outcome to the room's board queue (:mod:`sqslab.classroom_report` says what a report holds).

Reporting happens only when the running lab is on the ``endpoint`` backend with a learner's
namespace and the room has a board queue; ``SQSLAB_CLASSROOM=off`` opts out. It never breaks or
slows a check: one try with a one-second timeout, every error swallowed and counted, and the
check's output gains one quiet line saying whether it reported.

An attempt is a new outcome: a check run again with the same outcome (the same cell re-run) is the
same attempt, sent with the same deduplication id, and the board counts it once.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING, Any

from sqslab import classroom_report
from sqslab.classroom_report import Report
from sqslab.i18n import _

if TYPE_CHECKING:
    from sqslab.exercises.base import Check
    from sqslab.lab import Lab

#: Seconds a report may take to connect, and to be answered.
CONNECT_TIMEOUT, READ_TIMEOUT = 0.5, 1.0
#: After "no board in this room", ask again only after this many seconds.
RETRY_MISSING = 60.0


class Reporter:
    """Sends one kernel's check reports to the board, and remembers each exercise's attempt."""

    def __init__(self) -> None:
        self.session = secrets.token_hex(4)
        self.sent = 0
        self.failed = 0
        self.last_error = ""
        self._attempts: dict[str, tuple[str, int]] = {}
        self._client: tuple[Any, Any] | None = None  # (lab, client)
        self._url: str | None = None
        self._missing_until = 0.0
        self._repeated = False

    def attempt(self, check: Check) -> int:
        """The attempt this outcome belongs to: the last one if nothing changed, else the next."""
        outcome = "pass" if check.passed else f"hint:{check.message}"
        last, number = self._attempts.get(check.exercise, ("", 0))
        self._repeated = outcome == last
        number = number if self._repeated else number + 1
        self._attempts[check.exercise] = (outcome, number)
        return number

    def report(self, check: Check, lab: Lab | None = None) -> str:
        """Send ``check``'s outcome if this kernel reports; the line the check shows ('' if none)."""
        lab = lab if lab is not None else _active_lab()
        board = classroom_report.board_name()
        if lab is None or board is None or not reporting_lab(lab):
            return ""
        report = self.build(check, lab)
        try:
            url = self._board_url(lab, board)
            if url is None:
                return ""
            self._sqs(lab).send_message(QueueUrl=url, **report.send_args())
        except Exception as err:  # noqa: BLE001 - reporting must never break a check
            self.failed += 1
            self.last_error = f"{type(err).__name__}: {str(err)[:120]}"
            self._url = None
            return _(
                "(not reported to the classroom board: {error}; {lost} report(s) lost so far; "
                "your result above is unaffected)"
            ).format(error=self.last_error, lost=self.failed)
        self.sent += 1
        again = _("; same outcome as before, counted once") if self._repeated else ""
        return _("(reported to the classroom board as {learner}, attempt {attempt}{again})").format(
            learner=report.learner, attempt=report.attempt, again=again
        )

    def build(self, check: Check, lab: Lab) -> Report:
        """The report of ``check`` run in ``lab``."""
        from sqslab import workshop

        return Report(
            learner=workshop.current(),
            exercise=check.exercise,
            outcome="pass" if check.passed else "hint",
            attempt=self.attempt(check),
            session=self.session,
            at=lab.now().isoformat(),
            hint="" if check.passed else classroom_report.blank_quotes(check.message),
        )

    def _sqs(self, lab: Lab) -> Any:
        """An SQS client of its own (not the lab's: no namespace prefix, not traced) with short
        timeouts and no retries."""
        if self._client is None or self._client[0] is not lab:
            from botocore.config import Config

            from sqslab import workshop

            config = Config(
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"max_attempts": 1},
            )
            session = workshop.room_session(lab.region)
            self._client = (
                lab,
                session.client("sqs", endpoint_url=lab.endpoint_url, config=config),
            )
            self._url = None
        return self._client[1]

    def _board_url(self, lab: Lab, board: str) -> str | None:
        """The board queue's URL, None while the room has none (asked again after a minute)."""
        from botocore.exceptions import ClientError

        if self._url is not None:
            return self._url
        if time.monotonic() < self._missing_until:
            return None
        try:
            self._url = self._sqs(lab).get_queue_url(QueueName=board)["QueueUrl"]
        except ClientError as err:
            if "NonExistentQueue" not in str(err) and "QueueDoesNotExist" not in str(err):
                raise
            self._missing_until = time.monotonic() + RETRY_MISSING
        return self._url


def reporting_lab(lab: Lab) -> bool:
    """Whether ``lab`` is in workshop mode: the endpoint backend, with a learner's namespace."""
    return lab.backend == "endpoint" and bool(lab.namespace.prefix) and bool(lab.endpoint_url)


def _active_lab() -> Lab | None:
    from sqslab import lab

    return lab.active()


#: This kernel's reporter, used by every exercise check.
REPORTER = Reporter()
