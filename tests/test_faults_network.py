"""FAULTS.md 1-11: one real round meets every hostile network route at once; each source ends in its own category.

The round runs once per module (the sources are fetched in parallel, so it takes
about as long as its slowest source); each test then checks one behaviour.
"""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import pytest
import scrapy
from scrapy import Request
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.errors import categorize
from crawler.middlewares import AddressGuardMiddleware
from crawler.settings import CrawlPolicy, scrapy_settings
from monitor.config import ConfigError, load_config
from tests.builders import DEMO_SITE, write_config
from tests.conftest import PROXY_VARIABLES, ROOT, SECRET_PREFIXES, run_dozor
from tests.fakes.faultserver import FaultServer
from tests.fakes.smtp import free_port, self_signed_tls

TIMEOUT = 2.0
RETRIES = 1
# Runs the command and writes the peak resident set size of its process tree (KiB) to the file given first.
PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "status = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(status)\n"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """One round: a healthy feed beside every kind of network fault; health rows, server hits, time and memory."""
    tmp_path = tmp_path_factory.mktemp("hostile")
    server_tls, _ = self_signed_tls(tmp_path)
    with FaultServer(DEMO_SITE) as site, FaultServer(DEMO_SITE, tls=server_tls) as tls, \
            FaultServer(DEMO_SITE) as robots_down, FaultServer(DEMO_SITE) as robots_slow:
        robots_down.override("/robots.txt", 503, "text/plain", b"User-agent: *\nAllow: /\n")
        robots_slow.delays["/robots.txt"] = 10 * TIMEOUT
        feed = "/feeds/central-asia.rss"
        sources = {
            "good": f"{site.base}{feed}",
            "throttled": f"{site.base}/retry-after/120",
            "down": f"{site.base}/status/503",
            "drip": f"{site.base}/drip/10",
            "refused": f"http://127.0.0.1:{free_port()}/feed.rss",
            "endless": f"{site.base}/endless",
            "gzip-bomb": f"{site.base}/gzip-bomb/64",
            "brotli-bomb": f"{site.base}/brotli-bomb/64",
            "huge": f"{site.base}/huge/50",
            "loop": f"{site.base}/redirect/loop",
            "self-signed": f"{tls.base}{feed}",
            "robots-down": f"{robots_down.base}{feed}",
            "robots-slow": f"{robots_slow.base}{feed}",
        }
        config = write_config(tmp_path / "config", tmp_path / "data",
                              [{"name": name, "kind": "rss", "url": url} for name, url in sources.items()],
                              retries=RETRIES, timeout=f"{TIMEOUT:g}s", max_response_size="1MB", max_redirects=3)
        peak_file = tmp_path / "peak-rss"
        env = {key: value for key, value in os.environ.items()
               if key not in PROXY_VARIABLES and not key.startswith(SECRET_PREFIXES)}
        started = time.monotonic()
        result = subprocess.run(
            [sys.executable, "-c", PEAK_RSS, str(peak_file), sys.executable, str(ROOT / "run_monitor.py"),
             "once", "--config", str(config)],
            env=env, capture_output=True, text=True, timeout=120,
        )
        elapsed = time.monotonic() - started
        assert result.returncode == 0, result.stderr[-3000:]
        with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
            conn.row_factory = sqlite3.Row
            health = {row["name"]: dict(row) for row in conn.execute("SELECT * FROM sources")}
        yield {
            "health": health, "hits": dict(site.hits), "tls_hits": dict(tls.hits),
            "robots_down_hits": dict(robots_down.hits), "robots_slow_hits": dict(robots_slow.hits),
            "elapsed": elapsed, "peak_rss_mb": int(peak_file.read_text()) / 1024, "stdout": result.stdout,
        }


def _category(hostile, name: str) -> str:
    return hostile["health"][name]["last_error_category"]


def test_healthy_source_is_unaffected_by_the_hostile_ones(hostile):
    good = hostile["health"]["good"]
    assert (good["consecutive_failures"], good["last_items"], good["last_error_category"]) == (0, 6, None)
    assert "Sources fetched: 1 of 13" in hostile["stdout"]


def test_every_hostile_source_fails_once_in_its_own_category(hostile):
    categories = {name: (row["last_error_category"], row["consecutive_failures"])
                  for name, row in hostile["health"].items() if name != "good"}
    assert categories == {
        "throttled": ("throttled", 0), "down": ("http_5xx", 1), "drip": ("timeout", 1), "refused": ("connect", 1),
        "endless": ("too_large", 1), "gzip-bomb": ("too_large", 1), "brotli-bomb": ("too_large", 1),
        "huge": ("too_large", 1), "loop": ("redirect", 1), "self-signed": ("tls", 1),
        "robots-down": ("robots", 1), "robots-slow": ("robots", 1),
    }


def test_server_error_is_retried_within_the_round_as_configured(hostile):
    assert _category(hostile, "down") == "http_5xx"
    assert hostile["hits"]["/status/503"] == 1 + RETRIES


def test_429_is_throttled_not_failed_and_not_asked_again_in_the_round(hostile):
    assert _category(hostile, "throttled") == "throttled"
    assert hostile["hits"]["/retry-after/120"] == 1


def test_slow_drip_is_cut_at_the_timeout_and_the_round_keeps_its_budget(hostile):
    assert _category(hostile, "drip") == "timeout"
    # Each attempt is cut at TIMEOUT; with one retry the drip costs about 2 * TIMEOUT, never the 10 s per byte.
    assert hostile["elapsed"] < 20


def test_refused_connection_is_category_connect(hostile):
    assert hostile["health"]["refused"]["last_error"].startswith("Connection was refused")


def test_refused_connection_is_retried_as_configured_and_logged_without_a_traceback(tmp_path):
    url = f"http://127.0.0.1:{free_port()}/feed.rss"
    config = write_config(tmp_path / "config", tmp_path / "data", [{"name": "refused", "kind": "rss", "url": url}],
                          retries=2)

    result = run_dozor("-v", "once", "--config", str(config))

    assert result.returncode == 0
    assert result.stderr.count(f"Gave up retrying <GET {url}> (failed 3 times)") == 1
    assert "source refused failed (connect): Connection was refused" in result.stderr
    assert "Traceback" not in result.stderr


def test_nxdomain_is_retried_then_category_dns_and_the_round_goes_on():
    """The real round with only the resolver replaced (tests.fakes.resolver): no DNS query leaves the machine."""
    with FaultServer(DEMO_SITE) as site:
        env = {key: value for key, value in os.environ.items()
               if key not in PROXY_VARIABLES and not key.startswith(SECRET_PREFIXES)}
        run = subprocess.run([sys.executable, "-m", "tests.fakes.resolver", "http://feed.nx.invalid/rss.xml",
                              f"{site.base}/feeds/central-asia.rss"],
                             cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr[-2000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    outcomes = {source: (ok, category) for source, ok, category, _ in report["outcomes"]}
    assert outcomes == {"source-0": (False, "dns"), "source-1": (True, "")}
    assert report["lookups"] == {"feed.nx.invalid": 4}, "robots.txt and the feed, each tried twice (one retry)"


def test_unresolvable_host_is_category_dns():
    category, _, status = categorize(Failure(CannotResolveHostError("DNS lookup failed: no results for hostname lookup")))
    assert (category, status) == ("dns", None)


def test_self_signed_certificate_fails_closed_without_an_insecure_retry(hostile):
    assert _category(hostile, "self-signed") == "tls"
    assert "certificate verify failed" in hostile["health"]["self-signed"]["last_error"]
    assert hostile["tls_hits"] == {}, "no request may get through the failed handshake"


@pytest.mark.parametrize("name", ["huge", "endless", "gzip-bomb", "brotli-bomb"])
def test_oversized_lying_endless_and_compressed_bodies_stop_at_the_size_limit(hostile, name):
    assert _category(hostile, name) == "too_large"


def test_decompression_bomb_is_stopped_after_decompressing_just_past_the_limit(hostile):
    reason = hostile["health"]["gzip-bomb"]["last_error"]
    assert "exceeded DOWNLOAD_MAXSIZE (1048576 B) during decompression" in reason


def test_installed_scrapy_carries_the_decompression_bomb_fixes():
    from packaging.version import Version

    assert Version(scrapy.__version__) >= Version("2.13.4")  # GHSA-7j7m-v7m3-jqm7 / CVE-2025-6176


def test_memory_stays_bounded_through_the_hostile_round(hostile):
    assert hostile["peak_rss_mb"] < 300


def test_redirect_loop_stops_at_the_configured_limit(hostile):
    assert _category(hostile, "loop") == "redirect"
    assert hostile["hits"]["/redirect/loop"] == 4  # the first request and three redirects


def test_robots_txt_server_error_disallows_the_host_for_the_round(hostile):
    assert _category(hostile, "robots-down") == "robots"
    assert hostile["robots_down_hits"].get("/feeds/central-asia.rss", 0) == 0


def test_robots_txt_timeout_disallows_the_host_for_the_round(hostile):
    assert _category(hostile, "robots-slow") == "robots"
    assert hostile["robots_slow_hits"].get("/feeds/central-asia.rss", 0) == 0


# -- address and scheme guards (no connection is made by these) ---------------------------------


def _sources_problems(tmp_path, url: str, **crawl) -> list[str]:
    config = write_config(tmp_path / "config", tmp_path / "data", [{"name": "x", "kind": "rss", "url": url}], **crawl)
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    return caught.value.problems


@pytest.mark.parametrize("host", [
    "127.0.0.1", "[::1]", "0.0.0.0", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254",
    "2130706433", "0x7f000001", "[::ffff:10.0.0.1]",
])
def test_internal_addresses_are_refused_at_load(tmp_path, host):
    (problem,) = _sources_problems(tmp_path, f"http://{host}/feed.rss", allow_private_addresses=False)
    assert problem.startswith(f"{tmp_path / 'config/sources.yaml'}:2: sources.0.url: ")
    assert "private or local address" in problem


@pytest.mark.parametrize("host", ["169.254.169.254", "10.0.0.7", "[::1]:8080"])
def test_redirect_to_an_internal_address_is_blocked(host):
    """The middlewares run in-process on a built response: the redirect target is checked, never connected to."""
    target = f"http://{host}/latest/"
    crawler = get_crawler(settings_dict=scrapy_settings(CrawlPolicy(allow_private_addresses=False)))
    redirects = RedirectMiddleware.from_crawler(crawler)
    original = Request("https://news.example.org/feed.rss")
    redirected = redirects.process_response(original, Response(original.url, status=302, headers={"Location": target}))
    guard = AddressGuardMiddleware.from_crawler(crawler)

    with pytest.raises(IgnoreRequest) as caught:
        _run(guard.process_request(redirected))

    assert redirected.url == target
    assert categorize(Failure(caught.value))[0] == "blocked"


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://ftp.example.org/feed.rss", "s3://bucket/feed.rss",
                                 "data:text/plain,hello"])
def test_non_http_schemes_are_refused_at_load_with_the_key_path(tmp_path, url):
    (problem,) = _sources_problems(tmp_path, url)
    assert problem.startswith(f"{tmp_path / 'config/sources.yaml'}:2: sources.0: ")
    assert "only http and https" in problem


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://ftp.example.org/feed.rss", "s3://bucket/feed.rss",
                                 "data:text/plain,hello"])
def test_non_http_schemes_cannot_be_fetched_even_when_validation_is_bypassed(url):
    settings = scrapy_settings(CrawlPolicy(allow_private_addresses=True))
    guard = AddressGuardMiddleware(allow_private=True)

    with pytest.raises(IgnoreRequest):
        _run(guard.process_request(Request(url)))

    assert settings["DOWNLOAD_HANDLERS"][url.split(":")[0]] is None


def _run(coroutine):
    import asyncio

    return asyncio.run(coroutine)
