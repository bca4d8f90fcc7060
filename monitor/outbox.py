"""The outbox: hits wait as delivery rows; a message is composed, stored, then sent.

    delivery rows:  pending -> queued (inside a message) -> sent | failed
    messages:       pending -> sending -> sent | failed, or back to pending with a retry time

A message stores its exact payload and Message-ID before anything leaves, and
is marked sent only after the channel accepted it. A crash in between sends the
same message again on the next run (at most one repeat, same Message-ID); a hit
is never lost.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import make_msgid

from monitor import channel_state
from monitor.channels import render_payload, sender_for
from monitor.checkpoints import checkpoint
from monitor.config.models import Channel
from monitor.digest import Digest, build_digest
from monitor.notify.errors import DeliveryError, RecipientRefused, TransientDeliveryError
from monitor.store import Store, utc_now

log = logging.getLogger("dozor.outbox")
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class DeliveryReport:
    channel: str
    message: int
    purpose: str
    stories: int
    status: str
    reference: str = ""
    error: str = ""


def backoff(attempts: int, retry_after: float | None = None) -> timedelta:
    """Wait before the next try: doubling from one minute, capped at six hours, never less than asked."""
    delay = min(timedelta(minutes=2 ** max(attempts - 1, 0)), MAX_BACKOFF)
    return max(delay, timedelta(seconds=retry_after or 0))


def compose(store: Store, channel: Channel, zone: str, purpose: str = "digest",
            now: datetime | None = None, notices: Sequence[str] = ()) -> int | None:
    """Turn the channel's pending deliveries into one stored message; None when there is nothing to send.

    Notices (for operator channels) make a digest worth sending even without stories; an
    operator's digest also names every disabled channel. A disabled channel gets no message:
    its hits stay pending until it is enabled.
    """
    if channel.name in channel_state.disabled(store):
        return None
    now = now or datetime.now(timezone.utc)
    digest = build_digest(store, channel.name, purpose, channel.group_by, now)
    disabled = channel_state.notices(store) if purpose == "digest" else []
    digest.notices = [*notices, *disabled] if channel.operator else []
    if not digest.items and not digest.notices and not (purpose == "digest" and channel.send_empty):
        return None
    payload = render_payload(channel, digest, zone)
    payload |= {"created_at": now.isoformat(), "stem": f"{purpose}-{now:%Y%m%d-%H%M%S}", "stories": len(digest.items)}
    with store.transaction() as db:
        message_id = db["messages"].insert(
            {
                "channel": channel.name, "purpose": purpose, "status": "pending",
                "message_ref": make_msgid(domain="dozor.invalid"), "payload": json.dumps(payload, ensure_ascii=False),
                "parts_sent": 0, "attempts": 0, "created_at": utc_now(),
            }
        ).last_pk
        _set_deliveries(db, digest.delivery_ids, status="queued", message_id=message_id)
    return message_id


def preview(store: Store, channel: Channel, zone: str, purpose: str = "digest") -> tuple[Digest, dict]:
    """What compose would build now, without storing or marking anything."""
    digest = build_digest(store, channel.name, purpose, channel.group_by)
    return digest, render_payload(channel, digest, zone)


def send_due(store: Store, channels: Iterable[Channel], environ: Mapping[str, str],
             now: datetime | None = None, sleep: Callable[[float], None] | None = None) -> list[DeliveryReport]:
    """Send every stored message whose time has come; one channel failing never stops another."""
    now = now or datetime.now(timezone.utc)
    off = channel_state.disabled(store)
    by_name = {channel.name: channel for channel in channels if channel.name not in off}
    due = store.db.query(
        "SELECT * FROM messages WHERE status IN ('pending', 'sending') AND (next_attempt IS NULL OR next_attempt <= ?) "
        "ORDER BY id",
        [now.isoformat(timespec="seconds")],
    )
    return [_send(store, row, by_name[row["channel"]], environ, now, sleep) for row in list(due) if row["channel"] in by_name]


def _send(store: Store, row: dict, channel: Channel, environ: Mapping[str, str], now: datetime,
          sleep: Callable[[float], None] | None) -> DeliveryReport:
    payload = json.loads(row["payload"])
    _update_message(store, row["id"], status="sending", attempts=row["attempts"] + 1)
    checkpoint("before_send")
    try:
        sender = sender_for(channel, environ, sleep)
        reference = sender.send(payload, row["message_ref"], row["parts_sent"],
                                lambda done: _update_message(store, row["id"], parts_sent=done))
    except (TransientDeliveryError, OSError) as error:
        retry_at = now + backoff(row["attempts"] + 1, getattr(error, "retry_after", None))
        _update_message(store, row["id"], status="pending", error=str(error), next_attempt=retry_at.isoformat(timespec="seconds"))
        log.warning("channel %s: message %d not sent, retrying at %s: %s", channel.name, row["id"], retry_at, error)
        return _report(row, payload, "pending", error=str(error))
    except RecipientRefused as error:
        _update_message(store, row["id"], status="pending", error=str(error))
        channel_state.disable(store, channel.name, str(error))
        return _report(row, payload, "pending", error=str(error))
    except DeliveryError as error:
        _finish(store, row["id"], "failed", error=str(error))
        log.error("channel %s: message %d failed for good: %s", channel.name, row["id"], error)
        return _report(row, payload, "failed", error=str(error))
    checkpoint("after_send_before_commit")
    _finish(store, row["id"], "sent", reference=reference)
    log.info("channel %s: %s %d sent (%d stories): %s", channel.name, row["purpose"], row["id"], payload["stories"], reference)
    return _report(row, payload, "sent", reference=reference)


def _report(row: dict, payload: dict, status: str, reference: str = "", error: str = "") -> DeliveryReport:
    return DeliveryReport(row["channel"], row["id"], row["purpose"], payload["stories"], status, reference, error)


def _update_message(store: Store, message_id: int, **values: object) -> None:
    with store.transaction() as db:
        db["messages"].update(message_id, values)


def _finish(store: Store, message_id: int, status: str, reference: str = "", error: str = "") -> None:
    with store.transaction() as db:
        db["messages"].update(message_id, {"status": status, "reference": reference or None, "error": error or None,
                                           "sent_at": utc_now() if status == "sent" else None})
        db.execute("UPDATE deliveries SET status = ? WHERE message_id = ?", [status, message_id])


def _set_deliveries(db, delivery_ids: list[int], status: str, message_id: int) -> None:
    db.conn.executemany("UPDATE deliveries SET status = ?, message_id = ? WHERE id = ?",
                        [(status, message_id, delivery_id) for delivery_id in delivery_ids])
