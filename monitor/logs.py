"""Log lines: one per event, as text, key=value or JSON, with round and source ids, secrets removed.

Every handler on the root logger gets two filters: one that copies the current
round id onto records logged inside a round (by any module, in any thread the
round hands work to), and one that removes secrets from the message and the
traceback before any formatter sees them.
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTEXT_KEYS = ("round", "source", "channel")
"""Record attributes (set with `extra=`) that keyvalue and json lines carry when present."""

MASK = "***"
BOT_TOKEN = re.compile(r"/bot\d+(?::|%3A)[A-Za-z0-9_-]+", re.IGNORECASE)
"""A Telegram bot token inside a Bot API URL: /bot123456:AAE.../sendMessage."""

current_round: ContextVar[int | None] = ContextVar("dozor_round", default=None)


def setup_logging(verbose: bool) -> None:
    """The CLI's logging: text on stderr, WARNING (DEBUG with -v), Scrapy quieter, secrets redacted."""
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, format=TEXT_FORMAT)
    logging.getLogger("scrapy").setLevel(logging.WARNING if verbose else logging.ERROR)
    # A robots.txt that cannot be downloaded is logged there with a traceback; the source's own
    # request then fails in its category and is logged once by dozor.health, in a sentence.
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    logging.captureWarnings(True)
    configure_logging("text", ())


def configure_logging(log_format: str, secrets: Iterable[str]) -> None:
    """Give every root handler this format and redact these secret values (the daemon calls it per config)."""
    secrets = tuple(secrets)
    for handler in logging.getLogger().handlers:
        configure_handler(handler, log_format, secrets)


def configure_handler(handler: logging.Handler, log_format: str, secrets: Iterable[str]) -> None:
    """This handler's format, round ids and redaction; its filters are added once and updated after."""
    handler.setFormatter(formatter_for(log_format))
    _filter(handler, RoundContext)
    _filter(handler, Redactor).secrets = _longest_first(secrets)


@contextmanager
def round_context(round_id: int) -> Iterator[None]:
    """Records logged inside this block, here or in threads started from it, carry round=round_id."""
    token = current_round.set(round_id)
    try:
        yield
    finally:
        current_round.reset(token)


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, MASK)
    return BOT_TOKEN.sub("/bot" + MASK, text)


class RoundContext(logging.Filter):
    """Adds `round` to records logged inside round_context that do not name one already."""

    def filter(self, record: logging.LogRecord) -> bool:
        round_id = current_round.get()
        if round_id is not None and not hasattr(record, "round"):
            record.round = round_id
        return True


class Redactor(logging.Filter):
    """Removes secret values and bot tokens from a record's message, traceback and stack."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: tuple[str, ...] = ()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed log call is still logged, as logging itself would
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = redact(message, self.secrets), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        if record.stack_info:
            record.stack_info = redact(record.stack_info, self.secrets)
        return True


class KeyValueFormatter(logging.Formatter):
    """ts=... level=info logger=dozor.daemon msg="round 3 done" round=3: one line, whatever the message."""

    def format(self, record: logging.LogRecord) -> str:
        return " ".join(f"{key}={_logfmt_value(value)}" for key, value in _fields(self, record).items())


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, then round/source/channel and exc when present."""

    def format(self, record: logging.LogRecord) -> str:
        return json.dumps(_fields(self, record), ensure_ascii=False, default=str)


def formatter_for(log_format: str) -> logging.Formatter:
    if log_format == "keyvalue":
        return KeyValueFormatter()
    if log_format == "json":
        return JsonFormatter()
    if log_format == "text":
        return logging.Formatter(TEXT_FORMAT)
    raise ValueError(f"Unknown log format {log_format!r}; use text, keyvalue or json.")


def _fields(formatter: logging.Formatter, record: logging.LogRecord) -> dict[str, object]:
    fields: dict[str, object] = {
        "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
        "level": record.levelname.lower(),
        "logger": record.name,
        "msg": record.getMessage(),
    }
    fields |= {key: getattr(record, key) for key in CONTEXT_KEYS if hasattr(record, key)}
    if record.exc_info and not record.exc_text:
        record.exc_text = formatter.formatException(record.exc_info)
    if record.exc_text:
        fields["exc"] = record.exc_text
    return fields


def _logfmt_value(value: object) -> str:
    text = str(value)
    if text and not re.search(r'[\s="\\]', text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r") + '"'


def _filter(handler: logging.Handler, kind: type[logging.Filter]) -> logging.Filter:
    """The handler's filter of this kind, added once."""
    for existing in handler.filters:
        if isinstance(existing, kind):
            return existing
    added = kind()
    handler.addFilter(added)
    return added


def _longest_first(secrets: Iterable[str]) -> tuple[str, ...]:
    """Longest first, so a secret that contains another is masked whole."""
    return tuple(sorted({secret for secret in secrets if secret}, key=len, reverse=True))
