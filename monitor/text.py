"""Text normalisation shared by rules and dedup: one notion of a word and its plain form.

Three levels, each coarser than the last:

- `words` cuts text into words. Apostrophes inside a word keep it whole (Uzbek
  o'zbek), and so do combining accents (text in NFD form) and the invisible
  characters that copy-paste and evasion put inside words (soft hyphen,
  zero-width space and joiners).
- `normalise_word` folds case, accents, apostrophes and invisible characters.
- `skeleton` also folds script and spelling: Cyrillic (Russian, Kazakh, Uzbek,
  Kyrgyz, Tajik) and Latin (English, Uzbek, Kazakh and Turkmen alphabets) end
  up in one Latin spelling, with the usual English variants merged (kh/h, zh/j,
  -yev/-ev, doubled letters), so that "Алиев", "Aliyev" and "Aliev" are one word.
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np

_APOSTROPHE_CHARS = "'ʻʼ‘’`"
_INVISIBLE_CHARS = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_MARKS = "\u0300-\u036f\u0483-\u0489"
WORD = re.compile(
    rf"[\w{_MARKS}]+(?:[{_APOSTROPHE_CHARS}{_INVISIBLE_CHARS}]+[\w{_MARKS}]+)*"
)
# Deleted from a word by one str.translate: apostrophes, invisible characters
# and every combining mark of the Basic Multilingual Plane (accents after NFKD).
_STRIP = dict.fromkeys(
    [ord(char) for char in _APOSTROPHE_CHARS + _INVISIBLE_CHARS]
    + [code for code in range(0x10000) if unicodedata.combining(chr(code))]
)
_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")

# Cyrillic to Latin, and the letters that must be mapped before accents are
# stripped: either they would lose what sets them apart (ў is u + breve but
# reads o'), or they do not decompose at all (ı, ә). Apostrophes and invisible
# characters go too. What is left that is not ASCII is accented Latin.
_LETTERS = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
    "й": "y", "ё": "e", "ў": "o", "ғ": "g", "қ": "k", "ң": "n", "ә": "a", "ө": "o",
    "ү": "u", "ұ": "u", "һ": "h", "ҳ": "h", "ҷ": "j", "ӣ": "i", "ӯ": "u", "і": "i",
    "ї": "i", "є": "e", "ı": "i", "ş": "sh", "ç": "ch", "ž": "zh", "č": "ch", "š": "sh",
    "ň": "n", "ŋ": "n", "ə": "a", "ğ": "g", "ǵ": "g",
    **dict.fromkeys(_APOSTROPHE_CHARS + _INVISIBLE_CHARS, ""),
})
# One spelling for the sounds that English, Russian and Turkic spellings write
# differently, replaced in this order: longer digraphs first; "ye" before "y"
# so that Yerbol/Ербол and Aliyev/Алиев meet; then y -> i so that Syria/Сирия meet.
_DIGRAPHS = (("shch", "sh"), ("dzh", "j"), ("dj", "j"), ("zh", "j"), ("kh", "h"), ("gh", "g"), ("ye", "e"))
_SINGLES = bytes.maketrans(b"xqwy", b"hkvi")
_DOUBLED = re.compile(r"(.)\1+")


def words(text: str) -> list[str]:
    """The words of a text, apostrophes inside words kept (Uzbek o'zbek is one word)."""
    return WORD.findall(text)


def normalise_word(word: str) -> str:
    """Case-, accent- and apostrophe-insensitive form of one word."""
    return unicodedata.normalize("NFC", _folded(word).translate(_STRIP))


def _folded(text: str) -> str:
    """Compatibility-decomposed and case-folded, in the order that makes the result stable.

    Decomposing first matters: a styled letter such as the mathematical '𝑨' has no case
    folding of its own and only becomes 'A' under NFKD, so folding it before would leave a
    capital. Decomposing again after folding splits letters that folding composed (ᾈ -> ἀι).
    """
    if text.isascii():
        return text.lower()
    return unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())


def skeleton(word: str) -> str:
    """Script- and spelling-insensitive form of one word: 'Ўзбекистон' and "O'zbekiston" give 'ozbekiston'."""
    plain = unicodedata.normalize("NFC", word).casefold().translate(_LETTERS)
    if not plain.isascii():
        plain = normalise_word(plain)
    for digraph, sound in _DIGRAPHS:
        plain = plain.replace(digraph, sound)
    plain = plain.encode().translate(_SINGLES).decode()  # safe on UTF-8: only ASCII bytes are mapped
    return _DOUBLED.sub(r"\1", plain) if _DOUBLED.search(plain) else plain


def is_cyrillic(word: str) -> bool:
    """Whether a word is written (at least partly) in Cyrillic, which decides how it is stemmed."""
    return _CYRILLIC_LETTER.search(word) is not None


def normalised_words(text: str) -> list[str]:
    """The normalised words of a whole text, as normalise_word folds them, in one pass.

    Dedup folds every article's full text; a regular expression removes the
    stripped characters much faster than str.translate does on long texts.
    """
    return WORD.findall(unicodedata.normalize("NFC", _STRIPPED.sub("", _folded(text))))


_STRIPPED = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(_STRIP)) + "]")


def normalised_text(text: str) -> str:
    """`normalised_words(text)` joined by single spaces, built without a list of words.

    Dedup hashes the whole folded text (fingerprint, shingles). On long Cyrillic
    texts a regular expression spends most of its time deciding, character by
    character, what belongs to a word; a look-up table in numpy does it for the
    whole text at once. After folding, no apostrophe or invisible character is
    left, so a word is simply a run of word characters.
    """
    plain = unicodedata.normalize("NFC", _STRIPPED.sub("", _folded(text)))
    points = np.frombuffer(plain.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    inside = _is_word_character(points)
    keep = inside.copy()
    keep[1:] |= inside[:-1]  # every word character, and the first separator after a word
    joined = np.where(inside, points, np.uint32(ord(" ")))[keep]
    return joined.tobytes().decode("utf-32-le").rstrip(" ")


_WORD_CHARACTER = re.compile(rf"[\w{_MARKS}]")


def _basic_plane_word_characters() -> np.ndarray:
    """Which of the first 65,536 code points a word is made of, by one substitution over all of them."""
    plane = "".join(map(chr, range(0x10000)))
    marked = re.sub(rf"[^\w{_MARKS}]", "\0", plane)
    return np.frombuffer(marked.encode("utf-32-le", "surrogatepass"), dtype=np.uint32) != 0


_BASIC_PLANE_WORD = _basic_plane_word_characters()


def _is_word_character(points: np.ndarray) -> np.ndarray:
    """A table look-up for the basic plane; the rare code points above it are asked one by one."""
    inside = _BASIC_PLANE_WORD[np.minimum(points, 0xFFFF)]
    for position in np.flatnonzero(points > 0xFFFF):
        inside[position] = _WORD_CHARACTER.match(chr(points[position])) is not None
    return inside

