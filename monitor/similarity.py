"""Near-duplicate detection for stories: MinHash (datasketch) over word shingles, pure functions.

One story is one event however many outlets reprint it. Reprints rewrite the
lead, add a paragraph or change the headline, but keep most three-word runs of
the agency text, so the Jaccard similarity of shingle sets stays high; two
different events on the same topic share few shingles.
"""
from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from datasketch import LeanMinHash, MinHash

NUM_PERM = 64
SHINGLE = 3
_NUMBER = re.compile(r"\d+")


def shingle_hashes(text: str) -> np.ndarray:
    """32-bit hashes of the three-word runs of a normalised text (monitor.text.normalised_text).

    Each run is hashed as a polynomial over its characters, spaces included, and all runs
    at once from prefix sums: a few numpy passes over the text instead of a Python call
    per run. A text of fewer than three words is one run. Repeated runs are not removed:
    they do not change a minimum.
    """
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    length = len(points)
    powers, inverses = _powers(length)
    prefix = np.zeros(length + 1, dtype=np.uint64)
    np.cumsum(points * powers, out=prefix[1:])
    spaces = np.flatnonzero(points == ord(" "))
    if len(spaces) < SHINGLE - 1:
        starts, ends = np.zeros(1, dtype=np.intp), np.full(1, length)
    else:
        starts = np.concatenate(([0], spaces[: 1 - SHINGLE] + 1))
        ends = np.concatenate((spaces[SHINGLE - 1:], [length]))
    return _mixed((prefix[ends] - prefix[starts]) * inverses[starts]) >> np.uint64(32)


def signature(text: str) -> LeanMinHash:
    """A compact MinHash of a normalised text's shingles; their hashes pass through as they are."""
    minhash = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=_PERMUTATIONS, scheme=_SCHEME)
    minhash.update_batch(shingle_hashes(text).tolist())
    return LeanMinHash(minhash)


def to_bytes(minhash: LeanMinHash) -> bytes:
    """Signatures are stored so the index can be rebuilt at start without re-reading bodies."""
    return minhash.hashvalues.astype(np.uint64).tobytes()


def from_bytes(data: bytes) -> LeanMinHash:
    return LeanMinHash(seed=1, hashvalues=np.frombuffer(data, dtype=np.uint64), scheme=_SCHEME)


def _mixed(values: np.ndarray) -> np.ndarray:
    """The 64-bit finaliser of MurmurHash3: spreads a polynomial hash's entropy into the top bits."""
    values ^= values >> np.uint64(33)
    values *= _MIX[0]
    values ^= values >> np.uint64(33)
    values *= _MIX[1]
    values ^= values >> np.uint64(33)
    return values


def _powers(length: int) -> tuple[np.ndarray, np.ndarray]:
    """BASE**i and BASE**-i modulo 2**64 for i < length, from a table for texts of usual length."""
    if length <= len(_POWERS):
        return _POWERS[:length], _INVERSES[: length + 1]
    return _power_table(length), _power_table(length + 1, _INVERSE_BASE)


def _power_table(length: int, base: int | None = None) -> np.ndarray:
    table = np.full(length, _BASE if base is None else base, dtype=np.uint64)
    table[0] = 1
    return np.cumprod(table)


_BASE = int.from_bytes(hashlib.sha256(b"dozor base 0").digest()[:8], "little") | 1
"""A fixed odd multiplier: stored signatures depend on it, so it must not change with a library release."""
_INVERSE_BASE = pow(_BASE, -1, 2 ** 64)
_POWERS = _power_table(1 << 16)
_INVERSES = _power_table((1 << 16) + 1, _INVERSE_BASE)
_MIX = np.array([0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53], dtype=np.uint64)
_SCHEME = MinHash(num_perm=1).scheme
_PERMUTATIONS = MinHash(num_perm=NUM_PERM).permutations  # the same for every signature: computed once


def numbers(text: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(text))


def same_story(similarity: float, title_a: str, title_b: str, threshold: float) -> bool:
    """Join two articles into one story when their texts are similar enough.

    Headlines that report different figures or dates ("12 detained" and "14
    detained") are different events unless the texts are almost identical.
    """
    if similarity < threshold:
        return False
    return not _different_figures(title_a, title_b) or similarity >= STRICT_WHEN_FIGURES_DIFFER


STRICT_WHEN_FIGURES_DIFFER = 0.9


def _different_figures(title_a: str, title_b: str) -> bool:
    figures_a, figures_b = numbers(title_a), numbers(title_b)
    return bool(figures_a and figures_b and figures_a != figures_b)


@dataclass(frozen=True)
class Mentions:
    """What ties an article to the same event told in another language: the language it is in,
    the people and organisations of the rules' watchlists it names, and the figures it gives."""

    language: str = ""
    actors: frozenset[str] = frozenset()
    figures: frozenset[str] = frozenset()

    def columns(self) -> dict[str, str]:
        """As stored with the signature (migration 12): actors and figures separated by spaces."""
        return {"language": self.language, "actors": " ".join(sorted(self.actors)), "figures": " ".join(sorted(self.figures))}

    @classmethod
    def from_columns(cls, language: str | None, actors: str | None, figures: str | None) -> "Mentions":
        """Read back what `columns` stored; rows from before migration 12 hold NULLs and mention nothing."""
        return cls(language or "", frozenset((actors or "").split()), frozenset((figures or "").split()))


def same_event_across_languages(a: Mentions, b: Mentions) -> bool:
    """Link two articles in different languages that name the same people and organisations and give the same figures.

    A Russian and an Uzbek text on one event share no shingle, but the watchlists
    match every script and spelling, and a translation keeps its digits (ages,
    counts, years, sentence lengths, article numbers). Names alone are a topic,
    not an event: reports on two arrests of Islamic State Khorasan recruiters on
    one day name the same two groups, but give different ages and dates. So it
    takes at least two shared names making up at least half of all the names
    either article gives, and figures shared the same way.
    """
    if not a.language or not b.language or a.language == b.language:
        return False
    shared_actors, shared_figures = a.actors & b.actors, a.figures & b.figures
    return (len(shared_actors) >= LINK_MIN_ACTORS and _most_of(shared_actors, a.actors | b.actors)
            and bool(shared_figures) and _most_of(shared_figures, a.figures | b.figures))


LINK_MIN_ACTORS = 2


def _most_of(shared: frozenset[str], every: frozenset[str]) -> bool:
    return len(shared) >= len(every) / 2


def best_match(candidates: Sequence[tuple[int, float, str]], title: str, threshold: float) -> int | None:
    """The story of the most similar candidate that passes `same_story`; candidates are (story, similarity, title)."""
    passing = [(similarity, story) for story, similarity, other in candidates if same_story(similarity, title, other, threshold)]
    return max(passing)[1] if passing else None
