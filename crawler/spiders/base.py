"""What every Dozor spider shares: requests tagged with their source, conditional GET,
article pages read by selectors or automatic extraction, failures as records."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.encoding import decode
from crawler.errors import categorize, retry_after
from crawler.extract import Selectors, extract_article
from crawler.items import Article, FetchOutcome, SourceSpec, Validators

log = logging.getLogger("dozor.crawl")
# Per-field caps: a headline is a line, not a document; a body beyond this is a dump, not an article.
MAX_TITLE_CHARS = 1_000
MAX_BODY_CHARS = 200_000


class SourceSpider(scrapy.Spider):
    """Fetches the given sources; subclasses say how the first response of a source is read."""

    kinds: tuple[str, ...] = ()

    def __init__(
        self,
        sources: Iterable[SourceSpec] = (),
        is_known: Callable[[str], bool] = lambda url: False,
        validators: Mapping[str, Validators] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources = [source for source in sources if source.kind in self.kinds]
        self.is_known = is_known
        self.validators = validators or {}

    async def start(self):
        for source in self.sources:
            for url in source.urls:
                request = self.request(url, source, self.parse_start, handle_httpstatus_list=[304])
                yield self._conditional(request)

    def request(self, url: str, source: SourceSpec, callback: Callable, **meta: Any) -> scrapy.Request:
        headers = {"User-Agent": source.user_agent} if source.user_agent else None
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            headers=headers,
            meta={"source": source, "download_timeout": source.timeout, **meta},
            dont_filter=True,
        )

    def _conditional(self, request: scrapy.Request) -> scrapy.Request:
        known = self.validators.get(request.url)
        if known is not None:
            if known.etag:
                request.headers["If-None-Match"] = known.etag
            if known.last_modified:
                request.headers["If-Modified-Since"] = known.last_modified
        return request

    def parse_start(self, response: Response):
        source: SourceSpec = response.meta["source"]
        if response.status == 304:
            yield self.outcome(response, items=0)
            return
        yield from self.parse_source(response, source)

    def parse_source(self, response: Response, source: SourceSpec):
        raise NotImplementedError

    def outcome(self, response: Response, items: int, problem: str = "",
                articles: tuple[Article, ...] = (), known: int = 0) -> FetchOutcome:
        etag = response.headers.get(b"ETag")
        modified = response.headers.get(b"Last-Modified")
        validators = None
        if etag or modified:
            validators = Validators(
                etag=etag.decode("latin-1") if etag else None,
                last_modified=modified.decode("latin-1") if modified else None,
            )
        return FetchOutcome(
            source=response.meta["source"].name, url=response.request.url if response.request else response.url,
            ok=True, status=response.status, items=items, reason=problem, validators=validators,
            articles=articles, known=known,
        )

    def article_request(self, url: str, source: SourceSpec, title: str = "", body: str = "",
                        published: datetime | None = None) -> scrapy.Request | None:
        """A request for an article page not stored yet; the seed fills in what the page lacks."""
        if self.is_known(url):
            return None
        return self.request(url, source, self.parse_article, seed=(title, body, published))

    def parse_article(self, response: Response):
        source: SourceSpec = response.meta["source"]
        seed_title, seed_body, seed_published = response.meta.get("seed", ("", "", None))
        page = extract_article(
            decode(response.body, self.header_charset(response)),
            response.url,
            Selectors(source.article_title, source.article_body, source.article_date),
        )
        title = page.title or seed_title
        body = page.body if len(page.body) >= len(seed_body) else seed_body
        if not (title and body):
            yield FetchOutcome(
                source=source.name, url=response.url, ok=False, status=response.status,
                category="parse", reason="no title or body found on the article page",
            )
            return
        article = self.article(source, response.url, title, body, page.published or seed_published)
        yield self.outcome(response, items=0, articles=(article,))

    @staticmethod
    def article(source: SourceSpec, url: str, title: str, body: str, published: datetime | None,
                language: str = "") -> Article:
        title = _capped(title, MAX_TITLE_CHARS, "title", source.name, url)
        body = _capped(body, MAX_BODY_CHARS, "body", source.name, url)
        return Article(
            source=source.name, url=url, title=title, body=body, published=published,
            language=language or (source.languages[0] if source.languages else ""), country=source.country,
        )

    def failed(self, failure: Failure):
        request = failure.request
        category, reason, status = categorize(failure)
        yield FetchOutcome(
            source=request.meta["source"].name, url=request.url, ok=False,
            status=status, category=category, reason=reason, retry_after=retry_after(failure),
        )

    @staticmethod
    def header_charset(response: Response) -> str | None:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        for part in content_type.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None


def _capped(text: str, limit: int, field: str, source: str, url: str) -> str:
    """The text cut to `limit` characters (ending in an ellipsis), logged when it had to be cut."""
    if len(text) <= limit:
        return text
    log.warning("source %s: %s of %d characters cut to %d: %s", source, field, len(text), limit, url)
    return text[: limit - 1] + "…"
