"""One crawl round through Scrapy, in-process, on the running reactor."""
from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from scrapy import signals
from scrapy.crawler import AsyncCrawlerRunner

from crawler.items import Article, FetchOutcome, SourceSpec, Validators
from crawler.settings import CrawlPolicy, scrapy_settings
from crawler.spiders.feed import FeedSpider
from crawler.spiders.html import HtmlSpider
from crawler.spiders.page import PageSpider
from crawler.spiders.sitemap import SitemapSpider
from crawler.spiders.telegram import TelegramSpider

SPIDERS = (FeedSpider, HtmlSpider, SitemapSpider, TelegramSpider, PageSpider)
ROUND_GC_THRESHOLD = 50_000
log = logging.getLogger("dozor.crawl")


class PageError(ValueError):
    """A single page could not be fetched or read."""


async def fetch_page(url: str, policy: CrawlPolicy) -> Article:
    """One article page through the same spiders, settings and guards as a round."""
    source = SourceSpec(name="page", kind="page", urls=(url,), timeout=policy.timeout)
    result = await crawl([source], policy)
    if result.articles:
        return result.articles[0]
    reasons = "; ".join(f"{outcome.category}: {outcome.reason}" for outcome in result.outcomes if not outcome.ok)
    raise PageError(f"could not read an article at {url} ({reasons or 'no response'})")


@dataclass
class CrawlResult:
    articles: list[Article] = field(default_factory=list)
    outcomes: list[FetchOutcome] = field(default_factory=list)


async def crawl(
    sources: Sequence[SourceSpec],
    policy: CrawlPolicy,
    is_known: Callable[[str], bool] = lambda url: False,
    validators: Mapping[str, Validators] | None = None,
) -> CrawlResult:
    """Fetch every source once; articles and per-request outcomes come back as plain records."""
    result = CrawlResult()

    def collect(item: FetchOutcome) -> None:
        result.outcomes.append(item)
        result.articles.extend(item.articles)

    runner = AsyncCrawlerRunner(scrapy_settings(policy))
    tasks = []
    for spider in SPIDERS:
        mine = [source for source in sources if source.kind in spider.kinds]
        if not mine:
            continue
        crawler = runner.create_crawler(spider)
        crawler.signals.connect(collect, signal=signals.item_scraped)
        tasks.append(runner.crawl(crawler, sources=mine, is_known=is_known, validators=validators))
    with _fewer_collections():
        await asyncio.gather(*tasks)
    log.info("crawl finished: %d articles, %d fetch outcomes", len(result.articles), len(result.outcomes))
    return result


@contextlib.contextmanager
def _fewer_collections():
    """A round keeps every article it reads until the round ends, and the cyclic garbage
    collector, run every 700 allocations, walks them again and again: a sixth of a
    round's CPU on 1,000 feeds. Collections are rarer while a round runs; nothing
    leaks, they only happen later."""
    thresholds = gc.get_threshold()
    gc.set_threshold(max(thresholds[0], ROUND_GC_THRESHOLD), *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
