"""Delivery through the outbox: hits are already stored as pending rows; sending moves them on.

Rows are marked sent only after the channel accepted the message. A crash between
the two repeats that one message on the next run; it never loses it.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from monitor.config.models import FileChannel
from monitor.digest import build_digest
from monitor.notify.files import FileNotifier
from monitor.render import RenderedDigest, render_digest
from monitor.store import Store, utc_now

log = logging.getLogger("dozor.outbox")
RETRY_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class DeliveryReport:
    channel: str
    stories: int
    sent: bool
    reference: str = ""
    error: str = ""
    rendered: RenderedDigest | None = None


def deliver_digest(
    store: Store, channel: FileChannel, timezone_name: str, dry_run: bool = False, now: datetime | None = None
) -> DeliveryReport:
    """Build, render and (unless dry_run) send the channel's digest, then mark its rows sent."""
    now = now or datetime.now(timezone.utc)
    digest = build_digest(store, channel.name, now)
    if not digest.items:
        return DeliveryReport(channel.name, 0, sent=False)
    rendered = render_digest(digest, timezone=timezone_name)
    if dry_run:
        return DeliveryReport(channel.name, len(digest.items), sent=False, rendered=rendered)
    stem = f"digest-{now:%Y%m%d-%H%M%S}-{channel.name}"
    try:
        reference = FileNotifier(channel.folder).send(rendered, stem)
    except OSError as error:
        _postpone(store, digest.delivery_ids, str(error), now)
        log.error("digest for channel %s not delivered, will retry: %s", channel.name, error)
        return DeliveryReport(channel.name, len(digest.items), sent=False, error=str(error), rendered=rendered)
    _mark_sent(store, digest.delivery_ids, reference)
    log.info("digest for channel %s delivered: %d stories -> %s", channel.name, len(digest.items), reference)
    return DeliveryReport(channel.name, len(digest.items), sent=True, reference=reference, rendered=rendered)


def _mark_sent(store: Store, delivery_ids: list[int], reference: str) -> None:
    with store.transaction() as db:
        db.conn.executemany(
            "UPDATE deliveries SET status = 'sent', message_ref = ?, sent_at = ?, attempts = attempts + 1, error = NULL "
            "WHERE id = ?",
            [(reference, utc_now(), delivery_id) for delivery_id in delivery_ids],
        )


def _postpone(store: Store, delivery_ids: list[int], reason: str, now: datetime) -> None:
    retry_at = (now + RETRY_AFTER).isoformat(timespec="seconds")
    with store.transaction() as db:
        db.conn.executemany(
            "UPDATE deliveries SET attempts = attempts + 1, error = ?, next_attempt = ? WHERE id = ?",
            [(reason, retry_at, delivery_id) for delivery_id in delivery_ids],
        )
