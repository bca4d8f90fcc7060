"""ETag and Last-Modified per URL, so an unchanged feed costs one 304."""
from __future__ import annotations

from collections.abc import Iterable

from crawler.items import FetchOutcome, Validators
from monitor.store import Store, utc_now


def load_validators(store: Store, urls: Iterable[str]) -> dict[str, Validators]:
    wanted = list(urls)
    rows = store.db.execute(
        f"SELECT url, etag, last_modified FROM http_cache WHERE url IN ({','.join('?' * len(wanted))})", wanted
    ).fetchall() if wanted else []
    return {url: Validators(etag, modified) for url, etag, modified in rows}


def save_validators(store: Store, outcomes: Iterable[FetchOutcome]) -> None:
    """Remember validators; call only after the articles of the same responses are stored."""
    rows = [
        {"url": outcome.url, "etag": outcome.validators.etag,
         "last_modified": outcome.validators.last_modified, "updated_at": utc_now()}
        for outcome in outcomes
        if outcome.ok and outcome.validators is not None
    ]
    if rows:
        with store.transaction() as db:
            db["http_cache"].upsert_all(rows, pk="url")
