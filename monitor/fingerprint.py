"""Content fingerprints: the same text under two URLs is one article."""
from __future__ import annotations

import hashlib

from monitor.text import normalised_words


def content_fingerprint(title: str, body: str) -> str:
    """A hash of the normalised words of title and body; markup, case and spacing do not count."""
    return fingerprint_of(normalised_words(f"{title}\n{body}"))


def fingerprint_of(tokens: list[str]) -> str:
    return hashlib.sha1(" ".join(tokens).encode("utf-8")).hexdigest()
