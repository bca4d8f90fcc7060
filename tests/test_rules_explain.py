"""Explanations for analysts: what fired and why, what did not and where it failed (monitor/rules/explain.py)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.rules.engine import Document, Matcher, compile_rules
from monitor.rules.explain import (
    UnknownRuleError,
    explain,
    format_explanation,
    highlight,
)
from monitor.rules.model import RuleFile, RulePack

SPEC = {
    "lists": {"fighters": ["боевик", "fighter"], "zones": ["Сири*", "Ирак*"], "sport": ["UFC", "MMA"]},
    "rules": [
        {"id": "ff", "title": "Fighters abroad", "severity": "high", "match": {"near": {"of": ["$fighters", "$zones"], "within": 5}},
         "unless": {"any": ["$sport"]}},
        {"id": "ru-only", "title": "Russian only", "languages": ["ru"], "match": {"any": ["$fighters"]}},
        {"id": "off", "title": "Disabled", "enabled": False, "match": {"any": ["$fighters"]}},
    ],
}


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return compile_rules(RulePack.combine([(Path("test.yaml"), RuleFile.model_validate(SPEC))]))


def test_explain_lists_every_rule_that_fired(matcher: Matcher) -> None:
    explanation = explain(matcher, Document("Боевик убит в Сирии", "", language="ru"))
    assert [hit.rule for hit in explanation.hits] == ["ff", "ru-only"]
    assert explanation.rule is None


def test_a_named_rule_that_fired_says_so(matcher: Matcher) -> None:
    report = explain(matcher, Document("Боевик убит в Сирии", ""), "ff").rule
    assert (report.fired, report.reason) == (True, "it fired")
    assert [item.text for item in report.match.evidence] == ["Боевик", "Сирии"]


def test_a_named_rule_that_did_not_fire_shows_the_failed_clause(matcher: Matcher) -> None:
    report = explain(matcher, Document("Боевик задержан", "Он долго и упорно воевал там, а потом уехал в Сирию"), "ff").rule
    assert report.fired is False
    assert report.reason == "its match clause did not hold"
    assert report.match.note == "all items occur, but never close enough together"
    assert [child.held for child in report.match.children] == [True, True]


def test_a_missing_item_is_named(matcher: Matcher) -> None:
    report = explain(matcher, Document("Боевик задержан", ""), "ff").rule
    assert report.match.note == "match.near[1] found nothing"
    assert report.match.children[1].note == "none of its terms occurs"


def test_a_veto_is_reported_with_its_evidence(matcher: Matcher) -> None:
    report = explain(matcher, Document("UFC fighter from Syria wins", ""), "ff").rule
    assert report.reason == "its unless clause vetoed the hit"
    assert [item.text for item in report.unless.evidence] == ["UFC"]


def test_scope_and_disabled_rules_are_explained(matcher: Matcher) -> None:
    assert explain(matcher, Document("боевик", "", language="kk"), "ru-only").rule.reason == (
        "out of scope: languages is ['ru'], the document's is 'kk'"
    )
    assert explain(matcher, Document("боевик", ""), "off").rule.reason == "the rule is disabled (enabled: false)"


def test_an_unknown_rule_suggests_close_names(matcher: Matcher) -> None:
    with pytest.raises(UnknownRuleError, match=re.escape("no rule 'f' in the rule pack; did you mean ff?")):
        explain(matcher, Document("", ""), "f")


def test_the_text_report_marks_evidence_and_failed_clauses(matcher: Matcher) -> None:
    text = format_explanation(explain(matcher, Document("Боевик задержан", "Уехал в Ирак"), "ff"))
    assert text.splitlines()[0] == "No rule fired."
    assert "Rule ff (Fighters abroad) did not fire: its match clause did not hold." in text
    assert "- match near within 5 words: all items occur, but never close enough together" in text
    fired = format_explanation(explain(matcher, Document("Боевик убит в Сирии", "")))
    assert "title: [Боевик] убит в [Сирии]" in fired
    assert "[high] ff: Fighters abroad (score 50)" in fired


def test_highlight_keeps_context_and_joins_distant_parts() -> None:
    text = "a" * 100 + "X" + "b" * 200 + "Y" + "c" * 10
    assert highlight(text, [(100, 101), (301, 302)], context=5) == "…aaaaa[X]bbbbb… … …bbbbb[Y]ccccc…"
