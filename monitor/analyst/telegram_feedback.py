"""Verdicts from the relevant / irrelevant buttons under Telegram digest stories.

The daemon polls each bot's updates; a press in one of the configured chats is
stored as a verdict on the story's hits (via "telegram", with who pressed it),
answered on the button, and the bot's update offset is kept in the database so a
restart reads no press twice.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from monitor.analyst import AnalystError
from monitor.analyst.feedback import record_verdict
from monitor.config.models import Channel, TelegramChannel
from monitor.notify.errors import DeliveryError
from monitor.notify.telegram import TelegramSettings, read_verdict_button
from monitor.notify.telegram_updates import UpdatesClient
from monitor.render import LABELS
from monitor.store import Store, utc_now

log = logging.getLogger("dozor.feedback")


@dataclass
class PollReport:
    verdicts: int = 0
    """Hits marked from button presses."""

    ignored: int = 0
    """Presses from chats that are not a channel, on data Dozor did not write, or on hits no longer stored."""


def button_channels(channels: list[Channel], environ: Mapping[str, str]) -> list[TelegramChannel]:
    """The Telegram channels whose stories carry buttons and whose bot token is set."""
    return [channel for channel in channels if isinstance(channel, TelegramChannel)
            and channel.feedback_buttons and environ.get(channel.token_env)]


def poll_feedback(store: Store, channels: list[Channel], environ: Mapping[str, str]) -> PollReport:
    """Read every bot's pending button presses once; a bot that cannot be reached waits for the next poll."""
    report = PollReport()
    bots: dict[tuple[str, str], list[TelegramChannel]] = {}
    for channel in button_channels(channels, environ):
        bots.setdefault((environ[channel.token_env], channel.api_base), []).append(channel)
    for (token, api_base), served in bots.items():
        client = UpdatesClient(TelegramSettings(token=token, chat_id="", api_base=api_base, timeout=served[0].timeout))
        try:
            _poll_bot(store, client, served, report)
        except DeliveryError as error:
            log.warning("feedback buttons of %s not read: %s", ", ".join(channel.name for channel in served), error)
    return report


def _poll_bot(store: Store, client: UpdatesClient, channels: list[TelegramChannel], report: PollReport) -> None:
    bot = f"{client.settings.api_base}|{client.settings.token.split(':')[0]}"
    row = store.db.execute("SELECT next_update FROM telegram_offsets WHERE bot = ?", [bot]).fetchone()
    updates = client.updates(row[0] if row else 0)
    for update in updates:
        query = update.get("callback_query")
        if isinstance(query, dict):
            _press(store, client, query, channels, report)
    if updates:
        with store.transaction() as db:
            db["telegram_offsets"].upsert({"bot": bot, "next_update": max(u["update_id"] for u in updates) + 1,
                                           "updated_at": utc_now()}, pk="bot")


def _press(store: Store, client: UpdatesClient, query: dict, channels: list[TelegramChannel], report: PollReport) -> None:
    channel = _channel_of(query, channels)
    button = read_verdict_button(str(query.get("data", "")))
    if channel is None or button is None:
        report.ignored += 1
        log.warning("ignored a Telegram button press from chat %s: not a Dozor feedback button in a configured chat",
                    _chat(query).get("id"))
        return
    verdict, hit_ids = button
    labels = LABELS[channel.language]
    who = _who(query.get("from") or {})
    marked = []
    for hit_id in hit_ids:
        try:
            marked.append(record_verdict(store, hit_id, verdict, note=f"Telegram button, {who}", via="telegram"))
        except AnalystError as error:
            report.ignored += 1
            log.warning("Telegram button press by %s not stored: %s", who, error)
    report.verdicts += len(marked)
    for stored in marked:
        log.info("hit %d (%s) marked %s by %s in %s", stored.hit_id, stored.rule, verdict, who, channel.name)
    answer = labels["marked"].format(verdict=labels[verdict]) if marked else labels["gone"]
    try:
        client.answer(str(query.get("id", "")), answer)
    except DeliveryError as error:  # expected from `once`: Telegram takes answers only for a few seconds
        log.info("the verdict is stored; the button could not be answered: %s", error)


def _chat(query: dict) -> dict:
    message = query.get("message")
    return (message.get("chat") or {}) if isinstance(message, dict) else {}


def _channel_of(query: dict, channels: list[TelegramChannel]) -> TelegramChannel | None:
    """The channel whose chat the pressed message is in, by numeric id or @username."""
    chat = _chat(query)
    names = {str(chat.get("id")), f"@{chat.get('username')}"}
    return next((channel for channel in channels if channel.chat_id in names), None)


def _who(user: dict) -> str:
    name = f"@{user['username']}" if user.get("username") else str(user.get("first_name", "someone"))
    return f"{name} (Telegram user {user.get('id', '?')})"
