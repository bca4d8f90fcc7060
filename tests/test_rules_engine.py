"""The matcher: terms, clauses, scope, exclusions, entities and evidence (monitor/rules/engine.py)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from monitor.rules.cache import RecentSet
from monitor.rules.engine import Document, Evidence, Matcher, compile_rules
from monitor.rules.model import RuleFile, RulePack


def matcher(lists: dict | None = None, rules: list | None = None, entities: dict | None = None, cache_words: int = 1000) -> Matcher:
    spec = {"lists": lists or {}, "entities": entities or {}, "rules": rules or []}
    return compile_rules(RulePack.combine([(Path("test.yaml"), RuleFile.model_validate(spec))]), cache_words)


def rule(match: Any, rule_id: str = "r", **extra: Any) -> dict:
    return {"id": rule_id, "title": rule_id.upper(), "match": match, **extra}


def term_matcher(*terms: Any) -> Matcher:
    return matcher(rules=[rule({"any": list(terms)})])


def fired(m: Matcher, title: str, body: str = "", **scope: str) -> list[str]:
    return [hit.rule for hit in m.match(Document(title, body, **scope))]


def evidence(m: Matcher, title: str, body: str = "") -> list[tuple[str, str, str]]:
    return [(item.term, item.text, item.field) for hit in m.match(Document(title, body)) for item in hit.evidence]


# Terms: case, accents, apostrophes, scripts, morphology


@pytest.mark.parametrize(
    ("term", "text"),
    [
        ("o'zbek", "O‘ZBEK"),
        ("O‘zbekiston", "Oʻzbekiston"),
        ("Ўзбекистон", "O'zbekiston"),
        ("Aliyev", "Алиев"),
        ("Алиев", "Aliev"),
        ("Kazakhstan", "Казахстан"),
        ("Жанат", "Zhanat"),
        ("Syria", "Сирия"),
        ("Khorasan", "Хорасан"),
        ("Raqqa", "Ракка"),
    ],
)
def test_terms_match_whatever_the_case_accents_apostrophes_or_script(term: str, text: str) -> None:
    assert fired(term_matcher(term), f"… {text} …") == ["r"]


@pytest.mark.parametrize("text", ["боевик", "боевики", "боевиков", "боевикам", "БОЕВИКАМИ"])
def test_russian_terms_match_their_case_forms(text: str) -> None:
    assert fired(term_matcher("боевик"), f"Задержаны {text} группировки") == ["r"]


@pytest.mark.parametrize("text", ["recruiter", "recruiters", "recruiting", "recruited"])
def test_english_terms_match_their_inflections(text: str) -> None:
    assert fired(term_matcher("recruit"), f"The {text} was named") == ["r"]


@pytest.mark.parametrize("text", ["терроризм", "терроризмге", "терроризмнің", "терроризмді"])
def test_a_prefix_catches_kazakh_suffix_chains(text: str) -> None:
    assert fired(term_matcher("терроризм*"), f"Ол {text} қатысты") == ["r"]


def test_a_prefix_in_one_script_catches_the_other() -> None:
    assert fired(term_matcher("лаңкес*"), "Lankestik aktsiya") == ["r"]


def test_a_word_does_not_match_a_longer_word() -> None:
    assert fired(term_matcher("боевик"), "боевой вертолёт") == []


def test_a_phrase_needs_its_words_in_order_and_adjacent() -> None:
    m = term_matcher("Islamic State")
    assert fired(m, "fighters of the Islamic State's Khorasan branch") == ["r"]
    assert fired(m, "the State of Islamic affairs") == []
    assert fired(m, "Islamic scholars of the State") == []


def test_a_phrase_with_prefixes_matches_inflected_kazakh() -> None:
    assert fired(term_matcher("Ислам мемлекет*"), "«Ислам мемлекетінің» жақтаушылары") == ["r"]


def test_a_term_of_only_punctuation_never_matches() -> None:
    assert fired(term_matcher("—", "боевик"), "— и —") == []


# Abbreviations


def test_an_abbreviation_in_capitals_matches_only_capitals() -> None:
    m = term_matcher("IS")
    assert fired(m, "IS claimed the attack") == ["r"]
    assert fired(m, "This is a test") == []


def test_an_abbreviation_may_carry_a_lowercase_ending() -> None:
    m = term_matcher("ИГИЛ")
    assert fired(m, "боевики ИГИЛа") == ["r"]
    assert fired(m, "игила") == []


def test_an_abbreviation_with_a_star_is_a_prefix_in_any_case() -> None:
    assert fired(term_matcher("IShID*"), "IShIDning afg‘on bo‘linmasi") == ["r"]


# Fuzzy


def test_fuzzy_terms_catch_one_typo_at_their_threshold() -> None:
    m = term_matcher({"term": "Ансаруллах", "fuzzy": 85})
    assert fired(m, "группировка Ансаруллаг") == ["r"]
    assert fired(m, "группировка Ансорулла") == []


def test_fuzzy_threshold_decides() -> None:
    text = "сторонники Khurasan"
    assert fired(term_matcher({"term": "Khorasan", "fuzzy": 85}), text) == ["r"]
    assert fired(term_matcher({"term": "Khorasan", "fuzzy": 90}), text) == []


def test_a_list_threshold_applies_to_its_terms() -> None:
    m = matcher(lists={"names": {"terms": ["Ербосынов"], "fuzzy": 85}}, rules=[rule({"any": ["$names"]})])
    assert fired(m, "Ербасынов задержан") == ["r"]


def test_short_words_are_never_fuzzy_unless_asked() -> None:
    assert fired(term_matcher({"term": "Даиш", "fuzzy": 70}), "Даиш", "Дамш") == ["r"]
    assert fired(term_matcher({"term": "Даиш", "fuzzy": 70}), "Дамш") == []
    assert fired(term_matcher({"term": "Даиш", "fuzzy": 70, "fuzzy_short": True}), "Дамш") == ["r"]


def test_words_without_fuzzy_must_match_exactly() -> None:
    assert fired(term_matcher("Ансаруллах"), "Ансаруллаг") == []


def test_doubled_letters_are_a_spelling_not_a_typo() -> None:
    assert fired(term_matcher("Ансаруллах"), "Ансарулах") == ["r"]


# Clauses


def test_all_needs_every_item() -> None:
    m = matcher(rules=[rule({"all": ["боевик", "Сирия"]})])
    assert fired(m, "боевик в Сирии") == ["r"]
    assert fired(m, "боевик в Ираке") == []


def test_not_vetoes_inside_a_clause() -> None:
    m = matcher(rules=[rule({"all": ["fighter", {"not": {"any": ["UFC"]}}]})])
    assert fired(m, "IS fighter killed") == ["r"]
    assert fired(m, "UFC fighter wins") == []


def test_at_least_counts_different_terms_not_repeats() -> None:
    m = matcher(lists={"words": ["террор*", "экстремиз*", "вербовщик"]}, rules=[rule({"at_least": {"n": 2, "of": ["$words"]}})])
    assert fired(m, "терроризм и экстремизм") == ["r"]
    assert fired(m, "терроризм, терроризм, террористы") == []


def test_at_least_counts_a_place_two_terms_share_once() -> None:
    m = matcher(lists={"zones": ["Сирия", "Syria"]}, rules=[rule({"at_least": {"n": 2, "of": ["$zones"]}})])
    assert fired(m, "Syria") == []


def test_near_within_counts_words_between_starts() -> None:
    m = matcher(rules=[rule({"near": {"of": ["боевик", "Сирия"], "within": 3}})])
    assert fired(m, "боевик воевал в Сирии") == ["r"]
    assert fired(m, "боевик долго воевал там в Сирии") == []


def test_near_sentence_needs_one_sentence() -> None:
    m = matcher(rules=[rule({"near": {"of": ["боевик", "Сирия"], "sentence": True}})])
    assert fired(m, "", "Боевик, по данным следствия, много лет воевал на севере Сирии. Потом вернулся.") == ["r"]
    assert fired(m, "", "Боевик задержан. Он воевал на севере Сирии.") == []


def test_near_does_not_join_title_and_body() -> None:
    m = matcher(rules=[rule({"near": {"of": ["боевик", "Сирия"], "within": 50}})])
    assert fired(m, "Боевик задержан", "Он был в Сирии") == []


def test_nested_clauses() -> None:
    m = matcher(rules=[rule({"all": [{"any": ["вербовщик", "recruiter"]}, {"any": [{"near": {"of": ["ИГ", "Сирия"], "within": 5}}, "Daesh"]}]})])
    assert fired(m, "Recruiter for Daesh jailed") == ["r"]
    assert fired(m, "вербовщик ИГ из Сирии") == ["r"]
    assert fired(m, "вербовщик из Сирии") == []


# Scope and exclusions


def test_field_scope() -> None:
    m = matcher(rules=[rule({"any": ["боевик"]}, fields=["title"])])
    assert fired(m, "Боевик задержан", "") == ["r"]
    assert fired(m, "Новости", "Боевик задержан") == []


@pytest.mark.parametrize(("key", "allowed", "value", "expected"), [
    ("languages", ["ru"], "RU", ["r"]),
    ("languages", ["ru"], "kk", []),
    ("languages", ["ru"], "", []),
    ("countries", ["KZ", "KG"], "KG", ["r"]),
    ("countries", ["KZ"], "UZ", []),
    ("sources", ["kun-uz"], "kun-uz", ["r"]),
    ("sources", ["kun-uz"], "tengri-ru", []),
])
def test_source_country_and_language_scope(key: str, allowed: list[str], value: str, expected: list[str]) -> None:
    m = matcher(rules=[rule({"any": ["боевик"]}, **{key: allowed})])
    document_key = {"languages": "language", "countries": "country", "sources": "source"}[key]
    assert fired(m, "боевик", **{document_key: value}) == expected


def test_unless_vetoes_a_hit_anywhere_in_the_document() -> None:
    m = matcher(rules=[rule({"any": ["fighter"]}, fields=["title"], unless={"any": ["UFC", "knockout"]})])
    assert fired(m, "Kyrgyz fighter wins", "A first-round knockout in Abu Dhabi") == []
    assert fired(m, "Kyrgyz fighter killed in Syria", "") == ["r"]


def test_disabled_rules_do_not_run() -> None:
    m = matcher(rules=[rule({"any": ["боевик"]}, enabled=False)])
    assert fired(m, "боевик") == []
    assert m.rules == []


def test_a_rule_that_needs_no_term_still_runs() -> None:
    m = matcher(rules=[rule({"not": {"any": ["боевик"]}})])
    assert fired(m, "погода") == ["r"]
    assert fired(m, "боевик") == []


# Entities


def test_entities_match_any_alias_in_any_script() -> None:
    m = matcher(
        entities={"imu": {"aliases": ["Исламское движение Узбекистана", "IMU", "O'zbekiston islomiy harakati"]}},
        rules=[rule({"any": ["$imu"]})],
    )
    assert fired(m, "members of the Islamic Movement of Uzbekistan") == []
    assert fired(m, "Исламского движения Узбекистана") == ["r"]
    assert fired(m, "IMU leader") == ["r"]
    assert fired(m, "Ozbekiston islomiy harakati") == ["r"]


def test_person_names_match_whole_with_fuzzy_tolerance() -> None:
    m = matcher(entities={"aliev": {"kind": "person", "aliases": ["Жанат Алиев"], "fuzzy": 85}}, rules=[rule({"any": ["@person"]})])
    assert fired(m, "Zhanat Aliyev задержан") == ["r"]
    assert fired(m, "с Жанатом Алиевым") == ["r"]
    assert fired(m, "Zhanat Alyiev") == ["r"]
    assert fired(m, "Алиев Жанат") == []
    assert fired(m, "Жанат Сериков") == []


def test_groups_gather_entities() -> None:
    m = matcher(
        entities={"a": {"aliases": ["Hizb ut-Tahrir"], "groups": ["banned"]}, "b": {"aliases": ["Akramiya"], "groups": ["banned"]}},
        rules=[rule({"any": ["@banned"]})],
    )
    assert fired(m, "Акрамия") == ["r"]
    assert fired(m, "Хизб ут-Тахрир") == ["r"]


# Evidence


def test_evidence_gives_offsets_into_the_original_text() -> None:
    m = matcher(lists={"fighters": ["боевик"]}, rules=[rule({"all": ["$fighters", "Сирия"]})])
    document = Document("Гражданин Казахстана опознан среди БОЕВИКОВ в Сирии", "В Сирии 34-летний боевик…")
    [hit] = m.match(document)
    assert [(item.field, item.text) for item in hit.evidence] == [("title", "БОЕВИКОВ"), ("title", "Сирии"), ("body", "Сирии"), ("body", "боевик")]
    for item in hit.evidence:
        assert getattr(document, item.field)[item.start:item.end] == item.text
    assert hit.evidence[0] == Evidence("боевик", "БОЕВИКОВ", "title", 35, 43, "match.all[0] $fighters")


def test_evidence_offsets_survive_decomposed_and_invisible_characters() -> None:
    m = term_matcher("террорист")
    title = "«тер\u00adрорист» и " + "йод\u0306"
    [hit] = m.match(Document(title, ""))
    assert hit.evidence[0].text == "тер\u00adрорист"
    assert title[hit.evidence[0].start:hit.evidence[0].end] == "тер\u00adрорист"


def test_evidence_of_a_phrase_spans_its_words() -> None:
    assert evidence(term_matcher("Islamic State"), "the Islamic  State's fighters") == [("Islamic State", "Islamic  State's", "title")]


def test_hits_carry_rule_title_severity_and_score() -> None:
    m = matcher(rules=[rule({"any": ["боевик"]}, severity="urgent", score=90)])
    [hit] = m.match(Document("боевик", ""))
    assert (hit.rule, hit.title, hit.severity, hit.score) == ("r", "R", "urgent", 90)


# Cache


def test_the_word_cache_stays_within_its_limit() -> None:
    m = matcher(rules=[rule({"any": ["боевик"]})], cache_words=100)
    for index in range(50):
        m.match(Document(" ".join(f"слово{index}x{n}" for n in range(20)), ""))
    sizes = m.lexicon.cache_sizes()
    assert sizes["words"] <= 100 and sizes["chunks"] <= 100
    assert fired(m, "боевик") == ["r"]


def test_one_letter_prefixes_still_work() -> None:
    assert fired(term_matcher("x*"), "Xorazm") == ["r"]


def test_evidence_offsets_survive_uneven_whitespace_and_words_joined_by_hyphens() -> None:
    matcher = term_matcher("Сирия", "аль-Хол")
    body = "\n\n  Лагерь\tаль-Хол —  на\u00a0северо-востоке\r\n\r\nСирии "
    [hit] = matcher.match(Document("", body))
    assert [(item.text, body[item.start:item.end]) for item in hit.evidence] == [("аль-Хол", "аль-Хол"), ("Сирии", "Сирии")]


def test_recent_chunks_in_steady_use_are_kept_while_the_set_stays_bounded() -> None:
    recent = RecentSet(10)
    recent.add("steady")
    for index in range(100):
        assert recent.unknown({"steady", f"new{index}"}) == {f"new{index}"}
        recent.add(f"new{index}")
    assert len(recent) <= 10
