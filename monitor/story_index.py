"""The in-memory LSH index of recent articles, rebuilt from stored signatures at start.

The database stays the only state: the index holds what the `signatures` table
holds for the last `window` days, and can always be rebuilt from it.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from datasketch import LeanMinHash, MinHashLSH

from monitor.similarity import NUM_PERM, Mentions, best_match, from_bytes, same_event_across_languages

LSH_THRESHOLD = 0.3
"""Recall-oriented: LSH proposes candidates, the exact estimate then decides."""


@dataclass(frozen=True)
class Indexed:
    story_id: int
    title: str
    seen_at: datetime
    minhash: LeanMinHash
    mentions: Mentions = Mentions()


LINK_WITHIN = timedelta(days=1)
"""Articles in different languages are linked only when published within a day of each other."""


class StoryIndex:
    def __init__(self, threshold: float, window: timedelta, link_languages: bool = True) -> None:
        self.threshold = threshold
        self.window = window
        self.link_languages = link_languages
        self._lsh = MinHashLSH(threshold=LSH_THRESHOLD, num_perm=NUM_PERM)
        self._entries: dict[int, Indexed] = {}
        self._named: defaultdict[str, set[int]] = defaultdict(set)
        """Article ids by the actors they name."""

    def __len__(self) -> int:
        return len(self._entries)

    def load(self, rows) -> "StoryIndex":
        """Fill from (article_id, story_id, seen_at, title, minhash bytes, language, actors, figures) rows."""
        for article_id, story_id, seen_at, title, minhash, *mentions in rows:
            self.add(article_id, Indexed(story_id, title, datetime.fromisoformat(seen_at), from_bytes(minhash),
                                         Mentions.from_columns(*mentions)))
        return self

    def add(self, article_id: int, entry: Indexed) -> None:
        self._lsh.insert(article_id, entry.minhash)
        self._entries[article_id] = entry
        for name in entry.mentions.actors:
            self._named[name].add(article_id)

    def story_for(self, minhash: LeanMinHash, title: str, seen_at: datetime, mentions: Mentions = Mentions()) -> int | None:
        """The story an article belongs to, judged against articles seen within the window: a reprint
        by its text, or else (when linking is on) the same event told in another language."""
        candidates = []
        for article_id in self._lsh.query(minhash):
            entry = self._entries[article_id]
            if abs(seen_at - entry.seen_at) <= self.window:
                candidates.append((entry.story_id, minhash.jaccard(entry.minhash), entry.title))
        story = best_match(candidates, title, self.threshold)
        if story is None and self.link_languages:
            story = self._same_event_in_another_language(seen_at, mentions)
        return story

    def _same_event_in_another_language(self, seen_at: datetime, mentions: Mentions) -> int | None:
        """The story of an article in another language, within a day, that shares the most names with this one."""
        naming = set().union(*(self._named.get(name, ()) for name in mentions.actors))
        linked = [(len(mentions.actors & entry.mentions.actors), entry.story_id)
                  for entry in map(self._entries.__getitem__, naming)
                  if abs(seen_at - entry.seen_at) <= LINK_WITHIN and same_event_across_languages(mentions, entry.mentions)]
        return max(linked)[1] if linked else None

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
            for name in self._entries.pop(article_id).mentions.actors:
                self._named[name].discard(article_id)
                if not self._named[name]:
                    del self._named[name]
        return len(old)
