"""One real round, as a user runs it: Scrapy against fixture sites on 127.0.0.1, into SQLite and a digest."""
from __future__ import annotations

import sqlite3

import pytest
import yaml

from tests.builders import DEMO_SITE, demo_sources, write_config
from tests.conftest import run_dozor
from tests.fakes.faultserver import FaultServer

EXPECTED = yaml.safe_load((DEMO_SITE / "expected.yaml").read_text(encoding="utf-8"))["articles"]


@pytest.fixture
def site():
    with FaultServer(DEMO_SITE) as server:
        yield server


def _rows(database, sql):
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql)]


def test_round_stores_every_article_and_digests_only_the_matching_ones(site, tmp_path):
    config = write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base))

    result = run_dozor("once", "--config", str(config), "--digest")

    assert result.returncode == 0, result.stderr
    assert "Sources fetched: 3 of 3" in result.stdout
    titles = {row["title"] for row in _rows(tmp_path / "data/dozor.sqlite3", "SELECT title FROM articles")}
    assert titles == {article["title"] for article in EXPECTED}
    digest_text = next((tmp_path / "data/digests").glob("*.txt")).read_text(encoding="utf-8")
    for article in EXPECTED:
        assert (article["title"] in digest_text) == article["relevant"], article["title"]


def test_windows_1251_page_without_charset_arrives_intact(site, tmp_path):
    config = write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base))

    assert run_dozor("once", "--config", str(config)).returncode == 0

    cp1251 = next(article for article in EXPECTED if article["encoding"] == "windows-1251")
    rows = _rows(tmp_path / "data/dozor.sqlite3", "SELECT title, body FROM articles WHERE url LIKE '%cp1251%'")
    assert rows[0]["title"] == cp1251["title"]
    assert "боевики" in rows[0]["body"]


def test_second_round_adds_nothing_and_sends_nothing_twice(site, tmp_path):
    config = write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base))
    assert run_dozor("once", "--config", str(config), "--digest").returncode == 0

    second = run_dozor("once", "--config", str(config), "--digest")

    assert second.returncode == 0, second.stderr
    assert "new: 0" in second.stdout
    assert "Nothing new to send." in second.stdout
    database = tmp_path / "data/dozor.sqlite3"
    assert _rows(database, "SELECT count(*) AS n FROM articles")[0]["n"] == len(EXPECTED)
    assert _rows(database, "SELECT count(*) AS n FROM deliveries WHERE status != 'sent'")[0]["n"] == 0
    assert len(list((tmp_path / "data/digests").glob("*.txt"))) == 1


def test_failing_sources_are_recorded_and_the_others_still_processed(site, tmp_path):
    sources = demo_sources(site.base) + [
        {"name": "broken", "kind": "rss", "url": f"{site.base}/status/500"},
        {"name": "sluggish", "kind": "rss", "url": f"{site.base}/slow/4", "timeout": "1s"},
    ]
    config = write_config(tmp_path / "config", tmp_path / "data", sources)

    result = run_dozor("once", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert "Sources fetched: 3 of 5" in result.stdout
    health = {row["name"]: row for row in _rows(tmp_path / "data/dozor.sqlite3", "SELECT * FROM sources")}
    assert health["broken"]["last_error_category"] == "http_5xx"
    assert health["sluggish"]["last_error_category"] == "timeout"
    assert health["broken"]["consecutive_failures"] == 1
    assert health["wire"]["consecutive_failures"] == 0
    assert _rows(tmp_path / "data/dozor.sqlite3", "SELECT count(*) AS n FROM articles")[0]["n"] == len(EXPECTED)


def test_sources_command_lists_health(site, tmp_path):
    sources = demo_sources(site.base) + [{"name": "broken", "kind": "rss", "url": f"{site.base}/status/503"}]
    config = write_config(tmp_path / "config", tmp_path / "data", sources)
    run_dozor("once", "--config", str(config))

    listing = run_dozor("sources", "--config", str(config))

    assert listing.returncode == 0
    broken = next(line for line in listing.stdout.splitlines() if line.startswith("broken"))
    assert "failing" in broken and "http_5xx" in broken
    assert any(line.startswith("wire") and " ok " in line for line in listing.stdout.splitlines())


def test_second_round_sends_conditional_requests_and_gets_304(site, tmp_path):
    config = write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base))
    run_dozor("once", "--config", str(config))
    site.hits.clear()

    second = run_dozor("once", "--config", str(config))

    assert second.returncode == 0, second.stderr
    assert "Sources fetched: 3 of 3" in second.stdout
    database = tmp_path / "data/dozor.sqlite3"
    cached = {row["url"] for row in _rows(database, "SELECT url FROM http_cache")}
    assert f"{site.base}/feeds/central-asia.rss" in cached
    # Only the feeds and the listing were asked again; no article page was fetched twice.
    assert set(site.hits) == {"/feeds/central-asia.rss", "/feeds/kazakh.atom", "/news/index.html", "/robots.txt"}
    assert site.not_modified >= 3
