"""serve: the archive in Datasette on 127.0.0.1, read-only, with canned queries."""
from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from monitor.analyst import AnalystError
from monitor.analyst import serve as serve_module
from monitor.analyst.serve import (
    MISSING,
    SOURCE_HEALTH,
    STORIES,
    datasette_installed,
    metadata,
    todays_hits_sql,
)
from tests.conftest import ROOT
from tests.test_analyst_fixtures import TITLES, dozor

pytest_plugins = ["tests.test_analyst_fixtures"]

needs_datasette = pytest.mark.skipif(not datasette_installed(), reason="the serve extra (datasette) is not installed")


def _query(config, sql: str) -> list[tuple]:
    conn = sqlite3.connect(f"file:{config.monitor.database}?mode=ro", uri=True)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get_json(url: str, process: subprocess.Popen, deadline: float = 20.0) -> list[dict]:
    """GET a JSON answer from a server that is still starting."""
    give_up = time.monotonic() + deadline
    while True:
        assert process.poll() is None, process.communicate()[1]
        try:
            return httpx.get(url, timeout=2).raise_for_status().json()
        except httpx.TransportError:
            if time.monotonic() > give_up:
                raise
            time.sleep(0.1)


def _stop(process: subprocess.Popen) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=10)


def test_todays_hits_are_those_stored_since_local_midnight(analyst_config):
    long_ago = (datetime.now(UTC) - timedelta(days=1, hours=1)).isoformat(timespec="seconds")
    conn = sqlite3.connect(analyst_config.monitor.database)
    with conn:
        conn.execute("UPDATE hits SET created_at = ? WHERE rule_id = 'recruitment'", (long_ago,))
    conn.close()

    for offset in (0, 300, -300):
        assert [row[6] for row in _query(analyst_config, todays_hits_sql(offset))] == [TITLES[4], TITLES[2], TITLES[0]]


def test_stories_are_those_with_hits_latest_first(analyst_config):
    assert [(row[1], row[4], row[5], row[6]) for row in _query(analyst_config, STORIES)] == [
        (TITLES[4], 1, 1, "fighters"), (TITLES[2], 1, 1, "fighters"), (TITLES[1], 1, 1, "recruitment"), (TITLES[0], 1, 1, "fighters"),
    ]


def test_source_health_puts_failing_sources_first(analyst_config):
    assert [(row[0], row[4], row[8]) for row in _query(analyst_config, SOURCE_HEALTH)] == [("herald", 2, 1)]


def test_the_metadata_names_the_database_after_its_file(analyst_config):
    queries = metadata(analyst_config.monitor.database, "Asia/Almaty")["databases"]["dozor"]["queries"]

    assert sorted(queries) == ["source_health", "stories", "todays_hits"]
    assert queries["todays_hits"]["title"] == "Today's hits (Asia/Almaty)"


def test_without_datasette_serve_says_how_to_install_it(analyst_config, monkeypatch):
    monkeypatch.setattr(serve_module, "datasette_installed", lambda: False)

    with pytest.raises(AnalystError) as raised:
        serve_module.serve(analyst_config.monitor.database, "UTC")

    assert str(raised.value) == MISSING
    assert "pip install -e '.[serve]'" in MISSING


@needs_datasette
def test_datasette_answers_a_canned_query_and_stops_cleanly(analyst_config, tmp_path):
    port = _free_port()
    code = f"from monitor.analyst.serve import serve; serve({str(analyst_config.monitor.database)!r}, 'Asia/Almaty', {port})"
    process = subprocess.Popen(
        [sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp_path)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        rows = _get_json(f"http://127.0.0.1:{port}/dozor/source_health.json?_shape=array", process)
    finally:
        status = _stop(process)

    assert [(row["name"], row["consecutive_failures"], row["articles"]) for row in rows] == [("herald", 2, 1)]
    assert status == 0
    assert not list(tmp_path.glob("dozor-serve-*"))


@needs_datasette
def test_serve_command_serves_todays_hits(analyst_config_dir, analyst_config):
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run_monitor.py"), "serve", "--port", str(port), "--config", str(analyst_config_dir)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        rows = _get_json(f"http://127.0.0.1:{port}/dozor/todays_hits.json?_shape=array", process)
    finally:
        _stop(process)

    assert [row["title"] for row in rows] == [TITLES[4], TITLES[2], TITLES[1], TITLES[0]]


@pytest.mark.skipif(datasette_installed(), reason="datasette is installed here")
def test_serve_command_without_datasette_exits_1_with_the_install_hint(analyst_config_dir, analyst_config):
    result = dozor("serve", "--config", str(analyst_config_dir))

    assert (result.returncode, result.stderr) == (1, f"error: {MISSING}\n")
