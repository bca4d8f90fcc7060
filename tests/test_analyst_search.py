"""search: full-text search over stored articles, any case, any query an analyst can type."""
from __future__ import annotations

from datetime import date

import pytest

from monitor.analyst import AnalystError
from monitor.analyst.search import fts_query, search
from tests.test_analyst_fixtures import TITLES, dozor

pytest_plugins = ["tests.test_analyst_fixtures"]


def _titles(results) -> list[str]:
    return [found.title for found in results.found]


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("боевики Сирия", '"боевики" "Сирия"'),
        ('"Исламское государство" вербовщик*', '"Исламское государство" "вербовщик"*'),
        ("ИГИЛ-К", '"ИГИЛ-К"'),
        ("title:боевики", '"title:боевики"'),
        ('"unclosed', '"""unclosed"'),
        ("боевики AND NOT NEAR", '"боевики" "AND" "NOT" "NEAR"'),
        ("боевики - :: *", '"боевики"'),
    ],
)
def test_an_analysts_query_becomes_quoted_fts_terms(typed, query):
    assert fts_query(typed) == query


def test_a_query_without_words_is_a_clear_error():
    with pytest.raises(AnalystError, match="has no words to search for"):
        fts_query('" - : *')


@pytest.mark.parametrize("typed", ['"', "a:b", "-боевики", "NEAR(", "боевики)", "'", "x AND", "^ИГИЛ"])
def test_no_typed_query_crashes_the_search(analyst_store, typed):
    try:
        search(analyst_store, typed)
    except AnalystError:
        pass  # only for queries without any word


def test_every_stored_article_is_in_the_search_index(analyst_store):
    """Fails when a migration rebuilds the articles table and drops the triggers that keep FTS in step."""
    assert analyst_store.db.execute("SELECT count(*) FROM articles_fts_docsize").fetchone()[0] == len(TITLES)


@pytest.mark.parametrize("typed", ["БОЕВИКИ", "боевики", "Боевики"])
def test_russian_is_found_in_any_case(analyst_store, typed):
    assert _titles(search(analyst_store, typed)) == [TITLES[4], TITLES[0]]


@pytest.mark.parametrize(("typed", "title"), [("қазақстан", TITLES[2]), ("ӨЗБЕКСТАНДА", TITLES[6]), ("өскемен", TITLES[2])])
def test_kazakh_letters_are_found_in_any_case(analyst_store, typed, title):
    assert _titles(search(analyst_store, typed)) == [title]


def test_a_trailing_star_searches_a_prefix(analyst_store):
    assert _titles(search(analyst_store, "вербовщ*")) == [TITLES[1]]


def test_a_quoted_phrase_must_occur_as_written(analyst_store):
    assert _titles(search(analyst_store, '"условные боевики"')) == [TITLES[4]]
    assert search(analyst_store, '"боевики условные"').found == []


def test_filters_by_source_language_and_date(analyst_store):
    assert _titles(search(analyst_store, "жинау", source="dala")) == [TITLES[6]]
    assert search(analyst_store, "жинау", source="wire").found == []
    assert search(analyst_store, "боевики", language="kk").found == []
    assert _titles(search(analyst_store, "боевики", since=date(2024, 3, 2))) == [TITLES[4]]


def test_results_are_newest_first_with_total_and_limit(analyst_store):
    results = search(analyst_store, "боевик*", limit=1)

    assert (results.total, _titles(results)) == (2, [TITLES[4]])
    assert results.found[0].date.startswith("2024-03-05")


def test_the_snippet_marks_the_matched_words(analyst_store):
    (found,) = search(analyst_store, "задержали").found

    assert "[задержали]" in found.snippet


def test_search_prints_date_source_title_url_and_snippet(analyst_config_dir, analyst_config):
    result = dozor("search", "ЛАҢКЕС", "--config", str(analyst_config_dir))

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "1 article matches 'ЛАҢКЕС'.",
        "",
        f"2024-03-03  dala  {TITLES[2]}",
        "    https://example.org/dala/3",
        "    ҚАЗАҚСТАН: ӨСКЕМЕНДЕ [ЛАҢКЕС] СОТТАЛДЫ",
    ]


def test_search_without_words_exits_1_with_one_line(analyst_config_dir, analyst_config):
    result = dozor("search", "--config", str(analyst_config_dir), "--", "-:-")

    assert result.returncode == 1
    assert result.stderr == "error: the query '-:-' has no words to search for\n"
