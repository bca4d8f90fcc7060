"""Browse the archive in Datasette on 127.0.0.1, read-only, with canned queries analysts ask every day.

Datasette is an optional extra (`pip install -e '.[serve]'`). It opens a
database it may change with `mode=ro` for every query, and the canned
queries here are all read-only, so nothing can be written through it.
"""
from __future__ import annotations

import importlib.util
import json
import signal
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from monitor.analyst import AnalystError

HOST = "127.0.0.1"
MISSING = "Datasette is not installed; install the optional extra with `pip install -e '.[serve]'` and run serve again."

STORIES = """
SELECT s.id AS story_id, s.title, s.first_seen, s.last_seen, s.articles,
       count(h.id) AS hits, group_concat(DISTINCT h.rule_id) AS rules, max(h.score) AS top_score
FROM stories s JOIN articles a ON a.story_id = s.id JOIN hits h ON h.article_id = a.id
GROUP BY s.id ORDER BY s.last_seen DESC, s.id DESC LIMIT 500
"""

SOURCE_HEALTH = """
SELECT s.name, s.kind, s.last_success, s.last_attempt, s.consecutive_failures, s.last_error_category,
       s.last_error, s.last_items, (SELECT count(*) FROM articles a WHERE a.source = s.name) AS articles
FROM sources s ORDER BY s.consecutive_failures DESC, s.name
"""


def todays_hits_sql(utc_offset_minutes: int) -> str:
    """Hits stored since local midnight; hits.created_at is UTC ISO 8601 (2024-03-01T10:00:00+00:00)."""
    shift = f"{utc_offset_minutes:+d} minutes"
    back = f"{-utc_offset_minutes:+d} minutes"
    return f"""
SELECT h.id AS hit_id, h.created_at, h.rule_id, h.severity, h.score, a.source, a.title, a.url
FROM hits h JOIN articles a ON a.id = h.article_id
WHERE h.created_at >= strftime('%Y-%m-%dT%H:%M:%S', date('now', '{shift}'), '{back}')
ORDER BY h.id DESC
"""


def metadata(database: Path, timezone: str) -> dict:
    """Datasette metadata: a title and the canned queries, for the database named after the file."""
    offset = ZoneInfo(timezone).utcoffset(datetime.now())
    minutes = int(offset.total_seconds() // 60) if offset else 0
    queries = {
        "todays_hits": {"title": f"Today's hits ({timezone})", "sql": todays_hits_sql(minutes)},
        "stories": {"title": "Stories with hits, latest first", "sql": STORIES},
        "source_health": {"title": "Source health: failing sources first", "sql": SOURCE_HEALTH},
    }
    return {
        "title": "Dozor archive (read-only)",
        "databases": {Path(database).stem: {"queries": queries}},
    }


def datasette_installed() -> bool:
    return importlib.util.find_spec("datasette") is not None


def serve(database: Path, timezone: str, port: int = 8001) -> None:
    """Run Datasette in this process until Ctrl-C or SIGTERM stops it, then remove its metadata file."""
    if not datasette_installed():
        raise AnalystError(MISSING)
    if not Path(database).is_file():
        raise AnalystError(f"there is no database at {database} yet; run `python run_monitor.py once` or `import` to fill it")
    from datasette.cli import cli

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        with tempfile.TemporaryDirectory(prefix="dozor-serve-") as folder:
            settings = Path(folder) / "metadata.json"
            settings.write_text(json.dumps(metadata(database, timezone), ensure_ascii=False), encoding="utf-8")
            arguments = ["serve", str(database), "--host", HOST, "--port", str(port), "--metadata", str(settings)]
            cli.main(args=arguments, prog_name="datasette", standalone_mode=False)
    except (KeyboardInterrupt, _Stopped):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)


class _Stopped(Exception):
    """SIGTERM arrived; raised so the metadata file is removed on the way out."""


def _stop(signum: int, frame: object) -> None:
    """Uvicorn shuts down gracefully on SIGTERM, then raises it again with this handler back in place."""
    raise _Stopped
