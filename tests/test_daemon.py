"""The daemon as it runs on a server: a real subprocess against fixture sites on 127.0.0.1."""
from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from monitor.schedule import digest_period, jitter_fraction, next_crawl
from tests.builders import DEMO_SITE, TEST_RULES, demo_sources, write_config
from tests.conftest import PROXY_VARIABLES, ROOT, run_dozor, wait_for
from tests.fakes.faultserver import FaultServer

UTC = timezone.utc
FRESH_ITEM = (
    "<item><title>Вербовщик боевиков задержан в Бишкеке</title><link>{base}/fresh.html</link>"
    "<description>ГКНБ задержал вербовщика, который отправлял боевиков в Сирию.</description>"
    "<pubDate>Sun, 29 Nov 2026 10:00:00 +0600</pubDate></item>"
)


def _start(config, *extra: str) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key not in PROXY_VARIABLES}
    return subprocess.Popen([sys.executable, str(ROOT / "run_monitor.py"), "-v", "run", "--config", str(config), *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)




def _count(tmp_path, sql) -> int:
    """The query's count; -1 while the daemon has not created its database or holds it busy."""
    database = tmp_path / "data/dozor.sqlite3"
    if not database.exists():
        return -1
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return -1


@pytest.fixture
def site():
    with FaultServer(DEMO_SITE) as server:
        yield server


def _config(tmp_path, site, **channel):
    sources = [{**source, "interval": "1s"} for source in demo_sources(site.base)]
    rules = {**TEST_RULES, "rules": [{**TEST_RULES["rules"][0], "severity": "urgent"}]}
    files = {"name": "files", "kind": "file", "folder": str(tmp_path / "data/digests"), "alerts": True, **channel}
    return write_config(tmp_path / "config", tmp_path / "data", sources, rules=rules, channels=[files])


def test_daemon_runs_rounds_picks_up_new_items_alerts_and_stops_cleanly(site, tmp_path):
    config = _config(tmp_path, site)
    daemon = _start(config, "--tick", "0.5")
    try:
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM articles") == 14)
        feed = (DEMO_SITE / "feeds/central-asia.rss").read_text(encoding="utf-8")
        site.override("/feeds/central-asia.rss", 200, "application/rss+xml",
                      feed.replace("<item>", FRESH_ITEM.format(base=site.base) + "<item>", 1).replace("{{BASE}}", site.base).encode())
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM articles WHERE title LIKE 'Вербовщик боевиков%'") == 1)
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM messages WHERE purpose = 'alert' AND status = 'sent'") >= 2)
        assert site.hits["/feeds/central-asia.rss"] >= 2  # several rounds, each asking the feed again
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=40)
    assert daemon.returncode == 0, stderr
    assert "daemon stopped" in stderr
    assert _count(tmp_path, "SELECT count(*) FROM articles") == 15


def test_second_daemon_on_the_same_database_is_refused(site, tmp_path):
    config = _config(tmp_path, site)
    first = _start(config, "--tick", "0.5")
    try:
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM sources") > 0)
        second = _start(config)
        _, stderr = second.communicate(timeout=30)
        assert second.returncode == 2
        assert "already running on this database" in stderr and "Traceback" not in stderr
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=40)
    assert first.returncode == 0


def test_broken_yaml_edit_keeps_the_old_config_and_a_good_edit_is_applied(site, tmp_path):
    config = _config(tmp_path, site)
    daemon = _start(config, "--tick", "0.5")
    try:
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM articles") == 14)
        sources_file = config / "sources.yaml"
        good = sources_file.read_text(encoding="utf-8")
        sources_file.write_text(good.replace("interval:", "intervall:", 1), encoding="utf-8")
        time.sleep(2)
        assert daemon.poll() is None
        sources_file.write_text(good + f"- name: extra\n  kind: rss\n  url: {site.base}/status/500\n  interval: 1s\n",
                                encoding="utf-8")
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM sources WHERE name = 'extra'") == 1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=40)
    assert daemon.returncode == 0
    assert "config not reloaded, keeping the last good one" in stderr and "intervall" in stderr
    assert "config reloaded" in stderr


def test_a_missed_digest_is_sent_once_on_start(site, tmp_path):
    config = _config(tmp_path, site, alerts=False, send_empty=True)

    _run_until_digests(config, tmp_path, 1)
    assert _count(tmp_path, DIGESTS_SENT) == 1, "one digest per period, however many ticks"
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:  # as if the daemon had been down for two days
        conn.execute("UPDATE digest_periods SET period = ?", [(datetime.now(UTC) - timedelta(days=2)).isoformat()])

    _run_until_digests(config, tmp_path, 2)
    assert _count(tmp_path, DIGESTS_SENT) == 2, "the missed days give one catch-up digest, not one per day"


DIGESTS_SENT = "SELECT count(*) FROM messages WHERE purpose = 'digest' AND status = 'sent'"


def _run_until_digests(config, tmp_path, count: int) -> None:
    """Start the daemon, wait for `count` digests sent, give it two more seconds of ticks, stop it."""
    daemon = _start(config, "--tick", "0.5")
    try:
        wait_for(lambda: _count(tmp_path, DIGESTS_SENT) == count)
        time.sleep(2)
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=40)


@pytest.mark.parametrize(
    ("now", "at", "zone", "period"),
    [
        (datetime(2026, 11, 29, 2, 0, tzinfo=UTC), "08:00", "Asia/Almaty", datetime(2026, 11, 28, 3, 0, tzinfo=UTC)),
        (datetime(2026, 11, 29, 3, 0, tzinfo=UTC), "08:00", "Asia/Almaty", datetime(2026, 11, 29, 3, 0, tzinfo=UTC)),
        (datetime(2026, 11, 29, 4, 59, tzinfo=UTC), "08:00", "Europe/Moscow", datetime(2026, 11, 28, 5, 0, tzinfo=UTC)),
        # 02:30 does not exist in Berlin on 29 March 2026; the day still has exactly one period
        (datetime(2026, 3, 29, 3, 0, tzinfo=UTC), "02:30", "Europe/Berlin", datetime(2026, 3, 29, 1, 30, tzinfo=UTC)),
        # 02:30 happens twice on 25 October 2026; the first one counts
        (datetime(2026, 10, 25, 2, 0, tzinfo=UTC), "02:30", "Europe/Berlin", datetime(2026, 10, 25, 0, 30, tzinfo=UTC)),
    ],
)
def test_digest_period_table(now, at, zone, period):
    assert digest_period(now, at, zone) == period


def test_failing_sources_back_off_and_healthy_ones_are_jittered():
    last = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    interval = timedelta(minutes=10)

    healthy = next_crawl("tengrinews", interval, last, failures=0)

    assert abs((healthy - last) - interval) <= interval * 0.1
    assert healthy - last == interval * (1 + jitter_fraction("tengrinews"))
    assert [next_crawl("x", interval, last, failures) - last for failures in (1, 2, 3)] == [
        timedelta(minutes=20), timedelta(minutes=40), timedelta(minutes=80)]
    assert next_crawl("x", interval, last, failures=20) - last == timedelta(hours=6)
    assert next_crawl("x", interval, None, failures=0) is None


def test_a_refused_config_edit_is_reported_in_the_next_operator_digest(site, tmp_path):
    config = _config(tmp_path, site, alerts=False, operator=True)
    daemon = _start(config, "--tick", "0.5")
    try:
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM digest_periods") == 1)
        sources_file = config / "sources.yaml"
        sources_file.write_text(sources_file.read_text(encoding="utf-8").replace("interval:", "intervall:", 1),
                                encoding="utf-8")
        time.sleep(2)
        with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:  # the next digest period has come
            conn.execute("UPDATE digest_periods SET period = ?", [(datetime.now(UTC) - timedelta(days=1)).isoformat()])
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM digest_periods") == 2)
        wait_for(lambda: any("Configuration edit refused" in path.read_text(encoding="utf-8")
                             for path in (tmp_path / "data/digests").glob("*.txt")))
    finally:
        daemon.send_signal(signal.SIGTERM)
        daemon.communicate(timeout=40)
    text = next(path for path in (tmp_path / "data/digests").glob("*.txt")
                if "Configuration edit refused" in path.read_text(encoding="utf-8")).read_text(encoding="utf-8")
    assert "intervall" in text


def test_kill_9_at_random_moments_loses_no_hit_and_duplicates_no_article(site, tmp_path):
    config = _config(tmp_path, site, alerts=False)
    delays = random.Random(20261129).sample([0.4, 0.7, 1.1, 1.6, 2.2, 2.9], 4)
    for delay in delays:
        daemon = _start(config, "--tick", "0.3")
        time.sleep(delay)
        daemon.kill()
        daemon.communicate(timeout=30)
    survivor = _start(config, "--tick", "0.3")
    try:
        wait_for(lambda: _count(tmp_path, "SELECT count(*) FROM articles") == 14)
    finally:
        survivor.send_signal(signal.SIGTERM)
        survivor.communicate(timeout=40)

    flushed = run_dozor("digest", "--config", str(config))

    assert flushed.returncode == 0, flushed.stderr
    assert _count(tmp_path, "PRAGMA integrity_check") == "ok"
    assert _count(tmp_path, "SELECT count(DISTINCT canonical_url) FROM articles") == 14
    assert _count(tmp_path, "SELECT count(*) FROM hits") >= 7
    assert _count(tmp_path, "SELECT count(*) FROM hits h WHERE NOT EXISTS (SELECT 1 FROM deliveries d "
                            "WHERE d.hit_id = h.id AND d.purpose = 'digest' AND d.status = 'sent')") == 0
