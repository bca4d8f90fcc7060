"""feedback and stats: verdicts on hits, precision per rule, articles and failures per source."""
from __future__ import annotations

from datetime import date

import pytest

from monitor.analyst import AnalystError
from monitor.analyst.feedback import record_verdict
from monitor.analyst.stats import (
    format_stats,
    low_precision_rules,
    rule_stats,
    source_stats,
    stats,
)
from tests.test_analyst_fixtures import TITLES, dozor, hit_ids

pytest_plugins = ["tests.test_analyst_fixtures"]


def _fighters(store):
    return next(row for row in rule_stats(store) if row.rule == "fighters")


def test_a_verdict_is_stored_with_its_note(analyst_store):
    hit = hit_ids(analyst_store, "fighters")[TITLES[0]]

    verdict = record_verdict(analyst_store, hit, "relevant", note="confirmed by a second source")

    assert (verdict.rule, verdict.headline) == ("fighters", TITLES[0])
    assert analyst_store.db.execute("SELECT hit_id, verdict, note, via FROM feedback").fetchall() == [
        (hit, "relevant", "confirmed by a second source", "cli")
    ]


def test_feedback_changes_precision(analyst_store):
    hits = hit_ids(analyst_store, "fighters")
    assert _fighters(analyst_store).precision is None

    record_verdict(analyst_store, hits[TITLES[0]], "relevant")
    record_verdict(analyst_store, hits[TITLES[4]], "irrelevant")

    fighters = _fighters(analyst_store)
    assert (fighters.hits, fighters.relevant, fighters.irrelevant, fighters.precision) == (3, 1, 1, 0.5)


def test_the_latest_verdict_on_a_hit_wins(analyst_store):
    hit = hit_ids(analyst_store, "fighters")[TITLES[4]]

    record_verdict(analyst_store, hit, "relevant")
    record_verdict(analyst_store, hit, "irrelevant")

    assert (_fighters(analyst_store).relevant, _fighters(analyst_store).irrelevant) == (0, 1)


def test_an_unknown_hit_is_a_clear_error_and_nothing_is_stored(analyst_store):
    with pytest.raises(AnalystError, match="there is no hit with id 999"):
        record_verdict(analyst_store, 999, "relevant")

    assert analyst_store.db.execute("SELECT count(*) FROM feedback").fetchone()[0] == 0


def test_low_precision_rules_need_enough_marked_hits(analyst_store):
    hits = hit_ids(analyst_store, "fighters")
    for title in (TITLES[0], TITLES[2], TITLES[4]):
        record_verdict(analyst_store, hits[title], "irrelevant")

    assert [row.rule for row in low_precision_rules(analyst_store, 0.5, min_marked=3)] == ["fighters"]
    assert low_precision_rules(analyst_store, 0.5, min_marked=4) == []
    assert low_precision_rules(analyst_store, 0.0, min_marked=1) == []


def test_source_stats_count_articles_hits_and_failures(analyst_store):
    rows = [(row.source, row.articles, row.hits, row.consecutive_failures) for row in source_stats(analyst_store)]

    assert rows == [("dala", 2, 1, 0), ("herald", 1, 0, 2), ("wire", 4, 3, 0)]


def test_since_counts_only_articles_dated_from_then(analyst_store):
    assert [(row.rule, row.hits) for row in rule_stats(analyst_store, since=date(2024, 3, 3))] == [("fighters", 2)]
    assert [(row.source, row.articles) for row in source_stats(analyst_store, since=date(2024, 3, 3))] == [
        ("dala", 1), ("herald", 0), ("wire", 2)
    ]


def test_the_table_flags_rules_below_the_precision_level(analyst_store):
    hits = hit_ids(analyst_store, "fighters")
    record_verdict(analyst_store, hits[TITLES[0]], "relevant")
    record_verdict(analyst_store, hits[TITLES[4]], "irrelevant")
    record_verdict(analyst_store, hits[TITLES[2]], "irrelevant")

    text = format_stats(stats(analyst_store), min_precision=0.5, min_marked=3)

    assert "  fighters          3         1           2        33%  !" in text
    assert "  recruitment       1         0           0          -" in text
    assert "  herald         1       0         2" in text
    assert text.endswith("! precision below 50% over at least 3 marked hits: review the rule.")


def test_feedback_command_then_stats_show_the_new_precision(analyst_config_dir, analyst_config, analyst_store):
    hit = hit_ids(analyst_store, "fighters")[TITLES[4]]

    marked = dozor("feedback", str(hit), "irrelevant", "--note", "exercise", "--config", str(analyst_config_dir))
    shown = dozor("stats", "--min-marked", "1", "--config", str(analyst_config_dir))

    assert marked.returncode == 0, marked.stderr
    assert marked.stdout == f"Hit {hit} (fighters: {TITLES[4]}) marked irrelevant.\n"
    assert "  fighters          3         0           1         0%  !" in shown.stdout


def test_feedback_on_an_unknown_hit_exits_1_with_one_line(analyst_config_dir, analyst_config):
    result = dozor("feedback", "999", "relevant", "--config", str(analyst_config_dir))

    assert result.returncode == 1
    assert result.stderr == "error: there is no hit with id 999; `export` and `serve` show the ids of stored hits\n"
