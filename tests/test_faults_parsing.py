"""FAULTS.md 12-21: odd, hostile and oversized feed content, through one real round with a digest."""
from __future__ import annotations

import socket
import sqlite3
import time
import unicodedata
from pathlib import Path

import pytest

from crawler.feeds import parse_feed
from monitor.store import Store
from monitor.stories import list_stories
from tests.builders import DEMO_SITE, write_config
from tests.conftest import run_dozor
from tests.fakes.faultserver import FaultServer

FAULTS = Path(__file__).resolve().parent / "sites" / "faults"
KOI8_TITLE = "Вербовщики боевиков задержаны в Бишкеке"
# Decomposed (NFD) text with a zero-width space, a soft hyphen, a right-to-left override and an emoji.
TRAP_TITLE = unicodedata.normalize(
    "NFD", "Вербов\u200bщик и бое\u00adвики задержаны: задержанный \u202eгражданин\u202c 🚨")
HIDDEN = ("\u200b", "\u00ad", "\u202e", "\u202c")
ODD_ITEMS = """
<item><title>Боевики: без ссылки и guid, первый</title><description>Текст первый.</description>
  <pubDate>Sun, 29 Nov 2026 08:00:00 +0500</pubDate></item>
<item><title>Боевики: без ссылки и guid, второй</title><description>Текст второй.</description></item>
<item><title>Боевики: guid без ссылки</title><guid isPermaLink="false">urn:news:77</guid>
  <description>Текст третий.</description></item>
<item><title>Боевики: дата не читается</title><link>https://news.example.org/4</link>
  <pubDate>вчера вечером</pubDate><description>Текст четвёртый.</description></item>
<item><title>Боевики: дата в далёком будущем</title><link>https://news.example.org/5</link>
  <pubDate>Mon, 01 Jan 2999 00:00:00 GMT</pubDate><description>Текст пятый.</description></item>
<item><title>Боевики: дата 1970</title><link>https://news.example.org/6</link>
  <pubDate>Thu, 01 Jan 1970 00:00:00 GMT</pubDate><description>Текст шестой.</description></item>
<item><title>Боевики: ссылка сломана</title><link>http://[news.example.org/7</link>
  <description>Текст седьмой.</description></item>
"""
BIG_ENTRIES = 10_000
MEGABYTE_TITLE = "Заголовок " * (1024 * 1024 // 20)


def _rss(items: str, declaration: str = "utf-8") -> str:
    return f"<?xml version='1.0' encoding='{declaration}'?><rss version='2.0'><channel><title>T</title>{items}</channel></rss>"


def _big_feed() -> bytes:
    items = [f"<item><title>{MEGABYTE_TITLE}</title><link>https://big.example.org/0</link></item>"]
    items += [f"<item><title>Новость {n}</title><link>https://big.example.org/{n}</link><description>Текст {n}</description></item>"
              for n in range(1, BIG_ENTRIES)]
    return _rss("".join(items)).encode()


def _fixture(name: str, base: str) -> bytes:
    return (FAULTS / name).read_bytes().replace(b"{{BASE}}", base.encode())


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("parsing")
    with FaultServer(DEMO_SITE) as site:
        rss = "application/rss+xml"
        site.override("/odd.rss", 200, rss, _rss(ODD_ITEMS).encode())
        site.override("/koi8.rss", 200, f"{rss}; charset=utf-8", _rss(
            f"<item><title>{KOI8_TITLE}</title><link>https://kg.example.org/1</link>"
            "<description>ГКНБ сообщил о задержании.</description></item>").encode("koi8_r"))
        site.override("/traps.rss", 200, rss, _rss(
            f"<item><title>{TRAP_TITLE}</title><link>https://traps.example.org/1</link>"
            "<description>Подробности задержания.</description></item>").encode())
        site.override("/big.rss", 200, rss, _big_feed())
        site.override("/xxe.rss", 200, rss, _fixture("xxe.rss", site.base))
        site.override("/malformed.rss", 200, rss, _fixture("malformed.rss", site.base))
        sources = [{"name": name, "kind": "rss", "url": f"{site.base}/{name}.rss"}
                   for name in ("odd", "koi8", "traps", "big", "xxe", "malformed")]
        config = write_config(tmp_path / "config", tmp_path / "data", sources)
        result = run_dozor("-v", "once", "--config", str(config), "--digest")
        assert result.returncode == 0, result.stderr[-3000:]
    database = tmp_path / "data/dozor.sqlite3"
    with sqlite3.connect(database) as conn:
        conn.row_factory = sqlite3.Row
        articles = [dict(row) for row in conn.execute("SELECT * FROM articles")]
        matched = {row[0] for row in conn.execute("SELECT a.title FROM hits h JOIN articles a ON a.id = h.article_id")}
    digests = tmp_path / "data/digests"
    yield {
        "articles": articles, "matched": matched, "database": database, "stdout": result.stdout,
        "stderr": result.stderr, "digest_text": next(digests.glob("*.txt")).read_text(encoding="utf-8"),
        "digest_html": next(digests.glob("*.html")).read_text(encoding="utf-8"),
    }


def _of(crawled, source: str) -> list[dict]:
    return [article for article in crawled["articles"] if article["source"] == source]


# -- 12, 13: malformed and entity-expansion feeds ---------------------------------------------


def test_malformed_feed_names_the_parser_exception_and_keeps_what_it_recovered():
    parsed = parse_feed(_fixture("malformed.rss", "http://127.0.0.1:1"))
    assert parsed.problem.startswith("XMLSyntaxError: ")
    assert [entry.title for entry in parsed.entries][:2] == [
        "Fault fixture: first good item survives a broken feed", "Fault fixture: second good item survives a broken feed"]


def test_malformed_feed_is_logged_with_the_exception_class_and_counts_as_fetched(crawled):
    assert "source malformed: the feed is not well-formed (XMLSyntaxError: " in crawled["stderr"]
    assert len(_of(crawled, "malformed")) >= 2


def test_billion_laughs_parses_quickly_without_expanding():
    started = time.monotonic()
    parsed = parse_feed(_fixture("billion-laughs.rss", "http://127.0.0.1:1"))
    assert time.monotonic() - started < 1.0
    fields = [text for entry in parsed.entries for text in (entry.title, entry.text)]
    assert all("lollol" not in text and len(text) < 1000 for text in fields)


# -- 14: external entities ---------------------------------------------------------------------


def test_external_entity_never_reaches_the_store_or_the_logs(crawled):
    secret = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else socket.gethostname()
    assert _of(crawled, "xxe"), "the harmless items are still stored"
    stored = " ".join(f"{article['title']} {article['body']}" for article in _of(crawled, "xxe"))
    assert secret not in stored
    assert secret not in crawled["stderr"] and secret not in crawled["stdout"]


# -- 16: KOI8-R labelled utf-8 -----------------------------------------------------------------


def test_koi8r_feed_labelled_utf8_is_read_as_koi8r_and_matches(crawled):
    assert [article["title"] for article in _of(crawled, "koi8")] == [KOI8_TITLE]
    assert KOI8_TITLE in crawled["matched"]


# -- 18: missing guid, link or date; implausible dates ----------------------------------------


def test_entries_without_a_usable_link_are_kept_apart_by_guid_or_title(crawled):
    titles = sorted(article["title"] for article in _of(crawled, "odd"))
    assert titles == sorted([
        "Боевики: без ссылки и guid, первый", "Боевики: без ссылки и guid, второй", "Боевики: guid без ссылки",
        "Боевики: дата не читается", "Боевики: дата в далёком будущем", "Боевики: дата 1970",
        "Боевики: ссылка сломана"])


def test_unparsable_far_future_and_1970_dates_are_stored_as_null(crawled):
    published = {article["title"]: article["published"] for article in _of(crawled, "odd")}
    assert published["Боевики: без ссылки и guid, первый"] == "2026-11-29T03:00:00+00:00"
    assert [published[f"Боевики: {name}"] for name in ("дата не читается", "дата в далёком будущем", "дата 1970")] == [
        None, None, None]


def test_stories_and_digest_sort_with_missing_dates(crawled):
    store = Store(crawled["database"])
    try:
        titles = [story.title for story in list_stories(store, limit=1000)]
    finally:
        store.close()
    assert "Боевики: дата 1970" in titles and "Боевики: дата 1970" in crawled["digest_text"]
    assert "2999" not in crawled["digest_text"]


# -- 20: Unicode traps -------------------------------------------------------------------------


def test_decomposed_and_invisible_characters_do_not_stop_a_match(crawled):
    assert TRAP_TITLE in crawled["matched"]


@pytest.mark.parametrize("part", ["digest_text", "digest_html"])
def test_invisible_and_bidi_characters_never_reach_a_digest(crawled, part):
    digest = crawled[part]
    assert [char for char in HIDDEN if char in digest] == []
    assert "Вербовщик и боевики задержаны" in unicodedata.normalize("NFC", digest)
    assert "🚨" in digest


# -- 21: caps ----------------------------------------------------------------------------------


def test_feed_with_ten_thousand_entries_is_capped_and_the_cap_logged(crawled):
    assert len(_of(crawled, "big")) == 200
    assert f"source big: the feed lists {BIG_ENTRIES} entries; only the first 200 are read (max_items)" in crawled["stderr"]


def test_megabyte_title_is_cut_and_the_cut_logged(crawled):
    (first,) = [article for article in _of(crawled, "big") if article["url"] == "https://big.example.org/0"]
    assert len(first["title"]) == 1000 and first["title"].endswith("…")
    assert f"source big: title of {len(MEGABYTE_TITLE.strip())} characters cut to 1000" in crawled["stderr"]
