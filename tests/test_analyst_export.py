"""export: stored hits with article, rule, verdict and evidence, as CSV or JSON Lines."""
from __future__ import annotations

import csv
import io
import json
from datetime import date

from monitor.analyst.export import COLUMNS, export_hits
from monitor.analyst.feedback import record_verdict
from tests.test_analyst_fixtures import TITLES, dozor, hit_ids

pytest_plugins = ["tests.test_analyst_fixtures"]


def _export(store, fmt: str, since: date | None = None) -> str:
    stream = io.StringIO()
    export_hits(store, stream, fmt, since=since)
    return stream.getvalue()


def test_jsonl_has_one_hit_per_line_with_its_evidence_and_verdict(analyst_store):
    record_verdict(analyst_store, hit_ids(analyst_store, "fighters")[TITLES[0]], "relevant")

    first = json.loads(_export(analyst_store, "jsonl").splitlines()[0])

    assert first == {
        "hit_id": 1, "article_id": 1, "published": "2024-03-01T00:00:00+00:00", "source": "wire",
        "title": TITLES[0], "url": "https://example.org/wire/1", "rule": "fighters", "rule_title": "Fighters",
        "severity": "high", "score": 80, "verdict": "relevant", "matched": "Боевики; боевиков",
        "evidence": [
            {**first["evidence"][0], "term": "боевик*", "text": "Боевики", "field": "title", "start": 0, "end": 7},
            {**first["evidence"][1], "term": "боевик*", "text": "боевиков", "field": "body", "start": 32, "end": 40},
        ],
    }


def test_csv_has_a_header_and_evidence_as_json(analyst_store):
    rows = list(csv.DictReader(io.StringIO(_export(analyst_store, "csv"))))

    assert tuple(rows[0]) == COLUMNS
    assert [(row["rule"], row["title"], row["verdict"]) for row in rows] == [
        ("fighters", TITLES[0], ""), ("recruitment", TITLES[1], ""), ("fighters", TITLES[2], ""), ("fighters", TITLES[4], ""),
    ]
    assert json.loads(rows[2]["evidence"])[0]["text"] == "ЛАҢКЕС"


def test_since_exports_only_hits_on_articles_dated_from_then(analyst_store):
    lines = _export(analyst_store, "jsonl", since=date(2024, 3, 3)).splitlines()

    assert [json.loads(line)["title"] for line in lines] == [TITLES[2], TITLES[4]]


def test_export_command_writes_a_csv_file_excel_can_read(tmp_path, analyst_config_dir, analyst_config):
    output = tmp_path / "hits.csv"

    result = dozor("export", "--format", "csv", "--output", str(output), "--config", str(analyst_config_dir))

    assert result.returncode == 0, result.stderr
    assert result.stderr == f"4 hits written to {output}\n"
    assert output.read_bytes().startswith(b"\xef\xbb\xbfhit_id,article_id,")


def test_export_command_writes_jsonl_to_stdout(analyst_config_dir, analyst_config):
    result = dozor("export", "--format", "jsonl", "--since", "2024-03-05", "--config", str(analyst_config_dir))

    assert [json.loads(line)["title"] for line in result.stdout.splitlines()] == [TITLES[4]]
