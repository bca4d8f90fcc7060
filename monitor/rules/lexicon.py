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
        self._fuzzy = FuzzyIndex()
        self._fuzzy_min_length = 1_000
        self._terms: list[CompiledTerm] = []
        self._term_ids: dict[tuple[str, tuple[int, ...]], int] = {}
        self._starts: dict[int, list[int]] = defaultdict(list)
        self._words: BoundedCache[str, tuple[int, ...]] = BoundedCache(cache_words)
        self._chunks: BoundedCache[str, tuple[tuple[str, ...], dict[str, tuple[int, ...]] | None]] = BoundedCache(cache_words)

    def cache_sizes(self) -> dict[str, int]:
        """Entries held now in the two bounded caches (text chunks and words), and their common limit."""
        return {"chunks": len(self._chunks), "words": len(self._words), "limit": self._words.limit}

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
            self._starts[words[0]].append(self._term_ids[key])
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
        else:
            for form in {key, spec[2]}:
                self._exact[form].append(word_id)
            if fuzzy is not None:
                self._fuzzy.add(word_id, key, fuzzy)
                self._fuzzy_min_length = min(self._fuzzy_min_length, len(key) - 1)
        return word_id

    def find(self, texts: Sequence[str]) -> tuple[list[list[str]], dict[int, list[Place]]]:
        """The words of each text (as `monitor.text.words` cuts them) and where each term occurs, by term id."""
        fields: list[list[str]] = []
        hits: dict[str, tuple[int, ...]] = {}
        for text in texts:
            tokens: list[str] = []
            for chunk in text.split():
                words, matched = self._chunks.get(chunk, self._read_chunk)
                tokens += words
                if matched:
                    hits.update(matched)
            fields.append(tokens)
        found: dict[int, list[Place]] = defaultdict(list)
        if hits:
            for field, tokens in enumerate(fields):
                for position in [index for index, token in enumerate(tokens) if token in hits]:
                    for word in hits[tokens[position]]:
                        for term_id in self._starts.get(word, ()):
                            end = self._phrase_end(self._terms[term_id].words, tokens, position, hits)
                            if end is not None:
                                found[term_id].append((field, position, end))
        return fields, found

    def _read_chunk(self, chunk: str) -> tuple[tuple[str, ...], dict[str, tuple[int, ...]] | None]:
        """The words of one whitespace-separated chunk, and the term words each matches.

        Text is cut at whitespace first because str.split is several times faster
        than a Unicode regex over the whole text; a chunk holds no whitespace, so
        the regex over each chunk cuts exactly the words it would cut in the whole.
        """
        words = tuple(WORD.findall(chunk))
        matched = {word: ids for word in words if (ids := self._words.get(word, self._analyse))}
        return words, matched or None

    @staticmethod
    def _phrase_end(words: tuple[int, ...], tokens: list[str], start: int, hits: dict[str, tuple[int, ...]]) -> int | None:
        end = start + len(words) - 1
        if end >= len(tokens):
            return None
        for offset in range(1, len(words)):
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
        for length in self._prefix_lengths:
            if length > len(forms.full):
                break
            found.update(self._prefixes.get(forms.full[:length], ()))
        if self._fuzzy and len(forms.full) >= self._fuzzy_min_length:
            found |= self._fuzzy.search({forms.full, forms.stem})
        return tuple(found) if found else ()
