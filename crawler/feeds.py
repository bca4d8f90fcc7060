"""Feed bodies to entries with feedparser, after Dozor's own charset decision."""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timezone

import feedparser

from crawler.encoding import detect_encoding
from crawler.html_text import html_to_text

_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>", re.S)
_LOOKS_LIKE_HTML = re.compile(rb"<\s*(html|body|form|!doctype\s+html)\b", re.I)


@dataclass(frozen=True)
class FeedEntry:
    link: str
    title: str
    text: str
    published: datetime | None
    guid: str


@dataclass(frozen=True)
class ParsedFeed:
    entries: list[FeedEntry]
    language: str
    problem: str
    """Empty when the feed parsed cleanly; else what feedparser complained about."""

    looks_like_html: bool


def parse_feed(body: bytes, header_charset: str | None = None) -> ParsedFeed:
    """Parse feed bytes; the body is re-encoded to UTF-8 so feedparser never guesses."""
    encoding = detect_encoding(body, header_charset)
    utf8 = body.decode(encoding, errors="replace").lstrip("\ufeff").encode("utf-8")
    utf8 = _XML_DECLARATION.sub(b'<?xml version="1.0" encoding="utf-8"?>', utf8, count=1)
    parsed = feedparser.parse(utf8, response_headers={"content-type": "application/xml; charset=utf-8"})
    problem = ""
    if parsed.bozo:
        problem = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
    entries = [entry for entry in (_entry(raw) for raw in parsed.entries) if entry is not None]
    return ParsedFeed(
        entries=entries,
        language=(parsed.feed.get("language") or "").split("-")[0].lower(),
        problem=problem,
        looks_like_html=not entries and bool(_LOOKS_LIKE_HTML.search(body[:4096])),
    )


def _entry(raw: feedparser.FeedParserDict) -> FeedEntry | None:
    title = html_to_text(raw.get("title", ""))
    text = _longest_text(raw)
    link = raw.get("link", "") or ""
    if not (title or text):
        return None
    return FeedEntry(
        link=link.strip(),
        title=title,
        text=text,
        published=_when(raw),
        guid=(raw.get("id") or link).strip(),
    )


def _longest_text(raw: feedparser.FeedParserDict) -> str:
    candidates = [block.get("value", "") for block in raw.get("content", [])]
    candidates.append(raw.get("summary", ""))
    return max((html_to_text(candidate) for candidate in candidates), key=len, default="")


def _when(raw: feedparser.FeedParserDict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        parsed = raw.get(key)
        if parsed:
            return datetime.fromtimestamp(calendar.timegm(parsed), tz=timezone.utc)
    return None
