"""Lints for rule files (monitor/rules/lint.py)."""
from __future__ import annotations

from pathlib import Path

from monitor.rules.lint import lint
from monitor.rules.model import RuleFile


def lint_one(spec: dict) -> list[str]:
    return lint([(Path("rules/x.yaml"), RuleFile.model_validate(spec))])


USE = {"id": "r", "title": "t", "match": {"any": ["$words"]}}


def test_a_clean_file_has_no_warnings() -> None:
    assert lint_one({"lists": {"words": ["боевик"]}, "rules": [USE]}) == []


def test_an_unused_list_is_named_with_its_file() -> None:
    assert lint_one({"lists": {"words": ["боевик"], "spare": ["x"]}, "rules": [USE]}) == [
        "rules/x.yaml: list spare is not used by any rule; use it as $spare or delete it"
    ]


def test_an_entity_used_through_its_group_is_used() -> None:
    spec = {"entities": {"a": {"aliases": ["Akramiya"], "groups": ["banned"]}, "b": {"aliases": ["Other Org"]}},
            "rules": [{"id": "r", "title": "t", "match": {"any": ["@banned"]}}]}
    assert lint_one(spec) == ["rules/x.yaml: entity b is not used by any rule; use it as $b or through one of its groups"]


def test_terms_that_match_the_same_words_are_duplicates() -> None:
    warnings = lint_one({"lists": {"words": ["боевик", "боевики", "Syria", "Сирия", "Kazakhstan", "Казахстан"]}, "rules": [USE]})
    assert warnings == [
        "rules/x.yaml: list words: 'боевик' matches nothing that 'боевики' does not; keep one",
        "rules/x.yaml: list words: 'Syria' matches nothing that 'Сирия' does not; keep one",
        "rules/x.yaml: list words: 'Kazakhstan' matches nothing that 'Казахстан' does not; keep one",
    ]


def test_terms_that_only_overlap_are_not_duplicates() -> None:
    assert lint_one({"lists": {"words": ["боевик*", "боевики", "ИГ", "иг"]}, "rules": [USE]}) == []


def test_a_term_without_letters_is_reported() -> None:
    assert lint_one({"lists": {"words": ["боевик", "«—»"]}, "rules": [USE]}) == [
        "rules/x.yaml: list words: '«—»' has no letters or digits to match; delete it"
    ]


def test_fuzzy_on_short_words_is_reported() -> None:
    warnings = lint_one({"lists": {"words": ["боевик", {"term": "ИГ", "fuzzy": 80}, {"term": "Даиш", "fuzzy": 80}]}, "rules": [USE]})
    assert warnings == [
        ("rules/x.yaml: list words: fuzzy 80 on 'ИГ' has no effect: its words are prefixes, abbreviations "
         "or shorter than 5 letters (set fuzzy_short: true to allow short words)"),
        ("rules/x.yaml: list words: fuzzy 80 on 'Даиш' has no effect: its words are prefixes, abbreviations "
         "or shorter than 5 letters (set fuzzy_short: true to allow short words)"),
    ]


def test_a_list_fuzzy_that_can_never_apply_is_reported() -> None:
    assert lint_one({"lists": {"words": {"terms": ["ИГ", "ДАИШ", "террор*"], "fuzzy": 85}}, "rules": [USE]}) == [
        "rules/x.yaml: list words: fuzzy 85 has no effect: every word is a prefix, an abbreviation or shorter than 5 letters"
    ]


def test_a_very_short_prefix_is_reported() -> None:
    assert lint_one({"lists": {"words": ["Ракк*", "ислам мем*", "Ракка"]}, "rules": [USE]}) == [
        "rules/x.yaml: list words: prefix 'Ракк*' is shorter than 4 letters once transliterated ('rak') and matches far too many words"
    ]


def test_a_rule_without_a_positive_clause_is_reported() -> None:
    spec = {"lists": {"words": ["x"]}, "rules": [{"id": "r", "title": "t", "match": {"any": [{"not": {"any": ["$words"]}}, "y"]}}]}
    assert lint_one(spec) == [
        ("rules/x.yaml: rule r: its match can hold without finding any term (only `not`); "
         "add terms it must find, for example all: [$terms, {not: ...}]")
    ]


def test_inline_terms_in_rules_are_checked_too() -> None:
    spec = {"lists": {"words": ["x"]}, "rules": [{"id": "r", "title": "t", "match": {"all": ["$words", {"term": "ИШ", "fuzzy": 90}]}}]}
    assert lint_one(spec) == [
        ("rules/x.yaml: rule r: fuzzy 90 on 'ИШ' has no effect: its words are prefixes, abbreviations "
         "or shorter than 5 letters (set fuzzy_short: true to allow short words)")
    ]
