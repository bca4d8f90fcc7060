"""Retention: old bodies without hits are pruned; what dedup needs is kept.

Title, URL, fingerprint and story stay, so a pruned article is still recognised
when it comes round again; the full-text index follows through its triggers.
Articles with hits keep everything.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from monitor.store import Store


def prune_bodies(store: Store, older_than: timedelta, now: datetime | None = None) -> int:
    """Empty the bodies of articles fetched before now - older_than that carry no hit; return how many."""
    cutoff = ((now or datetime.now(timezone.utc)) - older_than).isoformat(timespec="seconds")
    with store.transaction() as db:
        cursor = db.execute(
            "UPDATE articles SET body = NULL WHERE fetched_at < ? AND body IS NOT NULL "
            "AND NOT EXISTS (SELECT 1 FROM hits WHERE hits.article_id = articles.id)",
            [cutoff],
        )
        db.execute("DELETE FROM signatures WHERE seen_at < ?", [cutoff])
    return cursor.rowcount
