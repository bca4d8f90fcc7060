"""RSS and Atom sources, with the article page fetched when the feed gives only a summary."""
from __future__ import annotations

from urllib.parse import urljoin

from scrapy.http import Response

from crawler.feeds import parse_feed
from crawler.items import FetchOutcome, SourceSpec
from crawler.spiders.base import SourceSpider

# Below this many characters a feed entry is taken to be a summary, not the article.
SUMMARY_LENGTH = 600


class FeedSpider(SourceSpider):
    name = "dozor-feed"
    kinds = ("rss", "atom")

    def parse_source(self, response: Response, source: SourceSpec):
        feed = parse_feed(response.body, self.header_charset(response))
        if not feed.entries:
            yield self._empty(response, feed.problem, feed.looks_like_html)
            return
        entries = feed.entries[: source.max_items]
        language = feed.language if feed.language and len(source.languages) != 1 else ""
        articles = []
        known = 0
        for entry in entries:
            url = urljoin(response.url, entry.link) if entry.link else response.url
            if source.full_text and entry.link and len(entry.text) < SUMMARY_LENGTH:
                request = self.article_request(url, source, entry.title, entry.text, entry.published)
                if request is None:
                    known += 1
                else:
                    yield request
                continue
            articles.append(self.article(source, url, entry.title, entry.text, entry.published, language))
        yield self.outcome(response, items=len(entries), problem=feed.problem, articles=tuple(articles), known=known)

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
