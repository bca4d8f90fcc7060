"""The forms a word is looked up under: whole, stemmed, and as an abbreviation.

Russian and English words are stemmed with the Snowball stemmers (PyStemmer, in
C), so one term catches its case forms: боевик, боевики, боевиков. Which stemmer
runs depends on the script of the word; Kazakh, Uzbek, Kyrgyz and Tajik words
go through the same stemmers harmlessly, and terms in those languages use
prefixes (лаңкес*) for their suffix chains. Every form is then reduced to its
transliteration skeleton so that scripts and spellings meet.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import Stemmer

from monitor.rules.terms import MAX_ABBREVIATION
from monitor.text import is_cyrillic, normalise_word, skeleton

_INSIDE_WORDS = re.compile("['ʻʼ‘’`\u00ad\u200b\u200c\u200d\u2060\ufeff]")
MAX_ABBREVIATION_ENDING = 5


@dataclass(frozen=True, slots=True)
class WordForms:
    full: str
    stem: str
    capitals: str | None


class Morphology:
    """Stemmers for Russian and English. Not thread-safe (nor are the stemmers): callers lock."""

    def __init__(self) -> None:
        self._russian = Stemmer.Stemmer("russian", 0)
        self._english = Stemmer.Stemmer("english", 0)

    def forms(self, word: str) -> WordForms:
        written = written_form(word)
        full, stem = self.folded_forms(written.casefold())
        return WordForms(full, stem, capitals(written))

    def folded_forms(self, folded: str) -> tuple[str, str]:
        """The whole and stemmed skeletons of a case-folded written form: all of a word's forms but its capitals."""
        if is_cyrillic(folded):
            stem = self._russian.stemWord(folded.replace("ё", "е"))
        else:
            stem = self._english.stemWord(folded if folded.isascii() else normalise_word(folded))
        full = skeleton(folded)
        return full, full if stem == folded else skeleton(stem)


def written_form(word: str) -> str:
    """A word as written, composed, without the apostrophes and invisible characters inside it."""
    return _INSIDE_WORDS.sub("", unicodedata.normalize("NFC", word))


def capitals(word: str) -> str | None:
    """The abbreviation a word is written as, if any: 'ИГИЛа' -> 'igil', "ISIS's" -> 'isis', 'Isis' -> None.

    Russian and Uzbek decline abbreviations with a lowercase ending (ИГИЛа,
    ИШИДнинг), so up to five lowercase letters may follow the capitals.
    """
    head = 0
    while head < len(word) and word[head].isupper():
        head += 1
    tail = word[head:]
    if head == 0 or head > MAX_ABBREVIATION:
        return None
    if tail and (head < 2 or len(tail) > MAX_ABBREVIATION_ENDING or not tail.islower()):
        return None
    return skeleton(word[:head])
