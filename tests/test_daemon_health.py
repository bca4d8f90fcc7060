"""The daemon's /healthz, /metrics and JSON logs, read from a real daemon subprocess on 127.0.0.1."""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import httpx
import pytest
import yaml

from tests.builders import DEMO_SITE, TEST_RULES, demo_sources, write_config
from tests.conftest import wait_for, PROXY_VARIABLES, ROOT, SECRET_PREFIXES
from tests.fakes.faultserver import FaultServer
from tests.fakes.telegram import FakeTelegram
from tests.test_daemon import FRESH_ITEM

TOKEN = "123456789:AAH-daemon_token_never_logged"


@dataclass
class Running:
    process: subprocess.Popen
    port: int
    database: Path
    stderr: Path
    site: FaultServer

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"http://127.0.0.1:{self.port}{path}", timeout=15)

    def metric(self, name: str) -> float:
        """The value of one sample line, e.g. 'dozor_deliveries_total{channel="telegram",status="sent"}'; 0 if absent."""
        for line in self.get("/metrics").text.splitlines():
            if line.startswith(name + " "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]




def answers(running: Running) -> bool:
    try:
        return running.get("/healthz").status_code in (200, 503)
    except httpx.TransportError:
        return False


def start(folder: Path, site: FaultServer, sources: list[dict], channels: list[dict], port: int,
          env: dict[str, str] | None = None) -> Running:
    rules = {**TEST_RULES, "rules": [{**TEST_RULES["rules"][0], "severity": "urgent"}]}
    config = write_config(folder / "config", folder / "data", sources, rules=rules, channels=channels)
    monitor = yaml.safe_load((config / "monitor.yaml").read_text(encoding="utf-8"))
    monitor |= {"health": {"port": port}, "logging": {"format": "json"}}
    (config / "monitor.yaml").write_text(yaml.safe_dump(monitor, allow_unicode=True), encoding="utf-8")
    clean = {key: value for key, value in os.environ.items()
             if key not in PROXY_VARIABLES and not key.startswith(SECRET_PREFIXES)}
    stderr = folder / "stderr.log"
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "run_monitor.py"), "run", "--config", str(config), "--tick", "0.5"],
        stdout=subprocess.DEVNULL, stderr=stderr.open("w"), env=clean | (env or {}), text=True)
    return Running(process, port, folder / "data" / "dozor.sqlite3", stderr, site)


def stop(running: Running) -> None:
    running.process.send_signal(signal.SIGTERM)
    running.process.wait(timeout=40)


@pytest.fixture(scope="module")
def daemon(tmp_path_factory):
    """One daemon for the module: the demo sources, one broken source, files and Telegram channels."""
    folder = tmp_path_factory.mktemp("health")
    with FaultServer(DEMO_SITE) as site, FakeTelegram(TOKEN) as telegram:
        sources = [{**source, "interval": "1s"} for source in demo_sources(site.base)]
        sources.append({"name": "broken", "kind": "rss", "url": f"{site.base}/status/500", "interval": "1s"})
        channels = [{"name": "files", "kind": "file", "folder": str(folder / "data/digests")},
                    {"name": "analysts", "kind": "telegram", "chat_id": "42", "api_base": telegram.api_base}]
        running = start(folder, site, sources, channels, free_port(), env={"DOZOR_TELEGRAM_TOKEN": TOKEN})
        try:
            wait_for(lambda: answers(running) and running.get("/healthz").json()["rounds"] >= 2)
            yield running
        finally:
            stop(running)


def test_healthz_is_ok_with_the_last_round(daemon):
    response = daemon.get("/healthz")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert {key: body[key] for key in ("status", "reason", "scheduler", "config_error")} == {
        "status": "ok", "reason": "", "scheduler": "running", "config_error": ""}
    assert body["rounds"] >= 2
    assert datetime.fromisoformat(body["last_round"]).tzinfo is not None


def test_metrics_count_articles_rounds_and_alerts_as_they_happen(daemon):
    wait_for(lambda: daemon.metric("dozor_articles_new_total") == 14)
    rounds = daemon.metric("dozor_round_duration_seconds_count")
    matched = daemon.metric("dozor_articles_matched_total")
    sent = 'dozor_deliveries_total{channel="analysts",status="sent"}'
    alerts = daemon.metric(sent)
    feed = (DEMO_SITE / "feeds/central-asia.rss").read_text(encoding="utf-8").replace("{{BASE}}", daemon.site.base)
    daemon.site.override("/feeds/central-asia.rss", 200, "application/rss+xml",
                         feed.replace("<item>", FRESH_ITEM.format(base=daemon.site.base) + "<item>", 1).encode())

    wait_for(lambda: daemon.metric("dozor_articles_new_total") == 15 and daemon.metric(sent) > alerts)

    assert daemon.metric("dozor_articles_fetched_total") >= 15
    assert daemon.metric("dozor_articles_matched_total") == matched + 1
    assert daemon.metric("dozor_round_duration_seconds_count") > rounds
    assert daemon.get("/metrics").headers["content-type"].startswith("text/plain; version=0.0.4")


def test_a_failing_source_is_counted_by_category(daemon):
    wait_for(lambda: daemon.metric('dozor_source_failures_total{category="http_5xx",source="broken"}') >= 1)

    assert daemon.metric('dozor_source_failures_total{category="http_5xx",source="wire"}') == 0


def test_an_unknown_path_is_not_found(daemon):
    response = daemon.get("/admin")

    assert response.status_code == 404
    assert response.text == "Nothing here; try /healthz or /metrics.\n"


def test_json_logs_are_one_object_per_line_with_round_ids_and_no_token(daemon):
    wait_for(lambda: '"source": "herald"' in daemon.stderr.read_text(encoding="utf-8"))
    text = daemon.stderr.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines()[:-1]]  # the last line may be half-written

    assert {"ts", "level", "logger", "msg"} <= set(lines[0])
    done = [line for line in lines if re.fullmatch(r"round \d+ done: .*", line["msg"])]
    assert done and all(line["round"] == int(line["msg"].split()[1]) for line in done)
    assert any(line.get("source") == "herald" and line.get("round") for line in lines)
    assert TOKEN not in text and TOKEN.split(":")[1] not in text


def test_healthz_is_503_while_the_database_cannot_be_written(tmp_path):
    with FaultServer(DEMO_SITE) as site:
        sources = [{**source, "interval": "1h"} for source in demo_sources(site.base)]
        running = start(tmp_path, site, sources, [], free_port())
        try:
            wait_for(lambda: answers(running) and running.get("/healthz").json()["rounds"] == 1)
            with sqlite3.connect(running.database, isolation_level=None) as holder:
                holder.execute("BEGIN IMMEDIATE")
                locked = running.get("/healthz")
                holder.execute("ROLLBACK")
            released = running.get("/healthz")
        finally:
            stop(running)

    assert locked.status_code == 503
    assert locked.json()["status"] == "unavailable"
    assert locked.json()["reason"] == f"The database {running.database} is not writable: database is locked."
    assert released.status_code == 200


def test_healthz_says_stopping_while_the_round_in_flight_finishes(tmp_path):
    with FaultServer(DEMO_SITE) as site:
        sources = [{"name": "slow", "kind": "rss", "url": f"{site.base}/slow/3", "interval": "1h"}]
        running = start(tmp_path, site, sources, [], free_port())
        try:
            wait_for(lambda: '"msg": "round 1: 1 sources due: slow"' in running.stderr.read_text(encoding="utf-8"))
            running.process.send_signal(signal.SIGTERM)
            stopping = running.get("/healthz")
        finally:
            stop(running)

    assert stopping.status_code == 503
    assert stopping.json()["reason"] == "The scheduler is stopping."
    assert running.process.returncode == 0
    log = running.stderr.read_text(encoding="utf-8")
    assert '"msg": "round 1 done: fetched=0 new=0 matched=0 alerts=0"' in log
    assert "raised an exception" not in log


def test_a_health_port_in_use_stops_the_start_with_one_line(tmp_path):
    with FaultServer(DEMO_SITE) as site, socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        running = start(tmp_path, site, demo_sources(site.base), [], taken.getsockname()[1])
        running.process.wait(timeout=30)

    stderr = running.stderr.read_text(encoding="utf-8")
    assert running.process.returncode == 1
    assert f"health.port: cannot listen on 127.0.0.1:{running.port}" in stderr
    assert "Traceback" not in stderr
