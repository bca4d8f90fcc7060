"""The database schema, as an ordered list of migrations; opening an older file upgrades it."""
from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

from monitor.similarity import signature, to_bytes
from monitor.text import normalised_text


def _v1_core(db: sqlite_utils.Database) -> None:
    db["sources"].create(
        {
            "name": str, "kind": str, "last_attempt": str, "last_success": str, "last_error": str,
            "last_error_category": str, "consecutive_failures": int, "last_items": int,
        },
        pk="name",
    )
    db["articles"].create(
        {
            "id": int, "url": str, "canonical_url": str, "fingerprint": str, "source": str, "title": str,
            "body": str, "published": str, "language": str, "country": str, "fetched_at": str,
        },
        pk="id",
        not_null={"url", "canonical_url", "fingerprint", "source", "title", "fetched_at"},
    )
    db["articles"].create_index(["canonical_url"], unique=True)
    db["articles"].create_index(["fingerprint"])
    db["articles"].create_index(["fetched_at"])
    db["hits"].create(
        {
            "id": int, "article_id": int, "rule_id": str, "rule_title": str, "severity": str, "score": int,
            "evidence": str, "created_at": str,
        },
        pk="id",
        foreign_keys=[("article_id", "articles", "id")],
        not_null={"article_id", "rule_id", "severity", "created_at"},
    )
    db["hits"].create_index(["article_id", "rule_id"], unique=True)
    db["deliveries"].create(
        {
            "id": int, "hit_id": int, "channel": str, "status": str, "message_ref": str, "attempts": int,
            "error": str, "next_attempt": str, "created_at": str, "sent_at": str,
        },
        pk="id",
        foreign_keys=[("hit_id", "hits", "id")],
        not_null={"hit_id", "channel", "status", "created_at"},
        defaults={"status": "pending", "attempts": 0},
    )
    db["deliveries"].create_index(["hit_id", "channel"], unique=True)
    db["deliveries"].create_index(["channel", "status"])
    db["articles"].enable_fts(["title", "body"], create_triggers=True, tokenize="unicode61 remove_diacritics 2")


def _v2_http_cache(db: sqlite_utils.Database) -> None:
    db["http_cache"].create({"url": str, "etag": str, "last_modified": str, "updated_at": str}, pk="url")


def _v3_feedback(db: sqlite_utils.Database) -> None:
    db["feedback"].create(
        {"id": int, "hit_id": int, "verdict": str, "note": str, "via": str, "created_at": str},
        pk="id",
        foreign_keys=[("hit_id", "hits", "id")],
        not_null={"hit_id", "verdict", "created_at"},
    )
    db["feedback"].create_index(["hit_id"])


def _v4_outbox_messages(db: sqlite_utils.Database) -> None:
    """Messages hold the exact payload sent, so a retry after a crash resends the same thing."""
    db["messages"].create(
        {
            "id": int, "channel": str, "purpose": str, "status": str, "message_ref": str, "payload": str,
            "parts_sent": int, "attempts": int, "error": str, "next_attempt": str, "created_at": str,
            "sent_at": str, "reference": str,
        },
        pk="id",
        not_null={"channel", "purpose", "status", "message_ref", "payload", "created_at"},
        defaults={"parts_sent": 0, "attempts": 0},
    )
    db["messages"].create_index(["status", "next_attempt"])
    db["deliveries"].add_column("purpose", str, not_null_default="digest")
    db["deliveries"].add_column("message_id", int, fk="messages", fk_col="id")
    db["deliveries"].transform(drop={"message_ref", "attempts", "error", "next_attempt", "sent_at"})
    db.execute("DROP INDEX IF EXISTS idx_deliveries_hit_id_channel")
    db["deliveries"].create_index(["hit_id", "channel", "purpose"], unique=True)
    db["deliveries"].create_index(["message_id"])


def _v5_stories(db: sqlite_utils.Database) -> None:
    db["stories"].create(
        {"id": int, "title": str, "first_seen": str, "last_seen": str, "articles": int},
        pk="id", not_null={"title", "first_seen", "last_seen"}, defaults={"articles": 0},
    )
    db["stories"].create_index(["last_seen"])
    # A plain ALTER TABLE: rebuilding the table would drop the full-text index's triggers.
    db.execute("ALTER TABLE articles ADD COLUMN story_id INTEGER REFERENCES stories(id)")
    db["articles"].create_index(["story_id"])
    db["articles"].create_index(["published"])
    db["article_urls"].create({"canonical_url": str, "article_id": int, "seen_at": str}, pk="canonical_url",
                              foreign_keys=[("article_id", "articles", "id")])
    db["signatures"].create({"article_id": int, "story_id": int, "seen_at": str, "title": str, "minhash": bytes},
                            pk="article_id", foreign_keys=[("article_id", "articles", "id")])
    db["signatures"].create_index(["seen_at"])
    db["deliveries"].add_column("is_update", int, not_null_default=0)


def _v6_digest_periods(db: sqlite_utils.Database) -> None:
    """One row per channel and digest period handled, sent or empty: the daemon's memory of its schedule."""
    db["digest_periods"].create({"channel": str, "period": str, "handled_at": str, "message_id": int},
                                pk=("channel", "period"))


def _v7_telegram_offsets(db: sqlite_utils.Database) -> None:
    """Per bot, the first Telegram update not yet handled, so a restart reads no button press twice."""
    db["telegram_offsets"].create({"bot": str, "next_update": int, "updated_at": str}, pk="bot")


def _v8_disabled_channels(db: sqlite_utils.Database) -> None:
    """Channels whose recipient refused a message, switched off until an operator enables them."""
    db["disabled_channels"].create({"channel": str, "reason": str, "disabled_at": str}, pk="channel")


def _v9_host_holds(db: sqlite_utils.Database) -> None:
    """Hosts that asked for a pause with Retry-After, and until when."""
    db["host_holds"].create({"host": str, "until": str}, pk="host")


def _v10_full_text_written_by_ingest(db: sqlite_utils.Database) -> None:
    """The full-text index at half the cost per article: written by ingest, fewer and larger segments.

    An insert trigger runs inside a statement savepoint, and FTS5 (SQLite before 3.45)
    writes its in-memory hash to a new segment at every savepoint: one segment per
    article, merged again and again. Ingest now writes the index row itself
    (monitor.ingest), right after the article; the update and delete triggers stay.
    FTS5 also starts a segment whenever its hash passes `hashsize` (1 MB, a few
    hundred articles) and merges four segments at a time (`automerge`): with 16 MB a
    batch is one segment, and merging sixteen at a time halves how often an entry is
    rewritten, while a search reads at most sixteen segments per level.
    """
    db.execute("DROP TRIGGER IF EXISTS articles_ai")
    for option, value in (("hashsize", 16 * 1024 * 1024), ("automerge", 16)):
        db.execute("INSERT INTO articles_fts (articles_fts, rank) VALUES (?, ?)", [option, value])


def _v11_signatures_rehashed(db: sqlite_utils.Database) -> None:
    """Stored signatures again comparable with new ones, after the shingle hash changed (vectorised).

    Recomputed from the stored title and body, a thousand at a time; a signature whose
    body retention has already emptied is dropped (it is long out of the story window).
    """
    last = 0
    while rows := db.execute(
        "SELECT s.article_id, a.title, a.body FROM signatures s JOIN articles a ON a.id = s.article_id "
        "WHERE s.article_id > ? ORDER BY s.article_id LIMIT 1000", [last]).fetchall():
        last = rows[-1][0]
        db.conn.executemany("UPDATE signatures SET minhash = ? WHERE article_id = ?", [
            (to_bytes(signature(normalised_text(f"{title}\n{body}"))), article_id)
            for article_id, title, body in rows if body is not None])
        db.conn.executemany("DELETE FROM signatures WHERE article_id = ?",
                            [(article_id,) for article_id, _, body in rows if body is None])


def _v12_signature_languages(db: sqlite_utils.Database) -> None:
    """What links an article to the same event in another language (monitor.similarity.Mentions):
    its language, the people and organisations it names, the figures it gives."""
    for column in ("language", "actors", "figures"):
        db["signatures"].add_column(column, str)


MIGRATIONS: list[tuple[int, str, Callable[[sqlite_utils.Database], None]]] = [
    (1, "sources, articles, hits, deliveries, full-text index", _v1_core),
    (2, "validators for conditional GET", _v2_http_cache),
    (3, "analysts' verdicts on hits", _v3_feedback),
    (4, "outbox messages; deliveries for alerts and digests", _v4_outbox_messages),
    (5, "stories, extra URLs of an article, MinHash signatures", _v5_stories),
    (6, "digest periods handled per channel", _v6_digest_periods),
    (7, "Telegram update offsets for feedback buttons", _v7_telegram_offsets),
    (8, "channels disabled after their recipient refused", _v8_disabled_channels),
    (9, "hosts held after Retry-After", _v9_host_holds),
    (10, "full-text index written by ingest, not a trigger; fewer, larger segments", _v10_full_text_written_by_ingest),
    (11, "MinHash signatures recomputed with the vectorised shingle hash", _v11_signatures_rehashed),
    (12, "language, named actors and figures of each signature", _v12_signature_languages),
]


def migrate(db: sqlite_utils.Database) -> list[int]:
    """Apply every migration the database has not seen, each in its own transaction."""
    db.conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT, applied_at TEXT)")
    done = {row[0] for row in db.conn.execute("SELECT version FROM schema_migrations")}
    applied = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        db.conn.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, datetime('now'))",
                (version, name),
            )
            db.conn.execute("COMMIT")
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
