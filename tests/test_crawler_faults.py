"""Sources that misbehave: each failure is recorded with its category and the round goes on."""
from __future__ import annotations

import sqlite3

import pytest

from tests.builders import DEMO_SITE, write_config
from tests.conftest import run_dozor
from tests.fakes.faultserver import FaultServer

GOOD = {"name": "good", "kind": "rss", "url": None}


@pytest.fixture
def site():
    with FaultServer(DEMO_SITE) as server:
        yield server


def _round(site, tmp_path, bad: dict, **crawl):
    sources = [{**GOOD, "url": f"{site.base}/feeds/central-asia.rss"}, {"name": "bad", "kind": "rss", **bad}]
    config = write_config(tmp_path / "config", tmp_path / "data", sources, **crawl)
    result = run_dozor("once", "--config", str(config))
    assert result.returncode == 0, result.stderr
    return result, _health(tmp_path)


def _health(tmp_path) -> dict[str, dict]:
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
        conn.row_factory = sqlite3.Row
        return {row["name"]: dict(row) for row in conn.execute("SELECT * FROM sources")}


def _assert_only_bad_failed(health, category):
    assert health["bad"]["last_error_category"] == category, health["bad"]
    assert health["good"]["consecutive_failures"] == 0
    assert health["good"]["last_items"] == 6


def test_response_over_the_size_limit_is_cut_off(site, tmp_path):
    _, health = _round(site, tmp_path, {"url": f"{site.base}/huge/50"}, max_response_size="1MB")
    _assert_only_bad_failed(health, "too_large")


def test_redirect_loop_stops_at_the_limit(site, tmp_path):
    _, health = _round(site, tmp_path, {"url": f"{site.base}/redirect/loop"}, max_redirects=3)
    _assert_only_bad_failed(health, "redirect")
    assert site.hits["/redirect/loop"] == 4


def test_robots_txt_disallow_is_obeyed(site, tmp_path):
    site.override("/robots.txt", 200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
    _, health = _round(site, tmp_path, {"url": f"{site.base}/private/feed.rss"})
    _assert_only_bad_failed(health, "robots")
    assert site.hits["/private/feed.rss"] == 0


def test_robots_txt_disallow_is_logged_once_per_source_and_round(site, tmp_path):
    site.override("/robots.txt", 200, "text/plain", b"User-agent: *\nDisallow: /private/\n")
    sources = [{"name": "two-feeds", "kind": "rss", "urls": [f"{site.base}/private/a.rss", f"{site.base}/private/b.rss"]},
               {"name": "listing", "kind": "html", "url": f"{site.base}/private/list.html", "listing": {"links": "a"}}]
    config = write_config(tmp_path / "config", tmp_path / "data", sources)

    for _ in range(2):
        result = run_dozor("-v", "once", "--config", str(config))
        robots_lines = [line for line in result.stderr.splitlines() if "robots" in line.lower()]
        assert [line.split("dozor.health: ")[1] for line in robots_lines] == [
            "source two-feeds failed (robots): Forbidden by robots.txt",
            "source listing failed (robots): Forbidden by robots.txt",
        ], result.stderr[-2000:]
    assert site.hits["/private/a.rss"] == site.hits["/private/b.rss"] == site.hits["/private/list.html"] == 0


def test_login_page_served_as_a_feed_is_not_a_success(site, tmp_path):
    site.override("/feed.rss", 200, "text/html", b"<!DOCTYPE html><html><body><form action='/login'>Sign in</form></body></html>")
    _, health = _round(site, tmp_path, {"url": f"{site.base}/feed.rss"})
    _assert_only_bad_failed(health, "not_a_feed")


def test_empty_body_is_not_a_success(site, tmp_path):
    site.override("/feed.rss", 200, "application/rss+xml", b"")
    _, health = _round(site, tmp_path, {"url": f"{site.base}/feed.rss"})
    _assert_only_bad_failed(health, "empty")


def test_server_errors_then_recovery(site, tmp_path):
    site.override("/flaky.rss", 500, "text/plain", b"down")
    sources = [{"name": "flaky", "kind": "rss", "url": f"{site.base}/flaky.rss"}]
    operator = {"name": "ops", "kind": "file", "folder": str(tmp_path / "ops"), "operator": True}
    config = write_config(tmp_path / "config", tmp_path / "data", sources, channels=[operator],
                          monitor={"health": {"source_alert_after": 3}})
    for expected_failures, expected_alerts in ((1, 0), (2, 0), (3, 1)):
        assert run_dozor("once", "--config", str(config)).returncode == 0
        assert _health(tmp_path)["flaky"]["consecutive_failures"] == expected_failures
        assert len(list((tmp_path / "ops").glob("alert-*.txt"))) == expected_alerts
    (alert,) = (tmp_path / "ops").glob("alert-*.txt")
    assert "Source flaky has failed 3 rounds in a row (http_5xx" in alert.read_text(encoding="utf-8")
    site.overrides["/flaky.rss"] = (200, "application/rss+xml", (DEMO_SITE / "feeds/central-asia.rss").read_bytes())

    fourth = run_dozor("-v", "once", "--config", str(config))

    health = _health(tmp_path)["flaky"]
    assert health["consecutive_failures"] == 0 and health["last_items"] == 6, fourth.stderr[-2000:]
    assert fourth.stderr.count("source flaky recovered after 3 failed rounds") == 1
    assert "new: 6" in fourth.stdout
    assert len(list((tmp_path / "ops").glob("alert-*.txt"))) == 1, "one health alert, none again as it recovers"


def test_loopback_source_is_refused_at_load_unless_allowed(site, tmp_path):
    sources = [{"name": "local", "kind": "rss", "url": f"{site.base}/feeds/central-asia.rss"}]
    config = write_config(tmp_path / "config", tmp_path / "data", sources, allow_private_addresses=False)

    result = run_dozor("once", "--config", str(config))

    assert result.returncode == 1
    assert "sources.yaml:" in result.stderr and "private or local address" in result.stderr
    assert site.hits["/feeds/central-asia.rss"] == 0


@pytest.mark.parametrize("host", ["localhost", "2130706433", "0x7f000001"])
def test_hostnames_and_number_forms_of_loopback_are_blocked_when_fetching(site, tmp_path, host):
    port = site.base.rsplit(":", 1)[1]
    sources = [{"name": "sneaky", "kind": "rss", "url": f"http://{host}:{port}/feeds/central-asia.rss"}]
    config = write_config(tmp_path / "config", tmp_path / "data", sources, allow_private_addresses=False)

    result = run_dozor("once", "--config", str(config))

    if result.returncode == 1:  # refused at load: the host is spelled as an IP
        assert "private or local address" in result.stderr
    else:
        assert _health(tmp_path)["sneaky"]["last_error_category"] == "blocked"
    assert site.hits["/feeds/central-asia.rss"] == 0
