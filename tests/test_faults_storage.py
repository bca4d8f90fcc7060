"""FAULTS.md 30-33: a full disk, a held write lock, a kill in mid-batch, and a round longer than its interval."""
from __future__ import annotations

import os
import re
import resource
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

from crawler.items import Article
from monitor.checkpoints import CRASH_EXIT_STATUS
from monitor.config.models import FileChannel
from monitor.ingest import ingest
from monitor.rules.engine import compile_rules
from monitor.rules.model import RuleFile, RulePack
from monitor.store import Store
from tests.builders import DEMO_SITE, TEST_RULES, write_config
from tests.conftest import PROXY_VARIABLES, ROOT, SECRET_PREFIXES, run_dozor, wait_for
from tests.fakes.faultserver import FaultServer
from tests.test_daemon import FRESH_ITEM, _count, _start

CHANNELS = [FileChannel(name="files")]
TABLES = ("articles", "hits", "deliveries", "stories", "signatures")


@pytest.fixture
def matcher():
    return compile_rules(RulePack.combine([("test.yaml", RuleFile.model_validate(TEST_RULES))]))


def _articles(count: int, body_size: int = 2000) -> list[Article]:
    return [Article(source="wire", url=f"https://example.org/news/{n}", title=f"Боевики задержаны, сообщение {n}",
                    body=f"Сообщение {n}. " + "Текст расследования. " * (body_size // 21)) for n in range(count)]


def _counts(store: Store) -> list[int]:
    return [store.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in TABLES]


def test_disk_full_in_mid_batch_rolls_the_whole_batch_back(tmp_path, matcher):
    store = Store(tmp_path / "d.sqlite3")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 20}")

    with pytest.raises(sqlite3.OperationalError, match="database or disk is full"):
        ingest(store, matcher, _articles(200), CHANNELS)

    assert _counts(store) == [0, 0, 0, 0, 0]


def test_store_takes_the_next_batch_once_there_is_room_again(tmp_path, matcher):
    store = Store(tmp_path / "d.sqlite3")
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages + 20}")
    with pytest.raises(sqlite3.OperationalError):
        ingest(store, matcher, _articles(200), CHANNELS)
    store.db.execute("PRAGMA max_page_count = 1073741823")

    result = ingest(store, matcher, _articles(200), CHANNELS)

    assert (result.seen, result.new) == (200, 200)
    assert store.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_held_write_lock_makes_a_write_wait_for_the_busy_timeout_then_fail(tmp_path, matcher):
    Store(tmp_path / "d.sqlite3").close()
    analyst = sqlite3.connect(tmp_path / "d.sqlite3", isolation_level=None)
    analyst.execute("BEGIN IMMEDIATE")
    store = Store(tmp_path / "d.sqlite3", busy_timeout=0.5)
    started = time.monotonic()

    with pytest.raises(sqlite3.OperationalError, match="database is locked"):
        ingest(store, matcher, _articles(3), CHANNELS)

    assert 0.5 <= time.monotonic() - started < 5
    analyst.execute("ROLLBACK")


def test_readers_keep_working_while_an_analyst_holds_the_write_lock(tmp_path, matcher):
    store = Store(tmp_path / "d.sqlite3")
    ingest(store, matcher, _articles(3), CHANNELS)
    analyst = sqlite3.connect(tmp_path / "d.sqlite3", isolation_level=None)
    analyst.execute("BEGIN IMMEDIATE")
    analyst.execute("DELETE FROM deliveries")

    reader = sqlite3.connect(tmp_path / "d.sqlite3", timeout=0.1)

    assert reader.execute("SELECT count(*) FROM articles").fetchone() == (3,)
    assert store.db.execute("SELECT count(*) FROM deliveries").fetchone() == (3,)
    analyst.execute("ROLLBACK")


def test_write_goes_through_once_the_lock_is_released_within_the_busy_timeout(tmp_path, matcher):
    Store(tmp_path / "d.sqlite3").close()
    analyst = sqlite3.connect(tmp_path / "d.sqlite3", isolation_level=None, check_same_thread=False)
    analyst.execute("BEGIN IMMEDIATE")
    store = Store(tmp_path / "d.sqlite3", busy_timeout=5)
    threading.Timer(0.3, analyst.execute, ["ROLLBACK"]).start()

    result = ingest(store, matcher, _articles(3), CHANNELS)

    assert result.new == 3


# -- a kill in the middle of a batch -----------------------------------------------------------


@pytest.fixture
def site():
    with FaultServer(DEMO_SITE) as server:
        yield server


def _feed_config(tmp_path, site):
    sources = [{"name": "wire", "kind": "rss", "url": f"{site.base}/feeds/central-asia.rss"}]
    return write_config(tmp_path / "config", tmp_path / "data", sources)


def _query(tmp_path, sql: str) -> list[tuple]:
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def test_kill_in_mid_batch_leaves_an_intact_database_without_the_batch(site, tmp_path):
    config = _feed_config(tmp_path, site)

    crashed = run_dozor("once", "--config", str(config), env={"DOZOR_CRASH_AT": "mid_batch"})

    assert crashed.returncode == CRASH_EXIT_STATUS, crashed.stderr[-2000:]
    assert _query(tmp_path, "PRAGMA integrity_check") == [("ok",)]
    assert _query(tmp_path, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM hits), "
                            "(SELECT count(*) FROM deliveries), (SELECT count(*) FROM http_cache)") == [(0, 0, 0, 0)]


def test_round_after_a_kill_stores_the_whole_batch_once(site, tmp_path):
    config = _feed_config(tmp_path, site)
    assert run_dozor("once", "--config", str(config), env={"DOZOR_CRASH_AT": "mid_batch"}).returncode == CRASH_EXIT_STATUS

    restarted = run_dozor("once", "--config", str(config))

    assert restarted.returncode == 0, restarted.stderr[-2000:]
    assert "new: 6" in restarted.stdout
    assert _query(tmp_path, "SELECT count(*), count(DISTINCT canonical_url) FROM articles") == [(6, 6)]


# -- a round longer than its interval ----------------------------------------------------------


def test_round_longer_than_its_interval_never_overlaps_and_the_next_one_runs(site, tmp_path):
    sources = [{"name": "sluggish", "kind": "rss", "url": f"{site.base}/slow/1.5", "interval": "1s"}]
    config = write_config(tmp_path / "config", tmp_path / "data", sources)
    env = {key: value for key, value in os.environ.items()
           if key not in PROXY_VARIABLES and not key.startswith(SECRET_PREFIXES)}
    daemon = subprocess.Popen([sys.executable, str(ROOT / "run_monitor.py"), "-v", "run", "--config", str(config),
                               "--tick", "0.3"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 30
        while site.hits["/slow/1.5"] < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, stderr = daemon.communicate(timeout=40)

    assert site.hits["/slow/1.5"] >= 2, stderr[-2000:]
    assert site.max_in_flight == 1
    assert "skipped: maximum number of running instances reached (1)" in stderr
    skipped = re.search(r"\((\d+) ticks skipped while the previous run was still going\)", stderr)
    assert skipped and int(skipped.group(1)) >= 1


# -- the daemon meets a locked or full database ------------------------------------------------

FRESH = "SELECT count(*) FROM articles WHERE title = 'Вербовщик боевиков задержан в Бишкеке'"
STORED = "SELECT count(*) FROM articles"


def _daemon(tmp_path, site) -> subprocess.Popen:
    sources = [{"name": "wire", "kind": "rss", "url": f"{site.base}/feeds/central-asia.rss", "interval": "1s"}]
    return _start(write_config(tmp_path / "config", tmp_path / "data", sources), "--tick", "0.3")


def _publish_fresh_item(site) -> None:
    feed = (DEMO_SITE / "feeds/central-asia.rss").read_text(encoding="utf-8").replace("{{BASE}}", site.base)
    site.override("/feeds/central-asia.rss", 200, "application/rss+xml",
                  feed.replace("<item>", FRESH_ITEM.format(base=site.base) + "<item>", 1).encode())


def _stop(daemon: subprocess.Popen) -> str:
    daemon.send_signal(signal.SIGTERM)
    _, stderr = daemon.communicate(timeout=40)
    assert daemon.returncode == 0, stderr[-3000:]
    return stderr


def test_daemon_rounds_fail_while_an_analyst_holds_the_lock_and_succeed_after(site, tmp_path):
    daemon = _daemon(tmp_path, site)
    try:
        wait_for(lambda: _count(tmp_path, STORED) == 6)
        analyst = sqlite3.connect(tmp_path / "data/dozor.sqlite3", isolation_level=None)
        analyst.execute("BEGIN IMMEDIATE")
        _publish_fresh_item(site)
        asked = site.hits["/feeds/central-asia.rss"]
        wait_for(lambda: site.hits["/feeds/central-asia.rss"] > asked)  # a round has the item and now waits
        time.sleep(11)  # longer than the daemon's busy timeout
        readable = analyst.execute("SELECT count(*) FROM articles").fetchone()[0]
        analyst.execute("ROLLBACK")
        analyst.close()
        assert daemon.poll() is None, "the daemon keeps running"
        wait_for(lambda: _count(tmp_path, FRESH) == 1)
    finally:
        stderr = _stop(daemon)

    assert readable == 6, "the analyst's session kept reading while the daemon waited"
    assert "job crawl_tick failed on the database (database is locked)" in stderr
    assert "Traceback" not in stderr
    assert _count(tmp_path, FRESH) == 1


def test_daemon_survives_a_full_disk_and_stores_the_round_once_there_is_room(site, tmp_path):
    daemon = _daemon(tmp_path, site)
    try:
        wait_for(lambda: _count(tmp_path, STORED) == 6)
        # The daemon may not grow any file beyond 4 KiB: every database write fails as on a full disk.
        resource.prlimit(daemon.pid, resource.RLIMIT_FSIZE, (4096, resource.RLIM_INFINITY))
        _publish_fresh_item(site)
        asked = site.hits["/feeds/central-asia.rss"]
        wait_for(lambda: site.hits["/feeds/central-asia.rss"] > asked + 2)  # several rounds met the full disk
        assert daemon.poll() is None, "the daemon keeps running"
        assert _count(tmp_path, FRESH) == 0, "no partial batch"
        resource.prlimit(daemon.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
        wait_for(lambda: _count(tmp_path, FRESH) == 1)
    finally:
        stderr = _stop(daemon)

    assert re.search(r"job crawl_tick failed on the database \((database or disk is full|disk I/O error)\)", stderr), \
        stderr[-3000:]
    assert _query(tmp_path, "PRAGMA integrity_check") == [("ok",)]
    assert _count(tmp_path, FRESH) == 1
