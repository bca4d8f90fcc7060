"""Content fingerprints: the same text under two URLs is one article."""
from __future__ import annotations

import hashlib

from monitor.text import normalise_word, words


def content_fingerprint(title: str, body: str) -> str:
    """A hash of the normalised words of title and body; markup, case and spacing do not count."""
    text = " ".join(normalise_word(word) for word in words(f"{title}\n{body}"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
