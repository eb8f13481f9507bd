"""Queue names a lab owns: an optional prefix and tags on every queue it creates, and the list of
queues created so that ``lab.cleanup()`` deletes exactly those."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: Operations whose QueueName parameter names a queue of the lab.
NAMED_OPERATIONS = ("CreateQueue", "GetQueueUrl")


class Namespace:
    """Prefixes queue names in requests and remembers the queues created."""

    def __init__(self, prefix: str = "", tags: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.tags = dict(tags or {})
        self._created: list[str] = []

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

    def full_name(self, name: str) -> str:
        """The name a queue really gets: ``prefix + name`` (unchanged if already prefixed)."""
        return name if name.startswith(self.prefix) else self.prefix + name

    def created_queues(self) -> list[str]:
        """URLs of the queues created through this namespace, oldest first."""
        return list(self._created)

    def forget(self, urls: Iterable[str]) -> None:
        """Drop these URLs from the created list (after they were deleted)."""
        gone = set(urls)
        self._created = [u for u in self._created if u not in gone]

    def _name(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        if "QueueName" in params:
            params["QueueName"] = self.full_name(params["QueueName"])
        if model.name == "CreateQueue" and self.tags:
            params["tags"] = {**params.get("tags", {}), **self.tags}

    def _list(self, params: dict[str, Any], **_: Any) -> None:
        if self.prefix:
            params["QueueNamePrefix"] = self.full_name(params.get("QueueNamePrefix", ""))

    def _created_hook(self, parsed: dict[str, Any], **_: Any) -> None:
        url = parsed.get("QueueUrl")
        if url and url not in self._created:
            self._created.append(url)
