"""Hosts that asked us to wait (429 or 503 with Retry-After): no request to them until the time is up.

A hold outlives the round and the process: it is a row in the database, capped by
crawl.max_retry_after so a site cannot silence itself for a year. Every source on
a held host waits, not only the one that was refused.
"""
from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from crawler.items import FetchOutcome
from monitor.config.models import Source
from monitor.store import Store

log = logging.getLogger("dozor.crawl")


def host_of(url: str) -> str:
    return urlsplit(url).netloc.lower()


def hold_hosts(store: Store, outcomes: Iterable[FetchOutcome], cap: float, now: datetime) -> None:
    """Remember, per host, the latest time a refused request was told to come back."""
    holds: dict[str, datetime] = {}
    for outcome in outcomes:
        if outcome.retry_after is not None:
            until = now + timedelta(seconds=min(outcome.retry_after, cap))
            host = host_of(outcome.url)
            holds[host] = max(until, holds.get(host, until))
    if not holds:
        return
    with store.transaction() as db:
        for host, until in holds.items():
            db.execute("INSERT INTO host_holds (host, until) VALUES (?, ?) "
                       "ON CONFLICT (host) DO UPDATE SET until = max(until, excluded.until)",
                       [host, until.isoformat(timespec="seconds")])
            log.warning("host %s asked us to wait: no request to it before %s", host, until.isoformat(timespec="seconds"))


def held_sources(store: Store, sources: Iterable[Source], now: datetime) -> dict[str, str]:
    """Source name -> the time its host (or one of its hosts) lets us back, for sources that must wait."""
    holds = dict(store.db.execute("SELECT host, until FROM host_holds WHERE until > ?",
                                  [now.isoformat(timespec="seconds")]).fetchall())
    if not holds:
        return {}
    waiting = {}
    for source in sources:
        untils = [holds[host] for host in map(host_of, source.all_urls()) if host in holds]
        if untils:
            waiting[source.name] = max(untils)
    return waiting
