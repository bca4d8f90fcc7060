"""Crawled articles into the store: dedup, stories, rules, hits and their outbox rows in one transaction."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone

from crawler.items import Article
from monitor.checkpoints import checkpoint
from monitor.config.models import Channel, StorySettings
from monitor.fingerprint import fingerprint_of
from monitor.rules.engine import Document, Matcher, Reading, RuleHit
from monitor.rules.model import SEVERITY_RANK
from monitor.similarity import Mentions, numbers, signature, to_bytes
from monitor.store import Store, utc_now
from monitor.text import normalised_text
from monitor.story_index import Indexed, StoryIndex
from monitor.urls import canonical_url

log = logging.getLogger("dozor.ingest")


@dataclass
class IngestResult:
    seen: int = 0
    new: int = 0
    matched: int = 0
    new_stories: int = 0
    hit_ids: list[int] = field(default_factory=list)


def is_known(store: Store, url: str) -> bool:
    """Whether an article at this URL (in any canonical variant, or as a mirror) is already stored."""
    canonical = canonical_url(url)
    row = store.db.execute(
        "SELECT 1 FROM articles WHERE canonical_url = ? UNION ALL SELECT 1 FROM article_urls WHERE canonical_url = ?",
        (canonical, canonical),
    ).fetchone()
    return row is not None


def story_index(store: Store, settings: StorySettings) -> StoryIndex:
    """The store's index of recent signatures, built on first use."""
    index = store.caches.get("stories")
    wanted = (settings.similarity, timedelta(seconds=settings.window), settings.link_languages)
    if not isinstance(index, StoryIndex) or (index.threshold, index.window, index.link_languages) != wanted:
        index = StoryIndex(*wanted)
        newest = store.db.execute("SELECT max(seen_at) FROM signatures").fetchone()[0]
        if newest:
            since = (datetime.fromisoformat(newest) - 2 * index.window).isoformat()
            index.load(store.db.execute(
                "SELECT article_id, story_id, seen_at, title, minhash, language, actors, figures FROM signatures WHERE seen_at >= ?", [since]))
        store.caches["stories"] = index
    return index


def ingest(store: Store, matcher: Matcher, articles: Iterable[Article], channels: Sequence[Channel],
           stories: StorySettings | None = None) -> IngestResult:
    """Store every new article with its story, hits and pending deliveries; one batch, all or nothing."""
    index = story_index(store, stories or StorySettings())
    result = IngestResult()
    try:
        with store.transaction() as db:
            for article in articles:
                result.seen += 1
                _ingest_one(db, index, matcher, article, channels, result)
                checkpoint("mid_batch")
    except BaseException:
        store.caches.pop("stories", None)  # it may hold articles the rollback removed
        raise
    index.forget_old()
    log.info("ingested: seen=%d new=%d matched=%d new_stories=%d", result.seen, result.new, result.matched, result.new_stories)
    return result


def _ingest_one(db, index: StoryIndex, matcher: Matcher, article: Article, channels: Sequence[Channel],
                result: IngestResult) -> None:
    canonical = canonical_url(article.url)
    normalised = normalised_text(f"{article.title}\n{article.body}")
    fingerprint = fingerprint_of(normalised)
    if _already_stored(db, canonical, fingerprint):
        return
    published = _utc(article.published)
    seen_at = published or datetime.now(timezone.utc)
    minhash = signature(normalised)
    reading = _read(matcher, article)
    mentions = Mentions(article.language or "", reading.actors, numbers(normalised))
    story_id = index.story_for(minhash, article.title, seen_at, mentions)
    if story_id is None:
        story_id = _insert(db, "stories", {"title": article.title, "first_seen": seen_at.isoformat(),
                                           "last_seen": seen_at.isoformat(), "articles": 0})
        result.new_stories += 1
    article_id = _insert_article(db, article, canonical, fingerprint, story_id, published)
    db.execute("UPDATE stories SET articles = articles + 1, last_seen = max(last_seen, ?) WHERE id = ?",
               [seen_at.isoformat(), story_id])
    _insert(db, "signatures", {"article_id": article_id, "story_id": story_id, "seen_at": seen_at.isoformat(),
                               "title": article.title, "minhash": to_bytes(minhash)} | mentions.columns())
    index.add(article_id, Indexed(story_id, article.title, seen_at, minhash, mentions))
    result.new += 1
    if reading.hits:
        result.matched += 1
    for hit in reading.hits:
        hit_id = _insert_hit(db, article_id, hit)
        result.hit_ids.append(hit_id)
        _queue_deliveries(db, hit_id, hit, story_id, channels)


def _read(matcher: Matcher, article: Article) -> Reading:
    """The rules' hits and the actors named; a pack with no enabled rule and no entity has nothing to look for."""
    if not matcher.rules and not matcher.pack.entities:
        return Reading([], frozenset())
    return matcher.read(Document(article.title, article.body, article.source, article.country, article.language))


def _already_stored(db, canonical: str, fingerprint: str) -> bool:
    """Known URL, or the same text under another URL (then that URL is remembered as a mirror)."""
    if db.execute("SELECT 1 FROM articles WHERE canonical_url = ? UNION ALL "
                  "SELECT 1 FROM article_urls WHERE canonical_url = ?", (canonical, canonical)).fetchone():
        return True
    same_text = db.execute("SELECT id FROM articles WHERE fingerprint = ? LIMIT 1", (fingerprint,)).fetchone()
    if same_text is None:
        return False
    db["article_urls"].insert({"canonical_url": canonical, "article_id": same_text[0], "seen_at": utc_now()}, ignore=True)
    return True


def _utc(moment: datetime | None) -> datetime | None:
    """Times are stored in UTC so that text comparison in SQL orders them correctly."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def _insert(db, table: str, row: dict) -> int:
    """A plain INSERT: on the hot path sqlite-utils' schema look-ups per call cost more than the insert."""
    cursor = db.conn.execute(
        f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    return cursor.lastrowid


def _insert_article(db, article: Article, canonical: str, fingerprint: str, story_id: int,
                    published: datetime | None) -> int:
    """The article and its full-text index row (no insert trigger: see migration 10)."""
    article_id = _insert(
        db, "articles", {
            "url": article.url,
            "canonical_url": canonical,
            "fingerprint": fingerprint,
            "source": article.source,
            "title": article.title,
            "body": article.body,
            "published": published.isoformat() if published else None,
            "language": article.language,
            "country": article.country,
            "fetched_at": utc_now(),
            "story_id": story_id,
        },
    )
    db.conn.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)",
                    [article_id, article.title, article.body])
    return article_id


def _insert_hit(db, article_id: int, hit: RuleHit) -> int:
    return db["hits"].insert(
        {
            "article_id": article_id,
            "rule_id": hit.rule,
            "rule_title": hit.title,
            "severity": hit.severity,
            "score": hit.score,
            "evidence": json.dumps([asdict(evidence) for evidence in hit.evidence], ensure_ascii=False),
            "created_at": utc_now(),
        }
    ).last_pk


def _queue_deliveries(db, hit_id: int, hit: RuleHit, story_id: int, channels: Sequence[Channel]) -> None:
    """A digest row (and an alert row when urgent) for every channel that takes the hit,
    unless the channel already has this story at this severity or higher."""
    rows = []
    for channel in channels:
        if not channel.takes(hit.rule, hit.severity):
            continue
        purposes = ["digest", "alert"] if hit.severity == "urgent" and channel.alerts else ["digest"]
        for purpose in purposes:
            delivered = _delivered_rank(db, story_id, channel.name, purpose)
            if delivered is not None and SEVERITY_RANK[hit.severity] <= delivered:
                continue
            rows.append({"hit_id": hit_id, "channel": channel.name, "purpose": purpose, "status": "pending",
                         "created_at": utc_now(), "is_update": int(delivered is not None)})
    if rows:
        db["deliveries"].insert_all(rows)


def _delivered_rank(db, story_id: int, channel: str, purpose: str) -> int | None:
    """The highest severity of this story already sent (or on its way) to the channel, as a rank."""
    severities = [row[0] for row in db.execute(
        """SELECT DISTINCT h.severity FROM deliveries d JOIN hits h ON h.id = d.hit_id JOIN articles a ON a.id = h.article_id
           WHERE a.story_id = ? AND d.channel = ? AND d.purpose = ? AND d.status IN ('queued', 'sent')""",
        [story_id, channel, purpose])]
    return max((SEVERITY_RANK[severity] for severity in severities), default=None)
