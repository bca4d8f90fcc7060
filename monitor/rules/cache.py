"""A bounded cache for per-word results."""
from __future__ import annotations

from collections.abc import Callable, Hashable
from itertools import islice
from typing import TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class BoundedCache(dict[Key, Value]):
    """`cache[key]` is `compute(key)`, computed once and kept; at most `limit` entries are kept.

    A dict subclass so that a hit is a plain C-level dict look-up (this runs for
    every word of every article). On a miss with the cache full, the oldest half
    is dropped: a word still in use is simply computed again on its next miss,
    so frequent words stay while the long tail of rare ones cannot grow memory.
    """

    def __init__(self, compute: Callable[[Key], Value], limit: int) -> None:
        if limit < 2:
            raise ValueError(f"cache limit is {limit}; it must be at least 2")
        super().__init__()
        self.limit = limit
        self._compute = compute

    def __missing__(self, key: Key) -> Value:
        value = self._compute(key)
        if len(self) >= self.limit:
            for old in list(islice(self, self.limit // 2)):
                self.pop(old, None)
        self[key] = value
        return value
