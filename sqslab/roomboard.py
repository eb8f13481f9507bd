"""What a learner's key may do with the classroom board on a room server: find it and send reports
as themselves, nothing else.

The board queue carries no learner's prefix, so the room's name rule alone would refuse it. A
learner may call ``GetQueueUrl`` and ``SendMessage`` on it, and a report is let through only when
its message group and the learner in its body are the learner's own namespace: through a room
server nobody reports as someone else. (An open ``sqslab server`` has no keys: there anyone can
send anything, and the board shows reports, it does not grade.)
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from sqslab import classroom_report
from sqslab.i18n import _
from sqslab.roomwire import Denied

if TYPE_CHECKING:
    from sqslab.roomrules import Call

#: What a learner may do with the board queue.
BOARD_ACTIONS = ("GetQueueUrl", "SendMessage")


def names_board(names: list[tuple[str, str]]) -> bool:
    """Whether the request names the board queue (and only it)."""
    board = classroom_report.board_name() or classroom_report.DEFAULT_BOARD
    return bool(names) and all(kind == "queue" and name == board for kind, name in names)


def top_params(call: Call) -> dict[str, str]:
    """The request's top-level parameters as sent (JSON strings such as the body left closed)."""
    if call.body_kind() == "form":
        return dict(parse_qsl(call.body.decode(), keep_blank_values=True))
    try:
        params = json.loads(call.body or b"{}")
    except ValueError:
        return {}
    return (
        {k: v for k, v in params.items() if isinstance(v, str)} if isinstance(params, dict) else {}
    )


def check_board(namespace: str, call: Call) -> None:
    """Allow a learner's GetQueueUrl, or SendMessage of their own report; raise Denied otherwise."""
    actions = call.actions()
    if len(actions) != 1 or not actions <= set(BOARD_ACTIONS):
        raise Denied(
            "AccessDenied",
            _("learners may only call {actions} on the classroom board; got {got}").format(
                actions=_(" and ").join(BOARD_ACTIONS), got=sorted(actions)
            ),
        )
    if actions == {"GetQueueUrl"}:
        return
    params = top_params(call)
    if params.get("MessageGroupId") != namespace:
        raise Denied(
            "AccessDenied",
            _("{namespace} reports to the board in message group {group} only").format(
                namespace=namespace, group=repr(namespace)
            ),
        )
    try:
        report = classroom_report.parse(params.get("MessageBody", ""))
    except classroom_report.MalformedReport as err:
        raise Denied("AccessDenied", _("not a classroom report: {why}").format(why=err)) from None
    if report.learner != namespace:
        raise Denied(
            "AccessDenied",
            _("{namespace} may only report as {name}").format(
                namespace=namespace, name=repr(namespace)
            ),
        )
