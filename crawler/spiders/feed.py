"""RSS and Atom sources, with the article page fetched when the feed gives only a summary."""
from __future__ import annotations

import hashlib
from urllib.parse import urljoin, urlsplit

from scrapy.http import Response

from crawler.feeds import FeedEntry, parse_feed
from crawler.items import FetchOutcome, SourceSpec
from crawler.spiders.base import SourceSpider, log

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
        if feed.problem:
            log.warning("source %s: the feed is not well-formed (%s); %d entries recovered",
                        source.name, feed.problem, len(feed.entries))
        entries = feed.entries[: source.max_items]
        if len(feed.entries) > source.max_items:
            log.warning("source %s: the feed lists %d entries; only the first %d are read (max_items)",
                        source.name, len(feed.entries), source.max_items)
        language = feed.language if feed.language and len(source.languages) != 1 else ""
        articles = []
        known = 0
        for entry in entries:
            url = entry_url(response.url, source.name, entry)
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


def entry_url(feed_url: str, source: str, entry: FeedEntry) -> str:
    """The entry's address, which is also its dedup key: its link; else its guid when that is a URL;
    else the feed's address with a hash of the guid (or of the title) and the source, so that
    entries without a (usable) link neither collapse into one another nor into the feed."""
    for candidate in (entry.link, entry.guid if entry.guid.lower().startswith(("http://", "https://")) else ""):
        if not candidate:
            continue
        absolute = candidate.startswith(("http://", "https://"))
        try:
            return _usable(candidate if absolute else urljoin(feed_url, candidate))
        except ValueError:  # "http://[broken" and the like: one bad link must not sink the feed
            log.warning("source %s: entry %r has an unusable link %r", source, entry.title[:80], candidate[:200])
    key = hashlib.sha1(f"{source}\n{entry.guid or entry.title}".encode()).hexdigest()[:16]
    return f"{feed_url}{'&' if '?' in feed_url else '?'}dozor-entry={key}"


def _usable(url: str) -> str:
    """The URL when it can be taken apart (host and port included); ValueError when it cannot.

    An http(s) URL whose host has no port and no brackets cannot fail, and most links are
    such: they skip the full parse.
    """
    scheme, _, rest = url.partition("://")
    if scheme in ("http", "https") and not any(mark in rest.partition("/")[0] for mark in ":[]"):
        return url
    urlsplit(url).port  # raises ValueError for a port that is not a number in range, or a broken IPv6 host
    return url
