"""Channels whose recipient refused us: disabled, their hits kept pending, until an operator enables them.

A bot blocked in its chat, a chat that no longer exists, or a mail server that
refuses every recipient will refuse the next message too. Rather than fail one
digest after another, the channel is switched off at the first refusal; its pending
message and hits wait, and `run_monitor.py channels --enable NAME` sends them once
the recipient is fixed. Operator channels are reminded in every message they get.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from monitor.store import Store, utc_now

log = logging.getLogger("dozor.channels")


@dataclass(frozen=True)
class ChannelState:
    name: str
    kind: str
    disabled_at: str | None
    reason: str | None
    pending: int
    """Hits waiting for this channel (pending or inside an unsent message)."""


def disable(store: Store, channel: str, reason: str) -> None:
    with store.transaction() as db:
        db["disabled_channels"].upsert({"channel": channel, "reason": reason, "disabled_at": utc_now()}, pk="channel")
    log.error("channel %s disabled: %s; once fixed, run `run_monitor.py channels --enable %s` "
              "and what waits for it is sent", channel, reason, channel)


def enable(store: Store, channel: str) -> bool:
    """Switch the channel back on; False when it was not disabled."""
    with store.transaction() as db:
        return db.execute("DELETE FROM disabled_channels WHERE channel = ?", [channel]).rowcount > 0


def disabled(store: Store) -> dict[str, str]:
    """Disabled channel -> why, since when."""
    return {row[0]: f"{row[1]} (since {row[2]})"
            for row in store.db.execute("SELECT channel, reason, disabled_at FROM disabled_channels")}


def notices(store: Store) -> list[str]:
    """One line per disabled channel, for the operators."""
    return [f"Channel {name} is disabled: {why}. Fix it, then run `run_monitor.py channels --enable {name}`."
            for name, why in disabled(store).items()]


def states(store: Store, channels: list) -> list[ChannelState]:
    rows = {row[0]: row[1:] for row in store.db.execute("SELECT channel, disabled_at, reason FROM disabled_channels")}
    waiting = dict(store.db.execute(
        "SELECT channel, count(*) FROM deliveries WHERE status IN ('pending', 'queued') GROUP BY channel").fetchall())
    return [ChannelState(channel.name, channel.kind, *rows.get(channel.name, (None, None)), waiting.get(channel.name, 0))
            for channel in channels]
