"""A bounded cache for per-word results."""
from __future__ import annotations

from typing import Callable, Generic, Hashable, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class BoundedCache(Generic[Key, Value]):
    """At most `limit` entries; recently used ones survive, the rest are dropped half at a time.

    Two generations instead of an LRU list: a hit costs one or two dict look-ups
    and no bookkeeping, which matters when every word of every article goes
    through here. When the young half is full it becomes the old half and the
    old half is dropped; an old entry that is used again moves to the young half.
    """

    def __init__(self, limit: int) -> None:
        if limit < 2:
            raise ValueError(f"cache limit is {limit}; it must be at least 2")
        self.limit = limit
        self._half = limit // 2
        self._young: dict[Key, Value] = {}
        self._old: dict[Key, Value] = {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def get(self, key: Key, compute: Callable[[Key], Value]) -> Value:
        try:
            return self._young[key]
        except KeyError:
            pass
        value = self._old[key] if key in self._old else compute(key)
        if len(self._young) >= self._half:
            self._old, self._young = self._young, {}
        self._young[key] = value
        return value
