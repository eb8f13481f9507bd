"""Exercise 7.4: the learner's ``redrive_after_fix(sqs, dlq_url, fix)`` deploys the fix, starts a
message move task on the DLQ and waits on the lab clock until it completed.

The check builds a DLQ the way the chapter's run does: a few customers' orders, poison ones among
them, go through the reference pipeline (:class:`~sqslab.orders.OrderPipeline`) with the buggy
step, so the poison orders and those held back behind them land in the DLQ. Then it calls the
learner's function, with a ``fix`` that deploys the fixed step. Consumers keep running, as in
production: if the move task started before ``fix()``, they meet the redriven orders with the old
code first. Afterwards the check processes what came back and reports what is still in the DLQ.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqslab import engines, queues
from sqslab.exercises.arguments import FUNCTION, LAB, expects
from sqslab.exercises.base import Check, first_problem, hint
from sqslab.exercises.capstone_common import call, check_time, error_hints, fresh_name, ids
from sqslab.exercises.capstone_scenarios import scenario_orders
from sqslab.i18n import translate as _
from sqslab.orders import AFTER_REDRIVE, OrderPipeline

if TYPE_CHECKING:
    from sqslab.lab import Lab
    from sqslab.realclock import DemoTime

EXERCISE = "ex7.4"
NAME = "redrive_after_fix"
#: Two customers with a poison order first (their later orders are held back behind it), one without.
ORDERS = ("ORD-10013", "ORD-10122", "ORD-10141", "ORD-10007", "ORD-10047", "ORD-10152", "ORD-10001")
MOVE_OPERATIONS = ("StartMessageMoveTask", "ListMessageMoveTasks")


@dataclass
class Deploy:
    """The ``fix`` handed to the learner: when it was called, and whether a move task had already
    started (then the running consumers, still on the old code, took what had come back)."""

    pipeline: OrderPipeline
    calls: int = 0
    late: bool = False
    failed_again: list[str] = field(default_factory=list)

    def __call__(self) -> None:
        self.calls += 1
        if self.calls > 1:
            return
        lab, arn = self.pipeline.lab, self.pipeline.pair.dlq_arn if self.pipeline.pair else ""
        with lab.trace.paused():
            self.late = bool(lab.sqs.list_message_move_tasks(SourceArn=arn)["Results"])
            if self.late:  # the consumers still run the old code
                before = {e.order_id for e in self.pipeline.ledger}
                self.pipeline.process()
                self.failed_again = [
                    r["order_id"]
                    for r in self.pipeline.dlq_records()
                    if r["order_id"] not in before
                ]
        self.pipeline.fix()


def dead_lettered(lab: Lab, demo: DemoTime | None = None) -> OrderPipeline:
    """A pipeline run on :data:`ORDERS` with the buggy step: its DLQ holds the poison orders and
    those held back behind them (no transient failures, so the same every run); with ``demo``,
    its durations go through it."""
    pipeline = OrderPipeline(
        lab,
        scenario_orders(ORDERS),
        name=fresh_name("check-redrive"),
        failure_rate=0.0,
        workers=2,
        demo=demo,
    )
    with lab.trace.paused():
        pipeline.create_queues()
        pipeline.send()
        pipeline.process()
    return pipeline


def _task(lab: Lab, arn: str) -> dict[str, Any]:
    """The DLQ's latest move task ({} when none was started)."""
    with lab.trace.paused():
        found = lab.sqs.list_message_move_tasks(SourceArn=arn)["Results"]
    return found[0] if found else {}


@expects(EXERCISE, lab=LAB, fn=FUNCTION)
def check_order_redrive(lab: Lab, fn: Callable[..., Any] | None) -> Check:
    """Exercise 7.4: ``fn(sqs, dlq_url, fix)`` calls ``fix()``, then moves the DLQ's orders back
    with a message move task and returns once it is COMPLETED; the fixed consumers then process
    every one of them."""
    if fn is None:
        return hint(
            EXERCISE, _("define {name}(sqs, dlq_url, fix), then run this check").format(name=NAME)
        )
    demo = check_time(lab, _("the consumers around your redrive"), calls=False)
    pipeline = dead_lettered(lab, demo)
    assert pipeline.pair is not None
    pair, parked = pipeline.pair, [r["order_id"] for r in pipeline.dlq_records()]
    deploy = Deploy(pipeline)
    start = len(lab.trace)
    called = call(lab, fn, lab.sqs, pair.dlq_url, deploy, limit=300)
    if called.failed:
        return hint(
            EXERCISE,
            *error_hints(
                NAME,
                called,
                loop_help=_wait_help(),
                error_help=_error_help(called.error),
            ),
        )
    operations = [r.operation for r in lab.trace.records[start:] if r.ok]
    task = _task(lab, pair.dlq_arn)
    with lab.trace.paused():
        still = sum(queues.depth(lab.sqs, pair.dlq_url))
    if "StartMessageMoveTask" not in operations or not task:
        return hint(
            EXERCISE,
            _(
                "{name} started no message move task: the {count} orders in the DLQ stay there "
                "(or, moved by hand, lose their place). Start one with start_message_move_task."
            ).format(name=NAME, count=len(parked)),
            _(
                "SourceArn is the DLQ's ARN (get_queue_attributes, QueueArn); without "
                "DestinationArn the orders go back to the queue they came from"
            ),
        )
    if task.get("Status") == "RUNNING":
        return hint(
            EXERCISE,
            _(
                "{name} returned while the move task was still RUNNING: {still} of the "
                "{count} orders were still in the DLQ, so whatever runs next (processing, the "
                "reconciliation) would miss them. Wait until the task says it is done."
            ).format(name=NAME, still=still, count=len(parked)),
            _(
                "list_message_move_tasks(SourceArn=...) answers the latest task's Status; let lab "
                "time pass between looks"
            ),
            _wait_help(),
        )
    pipeline.processor.phase = f"{AFTER_REDRIVE} 1"
    with lab.trace.paused():
        pipeline.process()  # the consumers meet what came back
    back = [r["order_id"] for r in pipeline.dlq_records()]
    done = {e.order_id for e in pipeline.ledger if e.phase == pipeline.processor.phase}
    lost = [o for o in parked if o not in done and o not in back]
    engine = engines.identify(lab)
    if (
        lost
        and engine.has(engines.FIFO_REDRIVE_KEEPS_DEDUP_ID)
        and deploy.calls
        and not deploy.late
    ):
        return _passed_on_flawed_engine(engine.name, parked, lost, task)
    return first_problem(
        EXERCISE,
        [
            (
                deploy.calls > 0,
                _(
                    "the fix was never deployed ({name} did not call the fix it was given): the "
                    "{count} redriven orders met the old code again, and {back} of them "
                    "are back in the DLQ ({ids})"
                ).format(name=NAME, count=len(parked), back=len(back), ids=ids(back)),
                _("deploy the fix (call it) before you start the move task"),
            ),
            (
                not deploy.late,
                _(
                    "the move task started before the fix was deployed: the consumers, still on "
                    "the old code, failed the redriven orders again, and {count} of them "
                    "went back to the DLQ ({ids}). Look at the order of the steps."
                ).format(count=len(deploy.failed_again), ids=ids(deploy.failed_again)),
                _("a redrive is for after the fix: deploy it first, then start the move task"),
            ),
            (
                not back,
                _("{count} orders are still in the DLQ after the redrive ({ids})").format(
                    count=len(back), ids=ids(back)
                ),
            ),
            (
                not lost,
                _(
                    "{lost} of the {count} orders left the DLQ but never reached the "
                    "consumers ({ids}): the move task took them somewhere else"
                ).format(lost=len(lost), count=len(parked), ids=ids(lost)),
                _(
                    "without DestinationArn a move task sends each message back to the queue it "
                    "came from, which is where the consumers are"
                ),
            ),
        ],
        _(
            "the fix went out first, the move task brought the {count} orders back and was "
            "{status} when {name} returned, and the fixed consumers processed them all: "
            "the DLQ is empty."
        ).format(count=len(parked), status=task.get("Status"), name=NAME),
    )


def _passed_on_flawed_engine(
    engine: str, parked: list[str], lost: list[str], task: dict[str, Any]
) -> Check:
    """A pass where the engine, not the learner, lost redriven orders (docs/localstack.md 5.2)."""
    return Check(
        EXERCISE,
        True,
        _(
            "the fix went out first and the move task was {status} when {name} "
            "returned. {engine} then dropped {lost} of the {count} redriven orders as "
            "duplicates ({ids}): it keeps a FIFO message's deduplication id on a move task, "
            "which AWS does not ({docs}, 5.2), so what the consumers made of them is not "
            "checked here."
        ).format(
            status=task.get("Status"),
            name=NAME,
            engine=engine,
            lost=len(lost),
            count=len(parked),
            ids=ids(lost),
            docs=engines.DOCS,
        ),
    )


def _error_help(err: BaseException | None) -> tuple[str, ...]:
    """A more telling hint for the errors a learner meets starting the task."""
    if "Dead Letter Queue" in str(err):
        return (_("SourceArn names the DLQ, where the orders are now, by its ARN"),)
    return ()


def _wait_help() -> str:
    """The hint for a wait that never ends or never starts."""
    return _(
        "loop: look at the latest task's Status with list_message_move_tasks, and while it is "
        "RUNNING let time pass with lab.wait(1)"
    )
