"""Public Telegram channels, read from their web preview page (t.me/s/CHANNEL)."""
from __future__ import annotations

from parsel import Selector
from scrapy.http import Response

from crawler.encoding import decode
from crawler.extract import parse_date
from crawler.html_text import html_to_text
from crawler.items import FetchOutcome, SourceSpec
from crawler.spiders.base import SourceSpider

TITLE_LENGTH = 140


class TelegramSpider(SourceSpider):
    name = "dozor-telegram"
    kinds = ("telegram",)

    def parse_source(self, response: Response, source: SourceSpec):
        page = Selector(text=decode(response.body, self.header_charset(response)), base_url=response.url)
        posts = page.css(".tgme_widget_message[data-post]:not(.service_message)")
        if not posts:
            yield FetchOutcome(
                source=source.name, url=response.url, ok=False, status=response.status,
                category="parse", reason="no channel posts found; is this a public t.me/s/ preview page?",
            )
            return
        articles = tuple(article for post in posts[-source.max_items:] if (article := self._post(post, source)))
        yield self.outcome(response, items=len(articles), articles=articles)

    def _post(self, post: Selector, source: SourceSpec):
        text_html = post.css(".tgme_widget_message_text").get()
        text = html_to_text(text_html) if text_html else ""
        if not text:
            return None
        url = post.css("a.tgme_widget_message_date::attr(href)").get() or f"https://t.me/{post.attrib['data-post']}"
        published = parse_date(post.css("a.tgme_widget_message_date time::attr(datetime)").get() or "")
        return self.article(source, url, _title(text), text, published)


def _title(text: str) -> str:
    """A post has no headline: its first line stands in, cut at a word boundary."""
    first_line = text.strip().splitlines()[0]
    if len(first_line) <= TITLE_LENGTH:
        return first_line
    return first_line[:TITLE_LENGTH].rsplit(" ", 1)[0] + " …"
