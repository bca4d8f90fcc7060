"""The YAML rule language: validation messages and pack assembly (monitor/rules/model.py)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from monitor.config.loader import ConfigError, load_config
from monitor.rules.model import RuleFile, RulePack

ROOT = Path(__file__).resolve().parents[1]


def config_with(tmp_path: Path, rules_yaml: str) -> Path:
    """A config folder with the real sources and one rule file."""
    shutil.copy(ROOT / "config" / "sources.yaml", tmp_path / "sources.yaml")
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "mine.yaml").write_text(rules_yaml, encoding="utf-8")
    return tmp_path


def problems(tmp_path: Path, rules_yaml: str) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_config(config_with(tmp_path, rules_yaml))
    return raised.value.problems


def test_a_typo_in_a_rule_key_names_file_line_and_suggestion(tmp_path: Path) -> None:
    found = problems(tmp_path, "rules:\n  - id: r1\n    title: t\n    severitty: high\n    match: {any: [x]}\n")
    assert found == [f"{tmp_path}/rules/mine.yaml:4: rules.0.severitty: unknown key 'severitty' (did you mean 'severity'?)"]


def test_a_star_inside_a_term_is_reported_once_with_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "lists:\n  words:\n    - боевик\n    - '*bad'\n")
    assert len(found) == 1
    assert found[0].startswith(f"{tmp_path}/rules/mine.yaml:4: lists.words.1")
    assert "'*' must end a word" in found[0]


def test_a_fuzzy_threshold_out_of_range_names_its_line(tmp_path: Path) -> None:
    found = problems(tmp_path, "lists:\n  words:\n    terms: [боевик]\n    fuzzy: 30\n")
    assert found == [f"{tmp_path}/rules/mine.yaml:4: lists.words.fuzzy: Input should be greater than or equal to 50"]


def test_an_unknown_list_is_reported_with_a_suggestion(tmp_path: Path) -> None:
    found = problems(tmp_path, "lists:\n  fighters: [боевик]\nrules:\n  - id: r1\n    title: t\n    match: {any: [$fightres]}\n")
    assert found == [f"{tmp_path}/rules/mine.yaml: rule r1: unknown list or entity $fightres (did you mean $fighters?)"]


def test_an_unknown_group_is_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, "rules:\n  - id: r1\n    title: t\n    match: {any: ['@nobody']}\n")
    assert found == [f"{tmp_path}/rules/mine.yaml: rule r1: unknown group @nobody"]


def test_near_needs_a_window() -> None:
    with pytest.raises(ValidationError, match="near needs `within: N`"):
        RuleFile.model_validate({"rules": [{"id": "r", "title": "t", "match": {"near": {"of": ["a", "b"]}}}]})


def test_near_cannot_hold_a_not() -> None:
    with pytest.raises(ValidationError, match="near cannot hold a `not`"):
        RuleFile.model_validate(
            {"rules": [{"id": "r", "title": "t", "match": {"near": {"of": ["a", {"not": {"any": ["b"]}}], "within": 3}}}]}
        )


def test_a_clause_takes_exactly_one_kind() -> None:
    with pytest.raises(ValidationError, match="exactly one of any, all, not, at_least, near"):
        RuleFile.model_validate({"rules": [{"id": "r", "title": "t", "match": {"any": ["a"], "all": ["b"]}}]})


def test_lists_hold_terms_not_references() -> None:
    with pytest.raises(ValidationError, match="is a reference"):
        RuleFile.model_validate({"lists": {"a": ["$b"]}})


def test_a_name_defined_in_two_files_is_reported_with_both() -> None:
    one = RuleFile.model_validate({"lists": {"words": ["a"]}})
    other = RuleFile.model_validate({"lists": {"words": ["b"]}})
    with pytest.raises(ValueError, match="two.yaml: words is already defined in one.yaml"):
        RulePack.combine([(Path("one.yaml"), one), (Path("two.yaml"), other)])


def test_groups_include_the_entity_kind() -> None:
    pack = RulePack.combine([(Path("a.yaml"), RuleFile.model_validate({
        "entities": {"x": {"kind": "person", "aliases": ["X Y"], "groups": ["wanted"]}, "z": {"aliases": ["Z Org"]}},
    }))])
    assert pack.groups() == {"person": ["x"], "wanted": ["x"], "organisation": ["z"]}
