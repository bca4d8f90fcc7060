"""A round: crawl every enabled source, store and match what is new, send urgent alerts,
optionally compose and deliver digests."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from crawler.items import Article
from monitor.config import Config
from monitor.config.models import Channel, Source
from monitor.crawl import crawl
from monitor.health import SourceRound, record, summarise
from monitor.host_holds import hold_hosts, held_sources
from monitor.http_cache import load_validators, save_validators
from monitor.ingest import IngestResult, ingest, is_known
from monitor.outbox import DeliveryReport, compose, send_due
from monitor.retention import prune_bodies
from monitor.rules.engine import Matcher
from monitor.store import Store

log = logging.getLogger("dozor.round")


@dataclass
class RoundReport:
    sources: list[SourceRound]
    ingest: IngestResult
    skipped_old: int = 0
    known: int = 0
    """Articles the sources listed that were already stored, so not fetched again."""

    deliveries: list[DeliveryReport] = field(default_factory=list)
    held: dict[str, str] = field(default_factory=dict)
    """Sources not asked this round because their site asked for a pause: name -> until when."""

    verdicts: int = 0
    """Hits marked with Telegram buttons, read before the round by `once` (the daemon reads them in a job of its own)."""

    @property
    def fetched(self) -> int:
        return sum(1 for source in self.sources if source.ok)


async def run_round(config: Config, store: Store, matcher: Matcher, with_digest: bool = False,
                    sources: Sequence[Source] | None = None) -> RoundReport:
    """One pass over the given sources (default: every enabled one); a failing source is recorded
    and the rest carry on."""
    crawl_settings = config.monitor.crawl
    enabled = [source for source in (config.sources.sources if sources is None else sources) if source.enabled]
    held = held_sources(store, enabled, datetime.now(timezone.utc))
    for name, until in held.items():
        log.info("source %s waits until %s: its site asked for a pause (Retry-After)", name, until)
    enabled = [source for source in enabled if source.name not in held]
    new_sources = _never_fetched(store, enabled)
    specs = [source.spec(crawl_settings.timeout) for source in enabled]
    validators = load_validators(store, [url for spec in specs for url in spec.urls])
    result = await crawl(specs, crawl_settings.policy(), lambda url: is_known(store, url), validators)
    rounds = summarise({source.name: source.kind for source in enabled}, result.outcomes)
    notices = record(store, rounds, config.monitor.health.source_alert_after)
    hold_hosts(store, result.outcomes, crawl_settings.max_retry_after, datetime.now(timezone.utc))
    fresh = list(_within_horizon(result.articles, new_sources, crawl_settings.first_crawl_max_age))
    ingested = ingest(store, matcher, fresh, config.monitor.channels, config.monitor.stories)
    save_validators(store, result.outcomes)
    prune_bodies(store, timedelta(seconds=config.monitor.retention.prune_bodies_after))
    report = RoundReport(sources=rounds, ingest=ingested, skipped_old=len(result.articles) - len(fresh),
                         known=sum(outcome.known for outcome in result.outcomes), held=held)
    purposes = ["alert", "digest"] if with_digest else ["alert"]
    report.deliveries = await asyncio.to_thread(deliver, config, store, purposes, notices=notices)
    return report


def deliver(config: Config, store: Store, purposes: Iterable[str] = ("digest",),
            channels: Sequence[Channel] | None = None, notices: Sequence[str] = ()) -> list[DeliveryReport]:
    """Compose the channels' messages for these purposes, then send everything that is due.

    Notices for the operators go out at once as an alert to the operator channels, whether
    or not they take alerts of hits. Blocking (SMTP, HTTP): the daemon calls it in a worker thread.
    """
    channels = config.monitor.channels if channels is None else channels
    for channel in channels:
        for purpose in purposes:
            urgent_notices = notices if purpose == "alert" and channel.operator else ()
            if purpose == "digest" or channel.alerts or urgent_notices:
                compose(store, channel, config.monitor.zone_of(channel), purpose, notices=urgent_notices)
    return send_due(store, channels, config.secrets)


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
