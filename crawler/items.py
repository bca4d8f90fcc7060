"""Plain records the crawler emits; the monitor package consumes them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class SourceSpec:
    """What the crawler needs to know about one configured source."""

    name: str
    kind: str
    urls: tuple[str, ...]
    country: str = ""
    languages: tuple[str, ...] = ()
    timeout: float = 30.0
    user_agent: str | None = None
    full_text: bool = False
    listing_links: str | None = None
    listing_next: str | None = None
    listing_pages: int = 1
    article_title: str | None = None
    article_body: str | None = None
    article_date: str | None = None
    max_items: int = 200


@dataclass(frozen=True)
class Validators:
    """What a server said about a URL's last version, for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Article:
    """One news item as fetched, before any normalisation or matching."""

    source: str
    url: str
    title: str
    body: str
    published: datetime | None = None
    language: str = ""
    country: str = ""


@dataclass(frozen=True)
class FetchOutcome:
    """How one request for a source ended: ok, or failed with a category and reason."""

    source: str
    url: str
    ok: bool
    status: int | None = None
    category: str = ""
    reason: str = ""
    items: int = 0
    known: int = 0
    """Entries or links skipped because their article is already stored."""

    validators: Validators | None = None
    retry_after: float | None = None
    """Seconds a 429 or 503 asked us to wait before the next request to its host (Retry-After)."""

    articles: tuple[Article, ...] = ()
    """Articles read from this response: one record per response keeps Scrapy's item path cheap."""
