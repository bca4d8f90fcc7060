"""Every term of a rule pack, compiled once; finds where the terms occur in a text.

A term is a sequence of words; each word is looked up by its forms (whole,
stemmed, abbreviation, prefix, fuzzy). What one piece of text matches is worked
out once and kept in a bounded cache, so a text costs about one set look-up per
whitespace-separated chunk, and phrases are then checked only where their first
word occurs.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, count

from monitor.rules.cache import BoundedCache, BoundedDict, RecentSet
from monitor.rules.fuzzy import FuzzyIndex
from monitor.rules.morphology import Morphology, capitals, written_form
from monitor.rules.terms import FUZZY_MIN_LETTERS, TermWord, term_words
from monitor.text import WORD, skeleton

DEFAULT_CACHE_WORDS = 200_000

# Where a term occurs: (field index, first token, last token).
Place = tuple[int, int, int]
# A whitespace-separated chunk of text: its words, and the term words each matching word matches (None: no word matches).
Chunk = tuple[tuple[str, ...], dict[str, tuple[int, ...]] | None]


@dataclass(frozen=True)
class CompiledTerm:
    label: str
    words: tuple[int, ...]


class Findings:
    """What `Lexicon.find` found in the fields of a text, with what it takes to place it in the text."""

    def __init__(self) -> None:
        self.terms: dict[int, list[Place]] = defaultdict(list)
        # The whitespace-separated chunks of each field where a word matched, and
        # for each matched word (field, position) its chunk and its index in the chunk.
        self.chunks: dict[int, list[str]] = {}
        self.anchors: dict[tuple[int, int], tuple[int, int]] = {}


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
        self._followers: dict[int, set[int]] = defaultdict(set)  # the second words of the phrases a word starts
        self._words: BoundedCache[str, tuple[int, ...]] = BoundedCache(self._analyse, cache_words)
        self._folded: BoundedCache[str, tuple[int, ...]] = BoundedCache(self._analyse_folded, cache_words)
        # Most chunks hold one word that matches nothing: they are only remembered
        # as such, so that a text whose chunks are all known costs one set difference.
        self._plain: RecentSet[str] = RecentSet(cache_words)
        # The other chunks are kept with their words: those that match, and those
        # that do not hold exactly one word, which shift the positions of what follows.
        # They are far fewer, and get a quarter of the room.
        self._unusual: BoundedDict[str, Chunk] = BoundedDict(cache_words // 4)

    def cache_sizes(self) -> dict[str, int]:
        """Entries held now in the bounded caches (text chunks, words, case-folded words) and their limit.

        Plain chunks are held up to the limit, the other chunks up to a quarter of it.
        """
        return {
            "chunks": len(self._plain) + len(self._unusual),
            "plain chunks": len(self._plain),
            "words": len(self._words),
            "folded words": len(self._folded),
            "limit": self._words.limit,
        }

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
                self._followers[words[0]].add(words[1])
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

    def find(self, texts: Sequence[str]) -> Findings:
        """Where each term occurs in the texts (fields), by term id; only terms that occur.

        Text is cut at whitespace first because str.split is several times faster
        than a Unicode regex over the whole text; a chunk holds no whitespace, so
        the regex over each chunk cuts exactly the words it would cut in the whole.
        Most chunks are known to hold one word that matches nothing, so a text
        costs one set difference plus work on its few other chunks; word
        positions are worked out only in a field where some word matched.
        """
        findings = Findings()
        for field, text in enumerate(texts):
            chunks = text.split()
            unusual = {chunk: self._chunk(chunk) for chunk in self._plain.unknown(set(chunks))}
            if self._may_hold_terms(unusual.values()):
                findings.chunks[field] = chunks
                self._record(chunks, unusual, field, findings)
        return findings

    def _may_hold_terms(self, chunks: Iterable[Chunk]) -> bool:
        """Whether the words matched in a field can make up a term: one is a term, or two start a phrase.

        Words inside phrases (в, for, дел*) match in most texts; positions are
        worked out only where they can complete something.
        """
        matched = {word for _, hits in chunks if hits for words in hits.values() for word in words}
        if not matched or not self._singles.keys().isdisjoint(matched):
            return bool(matched)
        followers = self._followers
        return any(not followers[word].isdisjoint(matched) for word in matched if word in followers)

    def _chunk(self, chunk: str) -> Chunk:
        """The words of a chunk not known to be plain, and the term words each matches."""
        entry = self._unusual.get(chunk)
        if entry is None:
            entry = self._read_chunk(chunk)
            words, hits = entry
            if hits is None and len(words) == 1:
                self._plain.add(chunk)
            else:
                self._unusual.keep(chunk, entry)
        return entry

    def _read_chunk(self, chunk: str) -> Chunk:
        if chunk.isalnum():
            # Every letter or digit is a word character, so the chunk is one word: no regex needed.
            ids = self._words[chunk]
            return (chunk,), ({chunk: ids} if ids else None)
        words = tuple(WORD.findall(chunk))
        matched = {word: ids for word in words if (ids := self._words[word])}
        return words, matched or None

    def _record(self, chunks: list[str], unusual: dict[str, Chunk], field: int, findings: Findings) -> None:
        """Record every term in one field, given the chunks of it that are not plain one-word chunks.

        Every other chunk is one word, so a word's position is its chunk's index
        shifted by the words that the unusual chunks before it add or lack; the
        chunks are scanned in C and only the unusual ones are visited here.
        """
        hits_at: dict[int, tuple[int, ...]] = {}
        shift = 0
        for index in compress(count(), map(unusual.__contains__, chunks)):
            words, hits = unusual[chunks[index]]
            if hits:
                for offset, word in enumerate(words):
                    if word in hits:
                        hits_at[index + shift + offset] = hits[word]
                        findings.anchors[field, index + shift + offset] = (index, offset)
            shift += len(words) - 1
        for position in hits_at:
            self._terms_at(position, hits_at, field, findings.terms)

    def _terms_at(self, position: int, hits_at: dict[int, tuple[int, ...]], field: int, found: dict[int, list[Place]]) -> None:
        """Record every term that starts at `position`; `hits_at` holds the term words of each matching word, by position."""
        words = hits_at[position]
        for word in words:
            for term_id in self._singles.get(word, ()):
                found[term_id].append((field, position, position))
        following = hits_at.get(position + 1)
        if not following:
            return
        for word in words:
            for second in following:
                for term_id in self._pairs.get((word, second), ()):
                    end = self._phrase_end(self._terms[term_id].words, position, hits_at)
                    if end is not None:
                        found[term_id].append((field, position, end))

    @staticmethod
    def _phrase_end(words: tuple[int, ...], start: int, hits_at: dict[int, tuple[int, ...]]) -> int | None:
        """The last word of a phrase whose first two words are known to match at `start`, or None."""
        for offset in range(2, len(words)):
            if words[offset] not in hits_at.get(start + offset, ()):
                return None
        return start + len(words) - 1

    def _analyse(self, token: str) -> tuple[int, ...]:
        """Every term word one text word matches; runs once per distinct word while it stays cached.

        All but the abbreviation look-up depends only on the case-folded word, and
        is cached under it: 'Война' at the start of a sentence costs a look-up
        once 'война' has been seen.
        """
        written = written_form(token)
        folded = written.casefold()
        found = self._folded[token if folded == token else folded]  # the same string object keys both caches
        abbreviation = capitals(written)
        if abbreviation is None or abbreviation not in self._capitals:
            return found
        return tuple({*found, *self._capitals[abbreviation]})

    def _analyse_folded(self, folded: str) -> tuple[int, ...]:
        """Every term word a case-folded word matches in whole, stemmed, by a prefix or fuzzily."""
        with self._lock:
            full, stem = self._morphology.folded_forms(folded)
        found = {*self._exact.get(full, ()), *self._exact.get(stem, ())}
        heads = self._prefix_heads
        if full[:2] in heads or full[:1] in heads:
            for length in self._prefix_lengths:
                if length > len(full):
                    break
                found.update(self._prefixes.get(full[:length], ()))
        if self._fuzzy and len(full) >= self._fuzzy_min_length:
            found |= self._fuzzy.search({full, stem})
        return tuple(found) if found else ()
