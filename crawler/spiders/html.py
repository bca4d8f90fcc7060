"""HTML sources: a listing page whose links lead to article pages."""
from __future__ import annotations

from datetime import datetime, timezone

from parsel import Selector
from scrapy.http import Response

from crawler.encoding import decode
from crawler.html_text import html_to_text
from crawler.items import Article, FetchOutcome, SourceSpec
from crawler.spiders.base import SourceSpider

_DEFAULT_TITLE = "h1"
_DEFAULT_BODY = "article p, .article-body p, main p"


class HtmlSpider(SourceSpider):
    name = "dozor-html"
    kinds = ("html",)

    def parse_start(self, response: Response):
        source: SourceSpec = response.meta["source"]
        page = self._selector(response)
        links = page.css(source.listing_links or "a::attr(href)")
        if source.listing_links and not source.listing_links.endswith("::attr(href)"):
            links = links.css("::attr(href)")
        urls = list(dict.fromkeys(response.urljoin(href) for href in links.getall()))[: source.max_items]
        yield FetchOutcome(source=source.name, url=response.url, ok=True, status=response.status, items=len(urls))
        for url in urls:
            if not self.is_known(url):
                yield self.request(url, source, self.parse_article)

    def parse_article(self, response: Response):
        source: SourceSpec = response.meta["source"]
        page = self._selector(response)
        title = _first_text(page, source.article_title or _DEFAULT_TITLE) or _first_text(page, "title")
        body = "\n\n".join(
            text for text in (html_to_text(html) for html in page.css(source.article_body or _DEFAULT_BODY).getall()) if text
        )
        if not (title and body):
            yield FetchOutcome(
                source=source.name, url=response.url, ok=False, status=response.status,
                category="parse", reason="no title or body found with the configured selectors",
            )
            return
        yield Article(
            source=source.name,
            url=response.url,
            title=title,
            body=body,
            published=_published(page, source.article_date),
            language=source.languages[0] if source.languages else "",
            country=source.country,
        )

    def _selector(self, response: Response) -> Selector:
        return Selector(text=decode(response.body, self.header_charset(response)), base_url=response.url)


def _first_text(page: Selector, css: str) -> str:
    node = page.css(css)
    return html_to_text(node[0].get()) if node else ""


def _published(page: Selector, css: str | None) -> datetime | None:
    candidates = page.css(f"{css}::attr(datetime)" if css else "time::attr(datetime)").getall()
    candidates += page.css("meta[property='article:published_time']::attr(content)").getall()
    for value in candidates:
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None
