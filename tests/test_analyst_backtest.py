"""backtest: an edited rule file over the stored archive, against the rules in force, writing nothing."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml

from monitor.analyst import AnalystError
from monitor.analyst.backtest import backtest, format_backtest
from monitor.config import ConfigError
from tests.test_analyst_fixtures import TITLES, dozor

pytest_plugins = ["tests.test_analyst_fixtures"]

# fighters now also catches джихадист*, and no longer training exercises (учения).
EDITED = {
    "lists": {"militants": ["боевик*", "лаңкес*", "militant*", "джихадист*"]},
    "rules": [
        {
            "id": "fighters", "title": "Fighters", "severity": "high", "score": 80,
            "match": {"any": ["$militants"]}, "unless": {"any": ["учени*"]},
        }
    ],
}


def _write(folder: Path, data: object, name: str = "fighters.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _changes(changes) -> list[tuple[str, str]]:
    return [(change.rule, change.article.title) for change in changes]


def _counts(store) -> list[int]:
    return [store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("articles", "hits", "deliveries", "feedback")]


def test_an_edited_rule_shows_exactly_the_hits_gained_and_lost(tmp_path, analyst_store, analyst_config):
    report = backtest(analyst_store, analyst_config, _write(tmp_path, EDITED))

    assert _changes(report.gained) == [("fighters", TITLES[3])]
    assert _changes(report.lost) == [("fighters", TITLES[4])]
    assert (report.articles, report.flagged_now, report.flagged_edited) == (7, 3, 3)
    assert [(count.rule, count.now, count.edited, count.gained, count.lost) for count in report.rules] == [("fighters", 3, 3, 1, 1)]


def test_the_sample_is_the_newest_flagged_articles(tmp_path, analyst_store, analyst_config):
    report = backtest(analyst_store, analyst_config, _write(tmp_path, EDITED), sample=2)

    assert [(article.title, rules) for article, rules in report.sample] == [(TITLES[3], ("fighters",)), (TITLES[2], ("fighters",))]


def test_a_new_rule_gains_every_article_it_flags(tmp_path, analyst_store, analyst_config):
    new_rule = {"rules": [{"id": "harvest", "title": "Harvest", "match": {"any": ["harvest", "жинау"]}}]}

    report = backtest(analyst_store, analyst_config, _write(tmp_path, new_rule))

    assert sorted(_changes(report.gained)) == [("harvest", TITLES[5]), ("harvest", TITLES[6])]
    assert (report.flagged_now, report.flagged_edited, report.lost) == (0, 2, [])


def test_since_limits_the_articles_matched(tmp_path, analyst_store, analyst_config):
    report = backtest(analyst_store, analyst_config, _write(tmp_path, EDITED), since=date(2024, 3, 5))

    assert (report.articles, _changes(report.gained), _changes(report.lost)) == (1, [], [("fighters", TITLES[4])])


def test_backtest_writes_nothing(tmp_path, analyst_store, analyst_config):
    before = _counts(analyst_store)
    changes = analyst_store.db.conn.total_changes

    backtest(analyst_store, analyst_config, _write(tmp_path, EDITED))

    assert (_counts(analyst_store), analyst_store.db.conn.total_changes) == (before, changes)
    assert analyst_store.db.execute("PRAGMA query_only").fetchone()[0] == 0


def test_a_mistake_in_the_rule_file_is_named_with_file_and_line(tmp_path, analyst_store, analyst_config):
    path = tmp_path / "broken.yaml"
    path.write_text("rules:\n  - id: fighters\n    title: Fighters\n    severity: critical\n    match: {any: [x]}\n", encoding="utf-8")

    with pytest.raises(ConfigError) as raised:
        backtest(analyst_store, analyst_config, path)

    assert raised.value.problems == [f"{path}:4: rules.0.severity: Input should be 'urgent', 'high', 'normal' or 'low'"]


def test_an_unknown_list_is_named_with_the_rule(tmp_path, analyst_store, analyst_config):
    path = _write(tmp_path, {"rules": [{"id": "x", "title": "X", "match": {"any": ["$militantz"]}}]})

    with pytest.raises(ConfigError, match=r"rule x: unknown list or entity \$militantz \(did you mean \$militants\?\)"):
        backtest(analyst_store, analyst_config, path)


def test_a_file_inside_the_config_rules_folder_is_refused(analyst_store, analyst_config):
    with pytest.raises(AnalystError, match="rules in force already include it"):
        backtest(analyst_store, analyst_config, analyst_config.directory / "rules" / "test.yaml")


def test_the_report_lists_gained_and_lost_headlines(tmp_path, analyst_store, analyst_config):
    text = format_backtest(backtest(analyst_store, analyst_config, _write(tmp_path, EDITED), sample=0))

    assert f"Hits gained (1):\n  + fighters  2024-03-04  wire  {TITLES[3]}" in text
    assert f"Hits lost (1):\n  - fighters  2024-03-05  wire  {TITLES[4]}" in text
    assert "fighters       3       3      +1      -1" in text


def test_backtest_command_prints_the_comparison(tmp_path, analyst_config_dir, analyst_config):
    result = dozor("backtest", str(_write(tmp_path, EDITED)), "--config", str(analyst_config_dir), "--sample", "1")

    assert result.returncode == 0, result.stderr
    assert f"+ fighters  2024-03-04  wire  {TITLES[3]}" in result.stdout
    assert f"- fighters  2024-03-05  wire  {TITLES[4]}" in result.stdout
    assert "Articles flagged by this file's rules: 3 (with the rules in force: 3)." in result.stdout
