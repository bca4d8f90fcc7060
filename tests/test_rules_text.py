"""Words, plain forms and transliteration skeletons (monitor/text.py)."""
from __future__ import annotations

import unicodedata

import pytest

from monitor.text import normalise_word, skeleton, words


def test_words_keep_apostrophes_inside_uzbek_words() -> None:
    assert words("O‘zbekiston va o'zbek tili") == ["O‘zbekiston", "va", "o'zbek", "tili"]


def test_words_split_at_hyphens_and_quotes() -> None:
    assert words("«ИГИЛ-К» (ISIS-K)") == ["ИГИЛ", "К", "ISIS", "K"]


def test_words_keep_decomposed_letters_whole() -> None:
    assert words(unicodedata.normalize("NFD", "Қазақстан йод")) == [unicodedata.normalize("NFD", "Қазақстан"), unicodedata.normalize("NFD", "йод")]


def test_words_are_not_cut_by_soft_hyphens_or_zero_width_spaces() -> None:
    assert words("тер\u00adрорист и\u200bгил") == ["тер\u00adрорист", "и\u200bгил"]


def test_normalise_word_folds_case_accents_and_apostrophes() -> None:
    assert normalise_word("O‘ZBEKISTON") == "ozbekiston"
    assert normalise_word("Café") == "cafe"
    assert normalise_word("тер\u00adрорист") == "террорист"


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Ўзбекистон", "O'zbekiston"),
        ("O‘zbekiston", "Oʻzbekiston"),
        ("Алиев", "Aliyev"),
        ("Aliev", "Aliyev"),
        ("Ербол", "Yerbol"),
        ("Сирия", "Syria"),
        ("Афганистан", "Afghanistan"),
        ("Кыргызстан", "Kyrgyzstan"),
        ("Қырғызстан", "Kyrgyzstan"),
        ("Казахстан", "Kazakhstan"),
        ("Жанат", "Zhanat"),
        ("Джихад", "jihad"),
        ("Хорасан", "Khorasan"),
        ("Ракка", "Raqqa"),
        ("Мухаммад", "Muhammad"),
        ("Таджикистан", "Tajikistan"),
        ("Вилаят", "Wilayat"),
        ("жиһад", "джихад"),
        ("ҷиҳод", "jihod"),
        ("Тоҷикистон", "Tojikiston"),
    ],
)
def test_skeleton_meets_across_scripts_and_spellings(one: str, other: str) -> None:
    assert skeleton(one) == skeleton(other)


@pytest.mark.parametrize(("one", "other"), [("Казахстан", "Кыргызстан"), ("Ирак", "Иран"), ("боевик", "боец")])
def test_skeleton_keeps_different_words_apart(one: str, other: str) -> None:
    assert skeleton(one) != skeleton(other)


def test_skeleton_is_the_same_for_composed_and_decomposed_text() -> None:
    assert skeleton(unicodedata.normalize("NFD", "Ўзбек йўли")) == skeleton("Ўзбек йўли")
