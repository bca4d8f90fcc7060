"""Soak: the real daemon against N generated feeds on loopback, one-second intervals, for M minutes.

    python benchmarks/soak.py [--sources 200] [--minutes 10] [--publish-every 60]

This process serves N RSS feeds on 127.0.0.1 (conditional GET with ETags; each
feed publishes a new item every --publish-every seconds, staggered across
feeds) and runs `run_monitor.py run` against them with the shipped rules, JSON
logs and the health endpoint on. It samples the daemon's /proc entries once a
second, and again whenever a round starts or ends (read from its log), then
prints rounds run, articles processed, RSS at minute 2 and at the end, peak RSS
and the CPU seconds spent between rounds. Goal: RSS growth under 10% from
minute 2 to the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
INITIAL_ITEMS = 5
ITEMS_SHOWN = 20
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
WORDS = (
    "суд приговор задержан граждан области министерство заявил сообщил следствия безопасности граница "
    "операция лагерь вернулись семьи court sentenced detained citizens region ministry said investigators "
    "security border operation camp returned families police prosecutor appeal hearing бишкек алматы ташкент "
    "душанбе harvest market football weather concert festival exhibition school hospital road bridge"
).split()
MATCHING = ["боевиков", "вербовщик", "Исламского государства", "militants", "foreign fighters"]


# -- the feeds ---------------------------------------------------------------------------------


@dataclass
class Feeds:
    """N feeds whose items appear over time: feed n publishes every `every` seconds, offset by n."""

    count: int
    every: float
    start: float = field(default_factory=time.time)
    cache: dict[int, tuple[int, bytes]] = field(default_factory=dict)

    def published(self, number: int, now: float) -> int:
        offset = self.every * number / self.count
        return INITIAL_ITEMS + int((now - self.start + offset) // self.every)

    def body(self, number: int, items: int) -> bytes:
        cached = self.cache.get(number)
        if cached is None or cached[0] != items:
            cached = (items, render_feed(self, number, items))
            self.cache[number] = cached
        return cached[1]

    def when(self, number: int, item: int) -> datetime:
        offset = self.every * number / self.count
        seconds = self.start - offset + (item - INITIAL_ITEMS + 1) * self.every
        return datetime.fromtimestamp(seconds, timezone.utc)


def render_feed(feeds: Feeds, number: int, items: int) -> bytes:
    entries = "".join(render_item(feeds, number, item) for item in range(max(0, items - ITEMS_SHOWN), items)[::-1])
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Source {number}</title>'
            f"<link>http://127.0.0.1/feed/{number}</link>{entries}</channel></rss>").encode("utf-8")


def render_item(feeds: Feeds, number: int, item: int) -> str:
    rng = random.Random(f"{number}-{item}")
    words = rng.choices(WORDS, k=150)
    if rng.random() < 0.1:
        words.insert(rng.randrange(len(words)), rng.choice(MATCHING))
    link = f"http://127.0.0.1/feed/{number}/item/{item}"
    return (f"<item><title>Source {number} item {item}: {' '.join(words[:6])}</title><link>{link}</link>"
            f"<guid>{link}</guid><pubDate>{format_datetime(feeds.when(number, item))}</pubDate>"
            f"<description>{' '.join(words)}</description></item>")


class FeedHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    feeds: Feeds

    def do_GET(self) -> None:
        match = re.fullmatch(r"/feed/(\d+)\.rss", self.path)
        if match is None or int(match[1]) >= self.feeds.count:
            return self._send(404, b"not found", {})
        number = int(match[1])
        items = self.feeds.published(number, time.time())
        etag = f'"{number}-{items}"'
        if self.headers.get("If-None-Match") == etag:
            return self._send(304, b"", {"ETag": etag})
        self._send(200, self.feeds.body(number, items), {"ETag": etag, "Content-Type": "application/rss+xml"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def serve(feeds: Feeds) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (FeedHandler,), {"feeds": feeds}))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# -- the daemon ----------------------------------------------------------------------------------


def write_config(folder: Path, feed_port: int, sources: int, health_port: int) -> Path:
    config = folder / "config"
    shutil.copytree(ROOT / "config" / "rules", config / "rules")
    monitor = {
        "database": str(folder / "data" / "dozor.sqlite3"),
        "crawl": {"allow_private_addresses": True, "obey_robots": False, "autothrottle": False, "retries": 0,
                  "timeout": "10s", "concurrency": 32, "concurrency_per_domain": 32, "first_crawl_max_age": "3650d"},
        "channels": [{"name": "files", "kind": "file", "folder": str(folder / "data" / "digests")}],
        "health": {"port": health_port},
        "logging": {"format": "json"},
    }
    feeds = [{"name": f"feed-{number}", "kind": "rss", "url": f"http://127.0.0.1:{feed_port}/feed/{number}.rss",
              "interval": "1s"} for number in range(sources)]
    (config / "monitor.yaml").write_text(yaml.safe_dump(monitor), encoding="utf-8")
    (config / "sources.yaml").write_text(yaml.safe_dump({"sources": feeds}), encoding="utf-8")
    return config


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of the process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/{pid}/status has no VmRSS line; is the daemon still running?")


@dataclass
class RoundClock:
    """CPU and wall time inside and between rounds, from the daemon's 'round N: ...' and 'round N done' lines."""

    pid: int
    last: tuple[str, float, float] | None = None
    between_cpu: float = 0.0
    between_wall: float = 0.0
    rounds: int = 0
    longest: float = 0.0

    def event(self, kind: str) -> None:
        now, cpu = time.monotonic(), cpu_seconds(self.pid)
        if self.last is not None:
            previous, since, cpu_then = self.last
            if previous == "done" and kind == "start":
                self.between_wall += now - since
                self.between_cpu += cpu - cpu_then
            if previous == "start" and kind == "done":
                self.rounds += 1
                self.longest = max(self.longest, now - since)
        self.last = (kind, now, cpu)


def follow_log(stream, clock: RoundClock, problems: list[str]) -> None:
    for line in stream:
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            continue
        message = record.get("msg", "")
        if re.match(r"round \d+: \d+ sources due", message):
            clock.event("start")
        elif re.match(r"round \d+ done", message):
            clock.event("done")
        elif record.get("level") in ("error", "critical"):
            problems.append(f"{message}\n{record.get('exc', '')}".strip())


def metrics(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line and not line.startswith("#")}


# -- the run -------------------------------------------------------------------------------------


def soak(sources: int, minutes: float, publish_every: float) -> int:
    feeds = Feeds(sources, publish_every)
    server = serve(feeds)
    folder = Path(tempfile.mkdtemp(prefix="dozor-soak-"))
    health_port = free_port()
    config = write_config(folder, server.server_address[1], sources, health_port)
    daemon = subprocess.Popen([sys.executable, str(ROOT / "run_monitor.py"), "run", "--config", str(config), "--tick", "1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    clock, problems = RoundClock(daemon.pid), []
    threading.Thread(target=follow_log, args=(daemon.stderr, clock, problems), daemon=True).start()
    baseline_at = (2.0 if minutes > 2 else minutes / 2) * 60
    samples = sample(daemon, minutes * 60)
    final = metrics(health_port)
    cpu_total = cpu_seconds(daemon.pid)
    stopped = time.monotonic()
    daemon.send_signal(signal.SIGTERM)
    code = daemon.wait(timeout=60)
    report(sources, minutes, samples, baseline_at, final, clock, cpu_total, time.monotonic() - stopped, code, problems)
    server.shutdown()
    shutil.rmtree(folder)
    return 0


def sample(daemon: subprocess.Popen, seconds: float) -> list[tuple[float, float]]:
    """(seconds since start, RSS in MB) once a second until the time is up."""
    started, samples = time.monotonic(), []
    while (elapsed := time.monotonic() - started) < seconds:
        if daemon.poll() is not None:
            raise SystemExit(f"The daemon exited early with code {daemon.returncode}; run it by hand to see why.")
        samples.append((elapsed, rss_mb(daemon.pid)))
        time.sleep(1)
    return samples


def report(sources: int, minutes: float, samples: list[tuple[float, float]], baseline_at: float,
           final: dict[str, float], clock: RoundClock, cpu_total: float, stop_seconds: float, code: int,
           problems: list[str]) -> None:
    baseline = next(rss for elapsed, rss in samples if elapsed >= baseline_at)
    end = samples[-1][1]
    growth = (end - baseline) / baseline * 100
    rounds = final["dozor_round_duration_seconds_count"]
    print(f"soak: {sources} sources, 1 s intervals, {minutes:g} min, tick 1 s")
    print(f"rounds run:               {rounds:.0f} (mean {final['dozor_round_duration_seconds_sum'] / rounds:.2f} s, "
          f"longest {clock.longest:.2f} s)")
    print(f"articles fetched / new:   {final['dozor_articles_fetched_total']:.0f} / "
          f"{final['dozor_articles_new_total']:.0f} (matched {final['dozor_articles_matched_total']:.0f})")
    print(f"{f'RSS at minute {baseline_at / 60:g}:':<26}{baseline:.1f} MB")
    print(f"RSS at the end:           {end:.1f} MB ({growth:+.1f}%; goal under +10%: "
          f"{'met' if growth < 10 else 'NOT met'})")
    print(f"peak RSS:                 {max(rss for _, rss in samples):.1f} MB")
    print(f"CPU seconds:              {cpu_total:.1f} in all; {clock.between_cpu:.2f} between rounds over "
          f"{clock.between_wall:.1f} s of wall time ({clock.between_cpu / max(clock.between_wall, 1e-9):.1%} of a core)")
    print(f"stop on SIGTERM:          exit {code} in {stop_seconds:.1f} s")
    print(f"errors logged:            {len(problems)}" + (f" (first: {problems[0]})" if problems else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=200, help="number of generated feeds (default: 200)")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default: 10)")
    parser.add_argument("--publish-every", type=float, default=60.0, metavar="SECONDS",
                        help="each feed publishes a new item this often (default: 60)")
    args = parser.parse_args()
    return soak(args.sources, args.minutes, args.publish_every)


if __name__ == "__main__":
    sys.exit(main())
