"""How a term written by an analyst is read: its words, prefixes and abbreviations.

    боевик              one word, any case form (stemmed), any script
    Islamic State       a phrase: the words in this order, next to each other
    лаңкес*             a prefix: every word that starts with it (Kazakh, Uzbek,
                        Kyrgyz, Tajik suffix chains)
    ISIS, ИГ            an abbreviation in capitals (up to 5 letters): matched
                        only where the text also writes it in capitals
    $name, @group       not terms but references, allowed where a rule lists items
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.text import WORD, normalise_word

MAX_ABBREVIATION = 5
FUZZY_MIN_LETTERS = 5
REFERENCE = re.compile(r"^[$@][A-Za-z0-9_-]+$")
# A word, optionally ending in '*'; an apostrophe may stand before the '*' (Uzbek g' and o' are letters).
_WORD_OR_STAR = re.compile(rf"(?:{WORD.pattern})(?:['ʻʼ‘’`]?\*)?|\*")


@dataclass(frozen=True)
class TermWord:
    text: str
    prefix: bool = False

    @property
    def abbreviation(self) -> bool:
        """Capitals of up to five letters (ISIS, ИГИЛ, K): matched only in capitals, so 'IS' is not 'is'.

        A prefix (ИШИД*) is never an abbreviation: it matches in any case.
        """
        letters = [char for char in self.text if char.isalpha()]
        return not self.prefix and 0 < len(letters) <= MAX_ABBREVIATION and all(char.isupper() for char in letters)

    @property
    def letters(self) -> int:
        return len(normalise_word(self.text))


def term_words(term: str) -> tuple[TermWord, ...]:
    """The words of a term; empty when it has none (only punctuation)."""
    return tuple(TermWord(found.rstrip("*"), found.endswith("*")) for found in _WORD_OR_STAR.findall(term) if found != "*")


def check_term(term: str) -> str:
    """Validate a term's pattern; the error says how to write it instead."""
    stripped = term.strip()
    if not stripped:
        raise ValueError("a term cannot be empty")
    if stripped[0] in "$@":
        raise ValueError(f"{stripped!r} is a reference; lists and aliases hold terms, rules refer to lists")
    for found in _WORD_OR_STAR.finditer(stripped):
        if found.group() == "*":
            raise ValueError(f"{stripped!r}: '*' must end a word, as in 'боевик*' (it stands for any ending)")
    return stripped


def check_item(item: str) -> str:
    """Validate a string a rule lists: a term, or a $list / @group reference."""
    stripped = item.strip()
    if stripped[:1] in ("$", "@"):
        if not REFERENCE.match(stripped):
            raise ValueError(f"{stripped!r}: a reference is $ or @ followed by a name of letters, digits, '-' and '_'")
        return stripped
    return check_term(stripped)
