"""Content fingerprints: the same text under two URLs is one article."""
from __future__ import annotations

import hashlib



def fingerprint_of(tokens: list[str]) -> str:
    """A hash of a text's normalised words (monitor.text.normalised_words): markup, case and spacing do not count."""
    return hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest()
