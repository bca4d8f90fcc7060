"""Stored hits with their article and evidence, as CSV or JSON Lines for reports."""
from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import TextIO

from monitor.analyst.archive import since_filter
from monitor.analyst.feedback import LATEST_VERDICTS
from monitor.store import Store

COLUMNS = (
    "hit_id", "article_id", "published", "source", "title", "url",
    "rule", "rule_title", "severity", "score", "verdict", "matched", "evidence",
)


def exported_hits(store: Store, since: date | None = None) -> Iterator[dict]:
    """One dict per hit, oldest first; `evidence` is the list of {term, text, field, start, end}."""
    where, params = since_filter(since)
    rows = store.db.execute(
        f"""
        SELECT h.id, a.id, a.published, a.source, a.title, a.url, h.rule_id, h.rule_title, h.severity, h.score,
               v.verdict, h.evidence
        FROM hits h JOIN articles a ON a.id = h.article_id
        LEFT JOIN ({LATEST_VERDICTS}) v ON v.hit_id = h.id
        WHERE {where} ORDER BY h.id
        """,
        params,
    )
    for *values, evidence in rows:
        pieces = json.loads(evidence or "[]")
        matched = "; ".join(dict.fromkeys(piece["text"] for piece in pieces))
        yield dict(zip(COLUMNS, [*values, matched, pieces]))


def write_jsonl(hits: Iterable[dict], stream: TextIO) -> int:
    count = 0
    for count, hit in enumerate(hits, 1):
        stream.write(json.dumps(hit, ensure_ascii=False) + "\n")
    return count


def write_csv(hits: Iterable[dict], stream: TextIO) -> int:
    """A header row, then one row per hit; evidence as JSON, `matched` as the readable summary of it."""
    writer = csv.DictWriter(stream, fieldnames=COLUMNS)
    writer.writeheader()
    count = 0
    for count, hit in enumerate(hits, 1):
        writer.writerow({**hit, "evidence": json.dumps(hit["evidence"], ensure_ascii=False)})
    return count


WRITERS: dict[str, Callable[[Iterable[dict], TextIO], int]] = {"csv": write_csv, "jsonl": write_jsonl}

FILE_ENCODINGS = {"csv": "utf-8-sig", "jsonl": "utf-8"}
"""A CSV file starts with a byte-order mark: without it Excel shows Cyrillic as mojibake."""


def export_hits(store: Store, stream: TextIO, fmt: str, since: date | None = None) -> int:
    """Write every hit (of articles dated `since` or later) to `stream`; return how many."""
    return WRITERS[fmt](exported_hits(store, since), stream)
