"""HTML sources: listing pages (followed to a set depth) whose links lead to article pages."""
from __future__ import annotations

from parsel import Selector
from scrapy.http import Response

from crawler.encoding import decode
from crawler.items import SourceSpec
from crawler.spiders.base import SourceSpider


class HtmlSpider(SourceSpider):
    name = "dozor-html"
    kinds = ("html",)

    def parse_source(self, response: Response, source: SourceSpec):
        yield from self._listing(response, source, page_number=1)

    def _listing(self, response: Response, source: SourceSpec, page_number: int):
        page = Selector(text=decode(response.body, self.header_charset(response)), base_url=response.url)
        urls = _links(page, response, source.listing_links or "a")[: source.max_items]
        requests = [request for url in urls if (request := self.article_request(url, source)) is not None]
        if page_number == 1:
            yield self.outcome(response, items=len(urls), known=len(urls) - len(requests))
        yield from requests
        next_pages = _links(page, response, source.listing_next) if source.listing_next else []
        if next_pages and page_number < source.listing_pages:
            yield self.request(next_pages[0], source, self._next_listing, page_number=page_number + 1)

    def _next_listing(self, response: Response):
        yield from self._listing(response, response.meta["source"], response.meta["page_number"])


def _links(page: Selector, response: Response, css: str) -> list[str]:
    nodes = page.css(css)
    hrefs = nodes.css("::attr(href)").getall() if not css.endswith("::attr(href)") else nodes.getall()
    return list(dict.fromkeys(response.urljoin(href.strip()) for href in hrefs if href.strip()))
