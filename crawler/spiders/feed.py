"""RSS and Atom sources."""
from __future__ import annotations

from scrapy.http import Response

from crawler.feeds import parse_feed
from crawler.items import Article, FetchOutcome
from crawler.spiders.base import SourceSpider


class FeedSpider(SourceSpider):
    name = "dozor-feed"
    kinds = ("rss", "atom")

    def parse_start(self, response: Response):
        source = response.meta["source"]
        feed = parse_feed(response.body, self.header_charset(response))
        if not feed.entries:
            yield self._empty(response, feed.problem, feed.looks_like_html)
            return
        entries = feed.entries[: source.max_items]
        language = feed.language or (source.languages[0] if source.languages else "")
        for entry in entries:
            yield Article(
                source=source.name,
                url=response.urljoin(entry.link) if entry.link else response.url,
                title=entry.title,
                body=entry.text,
                published=entry.published,
                language=language,
                country=source.country,
            )
        yield FetchOutcome(
            source=source.name, url=response.url, ok=True, status=response.status,
            items=len(entries), reason=feed.problem,
        )

    @staticmethod
    def _empty(response: Response, problem: str, looks_like_html: bool) -> FetchOutcome:
        if not response.body.strip():
            category, reason = "empty", "the response body is empty"
        elif looks_like_html:
            category, reason = "not_a_feed", "the address answered with an HTML page, not a feed"
        elif problem:
            category, reason = "parse", f"the feed could not be parsed ({problem})"
        else:
            category, reason = "empty", "the feed has no entries"
        return FetchOutcome(
            source=response.meta["source"].name, url=response.url, ok=False,
            status=response.status, category=category, reason=reason,
        )
