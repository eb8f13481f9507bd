"""Idempotent processing for standard queues: a message delivered twice is handled once.

Standard queues deliver at least once, so a handler can see the same message again. The pattern:
remember what was processed (by a key such as the MessageId or, better, a business id in the body)
and skip a message whose key was already done. In production the memory is shared and durable
(a DynamoDB conditional put, a unique database key); :class:`ProcessedStore` is the in-memory
version that teaches the idea.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

from sqslab.arguments import CALLABLE, Expected, check_count, requires
from sqslab.errors import LimitError
from sqslab.i18n import N_, _

Key = Callable[[Any], str]


def by_message_id(message: Any) -> str:
    """Key a message by its SQS MessageId (catches redeliveries of one send)."""
    return str(message.id)


class ProcessedStore:
    """Keys of processed messages, the oldest forgotten once ``capacity`` is reached."""

    def __init__(self, capacity: int = 100_000) -> None:
        check_count("capacity", capacity, minimum=None, example="ProcessedStore(10_000)")
        if capacity < 1:
            raise LimitError(
                _("capacity must be at least 1, got {capacity}").format(capacity=capacity)
            )
        self.capacity = capacity
        self._keys: OrderedDict[str, None] = OrderedDict()
        self.skipped: list[str] = []

    def __contains__(self, key: str) -> bool:
        return key in self._keys

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        """The remembered keys, oldest first."""
        return iter(list(self._keys))

    def mark(self, key: str) -> None:
        """Remember ``key`` as processed."""
        self._keys[key] = None
        self._keys.move_to_end(key)
        while len(self._keys) > self.capacity:
            self._keys.popitem(last=False)


@requires(
    handler=CALLABLE,
    key=CALLABLE,
    store=Expected(
        N_("a ProcessedStore (or None for a new one)"),
        lambda v: v is None or isinstance(v, ProcessedStore),
    ),
)
def idempotent(
    handler: Callable[[Any], Any], store: ProcessedStore | None = None, key: Key = by_message_id
) -> Callable[[Any], Any]:
    """Wrap a per-message handler so a message whose key is in ``store`` is skipped, not redone.

    The key is marked only after the handler succeeds, so a failed attempt is retried.
    """
    memory = store if store is not None else ProcessedStore()

    def handle(message: Any) -> Any:
        k = key(message)
        if k in memory:
            memory.skipped.append(k)
            return None
        result = handler(message)
        memory.mark(k)
        return result

    handle.store = memory  # type: ignore[attr-defined]
    handle.__wrapped__ = handler  # type: ignore[attr-defined]
    return handle
