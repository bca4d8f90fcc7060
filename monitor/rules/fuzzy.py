"""Fuzzy word matching that does not compare every word with every term.

Candidates are found through one-letter deletions (the SymSpell idea): two
words within one edit of each other (a letter missing, added, changed, or two
letters swapped) share a deletion variant. Each candidate is then scored with
rapidfuzz's ratio and kept if it reaches the term's own threshold. Words are
compared as transliteration skeletons, so spelling variants across scripts are
already folded before fuzziness is spent on typos.
"""
from __future__ import annotations

from collections.abc import Iterable

from rapidfuzz.fuzz import ratio


def variants(key: str) -> list[str]:
    """The key itself and every form of it with one letter deleted."""
    return [key, *(key[:index] + key[index + 1:] for index in range(len(key)))]


class FuzzyIndex:
    def __init__(self) -> None:
        self._by_variant: dict[str, int | tuple[int, ...]] = {}
        self._words: dict[int, tuple[str, int]] = {}
        self._letters: set[str] = set()  # every character of every word

    def __bool__(self) -> bool:
        return bool(self._words)

    def add(self, word_id: int, key: str, threshold: int) -> None:
        self._words[word_id] = (key, threshold)
        self._letters.update(key)
        for variant in set(variants(key)):
            known = self._by_variant.get(variant)
            if known is None:
                self._by_variant[variant] = word_id
            elif isinstance(known, int):
                self._by_variant[variant] = (known, word_id)
            else:
                self._by_variant[variant] = (*known, word_id)

    def search(self, keys: Iterable[str]) -> set[int]:
        """Ids of the words that one of `keys` (forms of one text word) is close enough to."""
        found: set[int] = set()
        for key in keys:
            if not self._may_be_near(key):
                continue
            for known in map(self._by_variant.get, variants(key)):
                if known is None:
                    continue
                for word_id in (known,) if isinstance(known, int) else known:
                    word, threshold = self._words[word_id]
                    if word_id not in found and ratio(key, word, score_cutoff=threshold):
                        found.add(word_id)
        return found

    def _may_be_near(self, key: str) -> bool:
        """False when `key` is surely not within one edit of any word: it has two characters no word has.

        A shared deletion variant leaves out at most one character of `key`, so
        every other character of it must occur in the word. Numbers usually fail
        this at once (fuzzy term words seldom hold digits) and cost no look-ups.
        """
        letters = self._letters
        return letters.issuperset(key) or sum(map(letters.__contains__, key)) >= len(key) - 1
