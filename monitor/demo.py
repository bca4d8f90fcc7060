"""The offline demo: a bundled news site on 127.0.0.1, crawled, matched, stored and digested."""
from __future__ import annotations

import dataclasses
import errno
import socket
from pathlib import Path

from monitor import eventloop
from monitor.config import Config, load_config
from monitor.config.models import CrawlSettings, FileChannel, MonitorSettings, Source, SourcesFile
from monitor.demo_server import SiteServer
from monitor.rounds import RoundReport, run_round
from monitor.rules.engine import compile_rules
from monitor.store import Store

SITE = Path(__file__).resolve().parent / "demo_site"


def demo_sources(base: str) -> SourcesFile:
    return SourcesFile(
        sources=[
            Source(name="central-asia-wire", kind="rss", url=f"{base}/feeds/central-asia.rss", country="REGION", languages=["ru", "en"]),
            Source(name="dala-akparat", kind="atom", url=f"{base}/feeds/kazakh.atom", country="KZ", languages=["kk"]),
            Source(
                name="fergana-valley-herald", kind="html", url=f"{base}/news/index.html", country="UZ", languages=["ru", "en"],
                listing={"links": "ul.news-list a.headline"},
                article={"title": "h1.title", "body": "div.article-body p", "date": "time.published"},
            ),
        ]
    )


def demo_config(data_dir: Path, base: str, config_dir: Path | None = None) -> Config:
    """The default rules with the demo's own sources, database and digest folder."""
    config = load_config(config_dir)
    monitor = MonitorSettings(
        database=data_dir / "dozor.sqlite3",
        timezone=config.monitor.timezone,
        crawl=CrawlSettings(
            allow_private_addresses=True, retries=0, autothrottle=False, timeout=10,
            first_crawl_max_age=100 * 365 * 86400,  # the bundled site is static; its dates only get older
        ),
        channels=[FileChannel(name="files", folder=data_dir / "digests")],
    )
    return dataclasses.replace(config, monitor=monitor, sources=demo_sources(base))


def run_demo(data_dir: Path, config_dir: Path | None = None) -> tuple[RoundReport, Config]:
    """Serve the bundled site, run one round with a digest, and return what happened."""
    data_dir = Path(data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    with SiteServer(SITE, port=_port(data_dir)) as site:
        (data_dir / "demo-port").write_text(str(site.port))
        config = demo_config(data_dir, site.base, config_dir)
        store = Store(config.monitor.database)
        try:
            matcher = compile_rules(config.rules)
            report = eventloop.run(lambda: run_round(config, store, matcher, with_digest=True))
        finally:
            store.close()
    return report, config


def _port(data_dir: Path) -> int:
    """The port of the previous demo run when it is free, so article URLs stay the same."""
    remembered = data_dir / "demo-port"
    if not remembered.exists():
        return 0
    port = int(remembered.read_text().strip() or 0)
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return 0
            raise
    return port
