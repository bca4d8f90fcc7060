"""Sitemap sources: the newest entries of a news sitemap, each article page then fetched."""
from __future__ import annotations

from scrapy.http import Response

from crawler.items import FetchOutcome, SourceSpec
from crawler.sitemaps import parse_sitemap
from crawler.spiders.base import SourceSpider

MAX_CHILD_SITEMAPS = 3


class SitemapSpider(SourceSpider):
    name = "dozor-sitemap"
    kinds = ("sitemap",)

    def parse_source(self, response: Response, source: SourceSpec):
        sitemap = parse_sitemap(response.body)
        if not sitemap.entries and not sitemap.children:
            yield FetchOutcome(
                source=source.name, url=response.url, ok=False, status=response.status,
                category="parse", reason="the sitemap lists no pages",
            )
            return
        requests = list(self._articles(sitemap.entries, source))
        known = min(len(sitemap.entries), source.max_items) - len(requests)
        yield self.outcome(response, items=len(sitemap.entries) or len(sitemap.children), known=known)
        yield from requests
        for child in sitemap.children[:MAX_CHILD_SITEMAPS]:
            yield self.request(response.urljoin(child), source, self._child)

    def _child(self, response: Response):
        yield from self._articles(parse_sitemap(response.body).entries, response.meta["source"])

    def _articles(self, entries, source: SourceSpec):
        for entry in entries[: source.max_items]:
            request = self.article_request(entry.url, source, entry.title, "", entry.published)
            if request is not None:
                yield request
