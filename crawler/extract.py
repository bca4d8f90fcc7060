"""Title, body and date of an article page: the source's selectors first, trafilatura as fallback."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import trafilatura
from parsel import Selector

from crawler.html_text import html_to_text


@dataclass(frozen=True)
class Selectors:
    title: str | None = None
    body: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Extracted:
    title: str
    body: str
    published: datetime | None


def extract_article(html: str, url: str, selectors: Selectors) -> Extracted:
    """What the page says; empty strings where neither selectors nor the extractor found anything."""
    page = Selector(text=html, base_url=url)
    title = _first_text(page, selectors.title) if selectors.title else ""
    body = _joined_text(page, selectors.body) if selectors.body else ""
    published = _page_date(page, selectors.date)
    if not (title and body):
        automatic = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False, include_tables=False)
        if automatic is not None:
            title = title or html_to_text(automatic.title or "")
            body = body or (automatic.text or "").strip()
            published = published or parse_date(automatic.date or "")
    return Extracted(title=title or _first_text(page, "title"), body=body, published=published)


# No news feed predates RSS; a date of 1970 is a generator's zero, not a publication date.
EARLIEST_DATE = datetime(1995, 1, 1, tzinfo=timezone.utc)
# Time zone mistakes and scheduled posts put dates a little ahead; further ahead is a wrong date.
LATEST_AHEAD = timedelta(days=2)


def parse_date(value: str) -> datetime | None:
    """An ISO 8601 date or time as a timezone-aware datetime (UTC when the text has no zone);
    None when the text is no date or an implausible one."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return plausible(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))


def plausible(moment: datetime | None, now: datetime | None = None) -> datetime | None:
    """The date itself when a news item can carry it; None for 1970-style zeros and far-future dates."""
    if moment is None:
        return None
    if moment < EARLIEST_DATE or moment > (now or datetime.now(timezone.utc)) + LATEST_AHEAD:
        return None
    return moment


def _first_text(page: Selector, css: str) -> str:
    node = page.css(css)
    return html_to_text(node[0].get()) if node else ""


def _joined_text(page: Selector, css: str) -> str:
    return "\n\n".join(text for text in (html_to_text(html) for html in page.css(css).getall()) if text)


def _page_date(page: Selector, css: str | None) -> datetime | None:
    candidates = []
    if css:
        node = page.css(css)
        candidates += node.css("::attr(datetime)").getall() + node.css("::attr(content)").getall()
        candidates += [attribute for element in node for attribute in element.attrib.values()]
        candidates += node.css("::text").getall()
    candidates += page.css("meta[property='article:published_time']::attr(content)").getall()
    candidates += page.css("time::attr(datetime)").getall()
    for value in candidates:
        moment = parse_date(value)
        if moment is not None:
            return moment
    return None
