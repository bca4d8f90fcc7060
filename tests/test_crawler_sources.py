"""Every kind of source against the fixture internet in tests/sites: what comes out is what the pages say."""
from __future__ import annotations

import socket
import sqlite3
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from tests.builders import write_config
from tests.conftest import run_dozor
from tests.fakes.faultserver import FaultServer

SITES = Path(__file__).resolve().parent / "sites"
MANIFEST = yaml.safe_load((SITES / "manifest.yaml").read_text(encoding="utf-8"))


def source_list(base: str) -> list[dict]:
    return [
        {"name": "steppe-wire", "kind": "rss", "url": f"{base}/steppe-wire/feed.rss", "country": "KZ", "languages": ["kk"]},
        {"name": "samarkand-post", "kind": "atom", "url": f"{base}/samarkand-post/feed.atom", "country": "UZ",
         "languages": ["uz"], "full_text": True},
        {"name": "bishkek-vestnik", "kind": "html", "url": f"{base}/bishkek-vestnik/index.html", "country": "KG",
         "languages": ["ru"],
         "listing": {"links": "a.news-link", "next": "a.next", "pages": 2},
         "article": {"title": "h1.headline", "body": "div.text p", "date": "span.date"}},
        {"name": "dushanbe-daily", "kind": "sitemap", "url": f"{base}/dushanbe-daily/sitemap.xml", "country": "TJ",
         "languages": ["en"]},
        {"name": "steppe-news-tg", "kind": "telegram", "url": f"{base}/telegram/s/steppe_news.html", "country": "KZ",
         "languages": ["ru"]},
    ]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """One round over every kind of source; the stored articles by URL path, and the server's request log."""
    tmp_path = tmp_path_factory.mktemp("sources")
    with FaultServer(SITES) as site:
        config = write_config(tmp_path / "config", tmp_path / "data", source_list(site.base))
        result = run_dozor("once", "--config", str(config))
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
            conn.row_factory = sqlite3.Row
            rows = [dict(row) for row in conn.execute("SELECT * FROM articles")]
        articles = {row["url"].replace(site.base, ""): row for row in rows}
        yield {"articles": articles, "hits": dict(site.hits), "stdout": result.stdout}


def _same_instant(stored: str, expected: str) -> bool:
    return datetime.fromisoformat(stored) == datetime.fromisoformat(expected)


@pytest.mark.parametrize("site_name", ["steppe-wire", "samarkand-post", "bishkek-vestnik", "dushanbe-daily"])
def test_articles_come_out_with_title_body_date_and_language(crawled, site_name):
    for expected in MANIFEST["sites"][site_name]["articles"]:
        stored = crawled["articles"][expected["url"]]
        assert stored["title"] == expected["title"]
        assert expected["phrase"] in stored["body"], stored["body"][:300]
        assert _same_instant(stored["published"], expected["published"])
        assert stored["language"] == expected["language"]


def test_summary_only_feed_gets_the_article_text_without_boilerplate(crawled):
    site = MANIFEST["sites"]["samarkand-post"]
    for expected in site["articles"]:
        body = crawled["articles"][expected["url"]]["body"]
        assert len(body) > 3 * len(expected["summary"])
        for boilerplate in site["boilerplate_phrases"]:
            assert boilerplate not in body


def test_windows_1251_listing_and_pages_without_charset_arrive_intact(crawled):
    titles = [crawled["articles"][a["url"]]["title"] for a in MANIFEST["sites"]["bishkek-vestnik"]["articles"]]
    assert all("ё" in title or "Ы" in title for title in titles)
    assert crawled["hits"]["/bishkek-vestnik/index-2.html"] == 1


def test_telegram_posts_are_articles_and_photos_and_service_messages_are_skipped(crawled):
    posts = MANIFEST["sites"]["telegram"]["articles"]
    for post in posts:
        stored = crawled["articles"].get(post["url"])
        if post["expect"] == "skip":
            assert stored is None, post["url"]
        else:
            assert stored is not None, post["url"]
            assert _same_instant(stored["published"], post["published"])
            assert stored["title"] and stored["body"].startswith(stored["title"].removesuffix(" …"))


def test_nothing_outside_loopback_and_no_non_article_link_is_fetched(crawled):
    assert not any(path.startswith("/bishkek-vestnik/about") for path in crawled["hits"])
    assert all(path.startswith(("/steppe-wire", "/samarkand-post", "/bishkek-vestnik", "/dushanbe-daily", "/telegram", "/robots.txt"))
               for path in crawled["hits"])
    assert "Sources fetched: 5 of 5" in crawled["stdout"]


def _fault_round(tmp_path, path: str) -> tuple[dict, list[dict]]:
    with FaultServer(SITES) as site:
        sources = [{"name": "fault", "kind": "rss", "url": f"{site.base}{path}"}]
        config = write_config(tmp_path / "config", tmp_path / "data", sources)
        assert run_dozor("once", "--config", str(config)).returncode == 0
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
        conn.row_factory = sqlite3.Row
        health = dict(conn.execute("SELECT * FROM sources WHERE name = 'fault'").fetchone())
        articles = [dict(row) for row in conn.execute("SELECT title, body FROM articles")]
    return health, articles


def test_malformed_feed_keeps_the_items_it_can_recover(tmp_path):
    health, articles = _fault_round(tmp_path, "/faults/malformed.rss")
    recovered = MANIFEST["faults"]["malformed.rss"]["recoverable_items"]
    assert {item["title"] for item in recovered} <= {article["title"] for article in articles}
    assert health["consecutive_failures"] == 0


def test_text_that_is_not_xml_is_a_parse_failure(tmp_path):
    health, articles = _fault_round(tmp_path, "/faults/broken.rss")
    assert health["last_error_category"] == "parse" and articles == []


def test_entity_expansion_bomb_is_not_expanded(tmp_path):
    health, articles = _fault_round(tmp_path, "/faults/billion-laughs.rss")
    assert all(len(article["title"]) < 500 and "lollol" not in article["body"] for article in articles)


def test_external_entity_is_never_resolved(tmp_path):
    secret = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else socket.gethostname()
    health, articles = _fault_round(tmp_path, "/faults/xxe.rss")
    assert articles, "the safe items of the feed are still ingested"
    assert all(secret not in article["title"] and secret not in (article["body"] or "") for article in articles)
