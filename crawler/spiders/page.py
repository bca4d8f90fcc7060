"""A single article page, as asked for by an analyst testing a rule on a URL."""
from __future__ import annotations

from scrapy.http import Response

from crawler.items import SourceSpec
from crawler.spiders.base import SourceSpider


class PageSpider(SourceSpider):
    name = "dozor-page"
    kinds = ("page",)

    def parse_source(self, response: Response, source: SourceSpec):
        yield from self.parse_article(response)
