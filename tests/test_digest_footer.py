"""The digest footer: sources failing for a day or more, and rules analysts marked as imprecise."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from crawler.items import Article
from monitor.analyst.feedback import record_verdict
from monitor.config.models import FileChannel
from monitor.digest import build_digest
from monitor.ingest import ingest
from monitor.render import render_digest
from monitor.rules.engine import compile_rules
from monitor.rules.model import RuleFile, RulePack
from monitor.store import Store
from tests.builders import TEST_RULES

CHANNEL = FileChannel(name="files")


def _store(tmp_path, count: int) -> Store:
    store = Store(tmp_path / "d.sqlite3")
    matcher = compile_rules(RulePack.combine([("t.yaml", RuleFile.model_validate(TEST_RULES))]))
    articles = [Article(source="wire", url=f"https://example.org/{n}", title=f"Боевики, сюжет {n}",
                        body=f"Отдельная история номер {n} о задержании {n * 7} человек в городе {n}.") for n in range(count)]
    ingest(store, matcher, articles, [CHANNEL])
    return store


def test_a_rule_marked_mostly_irrelevant_is_flagged_in_the_footer(tmp_path):
    store = _store(tmp_path, 6)
    hit_ids = [row[0] for row in store.db.execute("SELECT id FROM hits ORDER BY id")]
    for hit_id in hit_ids[:4]:
        record_verdict(store, hit_id, "irrelevant")
    record_verdict(store, hit_ids[4], "relevant")

    digest = build_digest(store, CHANNEL.name)

    assert digest.weak_rules == ["Extremism and foreign fighters (20% of 5 marked)"]
    assert "Rules with low precision" in render_digest(digest).text
    assert f"feedback {hit_ids[0]} relevant|irrelevant" in render_digest(digest).text


def test_too_few_verdicts_flag_nothing(tmp_path):
    store = _store(tmp_path, 3)
    for (hit_id,) in store.db.execute("SELECT id FROM hits").fetchall():
        record_verdict(store, hit_id, "irrelevant")

    assert build_digest(store, CHANNEL.name).weak_rules == []


def test_only_sources_failing_for_a_day_are_listed(tmp_path):
    store = _store(tmp_path, 1)
    hour_ago = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    two_days_ago = (datetime.now(timezone.utc) - timedelta(days=2)).isoformat()
    with store.transaction() as db:
        db["sources"].insert_all([
            {"name": "briefly-down", "kind": "rss", "consecutive_failures": 2, "last_success": hour_ago,
             "last_error_category": "timeout"},
            {"name": "long-down", "kind": "rss", "consecutive_failures": 40, "last_success": two_days_ago,
             "last_error_category": "http_5xx"},
            {"name": "healthy", "kind": "rss", "consecutive_failures": 0, "last_success": hour_ago},
        ])

    assert [source["name"] for source in build_digest(store, CHANNEL.name).failing_sources] == ["long-down"]
