"""Chapter 1: queue types, attributes, names, and the create_queue call that sets them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqslab import facts
from sqslab.arguments import LAB, QUEUE_URL, SQS, TEXT, requires
from sqslab.errors import LimitError
from sqslab.i18n import N_, _
from sqslab.tables import Table

if TYPE_CHECKING:
    from sqslab.lab import Lab

NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]+")
FIFO_SUFFIX = ".fifo"


@dataclass(frozen=True)
class Attribute:
    """A queue attribute: its fact (range and default), what it does (marked, shown translated),
    and which queue types have it."""

    name: str
    fact: str
    meaning: str
    fifo_only: bool = False

    @property
    def default(self) -> int:
        """The default value AWS uses when the attribute is not given."""
        value = facts.get(self.fact).default
        return int(value or 0)


#: The tunable attributes every chapter 1 lesson and widget builds on.
ATTRIBUTES = (
    Attribute(
        "VisibilityTimeout",
        "visibility_timeout",
        N_("how long a received message stays hidden from other consumers"),
    ),
    Attribute(
        "MessageRetentionPeriod",
        "message_retention",
        N_("how long SQS keeps a message that nobody deletes"),
    ),
    Attribute("DelaySeconds", "delivery_delay", N_("how long a new message waits before delivery")),
    Attribute(
        "ReceiveMessageWaitTimeSeconds",
        "long_poll_max_wait",
        N_("default long-poll wait of a receive (0 = short polling)"),
    ),
    Attribute(
        "MaximumMessageSize", "max_message_size", N_("largest message body the queue accepts")
    ),
)
BY_NAME = {a.name: a for a in ATTRIBUTES}


@dataclass(frozen=True)
class Setting:
    """A queue attribute that is not one of the plain ranges above: what it takes, its default,
    what it does, and whether only FIFO queues have it."""

    name: str
    takes: str
    default: str
    meaning: str
    fifo_only: bool = False


def other_attributes() -> tuple[Setting, ...]:
    """The settable attributes besides :data:`ATTRIBUTES`, every number from the registry, every
    text in the lab's language."""
    f = facts.get
    count, reuse = f("max_receive_count"), f("kms_data_key_reuse")
    return (
        Setting(
            "RedrivePolicy",
            _("JSON: deadLetterTargetArn, and maxReceiveCount {min} to {max}").format(
                min=count.translated("min_text"), max=count.translated("text")
            ),
            _("none (no DLQ)"),
            _("where a message goes after too many receives (chapter 5)"),
        ),
        Setting(
            "RedriveAllowPolicy",
            _("JSON: redrivePermission allowAll, denyAll, or byQueue with up to {count}").format(
                count=f("redrive_allow_max_source_queues").translated("text")
            ),
            "allowAll",
            _("which queues may use this one as their DLQ (chapter 5)"),
        ),
        Setting(
            "Policy",
            _("a policy document (JSON) of up to {size}").format(
                size=f("queue_policy_size").translated("text")
            ),
            _("none"),
            _("who may call which action on the queue (chapter 8)"),
        ),
        Setting(
            "SqsManagedSseEnabled",
            _("true or false"),
            _("true on new queues"),
            _("encryption at rest with keys owned by SQS (SSE-SQS)"),
        ),
        Setting(
            "KmsMasterKeyId",
            _("a KMS key id, ARN or alias (alias/aws/sqs: the AWS managed key)"),
            _("none"),
            _("encryption at rest with a KMS key instead (SSE-KMS, chapter 8)"),
        ),
        Setting(
            "KmsDataKeyReusePeriodSeconds",
            _("{min} to {max}").format(
                min=reuse.translated("min_text"), max=reuse.translated("text")
            ),
            reuse.translated("default_text"),
            _("how long SQS reuses a data key before it calls KMS again"),
        ),
        Setting(
            "FifoQueue", _("true, at creation only"), _("false (standard)"), _("the queue type")
        ),
        Setting(
            "ContentBasedDeduplication",
            _("true or false"),
            "false",
            _("deduplicate on a SHA-256 hash of the body (chapter 4)"),
            True,
        ),
        Setting(
            "DeduplicationScope",
            _("queue or messageGroup"),
            "queue",
            _("deduplicate across the queue or per message group (chapter 4)"),
            True,
        ),
        Setting(
            "FifoThroughputLimit",
            _("perQueue or perMessageGroupId"),
            "perQueue",
            _("apply the throughput quota per queue or per message group (chapter 4)"),
            True,
        ),
    )


def attribute_table() -> Table:
    """Every attribute a queue can be given: its range or values, its default, what it does and
    which queues have it, with every number from the registry (texts shown in the lab's language)."""
    rows = []
    for attr in ATTRIBUTES:
        fact = facts.get(attr.fact)
        span = _("{min} to {max}").format(
            min=fact.translated("min_text"), max=fact.translated("text")
        )
        rows.append((attr.name, N_("any"), span, fact.translated("default_text"), attr.meaning))
    for setting in other_attributes():
        queues = "FIFO" if setting.fifo_only else N_("any")
        rows.append((setting.name, queues, setting.takes, setting.default, setting.meaning))
    columns = (N_("attribute"), N_("queues"), N_("range or values"), N_("default"))
    # the values are translated above or are API values ("queue", "allowAll"): shown as they are
    return Table((*columns, N_("what it does")), rows, verbatim=columns[2:4])


def type_comparison() -> Table:
    """Standard vs FIFO side by side, with every figure taken from the fact registry."""

    def f(key: str) -> str:
        return facts.get(key).translated("text")

    rows = [
        (
            N_("delivery"),
            N_("at least once (a message can arrive twice)"),
            N_("exactly once processing"),
        ),
        (
            N_("ordering"),
            N_("best effort (can arrive out of order)"),
            N_("strict, per message group"),
        ),
        (
            N_("throughput"),
            N_("nearly unlimited"),
            _("{single}, or {batched} in batches of 10").format(
                single=f("fifo_throughput"), batched=f("fifo_batched_throughput")
            ),
        ),
        (
            N_("deduplication"),
            N_("none: the consumer must be idempotent"),
            _("within {window} (id or content hash)").format(window=f("fifo_dedup_window")),
        ),
        (N_("in flight"), f("standard_in_flight"), f("fifo_in_flight")),
        (N_("per-message delay"), N_("yes"), N_("no (queue-level delay only)")),
        (N_("name"), N_("any valid name"), _("must end in {suffix}").format(suffix=FIFO_SUFFIX)),
        (
            N_("price per million requests"),
            f("price_standard_per_million"),
            f("price_fifo_per_million"),
        ),
    ]
    return Table(("", N_("standard"), "FIFO"), rows)


@requires(name=TEXT)
def name_problem(name: str, fifo: bool = False) -> str | None:
    """Why ``name`` is not a valid queue name (for a FIFO queue if ``fifo``), or None."""
    limit = int(facts.get("queue_name_max_length").value)
    if not name:
        return _("a queue name cannot be empty")
    if len(name) > limit:
        return _("the name is {length} characters; SQS allows at most {limit} (shorten it)").format(
            length=len(name), limit=limit
        )
    is_fifo_name = name.endswith(FIFO_SUFFIX)
    if fifo and not is_fifo_name:
        return _("a FIFO queue's name must end in {suffix}: use {name}").format(
            suffix=repr(FIFO_SUFFIX), name=repr(name + FIFO_SUFFIX)
        )
    if is_fifo_name and not fifo:
        return _("a name ending in {suffix} is for FIFO queues: add FifoQueue='true'").format(
            suffix=repr(FIFO_SUFFIX)
        )
    stem = name[: -len(FIFO_SUFFIX)] if is_fifo_name else name
    bad = sorted(set(NAME_PATTERN.sub("", stem)))
    if bad:
        return _(
            "characters {bad} are not allowed; use letters, digits, hyphens (-) and underscores (_)"
        ).format(bad=repr("".join(bad)))
    return None


def check_name(name: str, fifo: bool = False) -> str:
    """Return ``name`` if it is a valid queue name, else raise :class:`LimitError` saying why."""
    problem = name_problem(name, fifo)
    if problem:
        raise LimitError(
            _("invalid queue name {name}: {problem}").format(name=repr(name), problem=problem)
        )
    return name


@requires(sqs=SQS, name=TEXT)
def create(sqs: Any, name: str, attributes: dict[str, str], fifo: bool = False) -> str:
    """Create queue ``name`` with ``attributes`` once :func:`check_name` passes; its URL."""
    check_name(name, fifo=fifo)
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def build_attributes(
    fifo: bool = False, content_dedup: bool = False, **values: int
) -> dict[str, str]:
    """The ``Attributes`` dict of a create_queue call: only values that differ from the defaults."""
    from sqslab.emulator.fidelity import attribute_problem

    attributes: dict[str, str] = {}
    if fifo:
        attributes["FifoQueue"] = "true"
        if content_dedup:
            attributes["ContentBasedDeduplication"] = "true"
    elif content_dedup:
        raise LimitError(_("ContentBasedDeduplication exists only on FIFO queues: set fifo=True"))
    for name, value in values.items():
        if name not in BY_NAME:
            raise LimitError(
                _("unknown attribute {name}; tunable ones: {known}").format(
                    name=repr(name), known=", ".join(BY_NAME)
                )
            )
        problem = attribute_problem(name, value)
        if problem:
            raise LimitError(problem)
        if int(value) != BY_NAME[name].default:
            attributes[name] = str(int(value))
    return attributes


def create_call(name: str, attributes: dict[str, str], tags: dict[str, str] | None = None) -> str:
    """The boto3 code that creates this queue, as a learner would type it."""
    lines = ["sqs.create_queue(", f"    QueueName={name!r},"]
    if attributes:
        lines.append("    Attributes={")
        lines += [f"        {k!r}: {v!r}," for k, v in attributes.items()]
        lines.append("    },")
    if tags:
        lines.append(f"    tags={tags!r},")
    lines.append(")")
    return "\n".join(lines) if attributes or tags else f"sqs.create_queue(QueueName={name!r})"


@requires(sqs=SQS, url=QUEUE_URL)
def settings(sqs: Any, url: str) -> Table:
    """A queue's attributes as AWS reports them, one per row."""
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return Table((N_("attribute"), N_("value")), sorted(attrs.items()), verbatim=("value",))


@requires(sqs=SQS, url=QUEUE_URL)
def identity(sqs: Any, url: str) -> dict[str, str]:
    """A queue's name, URL, ARN, account and region: the two ways to point at the same queue."""
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    _, partition, service, region, account, name = arn.split(":", 5)
    return {
        "name": name,
        "url": url,
        "arn": arn,
        "account": account,
        "region": region,
        "partition": partition,
        "service": service,
    }


COUNT_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


@requires(sqs=SQS, url=QUEUE_URL)
def depth(sqs: Any, url: str) -> tuple[int, int, int]:
    """(visible, in flight, delayed) message counts of a queue, as SQS reports them."""
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=list(COUNT_ATTRIBUTES))
    values = attrs["Attributes"]
    visible, in_flight, delayed = (int(values.get(name, 0)) for name in COUNT_ATTRIBUTES)
    return visible, in_flight, delayed


#: How long :func:`peek` hides a message while it reads the queue, before releasing it.
PEEK_VISIBILITY = 30
#: :func:`peek` stops after this many messages (a teaching queue holds a few hundred at most).
PEEK_LIMIT = 500


@requires(lab=LAB, url=QUEUE_URL)
def peek(lab: Lab, url: str) -> list[dict[str, Any]]:
    """Every visible message of a queue, in delivery order, with all attributes; the messages
    stay in the queue (received, then made visible again), and the trace does not record this.

    Each look counts as a receive (ApproximateReceiveCount grows), as the AWS console's "poll for
    messages" does: on a queue with a redrive policy, peeking brings messages closer to the DLQ.
    On a FIFO queue a look can miss messages, as on AWS: while a group's first messages are held
    by the look, its later ones are not delivered; compare with :func:`depth` to know.
    """
    sqs = lab.sqs
    found: list[dict[str, Any]] = []
    with lab.trace.paused():
        while len(found) < PEEK_LIMIT:
            batch = sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=int(facts.get("max_receive_messages").value),
                VisibilityTimeout=PEEK_VISIBILITY,
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            found += batch
        release(sqs, url, found)
    return found


def release(sqs: Any, url: str, messages: list[dict[str, Any]]) -> None:
    """Make received messages visible again at once (visibility timeout 0)."""
    size = int(facts.get("batch_max_entries").value)
    for start in range(0, len(messages), size):
        chunk = messages[start : start + size]
        sqs.change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                for i, m in enumerate(chunk)
            ],
        )
