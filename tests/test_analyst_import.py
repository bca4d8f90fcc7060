"""import: past articles from JSON Lines through the same dedup, rules and store as crawled ones."""
from __future__ import annotations

import io
import json
import sqlite3
from pathlib import Path

import pytest

from monitor.analyst import AnalystError
from monitor.analyst.importer import (
    ProgressPrinter,
    format_summary,
    import_archive,
    import_file,
    parse_line,
)
from monitor.config import load_config
from monitor.rules.engine import compile_rules
from monitor.store import Store
from tests.test_analyst_fixtures import dozor

pytest_plugins = ["tests.test_analyst_fixtures"]


def _record(number: int, title: str = "Боевики задержаны", **extra: object) -> str:
    record = {
        "url": f"https://example.org/archive/{number}", "title": f"{title} {number}", "text": f"Текст номер {number}.",
        "source": "dala", "published": "2023-05-01T10:00:00+05:00", "language": "ru", **extra,
    }
    return json.dumps(record, ensure_ascii=False)


def _archive(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "archive.jsonl"
    path.write_bytes(b"\n".join(line.encode("utf-8") for line in lines) + b"\n")
    return path


MIXED = [
    _record(1),
    "not json",
    "",
    _record(2, title="Погода в Алматы"),
    "[1, 2]",
    json.dumps({"url": "https://example.org/x", "text": "t", "source": "wire"}),
    _record(3, published="yesterday"),
    _record(1),
    _record(4, url="ftp://example.org/4"),
]


def _rows(config, sql: str) -> list[tuple]:
    conn = sqlite3.connect(config.monitor.database)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_import_reports_new_stored_matched_and_each_malformed_line(tmp_path, analyst_config_dir):
    config = load_config(analyst_config_dir)

    summary = import_archive(config, _archive(tmp_path, MIXED))

    assert (summary.read, summary.new, summary.already_stored, summary.matched) == (8, 2, 1, 1)
    assert summary.malformed == [
        (2, "not valid JSON (Expecting value at column 1)"),
        (5, "not a JSON object"),
        (6, "'title' is missing"),
        (7, "'published' is 'yesterday', not an ISO 8601 date such as 2024-03-01T10:00:00+05:00"),
        (9, "'url' must be an http or https address, not 'ftp://example.org/4'"),
    ]


def test_imported_articles_are_stored_like_crawled_ones(tmp_path, analyst_config_dir):
    config = load_config(analyst_config_dir)

    import_archive(config, _archive(tmp_path, [_record(1), _record(2, country="KG", published=None)]), deliver=True)

    assert _rows(config, "SELECT url, source, country, language, published FROM articles ORDER BY id") == [
        ("https://example.org/archive/1", "dala", "KZ", "ru", "2023-05-01T05:00:00+00:00"),
        ("https://example.org/archive/2", "dala", "KG", "ru", None),
    ]
    assert _rows(config, "SELECT rule_id, channel, status FROM hits JOIN deliveries ON deliveries.hit_id = hits.id") == [
        ("fighters", "files", "pending"), ("fighters", "files", "pending"),
    ]


def test_importing_twice_stores_nothing_new(tmp_path, analyst_config_dir):
    config = load_config(analyst_config_dir)
    path = _archive(tmp_path, [_record(number) for number in range(5)])
    import_archive(config, path)

    again = import_archive(config, path)

    assert (again.new, again.already_stored) == (0, 5)


def test_without_delivery_hits_are_stored_but_not_queued(tmp_path, analyst_config_dir):
    config = load_config(analyst_config_dir)

    summary = import_archive(config, _archive(tmp_path, [_record(1)]), deliver=False)

    assert summary.matched == 1
    assert _rows(config, "SELECT count(*) FROM deliveries") == [(0,)]


def test_a_line_that_is_not_utf8_is_malformed_not_fatal(tmp_path, analyst_config_dir):
    path = tmp_path / "archive.jsonl"
    path.write_bytes(_record(1).encode() + b"\n" + _record(2).encode("cp1251") + b"\n")

    summary = import_archive(load_config(analyst_config_dir), path)

    assert (summary.new, summary.malformed) == (1, [(2, "not UTF-8 text (byte 51)")])


def test_a_naive_date_is_taken_as_utc():
    article = parse_line(_record(1, published="2023-05-01").encode(), {})

    assert article.published.isoformat() == "2023-05-01T00:00:00+00:00"


def test_a_missing_file_is_a_clear_error(tmp_path, analyst_config_dir):
    with pytest.raises(AnalystError, match="cannot read .*missing.jsonl: No such file or directory"):
        import_archive(load_config(analyst_config_dir), tmp_path / "missing.jsonl")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_elsewhere():
    terminal, log = _Terminal(), io.StringIO()
    bar, lines = ProgressPrinter(terminal), ProgressPrinter(log, every=2)

    for printer in (bar, lines):
        for done in (1, 2, 3, 4, 4):
            printer(done, done * 25, 100)

    assert terminal.getvalue().endswith("\r[##############################] 100%  4 lines\n")
    assert log.getvalue() == "import: 2 lines read (50%)\nimport: 4 lines read (100%)\n"


def test_batches_report_progress_as_they_go(tmp_path, analyst_config_dir):
    config = load_config(analyst_config_dir)
    calls = []
    store = Store(config.monitor.database)
    try:
        summary = import_file(
            store, compile_rules(config.rules), _archive(tmp_path, [_record(n) for n in range(5)]), [],
            batch_size=2, progress=lambda lines, done, total: calls.append(lines),
        )
    finally:
        store.close()

    assert (summary.new, calls) == (5, [2, 4, 5])


def test_the_summary_names_each_malformed_line(tmp_path, analyst_config_dir):
    path = _archive(tmp_path, MIXED)

    text = format_summary(path, import_archive(load_config(analyst_config_dir), path))

    assert text.splitlines()[:3] == [
        f"{path}: 8 lines read: 2 new articles, 1 already stored, 5 malformed; 1 of the new articles matched a rule.",
        "  line 2: not valid JSON (Expecting value at column 1)",
        "  line 5: not a JSON object",
    ]


def test_import_command_prints_a_summary_and_progress_on_stderr(tmp_path, analyst_config_dir):
    result = dozor("import", str(_archive(tmp_path, MIXED)), "--config", str(analyst_config_dir))

    assert result.returncode == 0, result.stderr
    assert "8 lines read: 2 new articles, 1 already stored, 5 malformed" in result.stdout
    assert "  line 6: 'title' is missing" in result.stdout
    assert result.stderr.endswith("import: 8 lines read (100%)\n")
