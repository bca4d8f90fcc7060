"""Load an archive of past articles (JSON Lines) through the same dedup, rules and store as crawled ones.

Each batch is one transaction, so an interrupted import keeps what it stored
and running it again skips those articles as already stored.
"""
from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, TextIO

from crawler.items import Article
from monitor.analyst import AnalystError
from monitor.config import Config
from monitor.config.models import Channel, StorySettings
from monitor.ingest import ingest
from monitor.rules.engine import Matcher, compile_rules
from monitor.store import Store

BATCH_SIZE = 500
MALFORMED_LISTED = 50
REQUIRED = ("url", "title", "text", "source")
OPTIONAL = ("published", "language", "country")
UTF8_BOM = b"\xef\xbb\xbf"

Progress = Callable[[int, int, int], None]
"""Called after every batch with the lines read, the bytes read and the file's size in bytes."""


@dataclass
class ImportSummary:
    read: int = 0
    new: int = 0
    already_stored: int = 0
    matched: int = 0
    malformed_total: int = 0
    malformed: list[tuple[int, str]] = field(default_factory=list)
    """(line number, reason), the first MALFORMED_LISTED of them."""

    def reject(self, line: int, reason: str) -> None:
        self.malformed_total += 1
        if len(self.malformed) < MALFORMED_LISTED:
            self.malformed.append((line, reason))


def parse_line(raw: bytes, countries: Mapping[str, str]) -> Article:
    """One JSON Lines record as an Article; ValueError says what is wrong with it.

    A record without a country takes the country of the configured source of that name.
    """
    record = _json_object(raw)
    for key in REQUIRED + OPTIONAL:
        value = record.get(key)
        if value is None and key in OPTIONAL:
            continue
        if not isinstance(value, str):
            raise ValueError(f"{key!r} is missing" if value is None else f"{key!r} must be a string")
    url = record["url"].strip()
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"'url' must be an http or https address, not {url[:80]!r}")
    if not record["title"].strip():
        raise ValueError("'title' is empty")
    return Article(
        source=record["source"], url=url, title=record["title"], body=record["text"],
        published=_published(record.get("published")), language=record.get("language") or "",
        country=record.get("country") or countries.get(record["source"], ""),
    )


def _json_object(raw: bytes) -> dict:
    try:
        record = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise ValueError(f"not UTF-8 text (byte {error.start})") from error
    except json.JSONDecodeError as error:
        raise ValueError(f"not valid JSON ({error.msg} at column {error.colno})") from error
    if not isinstance(record, dict):
        raise ValueError("not a JSON object")
    return record


def _published(value: str | None) -> datetime | None:
    """ISO 8601 date or time; one without a zone is taken as UTC."""
    if value is None or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise ValueError(f"'published' is {value[:40]!r}, not an ISO 8601 date such as 2024-03-01T10:00:00+05:00") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def import_file(
    store: Store, matcher: Matcher, path: Path, channels: Sequence[Channel],
    countries: Mapping[str, str] | None = None, batch_size: int = BATCH_SIZE, progress: Progress | None = None,
    stories: StorySettings | None = None,
) -> ImportSummary:
    """Read `path` line by line, skipping and reporting malformed lines, and ingest the rest in batches."""
    summary = ImportSummary()
    try:
        stream, total = path.open("rb"), path.stat().st_size
    except OSError as error:
        raise AnalystError(f"cannot read {path}: {error.strerror}") from error
    batch: list[Article] = []
    with stream:
        for article, done in _articles(stream, countries or {}, summary):
            batch.append(article)
            if len(batch) >= batch_size:
                _ingest(store, matcher, batch, channels, summary, stories)
                batch = []
                if progress:
                    progress(summary.read, done, total)
    _ingest(store, matcher, batch, channels, summary, stories)
    if progress:
        progress(summary.read, total, total)
    return summary


def _articles(stream: BinaryIO, countries: Mapping[str, str], summary: ImportSummary) -> Iterator[tuple[Article, int]]:
    """Each well-formed record with the bytes read so far; blank lines are skipped, malformed ones noted."""
    done = 0
    for number, raw in enumerate(stream, 1):
        done += len(raw)
        if not raw.strip():
            continue
        summary.read += 1
        try:
            article = parse_line(raw.removeprefix(UTF8_BOM), countries)
        except ValueError as error:
            summary.reject(number, str(error))
            continue
        yield article, done


def import_archive(config: Config, path: Path, progress: Progress | None = None, deliver: bool = False) -> ImportSummary:
    """Import with the config's rules into its database; hits go to the digest only when `deliver`."""
    matcher = compile_rules(config.rules)
    countries = {source.name: source.country for source in config.sources.sources}
    with contextlib.closing(Store(config.monitor.database)) as store:
        return import_file(
            store, matcher, path, config.monitor.channels if deliver else [], countries=countries, progress=progress,
            stories=config.monitor.stories,
        )


def _ingest(store: Store, matcher: Matcher, batch: list[Article], channels: Sequence[Channel], summary: ImportSummary,
            stories: StorySettings | None) -> None:
    if not batch:
        return
    result = ingest(store, matcher, batch, channels, stories)
    summary.new += result.new
    summary.already_stored += result.seen - result.new
    summary.matched += result.matched


class ProgressPrinter:
    """A bar redrawn in place when `stream` is a terminal; otherwise a plain line every `every` lines."""

    def __init__(self, stream: TextIO, every: int = 10 * BATCH_SIZE) -> None:
        self.stream = stream
        self.every = every
        self.terminal = stream.isatty()
        self._printed = 0
        self._last = (0, 0)

    def __call__(self, lines: int, done: int, total: int) -> None:
        if (lines, done) == self._last:
            return
        self._last = (lines, done)
        share = min(done / max(total, 1), 1.0)
        if self.terminal:
            bar = "#" * round(share * 30)
            self.stream.write(f"\r[{bar:<30}] {share:4.0%}  {lines} lines")
            if share >= 1.0:
                self.stream.write("\n")
        elif lines - self._printed >= self.every or (share >= 1.0 and lines > self._printed):
            self.stream.write(f"import: {lines} lines read ({share:.0%})\n")
            self._printed = lines
        self.stream.flush()


def format_summary(path: Path, summary: ImportSummary) -> str:
    lines = [
        (
            f"{path}: {summary.read} lines read: {summary.new} new articles, {summary.already_stored} already stored, "
            f"{summary.malformed_total} malformed; {summary.matched} of the new articles matched a rule."
        )
    ]
    lines += [f"  line {line}: {reason}" for line, reason in summary.malformed]
    if summary.malformed_total > len(summary.malformed):
        lines.append(f"  … and {summary.malformed_total - len(summary.malformed)} more malformed lines")
    return "\n".join(lines)
