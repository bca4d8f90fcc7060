"""Each configured channel as a renderer and a sender, with its secrets read from the environment.

Payloads are plain JSON-able dicts so the outbox can store exactly what it will
send and send the same thing again after a crash.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from monitor.config.models import Channel, EmailChannel, FileChannel, TelegramChannel
from monitor.digest import Digest
from monitor.notify.email import EmailNotifier, EmailSettings
from monitor.notify.errors import TransientDeliveryError
from monitor.notify.files import FileNotifier
from monitor.notify.telegram import TelegramMessage, TelegramNotifier, TelegramSettings, telegram_messages
from monitor.render import LABELS, RenderedDigest, render_digest


class Sender(Protocol):
    def send(self, payload: dict, message_ref: str, parts_sent: int, part_done: Callable[[int], None]) -> str:
        """Send what is left of the payload; call part_done(n) after each part; return a reference."""


def render_payload(channel: Channel, digest: Digest, zone: str) -> dict:
    if isinstance(channel, TelegramChannel):
        messages = telegram_messages(digest, LABELS[channel.language], buttons=channel.feedback_buttons)
        return {"parts": [message.text for message in messages], "keyboards": [message.keyboard for message in messages]}
    rendered = render_digest(digest, language=channel.language, zone=zone, template_dir=channel.templates)
    return {"subject": rendered.subject, "text": rendered.text, "html": rendered.html}


def sender_for(channel: Channel, environ: Mapping[str, str], sleep: Callable[[float], None] | None = None) -> Sender:
    if isinstance(channel, FileChannel):
        return _FileSender(channel)
    if isinstance(channel, EmailChannel):
        return _EmailSender(channel, environ)
    return _TelegramSender(channel, environ, sleep)


@dataclass
class _FileSender:
    channel: FileChannel

    def send(self, payload: dict, message_ref: str, parts_sent: int, part_done: Callable[[int], None]) -> str:
        stem = f"{payload['stem']}-{self.channel.name}"
        return FileNotifier(self.channel.folder).send(_rendered(payload), stem)


class _EmailSender:
    def __init__(self, channel: EmailChannel, environ: Mapping[str, str]) -> None:
        self.notifier = EmailNotifier(
            EmailSettings(
                host=channel.host, port=channel.port, security=channel.security, sender=channel.sender,
                recipients=tuple(channel.recipients), list_id=channel.list_id, timeout=channel.timeout,
                username=environ.get(channel.username_env) or None, password=environ.get(channel.password_env) or None,
            )
        )

    def send(self, payload: dict, message_ref: str, parts_sent: int, part_done: Callable[[int], None]) -> str:
        report = self.notifier.send(_rendered(payload), message_ref, datetime.fromisoformat(payload["created_at"]))
        refused = ", ".join(f"{address} ({code})" for address, (code, _) in report.refused.items())
        return f"{report.message_id}" + (f"; refused: {refused}" if refused else "")


class _TelegramSender:
    def __init__(self, channel: TelegramChannel, environ: Mapping[str, str], sleep: Callable[[float], None] | None) -> None:
        token = environ.get(channel.token_env)
        if not token:
            raise TransientDeliveryError(
                f"the Telegram channel {channel.name} needs its bot token in the environment variable "
                f"{channel.token_env}; set it and the pending messages will be sent on the next run"
            )
        settings = TelegramSettings(token=token, chat_id=channel.chat_id, api_base=channel.api_base,
                                    timeout=channel.timeout, max_retry_wait=channel.max_retry_wait)
        self.notifier = TelegramNotifier(settings) if sleep is None else TelegramNotifier(settings, sleep=sleep)

    def send(self, payload: dict, message_ref: str, parts_sent: int, part_done: Callable[[int], None]) -> str:
        """One part at a time, each recorded, so a crash repeats at most one part."""
        ids = []
        parts = payload["parts"]
        keyboards = payload.get("keyboards") or [None] * len(parts)  # outbox rows written before buttons had none
        for index in range(parts_sent, len(parts)):
            ids.extend(self.notifier.send([TelegramMessage(parts[index], keyboards[index])]).message_ids)
            part_done(index + 1)
        return "telegram:" + ",".join(str(message_id) for message_id in ids)


def _rendered(payload: dict) -> RenderedDigest:
    return RenderedDigest(subject=payload["subject"], text=payload["text"], html=payload["html"])
