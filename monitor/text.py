"""Text normalisation shared by rules and dedup: one notion of a word and its plain form."""
from __future__ import annotations

import re
import unicodedata

WORD = re.compile(r"\w+(?:['ʻʼ‘’`]\w+)*")
_APOSTROPHES = re.compile(r"['ʻʼ‘’`]")


def words(text: str) -> list[str]:
    """The words of a text, apostrophes inside words kept (Uzbek o'zbek is one word)."""
    return WORD.findall(text)


def normalise_word(word: str) -> str:
    """Case-, accent- and apostrophe-insensitive form of one word."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _APOSTROPHES.sub("", unicodedata.normalize("NFC", stripped))
