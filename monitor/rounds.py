"""A round: crawl every enabled source, store and match what is new, optionally deliver digests."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

from monitor.config import Config
from monitor.crawl import crawl
from monitor.health import SourceRound, record, summarise
from monitor.ingest import Channel, IngestResult, ingest, is_known
from monitor.outbox import DeliveryReport, deliver_digest
from monitor.rules.engine import Matcher
from monitor.store import Store

log = logging.getLogger("dozor.round")


@dataclass
class RoundReport:
    sources: list[SourceRound]
    ingest: IngestResult
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
    specs = [source.spec(crawl_settings.timeout) for source in enabled]
    result = await crawl(specs, crawl_settings.policy(), lambda url: is_known(store, url))
    rounds = summarise({source.name: source.kind for source in enabled}, result.outcomes)
    record(store, rounds)
    ingested = ingest(store, matcher, result.articles, channels(config))
    report = RoundReport(sources=rounds, ingest=ingested)
    if with_digest:
        report.deliveries = deliver_all(config, store)
    return report


def deliver_all(config: Config, store: Store, dry_run: bool = False) -> list[DeliveryReport]:
    return [
        deliver_digest(store, channel, config.monitor.timezone, dry_run=dry_run)
        for channel in config.monitor.channels
    ]
