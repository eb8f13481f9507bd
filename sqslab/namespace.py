"""Queue and topic names a lab owns: an optional prefix and tags on every queue and SNS topic it
creates, and the lists of those created so that ``lab.cleanup()`` deletes exactly those.

A queue or topic counts as created only when this lab's call made it: ``CreateQueue`` and
``CreateTopic`` on a name that exists already return the existing one, so the lab looks first
(through :attr:`Namespace.exists`) and neither records nor re-tags what was already there."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqslab import facts
from sqslab.errors import LimitError

#: Operations whose QueueName parameter names a queue of the lab.
NAMED_OPERATIONS = ("CreateQueue", "GetQueueUrl")
#: The request context key that says the named queue or topic existed before the create call.
EXISTED = "sqslab_existed"
#: Answers whether a queue (kind ``"queue"``) or topic (``"topic"``) of this full name exists.
Exists = Callable[[str, str], bool]


class Namespace:
    """Prefixes queue and topic names in requests and remembers the queues and topics created."""

    def __init__(self, prefix: str = "", tags: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.tags = dict(tags or {})
        #: Set by the lab where others may share the names (a prefix): looks before creating.
        self.exists: Exists | None = None
        self._created: list[str] = []
        self._topics: list[str] = []

    def attach(self, events: Any) -> None:
        """Register the hooks on a botocore event emitter."""
        for op in NAMED_OPERATIONS:
            events.register(
                f"before-parameter-build.sqs.{op}", self._name, unique_id=f"sqslab-ns-{op}"
            )
        events.register(
            "before-parameter-build.sqs.ListQueues", self._list, unique_id="sqslab-ns-list"
        )
        events.register("after-call.sqs.CreateQueue", self._created_hook, unique_id="sqslab-ns-new")
        events.register(
            "before-parameter-build.sns.CreateTopic", self._topic, unique_id="sqslab-ns-topic"
        )
        events.register(
            "after-call.sns.CreateTopic", self._topic_created, unique_id="sqslab-ns-new-topic"
        )

    def full_name(self, name: str) -> str:
        """The name a queue really gets: ``prefix + name`` (unchanged if already prefixed)."""
        return name if name.startswith(self.prefix) else self.prefix + name

    def created_queues(self) -> list[str]:
        """URLs of the queues created through this namespace, oldest first."""
        return list(self._created)

    def created_topics(self) -> list[str]:
        """ARNs of the SNS topics created through this namespace, oldest first."""
        return list(self._topics)

    def forget(self, names: Iterable[str]) -> None:
        """Drop these queue URLs or topic ARNs from the created lists (after they were deleted)."""
        gone = set(names)
        self._created = [u for u in self._created if u not in gone]
        self._topics = [t for t in self._topics if t not in gone]

    def _name(self, params: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        if "QueueName" not in params:
            return
        params["QueueName"] = self.full_name(params["QueueName"])
        if model.name != "CreateQueue":
            return
        self._check_length(params["QueueName"])
        if self._existed("queue", params["QueueName"], context):
            return
        if self.tags:
            params["tags"] = {**params.get("tags", {}), **self.tags}

    def _existed(self, kind: str, name: str, context: dict[str, Any]) -> bool:
        """True (and noted in the call's context) when ``name`` exists before it is created."""
        existed = bool(self.exists is not None and self.exists(kind, name))
        context[EXISTED] = existed
        return existed

    def _check_length(self, full: str) -> None:
        """A prefixed queue name must still fit SQS's limit; say so naming the prefix."""
        top = int(facts.get("queue_name_max_length").value)
        if self.prefix and len(full) > top:
            room = top - len(self.prefix)
            raise LimitError(
                f"queue name {full[len(self.prefix) :]!r} is {len(full) - len(self.prefix)} "
                f"characters; with your namespace prefix {self.prefix!r} it becomes {len(full)}, "
                f"over SQS's {top}: keep your names to {room} characters"
            )

    def _list(self, params: dict[str, Any], **_: Any) -> None:
        if self.prefix:
            params["QueueNamePrefix"] = self.full_name(params.get("QueueNamePrefix", ""))

    def _created_hook(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        url = parsed.get("QueueUrl")
        if url and not context.get(EXISTED) and url not in self._created:
            self._created.append(url)

    def _topic(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if "Name" in params:
            params["Name"] = self.full_name(params["Name"])
            if self._existed("topic", params["Name"], context):
                return
        if self.tags:
            have = {t["Key"] for t in params.get("Tags", [])}
            extra = [{"Key": k, "Value": v} for k, v in self.tags.items() if k not in have]
            params["Tags"] = [*params.get("Tags", []), *extra]

    def _topic_created(self, parsed: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        arn = parsed.get("TopicArn")
        if arn and not context.get(EXISTED) and arn not in self._topics:
            self._topics.append(arn)
