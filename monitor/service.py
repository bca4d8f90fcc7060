"""The operations the commands perform, each opening the store it needs and closing it again."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime, timezone

from monitor import channel_state, eventloop
from monitor.analyst.telegram_feedback import poll_feedback
from monitor.channel_state import ChannelState
from monitor.config import Config, ConfigError
from monitor.config.models import Channel
from monitor.digest import Digest
from monitor.host_holds import held_sources
from monitor.outbox import DeliveryReport, preview
from monitor.rounds import RoundReport, deliver, run_round
from monitor.rules.engine import compile_rules
from monitor.rules.engine import Document
from monitor.rules.explain import Explanation, explain
from monitor.store import Store
from monitor.stories import Story, list_stories


@contextlib.contextmanager
def open_store(config: Config) -> Iterator[Store]:
    store = Store(config.monitor.database)
    try:
        yield store
    finally:
        store.close()


def run_once(config: Config, with_digest: bool = False) -> RoundReport:
    """The Telegram verdict buttons pressed since the last run, then one round over the configured
    sources, on a fresh event loop."""
    matcher = compile_rules(config.rules)
    with open_store(config) as store:
        verdicts = poll_feedback(store, config.monitor.channels, config.secrets).verdicts
        report = eventloop.run(lambda: run_round(config, store, matcher, with_digest=with_digest))
    report.verdicts = verdicts
    return report


def _channels(config: Config, name: str | None) -> list[Channel]:
    chosen = [item for item in config.monitor.channels if name in (None, item.name)]
    if not chosen:
        names = ", ".join(item.name for item in config.monitor.channels)
        raise ConfigError([f"there is no channel named {name!r}; the configured channels are: {names}"])
    return chosen


def send_digests(config: Config, channel: str | None = None) -> list[DeliveryReport]:
    """Compose each chosen channel's digest and send every message that is due."""
    chosen = _channels(config, channel)
    with open_store(config) as store:
        return deliver(config, store, ("digest",), chosen)


def preview_digests(config: Config, channel: str | None = None) -> list[tuple[Channel, Digest, dict]]:
    """What each chosen channel's digest would say now; nothing is stored, sent or marked."""
    with open_store(config) as store:
        return [
            (item, *preview(store, item, config.monitor.zone_of(item)))
            for item in _channels(config, channel)
        ]


def stories(config: Config, since: str | None, limit: int) -> list[Story]:
    with open_store(config) as store:
        return list_stories(store, since, limit)


def explain_text(config: Config, text: str, rule: str | None) -> Explanation:
    title, _, body = text.strip().partition("\n")
    return explain(compile_rules(config.rules), Document(title=title, body=body.strip()), rule)


def explain_url(config: Config, url: str, rule: str | None) -> Explanation:
    """Fetch one article page through the crawler (same politeness and safety) and explain it."""
    from monitor.crawl import fetch_page

    article = eventloop.run(lambda: fetch_page(url, config.monitor.crawl.policy()))
    document = Document(article.title, article.body, article.source, article.country, article.language)
    return explain(compile_rules(config.rules), document, rule)


def channel_states(config: Config, enable: str | None = None) -> list[ChannelState]:
    """Every configured channel with its state and waiting hits; `enable` first switches one back on."""
    with open_store(config) as store:
        if enable is not None:
            (chosen,) = _channels(config, enable)
            if not channel_state.enable(store, chosen.name):
                raise ConfigError([f"the channel {chosen.name} is not disabled; nothing to enable"])
        return channel_state.states(store, config.monitor.channels)


def source_health(config: Config) -> list[dict]:
    """Every configured source with its stored health (never-fetched sources included)."""
    with open_store(config) as store:
        stored = {row["name"]: row for row in store.db.query("SELECT * FROM sources")}
        held = held_sources(store, config.sources.sources, datetime.now(timezone.utc))
    return [
        {"name": source.name, "kind": source.kind, "enabled": source.enabled, **stored.get(source.name, {}),
         "held_until": held.get(source.name)}
        for source in config.sources.sources
    ]
