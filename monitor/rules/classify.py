"""Classify a stream of articles in JSON Lines: one result line per input line, in order.

Input lines are objects {"id", "title", "text"} with optional "url", "lang",
"source", "published". Output lines are
{"id", "matched", "rules": [{"rule", "severity", "score", "evidence": [...]}]}.
A line that cannot be read gives a result with "error" (and matched false)
instead of stopping the stream, so one bad record never loses the rest.
Memory stays constant: one line is read, matched and written at a time.
"""
from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TextIO

from monitor.rules.engine import Document, Matcher, RuleHit


class RecordError(ValueError):
    """An input line is not a usable article record; the message says what is wrong."""

    def __init__(self, message: str, record_id: Any = None) -> None:
        super().__init__(message)
        self.record_id = record_id


@dataclass
class ClassifyCounts:
    records: int = 0
    matched: int = 0
    errors: int = 0


def classify_stream(matcher: Matcher, lines_in: Iterable[str], out: TextIO) -> ClassifyCounts:
    """Match every JSON line of `lines_in` and write one result line to `out`; blank lines are skipped."""
    counts = ClassifyCounts()
    for number, line in enumerate(lines_in, start=1):
        if not line.strip():
            continue
        counts.records += 1
        try:
            record_id, document = read_record(line)
        except RecordError as error:
            counts.errors += 1
            result: dict[str, Any] = {"id": error.record_id, "matched": False, "rules": [], "line": number, "error": str(error)}
        else:
            hits = matcher.match(document)
            counts.matched += bool(hits)
            result = {"id": record_id, "matched": bool(hits), "rules": [hit_json(hit) for hit in hits]}
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return counts


def read_record(line: str) -> tuple[Any, Document]:
    """The id and document of one input line, or RecordError."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise RecordError(f"not valid JSON: {error.msg} at column {error.colno}") from error
    if not isinstance(record, dict):
        raise RecordError(f"expected a JSON object with id, title and text, got {type(record).__name__}")
    record_id = record.get("id")
    if not isinstance(record_id, (str, int)) or isinstance(record_id, bool) or record_id == "":
        raise RecordError("missing or invalid 'id': give each record a string or number id", record_id)
    fields = {}
    for key in ("title", "text", "lang", "source"):
        value = record.get(key, "")
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise RecordError(f"'{key}' must be a string, got {type(value).__name__}", record_id)
        fields[key] = value
    if not fields["title"] and not fields["text"]:
        raise RecordError("the record has neither 'title' nor 'text'", record_id)
    return record_id, Document(fields["title"], fields["text"], source=fields["source"], language=fields["lang"])


def hit_json(hit: RuleHit) -> dict[str, Any]:
    return {
        "rule": hit.rule,
        "severity": hit.severity,
        "score": hit.score,
        "evidence": [
            {"term": item.term, "text": item.text, "field": item.field, "start": item.start, "end": item.end}
            for item in hit.evidence
        ],
    }
