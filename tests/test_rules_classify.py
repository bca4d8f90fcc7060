"""Streaming classification of JSON Lines (monitor/rules/classify.py)."""
from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from monitor.rules.classify import classify_stream
from monitor.rules.engine import Matcher, compile_rules
from monitor.rules.model import RuleFile, RulePack


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    spec = {"rules": [{"id": "ff", "title": "F", "severity": "high", "score": 80, "match": {"all": ["боевик", "Сири*"]}},
                      {"id": "ru", "title": "R", "languages": ["ru"], "match": {"any": ["боевик"]}}]}
    return compile_rules(RulePack.combine([(Path("t.yaml"), RuleFile.model_validate(spec))]))


def run(matcher: Matcher, lines: list[str]) -> tuple[list[dict], object]:
    out = io.StringIO()
    counts = classify_stream(matcher, lines, out)
    return [json.loads(line) for line in out.getvalue().splitlines()], counts


def test_one_result_per_record_in_input_order(matcher: Matcher) -> None:
    lines = [
        json.dumps({"id": "a", "title": "Погода", "text": "Солнечно"}),
        json.dumps({"id": 2, "title": "Боевик из Сирии", "text": "", "url": "https://x", "lang": "kk", "published": "2026-01-01"}),
    ]
    results, counts = run(matcher, lines)
    assert results == [
        {"id": "a", "matched": False, "rules": []},
        {"id": 2, "matched": True, "rules": [{"rule": "ff", "severity": "high", "score": 80, "evidence": [
            {"term": "боевик", "text": "Боевик", "field": "title", "start": 0, "end": 6},
            {"term": "Сири*", "text": "Сирии", "field": "title", "start": 10, "end": 15},
        ]}]},
    ]
    assert (counts.records, counts.matched, counts.errors) == (2, 1, 0)


def test_lang_and_source_reach_the_rules(matcher: Matcher) -> None:
    results, _ = run(matcher, [json.dumps({"id": "x", "title": "боевик", "text": "", "lang": "ru"})])
    assert [rule["rule"] for rule in results[0]["rules"]] == ["ru"]


@pytest.mark.parametrize(("line", "error", "record_id"), [
    ("{not json", "not valid JSON: Expecting property name enclosed in double quotes at column 2", None),
    ("[1, 2]", "expected a JSON object with id, title and text, got list", None),
    ('{"title": "x"}', "missing or invalid 'id': give each record a string or number id", None),
    ('{"id": "q", "title": 5}', "'title' must be a string, got int", "q"),
    ('{"id": "q"}', "the record has neither 'title' nor 'text'", "q"),
])
def test_a_bad_line_gives_an_error_record_and_the_stream_goes_on(matcher: Matcher, line: str, error: str, record_id: object) -> None:
    results, counts = run(matcher, [line, json.dumps({"id": "next", "title": "боевик в Сирии"})])
    assert results[0] == {"id": record_id, "matched": False, "rules": [], "line": 1, "error": error}
    assert results[1]["id"] == "next" and results[1]["matched"] is True
    assert (counts.records, counts.errors) == (2, 1)


def test_blank_lines_are_skipped_but_line_numbers_stay_true(matcher: Matcher) -> None:
    results, counts = run(matcher, ["", "  \n", "oops"])
    assert results == [{"id": None, "matched": False, "rules": [], "line": 3, "error": results[0]["error"]}]
    assert counts.records == 1


def test_streaming_holds_no_more_than_one_record() -> None:
    """Memory must not grow with the input: 10,000 lines cost about what 1,000 do (caches bounded small here)."""
    spec = {"rules": [{"id": "ff", "title": "F", "match": {"all": ["боевик", "Сири*"]}}]}
    matcher = compile_rules(RulePack.combine([(Path("t.yaml"), RuleFile.model_validate(spec))]), cache_words=500)

    def lines(count: int) -> Iterator[str]:
        for index in range(count):
            yield json.dumps({"id": index, "title": f"Новость {index}", "text": "Боевик из Сирии задержан."})

    class Sink(io.TextIOBase):
        def write(self, text: str) -> int:
            return len(text)

    peaks = []
    for count in (1_000, 10_000):
        tracemalloc.start()
        classify_stream(matcher, lines(count), Sink())
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5
