"""The operations the commands perform, each opening the store it needs and closing it again."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator

from monitor import eventloop
from monitor.config import Config, ConfigError
from monitor.outbox import DeliveryReport, deliver_digest
from monitor.rounds import RoundReport, run_round
from monitor.rules.engine import compile_rules
from monitor.store import Store


@contextlib.contextmanager
def open_store(config: Config) -> Iterator[Store]:
    store = Store(config.monitor.database)
    try:
        yield store
    finally:
        store.close()


def run_once(config: Config, with_digest: bool = False) -> RoundReport:
    """One round over the configured sources, on a fresh event loop."""
    matcher = compile_rules(config.rules)
    with open_store(config) as store:
        return eventloop.run(lambda: run_round(config, store, matcher, with_digest=with_digest))


def deliver(config: Config, channel: str | None = None, dry_run: bool = False) -> list[DeliveryReport]:
    chosen = [item for item in config.monitor.channels if channel in (None, item.name)]
    if not chosen:
        names = ", ".join(item.name for item in config.monitor.channels)
        raise ConfigError([f"there is no channel named {channel!r}; the configured channels are: {names}"])
    with open_store(config) as store:
        return [deliver_digest(store, item, config.monitor.timezone, dry_run=dry_run) for item in chosen]


def source_health(config: Config) -> list[dict]:
    """Every configured source with its stored health (never-fetched sources included)."""
    with open_store(config) as store:
        stored = {row["name"]: row for row in store.db.query("SELECT * FROM sources")}
    return [
        {"name": source.name, "kind": source.kind, "enabled": source.enabled, **stored.get(source.name, {})}
        for source in config.sources.sources
    ]
