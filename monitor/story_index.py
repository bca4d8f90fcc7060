"""The in-memory LSH index of recent articles, rebuilt from stored signatures at start.

The database stays the only state: the index holds what the `signatures` table
holds for the last `window` days, and can always be rebuilt from it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from datasketch import LeanMinHash, MinHashLSH

from monitor.similarity import NUM_PERM, best_match, from_bytes

LSH_THRESHOLD = 0.3
"""Recall-oriented: LSH proposes candidates, the exact estimate then decides."""


@dataclass(frozen=True)
class Indexed:
    story_id: int
    title: str
    seen_at: datetime
    minhash: LeanMinHash


class StoryIndex:
    def __init__(self, threshold: float, window: timedelta) -> None:
        self.threshold = threshold
        self.window = window
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self._entries: dict[int, Indexed] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def load(self, rows) -> "StoryIndex":
        """Fill from (article_id, story_id, seen_at, title, minhash bytes) rows."""
        for article_id, story_id, seen_at, title, minhash in rows:
            self.add(article_id, Indexed(story_id, title, datetime.fromisoformat(seen_at), from_bytes(minhash)))
        return self

    def add(self, article_id: int, entry: Indexed) -> None:
        self._lsh.insert(article_id, entry.minhash)
        self._entries[article_id] = entry

    def story_for(self, minhash: LeanMinHash, title: str, seen_at: datetime) -> int | None:
        """The story an article belongs to, judged against articles seen within the window."""
        candidates = []
        for article_id in self._lsh.query(minhash):
            entry = self._entries[article_id]
            if abs(seen_at - entry.seen_at) <= self.window:
                candidates.append((entry.story_id, minhash.jaccard(entry.minhash), entry.title))
        return best_match(candidates, title, self.threshold)

    def forget_old(self) -> int:
        """Drop entries two windows older than the newest; the index stays the size of the window.

        Measured from the newest entry, not the clock, so an archive imported in date order clusters too.
        """
        if not self._entries:
            return 0
        moment = max(entry.seen_at for entry in self._entries.values()) - 2 * self.window
        old = [article_id for article_id, entry in self._entries.items() if entry.seen_at < moment]
        for article_id in old:
            self._lsh.remove(article_id)
            del self._entries[article_id]
        return len(old)
