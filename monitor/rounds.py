"""A round: crawl every enabled source, store and match what is new, optionally deliver digests."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from crawler.items import Article
from monitor.config import Config
from monitor.config.models import Source
from monitor.crawl import crawl
from monitor.health import SourceRound, record, summarise
from monitor.http_cache import load_validators, save_validators
from monitor.ingest import Channel, IngestResult, ingest, is_known
from monitor.outbox import DeliveryReport, deliver_digest
from monitor.rules.engine import Matcher
from monitor.store import Store

log = logging.getLogger("dozor.round")


@dataclass
class RoundReport:
    sources: list[SourceRound]
    ingest: IngestResult
    skipped_old: int = 0
    deliveries: list[DeliveryReport] = field(default_factory=list)

    @property
    def fetched(self) -> int:
        return sum(1 for source in self.sources if source.ok)


def channels(config: Config) -> list[Channel]:
    return [Channel(channel.name, frozenset(channel.severities)) for channel in config.monitor.channels]


async def run_round(config: Config, store: Store, matcher: Matcher, with_digest: bool = False) -> RoundReport:
    """One pass over every enabled source; a failing source is recorded and the rest carry on."""
    crawl_settings = config.monitor.crawl
    enabled = [source for source in config.sources.sources if source.enabled]
    new_sources = _never_fetched(store, enabled)
    specs = [source.spec(crawl_settings.timeout) for source in enabled]
    validators = load_validators(store, [url for spec in specs for url in spec.urls])
    result = await crawl(specs, crawl_settings.policy(), lambda url: is_known(store, url), validators)
    rounds = summarise({source.name: source.kind for source in enabled}, result.outcomes)
    record(store, rounds)
    fresh = list(_within_horizon(result.articles, new_sources, crawl_settings.first_crawl_max_age))
    ingested = ingest(store, matcher, fresh, channels(config))
    save_validators(store, result.outcomes)
    report = RoundReport(sources=rounds, ingest=ingested, skipped_old=len(result.articles) - len(fresh))
    if with_digest:
        report.deliveries = deliver_all(config, store)
    return report


def _never_fetched(store: Store, sources: list[Source]) -> dict[str, Source]:
    succeeded = {row[0] for row in store.db.execute("SELECT name FROM sources WHERE last_success IS NOT NULL")}
    return {source.name: source for source in sources if source.name not in succeeded}


def _within_horizon(articles: Iterable[Article], new_sources: dict[str, Source], default_age: float) -> Iterable[Article]:
    """On a source's first crawl, drop items older than its max_age so it does not flood the digest."""
    now = datetime.now(timezone.utc)
    for article in articles:
        source = new_sources.get(article.source)
        if source is not None and article.published is not None:
            if article.published < now - timedelta(seconds=source.max_age or default_age):
                continue
        yield article


def deliver_all(config: Config, store: Store, dry_run: bool = False) -> list[DeliveryReport]:
    return [
        deliver_digest(store, channel, config.monitor.timezone, dry_run=dry_run)
        for channel in config.monitor.channels
    ]
