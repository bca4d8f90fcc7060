"""The Telegram channel: a digest as Bot API HTML messages, split between stories, sent in order."""
from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import httpx

from monitor.digest import Digest, DigestGroup, DigestItem, Segment
from monitor.notify.errors import DeliveryError, PermanentDeliveryError, RecipientRefused, TransientDeliveryError
from monitor.render import plain, safe_link

logger = logging.getLogger(__name__)
MAX_MESSAGE = 4096
MIN_MESSAGE = 256
MAX_BUTTON_DATA = 64  # bytes of callback data Telegram keeps for a button
MAX_STORIES_WITH_BUTTONS = 40  # two buttons each, within Telegram's 100 buttons per message
BUTTON_PREFIX = "dz:"
_BUTTON = re.compile(re.escape(BUTTON_PREFIX) + r"([ri]):(\d+(?:,\d+)*)")
SEPARATOR = "\n\n"
Block = Callable[[int | None], str]  # renders one story (or note) with every text field cut to at most N characters


# -- rendering ---------------------------------------------------------------------------------


def render_telegram(digest: Digest, labels: dict, limit: int = MAX_MESSAGE) -> list[str]:
    """The digest as Telegram HTML messages in reading order, each at most `limit` long."""
    return [message.text for message in telegram_messages(digest, labels, limit)]


@dataclass(frozen=True)
class TelegramMessage:
    text: str
    keyboard: dict | None = None
    """Bot API reply_markup: a row of verdict buttons per story in the message."""


def telegram_messages(digest: Digest, labels: dict, limit: int = MAX_MESSAGE,
                      buttons: bool = False) -> list[TelegramMessage]:
    """The digest as Telegram HTML messages in reading order, each at most `limit` long.

    Length is measured on the raw markup in UTF-16 code units, as Telegram counts, so a part
    is within the limit both before and after Telegram parses its entities. With buttons, stories
    are numbered and each message carries a row of verdict buttons per story it holds.
    """
    if not MIN_MESSAGE <= limit <= MAX_MESSAGE:
        raise ValueError(f"A Telegram message limit of {limit} is out of range; use a value from {MIN_MESSAGE} to {MAX_MESSAGE}.")
    blocks = _blocks(digest, labels, buttons)
    title = f"<b>{_text(labels[digest.purpose])}</b> — {_text(digest.created_at.strftime('%Y-%m-%d %H:%M %Z'))}"
    budget = limit - _units(title + _numbering(len(blocks), len(blocks)) + SEPARATOR)
    fitted = [_fit(render, budget) for render, _ in blocks]
    parts = _pack(fitted, budget, MAX_STORIES_WITH_BUTTONS if buttons else len(fitted))
    return [
        TelegramMessage(
            title + _numbering(number, len(parts)) + SEPARATOR + SEPARATOR.join(fitted[index] for index in part),
            _keyboard([blocks[index][1] for index in part], labels) if buttons else None,
        )
        for number, part in enumerate(parts, start=1)
    ]


def _blocks(digest: Digest, labels: dict, numbered: bool) -> list[tuple[Block, tuple[int, DigestItem] | None]]:
    """Each story (with its number when numbered) and the footer, as renderers of one block."""
    footer = (partial(_footer, digest, labels), None)
    if not digest.items:
        return [(partial(_text, labels["nothing_new"]), None), footer]
    listed = [(group if position == 0 else None, item)
              for group in digest.groups for position, item in enumerate(group.items)]
    return [
        (partial(_story, item, labels, group, number if numbered else None), (number, item))
        for number, (group, item) in enumerate(listed, start=1)
    ] + [footer]


def _keyboard(stories: list[tuple[int, DigestItem] | None], labels: dict) -> dict | None:
    rows = [
        [{"text": f"{number} ✓ {labels['relevant']}", "callback_data": verdict_button("relevant", item.hit_ids)},
         {"text": f"{number} ✗ {labels['irrelevant']}", "callback_data": verdict_button("irrelevant", item.hit_ids)}]
        for number, item in filter(None, stories) if item.hit_ids
    ]
    return {"inline_keyboard": rows} if rows else None


def verdict_button(verdict: str, hit_ids: list[int]) -> str:
    """A button's callback data: the verdict and as many of the story's hits as Telegram's 64 bytes hold."""
    data = f"{BUTTON_PREFIX}{verdict[0]}:{hit_ids[0]}"
    for hit_id in hit_ids[1:]:
        if len(f"{data},{hit_id}") > MAX_BUTTON_DATA:
            break
        data = f"{data},{hit_id}"
    return data


def read_verdict_button(data: str) -> tuple[str, list[int]] | None:
    """The verdict and hit ids a button carries, or None for data Dozor did not write."""
    found = _BUTTON.fullmatch(data or "")
    if found is None:
        return None
    return {"r": "relevant", "i": "irrelevant"}[found[1]], [int(hit_id) for hit_id in found[2].split(",")]


def _story(item: DigestItem, labels: dict, group: DigestGroup | None, number: int | None, cap: int | None) -> str:
    """A story; the group's heading above it when it opens its group."""
    headline = _text(item.title, cap)
    url = plain(item.url)
    # A shortened story keeps its link only while the URL is within the text allowance.
    if safe_link(url) and (cap is None or len(url) <= cap):
        headline = f'<a href="{html.escape(url, quote=True)}">{headline}</a>'
    meta = " · ".join(filter(None, [
        labels["update"] if item.update else "", ", ".join(item.outlets or [item.source]), item.published,
        f"{labels['rules']}: {', '.join(item.rules)}",
    ]))
    lines = [
        f"<u>{_text(group.title, cap)}</u>" if group else "",
        (f"{number}. " if number else "") + f"[{_text(labels.get(item.severity, item.severity))}] <b>{headline}</b>"
        + (f" <i>({_text(labels['already_alerted'])})</i>" if item.alerted else ""),
        _text(meta, cap),
        _snippet(item.snippet, cap),
    ]
    return "\n".join(line for line in lines if line)


def _snippet(segments: list[Segment], cap: int | None) -> str:
    pieces, room = [], cap
    for segment in segments:
        if room is not None and room <= 0:
            break
        text = _text(segment.text, room)
        pieces.append(f"<b>{text}</b>" if segment.emphasised else text)
        room = None if room is None else room - len(plain(segment.text))
    return "".join(pieces)


def _footer(digest: Digest, labels: dict, cap: int | None) -> str:
    lines = [f"{labels['stories']}: {len(digest.items)}"]
    if digest.notices:
        lines += [f"{labels['notices']}:", *(f"! {notice}" for notice in digest.notices)]
    if digest.failing_sources:
        lines.append(f"{labels['failing_sources']}:")
        lines += [f"• {source['name']}: {source['last_error_category']} ({source['consecutive_failures']} {labels['rounds']})"
                  for source in digest.failing_sources]
    return _text("\n".join(lines), cap)


def _fit(block: Block, budget: int) -> str:
    """The block whole if it fits, else with its text fields cut as little as the search finds (never its markup).

    The search keeps `shortest` a cap that fits (0 always does), so it ends on a fitting block even
    where dropping a link makes the size jump.
    """
    whole = block(None)
    if _units(whole) <= budget:
        return whole
    shortest, longest = 0, budget
    while shortest < longest:
        cap = (shortest + longest + 1) // 2
        if _units(block(cap)) <= budget:
            shortest = cap
        else:
            longest = cap - 1
    return block(shortest)


def _pack(blocks: list[str], budget: int, most: int) -> list[list[int]]:
    """Block indexes gathered greedily into parts of at most `most` blocks whose joined size stays within the budget."""
    parts: list[list[int]] = [[]]
    used = 0
    for index, block in enumerate(blocks):
        size = _units(block) + (_units(SEPARATOR) if parts[-1] else 0)
        if parts[-1] and (used + size > budget or len(parts[-1]) == most):
            parts.append([])
            size = _units(block)
            used = 0
        parts[-1].append(index)
        used += size
    return parts


def _numbering(number: int, total: int) -> str:
    return f" ({number}/{total})" if total > 1 else ""


def _text(value: object, cap: int | None = None) -> str:
    """Visible text, shortened to `cap` characters before escaping so no entity is ever cut."""
    text = plain(value)
    if cap is not None and len(text) > cap:
        text = text[: cap - 1] + "…" if cap > 0 else ""
    return html.escape(text, quote=True)


def _units(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts twice)."""
    return len(text.encode("utf-16-le")) // 2


_LINK = re.compile(r'<a href="([^"]*)">(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]*>")


def as_plain_text(part: str) -> str:
    """A part with its markup undone (links kept as text), for when Telegram cannot parse it."""
    return html.unescape(_TAG.sub("", _LINK.sub(r"\2 (\1)", part)))


# -- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TelegramSettings:
    token: str = field(repr=False)
    chat_id: int | str
    api_base: str = "https://api.telegram.org"
    timeout: float = 30.0
    max_retry_wait: float = 120.0
    disable_preview: bool = True


@dataclass(frozen=True)
class TelegramReport:
    message_ids: tuple[int, ...]
    plain_text_parts: tuple[int, ...] = ()  # indexes of parts Telegram could not parse, sent as plain text


class _HtmlRejected(PermanentDeliveryError):
    """Telegram could not parse a part's HTML."""


class TelegramNotifier:
    def __init__(self, settings: TelegramSettings, sleep: Callable[[float], None] = time.sleep) -> None:
        self.settings = settings
        self.sleep = sleep
        redact_httpx_log()

    def send(self, messages: list[TelegramMessage]) -> TelegramReport:
        """Send the messages in order; on failure the error's `sent_ids` says how many went out."""
        sent: list[int] = []
        fallbacks: list[int] = []
        with httpx.Client(timeout=self.settings.timeout) as client:
            attempt = _Attempt(self, client)
            try:
                for index, message in enumerate(messages):
                    try:
                        sent.append(attempt.post(message.text, message.keyboard, as_html=True))
                    except _HtmlRejected as error:
                        logger.warning("Telegram could not parse part %d of %d (%s); sending it as plain text",
                                       index + 1, len(messages), error)
                        sent.append(attempt.post(as_plain_text(message.text), message.keyboard, as_html=False))
                        fallbacks.append(index)
            except DeliveryError as error:
                error.sent_ids = tuple(sent)
                raise
        logger.info("Sent %d Telegram message(s) to chat %s", len(sent), self.settings.chat_id)
        return TelegramReport(tuple(sent), tuple(fallbacks))

    def redact(self, text: str) -> str:
        token = self.settings.token
        return text.replace(token, "***") if token else text


class _Attempt:
    """One send(): its connection, and the time already spent waiting out rate limits."""

    def __init__(self, notifier: TelegramNotifier, client: httpx.Client) -> None:
        self.notifier = notifier
        self.settings = notifier.settings
        self.client = client
        self.waited = 0.0

    def post(self, text: str, keyboard: dict | None, as_html: bool) -> int:
        while True:
            response = self._request(text, keyboard, as_html)
            if response.status_code != 429:
                return self._message_id(response)
            self._wait(json_body(response).get("parameters", {}).get("retry_after", 1))

    def _request(self, text: str, keyboard: dict | None, as_html: bool) -> httpx.Response:
        settings = self.settings
        payload: dict = {"chat_id": settings.chat_id, "text": text,
                         "link_preview_options": {"is_disabled": settings.disable_preview}}
        if as_html:
            payload["parse_mode"] = "HTML"
        if keyboard:
            payload["reply_markup"] = keyboard
        url = f"{settings.api_base.rstrip('/')}/bot{settings.token}/sendMessage"
        # `from None` throughout: httpx's own exceptions may carry the URL, and the URL carries the token.
        try:
            return self.client.post(url, json=payload)
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise PermanentDeliveryError(
                f"The Telegram api_base {settings.api_base!r} is not a usable http(s) URL; fix it in the channel settings."
            ) from None
        except httpx.RequestError as error:
            raise TransientDeliveryError(self.notifier.redact(
                f"Could not reach the Telegram Bot API at {settings.api_base} ({type(error).__name__}: {error}); "
                "the rest of the digest stays pending and will be retried."
            )) from None

    def _wait(self, retry_after: float) -> None:
        seconds = max(float(retry_after), 1.0)
        if self.waited + seconds > self.settings.max_retry_wait:
            raise TransientDeliveryError(
                f"Telegram asked to wait {seconds:g} s, more than the {self.settings.max_retry_wait:g} s "
                "max_retry_wait allows; the rest of the digest stays pending and will be retried after that.",
                retry_after=seconds,
            )
        logger.warning("Telegram rate limit: waiting %g s before resending", seconds)
        self.notifier.sleep(seconds)
        self.waited += seconds

    def _message_id(self, response: httpx.Response) -> int:
        body = json_body(response)
        status = response.status_code
        if status == 200 and body.get("ok"):
            return int(body["result"]["message_id"])
        reply = f"{status}: {self.notifier.redact(str(body.get('description', response.reason_phrase)))}"
        chat = self.settings.chat_id
        if status == 400 and "can't parse entities" in reply.lower():
            raise _HtmlRejected(f"Telegram could not parse the message ({reply}); report this digest as a bug.")
        if status == 403 or (status == 400 and "chat not found" in reply.lower()):
            raise RecipientRefused(
                f"Telegram will not deliver to chat {chat} ({reply}); check the chat id, add or unblock the bot"
            )
        if status in (401, 404):
            raise PermanentDeliveryError(f"Telegram did not accept the bot token ({reply}); check the token and api_base.")
        if status >= 500 or status == 200:
            raise TransientDeliveryError(f"Telegram failed to take the message ({reply}); it stays pending and will be retried.")
        raise PermanentDeliveryError(f"Telegram refused the message for chat {chat} ({reply}); fix the channel settings.")


def json_body(response: httpx.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class _RedactTokens(logging.Filter):
    """httpx logs every request URL at INFO, and a Bot API URL carries the bot token."""

    pattern = re.compile(r"/bot[^/\s]+")

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = self.pattern.sub("/bot***", record.getMessage()), ()
        return True


def redact_httpx_log() -> None:
    httpx_log = logging.getLogger("httpx")
    if not any(isinstance(existing, _RedactTokens) for existing in httpx_log.filters):
        httpx_log.addFilter(_RedactTokens())
