"""Full-text search over stored articles with the FTS5 index on title and body.

The index tokenises with unicode61, which folds case for Cyrillic too
(Қ/қ, Ө/ө, Ё/ё), so analysts type in any case. It does not fold ё into е.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from monitor.analyst import AnalystError
from monitor.analyst.archive import ARTICLE_DATE, since_filter
from monitor.store import Store

_PART = re.compile(r'"([^"]*)"|(\S+)')
_WORD_CHAR = re.compile(r"\w")
SNIPPET_WORDS = 16


@dataclass(frozen=True)
class Found:
    article_id: int
    date: str
    source: str
    title: str
    url: str
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    query: str
    total: int
    found: list[Found]


def fts_query(text: str) -> str:
    """An analyst's words and "quoted phrases" as an FTS5 query that cannot be a syntax error.

    Every word or phrase becomes a quoted FTS5 string, so quotes, hyphens,
    colons and operators (AND, NEAR, title:) are plain text; all must occur.
    A trailing * keeps its meaning: the word as a prefix (боевик* finds боевики).
    """
    parts = []
    for phrase, word in _PART.findall(text):
        raw = phrase or word
        prefix = bool(word) and word.endswith("*")
        raw = raw.rstrip("*") if prefix else raw
        if _WORD_CHAR.search(raw):
            parts.append('"' + raw.replace('"', '""') + '"' + ("*" if prefix else ""))
    if not parts:
        raise AnalystError(f"the query {text!r} has no words to search for")
    return " ".join(parts)


def search(
    store: Store, text: str, since: date | None = None, source: str | None = None,
    language: str | None = None, limit: int = 20,
) -> SearchResults:
    """Stored articles matching every word of `text`, newest first, with a snippet around the matches."""
    where, params = _conditions(fts_query(text), since, source, language)
    total = store.db.execute(
        f"SELECT count(*) FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid WHERE {where}", params
    ).fetchone()[0]
    rows = store.db.execute(
        f"""
        SELECT a.id, {ARTICLE_DATE}, a.source, a.title, a.url,
               snippet(articles_fts, -1, '[', ']', '…', {SNIPPET_WORDS})
        FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid
        WHERE {where}
        ORDER BY {ARTICLE_DATE} DESC, a.id DESC LIMIT ?
        """,
        [*params, limit],
    ).fetchall()
    return SearchResults(text, total, [Found(*row) for row in rows])


def _conditions(query: str, since: date | None, source: str | None, language: str | None) -> tuple[str, list]:
    since_sql, params = since_filter(since)
    conditions = ["articles_fts MATCH ?", since_sql]
    params = [query, *params]
    for column, value in (("source", source), ("language", language)):
        if value is not None:
            conditions.append(f"a.{column} = ?")
            params.append(value)
    return " AND ".join(conditions), params


def format_results(results: SearchResults) -> str:
    if not results.found:
        return f"No stored article matches {results.query!r}."
    lines = [_heading(results), ""]
    for found in results.found:
        lines += [f"{found.date[:10]}  {found.source}  {found.title}", f"    {found.url}", f"    {_one_line(found.snippet)}", ""]
    return "\n".join(lines).rstrip()


def _heading(results: SearchResults) -> str:
    matches = "1 article matches" if results.total == 1 else f"{results.total} articles match"
    shown = "" if results.total == len(results.found) else f"; the newest {len(results.found)} are shown"
    return f"{matches} {results.query!r}{shown}."


def _one_line(text: str) -> str:
    return " ".join(text.split())
