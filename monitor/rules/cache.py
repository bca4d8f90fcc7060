"""Bounded caches for per-word and per-chunk results."""
from __future__ import annotations

from collections.abc import Callable, Hashable
from itertools import islice
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class BoundedDict(dict[Key, Value]):
    """A dict of at most `limit` entries: `keep` drops the oldest half when it is full.

    A dict subclass so that a hit is a plain C-level dict look-up (this runs for
    many words of every article). A value still in use is simply computed and
    kept again on its next miss, so frequent keys come back while the long tail
    of rare ones cannot grow memory.
    """

    def __init__(self, limit: int) -> None:
        if limit < 2:
            raise ValueError(f"cache limit is {limit}; it must be at least 2")
        super().__init__()
        self.limit = limit

    def keep(self, key: Key, value: Value) -> None:
        if len(self) >= self.limit:
            for old in list(islice(self, self.limit // 2)):
                self.pop(old, None)
        self[key] = value


class BoundedCache(BoundedDict[Key, Value]):
    """`cache[key]` is `compute(key)`, computed once and kept; at most `limit` entries are kept."""

    def __init__(self, compute: Callable[[Key], Value], limit: int) -> None:
        super().__init__(limit)
        self._compute = compute

    def __missing__(self, key: Key) -> Value:
        value = self._compute(key)
        self.keep(key, value)
        return value


class RecentSet(Generic[Key]):
    """Keys seen lately, about `limit` of them, kept as two generations of plain sets.

    Asking which keys of a set are unknown is then one C-level set difference
    (faster than testing against a dict: a set keeps hash and key side by
    side). New keys go to the young generation; when it holds half the limit it
    becomes the old one and the previous old one is dropped. A key found only
    in the old generation moves back to the young one, so keys in steady use
    are never dropped. (The old generation may exceed half the limit by the keys
    of one query that moved back.)
    """

    def __init__(self, limit: int) -> None:
        if limit < 2:
            raise ValueError(f"cache limit is {limit}; it must be at least 2")
        self.limit = limit
        self._half = limit // 2
        self._young: set[Key] = set()
        self._old: set[Key] = set()

    def __len__(self) -> int:
        """Entries held: a key that moved back to the young generation is held in both until the old one goes."""
        return len(self._young) + len(self._old)

    def unknown(self, keys: set[Key]) -> set[Key]:
        """The keys not seen lately (`keys` itself is left as it was)."""
        rest = keys - self._young
        if rest and self._old:
            again = rest & self._old
            if again:
                rest -= again
                self._young |= again
                if len(self._young) >= self._half:
                    self._rotate()
        return rest

    def add(self, key: Key) -> None:
        young = self._young
        young.add(key)
        if len(young) >= self._half:
            self._rotate()

    def _rotate(self) -> None:
        self._old, self._young = self._young, set()
