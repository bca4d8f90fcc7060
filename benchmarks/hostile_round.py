"""One round of `python run_monitor.py once` against every hostile route at once: time and peak memory.

    python benchmarks/hostile_round.py [--timeout 5] [--retries 1] [--max-size 8MB] [--keep DIR]

A local server (tests/fakes/faultserver.py, in this process's threads) serves a
healthy feed beside: a 50 MB body, an endless body, gzip and brotli bombs, a
slow drip, a redirect loop, 500 and 429 answers, billion laughs, an external
entity, malformed and non-XML feeds, a login page, an empty body, a feed of
10,000 entries with a 1 MB title, windows-1251 and KOI8-R bodies with missing or
lying charsets, a robots.txt that answers 503, a self-signed certificate and a
closed port. Dozor runs in its own process; its wall time and peak resident set
size are measured (/usr/bin/time -v when present, else getrusage of the child).

Goal: the round ends within its budget, (retries + 1) x timeout + 15 s, and its
peak memory stays under 300 MB.
"""
from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.builders import DEMO_SITE, write_config  # noqa: E402
from tests.fakes.faultserver import FaultServer  # noqa: E402
from tests.fakes.smtp import free_port, self_signed_tls  # noqa: E402

FAULTS = ROOT / "tests" / "sites" / "faults"
PEAK_LIMIT_MB = 300
KOI8 = "Вербовщики боевиков задержаны в Бишкеке"


def _rss(items: str, declaration: str = "utf-8") -> str:
    return f"<?xml version='1.0' encoding='{declaration}'?><rss version='2.0'><channel><title>T</title>{items}</channel></rss>"


def _big_feed() -> bytes:
    title = "Заголовок " * (1024 * 1024 // 20)
    items = [f"<item><title>{title}</title><link>https://big.example.org/0</link></item>"]
    items += [f"<item><title>Новость {n}</title><link>https://big.example.org/{n}</link><description>Текст {n}</description></item>"
              for n in range(1, 10_000)]
    return _rss("".join(items)).encode()


def serve_hostile_routes(site: FaultServer) -> None:
    rss = "application/rss+xml"
    for name in ("billion-laughs.rss", "xxe.rss", "malformed.rss", "broken.rss", "empty.rss"):
        site.override(f"/faults/{name}", 200, rss, (FAULTS / name).read_bytes().replace(b"{{BASE}}", site.base.encode()))
    site.override("/login.rss", 200, "text/html", (FAULTS / "login.html").read_bytes())
    site.override("/empty-body.rss", 200, rss, b"")
    site.override("/big.rss", 200, rss, _big_feed())
    item = f"<item><title>{KOI8}</title><link>https://kg.example.org/1</link><description>ГКНБ.</description></item>"
    site.override("/koi8-lying.rss", 200, f"{rss}; charset=utf-8", _rss(item).encode("koi8_r"))
    site.override("/cp1251-bare.rss", 200, rss, _rss(item.replace("kg.example.org/1", "kg.example.org/2"),
                                                      "windows-1251").encode("cp1251"))


def sources(site: FaultServer, tls: FaultServer, robots_down: FaultServer) -> list[dict]:
    base = site.base
    urls = {
        "good-wire": f"{base}/feeds/central-asia.rss", "good-atom": f"{base}/feeds/kazakh.atom",
        "huge": f"{base}/huge/50", "endless": f"{base}/endless", "gzip-bomb": f"{base}/gzip-bomb/256",
        "brotli-bomb": f"{base}/brotli-bomb/256", "drip": f"{base}/drip/10", "loop": f"{base}/redirect/loop",
        "error-500": f"{base}/status/500", "throttled": f"{base}/retry-after/120",
        "billion-laughs": f"{base}/faults/billion-laughs.rss", "xxe": f"{base}/faults/xxe.rss",
        "malformed": f"{base}/faults/malformed.rss", "not-xml": f"{base}/faults/broken.rss",
        "no-entries": f"{base}/faults/empty.rss", "login": f"{base}/login.rss", "empty-body": f"{base}/empty-body.rss",
        "ten-thousand": f"{base}/big.rss", "koi8-lying": f"{base}/koi8-lying.rss", "cp1251-bare": f"{base}/cp1251-bare.rss",
        "self-signed": f"{tls.base}/feeds/central-asia.rss", "robots-503": f"{robots_down.base}/feeds/central-asia.rss",
        "closed-port": f"http://127.0.0.1:{free_port()}/feed.rss",
    }
    listed = [{"name": name, "kind": "rss", "url": url} for name, url in urls.items()]
    listed.append({"name": "cp1251-site", "kind": "html", "url": f"{base}/news/index.html",
                   "listing": {"links": "ul.news-list a.headline"}, "article": {"title": "h1.title", "body": "div.article-body p"}})
    return listed


def measured(command: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run the command; its result, wall seconds and peak RSS in MB."""
    time_binary = shutil.which("time") or ("/usr/bin/time" if Path("/usr/bin/time").exists() else None)
    started = time.monotonic()
    if time_binary:
        result = subprocess.run([time_binary, "-v", *command], capture_output=True, text=True)
        elapsed = time.monotonic() - started
        peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", result.stderr)
        return result, elapsed, int(peak.group(1)) / 1024 if peak else float("nan")
    result = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.monotonic() - started
    return result, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timeout", type=float, default=5.0, help="crawl.timeout in seconds (default 5)")
    parser.add_argument("--retries", type=int, default=1, help="crawl.retries (default 1)")
    parser.add_argument("--max-size", default="8MB", help="crawl.max_response_size (default 8MB, the shipped default)")
    parser.add_argument("--keep", type=Path, help="keep the config and database in this folder")
    args = parser.parse_args()
    folder = args.keep or Path(tempfile.mkdtemp(prefix="dozor-hostile-"))
    budget = (args.retries + 1) * args.timeout + 15
    server_tls, _ = self_signed_tls(folder)
    with FaultServer(DEMO_SITE) as site, FaultServer(DEMO_SITE, tls=server_tls) as tls, FaultServer(DEMO_SITE) as robots_down:
        serve_hostile_routes(site)
        robots_down.override("/robots.txt", 503, "text/plain", b"")
        listed = sources(site, tls, robots_down)
        config = write_config(folder / "config", folder / "data", listed, retries=args.retries,
                              timeout=f"{args.timeout:g}s", max_response_size=args.max_size)
        env = {key: value for key, value in os.environ.items() if "proxy" not in key.lower()}
        os.environ.clear()
        os.environ.update(env)
        result, elapsed, peak_mb = measured([sys.executable, str(ROOT / "run_monitor.py"), "once", "--config", str(config)])
    if result.returncode != 0:
        print(result.stdout, result.stderr[-3000:], sep="\n")
        return 1
    with sqlite3.connect(folder / "data/dozor.sqlite3") as conn:
        health = conn.execute("SELECT name, last_error_category, last_items FROM sources ORDER BY name").fetchall()
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"{len(listed)} sources, {articles} articles stored")
    for name, category, items in health:
        print(f"  {name:16} {category or 'ok':12} {items or 0:>5} items")
    print(f"wall time: {elapsed:.1f} s (budget {budget:.0f} s)")
    print(f"peak RSS of the Dozor process: {peak_mb:.0f} MB (limit {PEAK_LIMIT_MB} MB)")
    ok = elapsed <= budget and peak_mb < PEAK_LIMIT_MB
    print("OK" if ok else "OVER BUDGET")
    if not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
