"""What a send did: each message accepted (:class:`Sent`) or not (:class:`Failed`), and the
:class:`SendResult` of a whole send with its API calls and retries."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqslab.i18n import N_
from sqslab.tables import Table

#: Error code of a FIFO message not sent because an earlier message of its group failed.
GROUP_HALTED = "GroupHalted"


@dataclass(frozen=True)
class Sent:
    """One message SQS accepted."""

    id: str
    message_id: str
    attempts: int = 1
    sequence_number: str | None = None


@dataclass(frozen=True)
class Failed:
    """One message SQS did not accept, with its error and how often it was tried."""

    id: str
    code: str
    message: str
    sender_fault: bool
    attempts: int = 1


@dataclass
class SendResult:
    """What a send did: accepted and failed messages, API calls made and entries re-sent."""

    sent: list[Sent] = field(default_factory=list)
    failed: list[Failed] = field(default_factory=list)
    requests: int = 0
    retries: int = 0

    @property
    def ok(self) -> bool:
        """True when every message was accepted."""
        return not self.failed

    def __repr__(self) -> str:
        return (
            f"<SendResult sent={len(self.sent)} failed={len(self.failed)} "
            f"requests={self.requests} retries={self.retries}>"
        )

    def failures_table(self) -> Table:
        """The failed messages: entry id, error code, who is at fault, attempts, message."""
        return Table(
            (N_("id"), N_("code"), N_("sender fault"), N_("attempts"), N_("message")),
            [(f.id, f.code, f.sender_fault, f.attempts, f.message) for f in self.failed],
            verbatim=("id", "code", "message"),  # ids and AWS codes; messages come translated
        )
