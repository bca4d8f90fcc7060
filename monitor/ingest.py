"""Crawled articles into the store: dedup, rules, hits and their outbox rows in one transaction."""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field

from crawler.items import Article
from monitor.config.models import Channel
from monitor.fingerprint import content_fingerprint
from monitor.rules.engine import Document, Matcher, RuleHit
from monitor.store import Store, utc_now
from monitor.urls import canonical_url

log = logging.getLogger("dozor.ingest")


@dataclass
class IngestResult:
    seen: int = 0
    new: int = 0
    matched: int = 0
    hit_ids: list[int] = field(default_factory=list)


def is_known(store: Store, url: str) -> bool:
    """Whether an article at this URL (in any canonical variant) is already stored."""
    row = store.db.execute("SELECT 1 FROM articles WHERE canonical_url = ?", (canonical_url(url),)).fetchone()
    return row is not None


def ingest(store: Store, matcher: Matcher, articles: Iterable[Article], channels: Sequence[Channel]) -> IngestResult:
    """Store every new article with its hits and pending deliveries; one batch, all or nothing."""
    result = IngestResult()
    with store.transaction() as db:
        for article in articles:
            result.seen += 1
            canonical = canonical_url(article.url)
            fingerprint = content_fingerprint(article.title, article.body)
            if _already_stored(db, canonical, fingerprint):
                continue
            article_id = _insert_article(db, article, canonical, fingerprint)
            result.new += 1
            hits = matcher.match(Document(article.title, article.body, article.source, article.country, article.language))
            if hits:
                result.matched += 1
            for hit in hits:
                hit_id = _insert_hit(db, article_id, hit)
                result.hit_ids.append(hit_id)
                _queue_deliveries(db, hit_id, hit, channels)
    log.info("ingested: seen=%d new=%d matched=%d", result.seen, result.new, result.matched)
    return result


def _already_stored(db, canonical: str, fingerprint: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM articles WHERE canonical_url = ? OR fingerprint = ? LIMIT 1", (canonical, fingerprint)
    ).fetchone()
    return row is not None


def _insert_article(db, article: Article, canonical: str, fingerprint: str) -> int:
    return db["articles"].insert(
        {
            "url": article.url,
            "canonical_url": canonical,
            "fingerprint": fingerprint,
            "source": article.source,
            "title": article.title,
            "body": article.body,
            "published": article.published.isoformat() if article.published else None,
            "language": article.language,
            "country": article.country,
            "fetched_at": utc_now(),
        }
    ).last_pk


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


def _queue_deliveries(db, hit_id: int, hit: RuleHit, channels: Sequence[Channel]) -> None:
    """A digest row for every channel that takes the hit, and an alert row too when it is urgent."""
    rows = []
    for channel in channels:
        if not channel.takes(hit.rule, hit.severity):
            continue
        purposes = ["digest", "alert"] if hit.severity == "urgent" and channel.alerts else ["digest"]
        rows += [{"hit_id": hit_id, "channel": channel.name, "purpose": purpose, "status": "pending",
                  "created_at": utc_now()} for purpose in purposes]
    if rows:
        db["deliveries"].insert_all(rows)
