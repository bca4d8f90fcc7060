"""Near-duplicate detection for stories: MinHash over word shingles (datasketch), pure functions.

One story is one event however many outlets reprint it. Reprints rewrite the
lead, add a paragraph or change the headline, but keep most three-word runs of
the agency text, so the Jaccard similarity of shingle sets stays high; two
different events on the same topic share few shingles.
"""
from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np
from datasketch import LeanMinHash, MinHash


NUM_PERM = 64
SHINGLE = 3
_NUMBER = re.compile(r"\d+")


def shingle_hashes(tokens: list[str]) -> list[int]:
    """32-bit hashes of the three-word runs of a text's normalised words."""
    if len(tokens) < SHINGLE:
        tokens += [""] * (SHINGLE - len(tokens))
    return list({zlib.crc32(" ".join(run).encode("utf-8")) for run in zip(*(tokens[i:] for i in range(SHINGLE)))})


def signature(tokens: list[str]) -> LeanMinHash:
    """A compact MinHash of normalised words; crc32 values are already hashes, so they pass through as they are."""
    minhash = MinHash(num_perm=NUM_PERM, hashfunc=int, permutations=_PERMUTATIONS, scheme=_SCHEME)
    minhash.update_batch(shingle_hashes(tokens))
    return LeanMinHash(minhash)


def to_bytes(minhash: LeanMinHash) -> bytes:
    """Signatures are stored so the index can be rebuilt at start without re-reading bodies."""
    return minhash.hashvalues.astype(np.uint64).tobytes()


def from_bytes(data: bytes) -> LeanMinHash:
    return LeanMinHash(seed=1, hashvalues=np.frombuffer(data, dtype=np.uint64), scheme=_SCHEME)


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
    different_figures = numbers(title_a) and numbers(title_b) and numbers(title_a) != numbers(title_b)
    return not different_figures or similarity >= STRICT_WHEN_FIGURES_DIFFER


STRICT_WHEN_FIGURES_DIFFER = 0.9


def best_match(candidates: Sequence[tuple[int, float, str]], title: str, threshold: float) -> int | None:
    """The story of the most similar candidate that passes `same_story`; candidates are (story, similarity, title)."""
    passing = [(similarity, story) for story, similarity, other in candidates if same_story(similarity, title, other, threshold)]
    return max(passing)[1] if passing else None
