"""FAULTS.md 2: a site that answers 429 with Retry-After is left alone, every source on its host, across rounds."""
from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.errors import retry_after
from crawler.items import FetchOutcome
from monitor.host_holds import hold_hosts
from monitor.store import Store
from tests.builders import DEMO_SITE, write_config
from tests.conftest import run_dozor
from tests.fakes.faultserver import FaultServer

FEED = "/feeds/central-asia.rss"
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _refusal(status: int, header: str | None) -> Failure:
    headers = {"Retry-After": header} if header is not None else {}
    response = Response("https://kaz.example/feed.rss", status=status, headers=headers,
                        request=Request("https://kaz.example/feed.rss"))
    return Failure(HttpError(response, "refused"))


@pytest.mark.parametrize(
    ("status", "header", "seconds"),
    [(429, "120", 120.0), (503, "30", 30.0), (429, "Sun, 29 Nov 2026 12:02:00 GMT", 120.0),
     (429, None, None), (429, "soon", None), (500, "120", None), (429, "Sun, 29 Nov 2026 11:00:00 GMT", 0.0)],
)
def test_retry_after_is_read_as_seconds_or_a_date(status, header, seconds):
    assert retry_after(_refusal(status, header), now=NOW) == seconds


def test_a_hold_is_capped_and_never_shortened(tmp_path):
    store = Store(tmp_path / "dozor.sqlite3")
    url = "https://Kaz.Example/feed.rss"
    hold_hosts(store, [FetchOutcome("kaz", url, ok=False, retry_after=7200)], cap=600, now=NOW)
    hold_hosts(store, [FetchOutcome("kaz", url, ok=False, retry_after=60)], cap=600, now=NOW)

    assert store.db.execute("SELECT host, until FROM host_holds").fetchall() == [
        ("kaz.example", (NOW + timedelta(seconds=600)).isoformat())]


def _hosts(tmp_path) -> dict[str, datetime]:
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
        return {host: datetime.fromisoformat(until) for host, until in conn.execute("SELECT host, until FROM host_holds")}


def test_a_throttled_host_is_not_asked_again_until_its_time_and_is_not_a_failure(tmp_path):
    with FaultServer(DEMO_SITE) as site, FaultServer(DEMO_SITE) as elsewhere:
        sources = [{"name": "throttled", "kind": "rss", "url": f"{site.base}/retry-after/120"},
                   {"name": "sibling", "kind": "rss", "url": f"{site.base}{FEED}"},
                   {"name": "elsewhere", "kind": "rss", "url": f"{elsewhere.base}{FEED}"}]
        config = write_config(tmp_path / "config", tmp_path / "data", sources, max_retry_after="10m")
        first = run_dozor("once", "--config", str(config))
        asked = dict(site.hits)
        second = run_dozor("once", "--config", str(config))
        listed = run_dozor("sources", "--config", str(config))

        assert first.returncode == second.returncode == 0, second.stderr[-2000:]
        assert site.hits == asked, "nothing on the held host is asked in the next round"
        assert elsewhere.hits[FEED] == 2, "another host is not held"
        hold = _hosts(tmp_path)[site.base.split("//")[1]]
        assert timedelta(seconds=100) < hold - datetime.now(UTC) <= timedelta(seconds=120)
        assert "waiting: throttled until" in second.stdout and "waiting: sibling until" in second.stdout
        throttled_line = next(line for line in listed.stdout.splitlines() if line.startswith("throttled"))
        assert throttled_line.split()[2:4] == ["waiting", "0"], listed.stdout

        with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:  # as if the two minutes had passed
            conn.execute("UPDATE host_holds SET until = ?", [(datetime.now(UTC) - timedelta(seconds=1)).isoformat()])
        third = run_dozor("once", "--config", str(config))

        assert third.returncode == 0
        assert site.hits["/retry-after/120"] == asked["/retry-after/120"] + 1
