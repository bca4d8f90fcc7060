"""The SQLite store: schema versions, WAL, and all-or-nothing batches."""
from __future__ import annotations

import sqlite3

import pytest

from crawler.items import Article
from monitor.config.models import FileChannel
from monitor.ingest import ingest
from monitor.migrations import MIGRATIONS
from monitor.rules.engine import compile_rules
from monitor.rules.model import RulePack, RuleFile
from monitor.store import Store
from tests.builders import TEST_RULES

CHANNELS = [FileChannel(name="files")]


@pytest.fixture
def matcher():
    return compile_rules(RulePack.combine([("test.yaml", RuleFile.model_validate(TEST_RULES))]))


def _article(n: int, title: str = "Боевики задержаны") -> Article:
    return Article(source="wire", url=f"https://example.org/news/{n}?utm_source=x", title=f"{title} {n}", body=f"Текст {n}")


def test_new_database_is_at_the_latest_version_in_wal_mode(tmp_path):
    store = Store(tmp_path / "d.sqlite3")

    assert store.schema_version() == MIGRATIONS[-1][0]
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_reopening_applies_nothing_twice(tmp_path):
    Store(tmp_path / "d.sqlite3").close()
    store = Store(tmp_path / "d.sqlite3")

    assert store.db.execute("SELECT count(*) FROM schema_migrations").fetchone()[0] == len(MIGRATIONS)


def test_ingest_stores_hits_with_evidence_and_pending_deliveries(tmp_path, matcher):
    store = Store(tmp_path / "d.sqlite3")

    result = ingest(store, matcher, [_article(1), _article(2, "Погода в Алматы")], CHANNELS)

    assert (result.seen, result.new, result.matched) == (2, 2, 1)
    evidence = store.db.execute("SELECT evidence FROM hits").fetchone()[0]
    assert '"text": "Боевики"' in evidence
    assert store.db.execute("SELECT status FROM deliveries").fetchall() == [("pending",)]


def test_same_article_under_tracking_url_variants_is_stored_once(tmp_path, matcher):
    store = Store(tmp_path / "d.sqlite3")
    first = _article(1)
    variant = Article(source="other", url="https://www.example.org/news/1/#top", title=first.title, body="changed")

    ingest(store, matcher, [first], CHANNELS)
    second = ingest(store, matcher, [variant], CHANNELS)

    assert second.new == 0
    assert store.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_error_inside_a_batch_leaves_no_rows(tmp_path, matcher):
    store = Store(tmp_path / "d.sqlite3")
    broken = Article(source=None, url="https://example.org/x", title="Wire item", body="")  # source is NOT NULL

    with pytest.raises(sqlite3.IntegrityError):
        ingest(store, matcher, [_article(1), broken], CHANNELS)

    counts = [store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in ("articles", "hits", "deliveries")]
    assert counts == [0, 0, 0]


def test_full_text_index_follows_inserts_after_every_migration(tmp_path, matcher):
    store = Store(tmp_path / "d.sqlite3")

    ingest(store, matcher, [_article(1, "Вербовщики задержаны в Шымкенте")], CHANNELS)

    found = store.db.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'шымкенте'").fetchall()
    assert len(found) == 1


def test_online_backup_while_a_writer_holds_the_database(tmp_path, matcher):
    from monitor.backup import backup

    store = Store(tmp_path / "d.sqlite3")
    ingest(store, matcher, [_article(1), _article(2)], CHANNELS)
    writer = sqlite3.connect(tmp_path / "d.sqlite3")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO sources (name, kind) VALUES ('held', 'rss')")

    backup(tmp_path / "d.sqlite3", tmp_path / "copy.sqlite3")

    writer.rollback()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    assert copy.execute("SELECT count(*) FROM sources WHERE name = 'held'").fetchone()[0] == 0
    with pytest.raises(FileExistsError):
        backup(tmp_path / "d.sqlite3", tmp_path / "copy.sqlite3")
