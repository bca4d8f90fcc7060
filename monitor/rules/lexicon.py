"""Every term of a rule pack, compiled once; finds where the terms occur in a text.

A term is a sequence of words; each word is looked up by its forms (whole,
stemmed, abbreviation, prefix, fuzzy). What one piece of text matches is worked
out once and kept in a bounded cache, so a text costs about one dictionary
look-up per word, and phrases are then checked only where their first word occurs.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain, islice
from operator import itemgetter

from monitor.rules.cache import BoundedCache
from monitor.rules.fuzzy import FuzzyIndex
from monitor.rules.morphology import Morphology
from monitor.rules.terms import FUZZY_MIN_LETTERS, TermWord, term_words
from monitor.text import WORD, skeleton

DEFAULT_CACHE_WORDS = 200_000

# Where a term occurs: (field index, first token, last token).
Place = tuple[int, int, int]


@dataclass(frozen=True)
class CompiledTerm:
    label: str
    words: tuple[int, ...]


class Lexicon:
    def __init__(self, cache_words: int = DEFAULT_CACHE_WORDS) -> None:
        self._morphology = Morphology()
        self._lock = threading.Lock()
        self._word_ids: dict[tuple, int] = {}
        self._exact: dict[str, list[int]] = defaultdict(list)
        self._capitals: dict[str, list[int]] = defaultdict(list)
        self._prefixes: dict[str, list[int]] = defaultdict(list)
        self._prefix_lengths: list[int] = []
        self._prefix_heads: set[str] = set()  # their first two letters: most words fail this look-up
        self._fuzzy = FuzzyIndex()
        self._fuzzy_min_length = 1_000
        self._terms: list[CompiledTerm] = []
        self._term_ids: dict[tuple[str, tuple[int, ...]], int] = {}
        # Terms by their first word, and phrases also by their first two words:
        # a first name starts thousands of watchlist names, its surname few.
        self._singles: dict[int, list[int]] = defaultdict(list)
        self._pairs: dict[tuple[int, int], list[int]] = defaultdict(list)
        self._words: BoundedCache[str, tuple[int, ...]] = BoundedCache(self._analyse, cache_words)
        # Chunks known to match nothing, as a plain dict: `set - dict` runs in C,
        # so a text whose chunks are all known costs no Python-level loop at all.
        self._plain: dict[str, None] = {}
        self._chunks: BoundedCache[str, tuple[tuple[str, ...], dict[str, tuple[int, ...]] | None]] = BoundedCache(
            self._read_chunk, cache_words
        )

    def cache_sizes(self) -> dict[str, int]:
        """Entries held now in the two bounded caches (text chunks and words), and their common limit."""
        return {"chunks": len(self._chunks), "plain chunks": len(self._plain), "words": len(self._words), "limit": self._words.limit}

    def label(self, term_id: int) -> str:
        return self._terms[term_id].label

    def add(self, text: str, fuzzy: int | None = None, fuzzy_short: bool = False) -> int | None:
        """The id of a term (the same for the same term written twice); None if it has no words."""
        written = term_words(text)
        if not written:
            return None
        words = tuple(self._word(word, fuzzy if fuzzy_short or word.letters >= FUZZY_MIN_LETTERS else None) for word in written)
        key = (text, words)
        if key not in self._term_ids:
            self._term_ids[key] = len(self._terms)
            self._terms.append(CompiledTerm(text, words))
            if len(words) == 1:
                self._singles[words[0]].append(self._term_ids[key])
            else:
                self._pairs[words[0], words[1]].append(self._term_ids[key])
        return self._term_ids[key]

    def _word(self, word: TermWord, fuzzy: int | None) -> int:
        if word.abbreviation:
            spec: tuple = ("capitals", skeleton(word.text))
        elif word.prefix:
            spec = ("prefix", skeleton(word.text))
        else:
            forms = self._morphology.forms(word.text)
            spec = ("word", forms.full, forms.stem, fuzzy)
        if spec in self._word_ids:
            return self._word_ids[spec]
        word_id = self._word_ids[spec] = len(self._word_ids)
        kind, key = spec[0], spec[1]
        if kind == "capitals":
            self._capitals[key].append(word_id)
        elif kind == "prefix":
            self._prefixes[key].append(word_id)
            self._prefix_lengths = sorted({*self._prefix_lengths, len(key)})
            self._prefix_heads.add(key[:2])
        else:
            for form in {key, spec[2]}:
                self._exact[form].append(word_id)
            if fuzzy is not None:
                self._fuzzy.add(word_id, key, fuzzy)
                self._fuzzy_min_length = min(self._fuzzy_min_length, len(key) - 1)
        return word_id

    def find(self, texts: Sequence[str]) -> dict[int, list[Place]]:
        """Where each term occurs in the texts (fields), by term id; only terms that occur.

        Most texts match nothing, so the common path only looks up each distinct
        whitespace-separated chunk; token positions are worked out only for a
        field where some word matched.
        """
        found: dict[int, list[Place]] = defaultdict(list)
        cached = self._chunks.__getitem__
        for field, text in enumerate(texts):
            chunks = text.split()
            unknown = set(chunks).difference(self._plain)
            matched = [entry[1] for entry in map(cached, unknown) if entry[1]]
            if not matched:
                continue
            hits: dict[str, tuple[int, ...]] = {}
            for words in matched:
                hits.update(words)
            tokens = list(chain.from_iterable(map(itemgetter(0), map(cached, chunks))))
            for position in [index for index, token in enumerate(tokens) if token in hits]:
                self._terms_at(tokens, position, hits, field, found)
        return found

    def _terms_at(self, tokens: list[str], position: int, hits: dict[str, tuple[int, ...]], field: int, found: dict[int, list[Place]]) -> None:
        """Record every term that starts at `position`."""
        words = hits[tokens[position]]
        for word in words:
            for term_id in self._singles.get(word, ()):
                found[term_id].append((field, position, position))
        following = hits.get(tokens[position + 1]) if position + 1 < len(tokens) else None
        if not following:
            return
        for word in words:
            for second in following:
                for term_id in self._pairs.get((word, second), ()):
                    end = self._phrase_end(self._terms[term_id].words, tokens, position, hits)
                    if end is not None:
                        found[term_id].append((field, position, end))

    def _read_chunk(self, chunk: str) -> tuple[tuple[str, ...], dict[str, tuple[int, ...]] | None]:
        """The words of one whitespace-separated chunk, and the term words each matches.

        Text is cut at whitespace first because str.split is several times faster
        than a Unicode regex over the whole text; a chunk holds no whitespace, so
        the regex over each chunk cuts exactly the words it would cut in the whole.
        """
        words = tuple(WORD.findall(chunk))
        matched = {word: ids for word in words if (ids := self._words[word])}
        if not matched:
            if len(self._plain) >= self._words.limit:
                self._plain = dict.fromkeys(islice(self._plain, self._words.limit // 2, None))
            self._plain[chunk] = None
        return words, matched or None

    @staticmethod
    def _phrase_end(words: tuple[int, ...], tokens: list[str], start: int, hits: dict[str, tuple[int, ...]]) -> int | None:
        """The last token of a phrase whose first two words are known to match at `start`, or None."""
        end = start + len(words) - 1
        if end >= len(tokens):
            return None
        for offset in range(2, len(words)):
            if words[offset] not in hits.get(tokens[start + offset], ()):
                return None
        return end

    def _analyse(self, token: str) -> tuple[int, ...]:
        """Every term word one text word matches; runs once per distinct word while it stays cached."""
        with self._lock:
            forms = self._morphology.forms(token)
        found = {*self._exact.get(forms.full, ()), *self._exact.get(forms.stem, ())}
        if forms.capitals is not None:
            found.update(self._capitals.get(forms.capitals, ()))
        heads = self._prefix_heads
        if forms.full[:2] in heads or forms.full[:1] in heads:
            for length in self._prefix_lengths:
                if length > len(forms.full):
                    break
                found.update(self._prefixes.get(forms.full[:length], ()))
        if self._fuzzy and len(forms.full) >= self._fuzzy_min_length:
            found |= self._fuzzy.search({forms.full, forms.stem})
        return tuple(found) if found else ()
