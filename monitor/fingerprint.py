"""Content fingerprints: the same text under two URLs is one article."""
from __future__ import annotations

import hashlib


def fingerprint_of(normalised: str) -> str:
    """A hash of a text's normalised words (monitor.text.normalised_text): markup, case and spacing do not count."""
    return hashlib.sha1(normalised.encode("utf-8")).hexdigest()
