"""The daemon: crawl rounds, alerts and digests on one event loop, with APScheduler on Scrapy's reactor.

Three scheduler jobs, each never overlapping itself: a crawl tick that runs one
round over the sources that are due (each at its own interval, jittered, failing
ones backing off); a digest tick that sends each channel's digest once per
period, judged from the periods recorded in the database, not from the trigger,
so a digest missed while the daemon was down is sent once on start; and a
feedback tick that reads presses of the Telegram verdict buttons on its own
database connection, so a long round never keeps a press waiting. Config
files are re-read when they change; a broken edit keeps the last good config.
With health.port set, /healthz and /metrics are served on 127.0.0.1 from the
same loop; every round and delivery feeds the metrics.
"""
from __future__ import annotations

import asyncio
import logging
import signal
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, JobSubmissionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.analyst.telegram_feedback import button_channels, poll_feedback
from monitor.config import Config, ConfigError, load_config
from monitor.health_server import DaemonStatus, HealthServer
from monitor.host_holds import held_sources
from monitor.logs import configure_logging, round_context
from monitor.metrics import Metrics
from monitor.outbox import compose, send_due
from monitor.rounds import RoundReport, run_round
from monitor.rules.engine import Matcher, compile_rules
from monitor.schedule import digest_period, next_crawl
from monitor.store import Store, utc_now

log = logging.getLogger("dozor.daemon")
SHUTDOWN_GRACE = 30.0


@dataclass
class DaemonState:
    config: Config
    matcher: Matcher
    config_stamp: tuple
    config_error: str = ""
    last_round: str = ""
    rounds: int = 0
    """Rounds started; the current round's id."""

    skipped: int = 0

    rounds_done: int = 0
    """Rounds finished, as /healthz reports them."""

    running: set[asyncio.Task] = field(default_factory=set)


def config_stamp(directory: Path) -> tuple:
    """What changes when an analyst saves a config file: names, sizes and modification times."""
    files = [directory / "monitor.yaml", directory / "sources.yaml", *sorted((directory / "rules").glob("*.yaml"))]
    return tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files if path.exists())


class Daemon:
    def __init__(self, config: Config, store: Store, tick: float = 5.0) -> None:
        self.state = DaemonState(config, compile_rules(config.rules), config_stamp(config.directory))
        self.store = store
        self.tick = tick
        self.stopping = asyncio.Event()
        self.lock = asyncio.Lock()
        self.metrics = Metrics()
        self.scheduler: AsyncIOScheduler | None = None
        self.feedback_store: Store | None = None

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.stop, signum)
        loop.add_signal_handler(signal.SIGHUP, self._reload_soon)
        health = await self._start_health()
        self.scheduler = scheduler = AsyncIOScheduler(event_loop=loop, timezone="UTC")
        jobs = (("crawl", self._tracked(self.crawl_tick)), ("digest", self._tracked(self.digest_tick)),
                ("feedback", self._tracked(self.feedback_tick, exclusive=False)))
        for name, job in jobs:
            scheduler.add_job(job, "interval", seconds=self.tick, id=name, name=name,
                              max_instances=1, coalesce=True, next_run_time=datetime.now(timezone.utc))
        scheduler.add_listener(self._skipped, EVENT_JOB_MAX_INSTANCES)
        scheduler.start()
        log.info("daemon started: %d sources, %d channels, tick %gs", len(self.state.config.sources.sources),
                 len(self.state.config.monitor.channels), self.tick)
        await self.stopping.wait()
        scheduler.pause()  # not shutdown yet: it cancels the jobs in flight
        await self._finish_in_flight()
        scheduler.shutdown(wait=False)
        if health is not None:
            health.close()
        if self.feedback_store is not None:
            self.feedback_store.close()
        log.info("daemon stopped after %d rounds (%d ticks skipped while the previous run was still going)",
                 self.state.rounds, self.state.skipped)
        return 0

    def status(self) -> DaemonStatus:
        if self.stopping.is_set():
            scheduler = "stopping"
        elif self.scheduler is None or not self.scheduler.running:
            scheduler = "not running yet"
        else:
            scheduler = "running"
        return DaemonStatus(scheduler, self.state.last_round or None, self.state.rounds_done, self.state.config_error)

    async def _start_health(self) -> asyncio.Server | None:
        config = self.state.config
        port = config.monitor.health.port
        if port is None:
            return None
        try:
            return await HealthServer(self.status, self.store.path, self.metrics).start(port)
        except OSError as error:
            raise ConfigError([
                f"{config.directory / 'monitor.yaml'}: health.port: cannot listen on 127.0.0.1:{port} "
                f"({error.strerror}); choose a free port or stop the program that holds this one."
            ]) from None

    def _skipped(self, event: JobSubmissionEvent) -> None:
        """A tick came while the job's previous run was still going: not run twice, only counted."""
        self.state.skipped += 1
        self.metrics.skipped.labels(event.job_id).inc()

    def stop(self, signum: int | None = None) -> None:
        log.info("stopping on signal %s: no new work, finishing what is in flight", signum)
        self.stopping.set()

    def _tracked(self, job, exclusive: bool = True):
        """The job as the scheduler runs it: tracked for shutdown, failures logged; exclusive jobs take turns."""
        async def run() -> None:
            if self.stopping.is_set():
                return
            task = asyncio.current_task()
            self.state.running.add(task)
            try:
                if exclusive:
                    async with self.lock:
                        await job()
                else:
                    await job()
            except Exception as error:
                self.metrics.job_failures.labels(job.__name__).inc()
                if isinstance(error, sqlite3.OperationalError):  # a locked or full database: expected, no traceback
                    log.error("job %s failed on the database (%s): its transaction was rolled back, nothing "
                              "half-written is kept; it runs again on the next tick", job.__name__, error)
                else:
                    log.exception("job %s failed; it runs again on the next tick", job.__name__)
            finally:
                self.state.running.discard(task)
        run.__name__ = job.__name__
        return run

    async def _finish_in_flight(self) -> None:
        if self.state.running:
            done, pending = await asyncio.wait(self.state.running, timeout=SHUTDOWN_GRACE)
            for task in pending:
                task.cancel()

    def _reload_soon(self) -> None:
        self.state.config_stamp = ()

    def reload_if_changed(self) -> None:
        """Pick up edited YAML; on error keep the last good config and say so once per edit."""
        directory = self.state.config.directory
        stamp = config_stamp(directory)
        if stamp == self.state.config_stamp:
            return
        self.state.config_stamp = stamp
        try:
            config = load_config(directory)
        except ConfigError as error:
            self.state.config_error = "; ".join(error.problems)
            log.error("config not reloaded, keeping the last good one: %s", self.state.config_error)
            return
        self.state.config, self.state.matcher, self.state.config_error = config, compile_rules(config.rules), ""
        configure_logging(config.monitor.logging.format, config.secrets.values())
        log.info("config reloaded: %d sources, %d rules", len(config.sources.sources), len(config.rules.rules))

    async def crawl_tick(self) -> None:
        self.reload_if_changed()
        due = self.due_sources(datetime.now(timezone.utc))
        if not due:
            return
        self.state.rounds += 1
        round_id = self.state.rounds
        with round_context(round_id):
            log.info("round %d: %d sources due: %s", round_id, len(due), ", ".join(source.name for source in due))
            started = time.monotonic()
            report = await run_round(self.state.config, self.store, self.state.matcher, sources=due)
            self.metrics.observe_round(report, time.monotonic() - started)
            self.state.last_round, self.state.rounds_done = utc_now(), self.state.rounds_done + 1
            _log_round(round_id, report)

    def due_sources(self, now: datetime) -> list:
        health = {row[0]: row[1:] for row in self.store.db.execute(
            "SELECT name, last_attempt, consecutive_failures FROM sources")}
        due = []
        sources = self.state.config.sources.sources
        held = held_sources(self.store, sources, now)
        for source in sources:
            if not source.enabled or source.name in held:
                continue
            last_attempt, failures = health.get(source.name, (None, 0))
            when = next_crawl(source.name, timedelta(seconds=source.interval),
                              datetime.fromisoformat(last_attempt) if last_attempt else None, failures or 0)
            if when is None or when <= now:
                due.append(source)
        return due

    async def digest_tick(self) -> None:
        await asyncio.to_thread(self.send_digests, datetime.now(timezone.utc))

    async def feedback_tick(self) -> None:
        config = self.state.config
        if not button_channels(config.monitor.channels, config.secrets):
            return
        if self.feedback_store is None:
            self.feedback_store = Store(self.store.path)
        report = await asyncio.to_thread(poll_feedback, self.feedback_store, config.monitor.channels, config.secrets)
        self.metrics.feedback.inc(report.verdicts)

    def send_digests(self, now: datetime) -> None:
        """Each channel's digest once per period; then whatever is due in the outbox (retries included)."""
        config = self.state.config
        for channel in config.monitor.channels:
            zone = config.monitor.zone_of(channel)
            period = digest_period(now, channel.digest_time, zone).isoformat()
            done = self.store.db.execute("SELECT 1 FROM digest_periods WHERE channel = ? AND period >= ?",
                                         [channel.name, period]).fetchone()
            if done:
                continue
            notices = [f"Configuration edit refused, the last good one is in use: {self.state.config_error}"] \
                if self.state.config_error else []
            message_id = compose(self.store, channel, zone, "digest", now, notices)
            with self.store.transaction() as db:
                db["digest_periods"].insert({"channel": channel.name, "period": period, "handled_at": utc_now(),
                                             "message_id": message_id})
            log.info("digest period %s for %s: %s", period, channel.name,
                     f"message {message_id}" if message_id else "nothing to send", extra={"channel": channel.name})
        self.metrics.observe_deliveries(send_due(self.store, config.monitor.channels, config.secrets, now))


def _log_round(round_id: int, report: RoundReport) -> None:
    """One line per source that answered (failures are logged where they are recorded), then the totals."""
    for source in report.sources:
        if source.ok:
            log.info("round %d: source %s: %s", round_id, source.name,
                     "unchanged" if source.unchanged else f"{source.items} items", extra={"source": source.name})
    log.info("round %d done: fetched=%d new=%d matched=%d alerts=%d", round_id, report.fetched,
             report.ingest.new, report.ingest.matched, sum(1 for d in report.deliveries if d.status == "sent"))


def run_daemon(config: Config, tick: float) -> int:
    """Run until SIGTERM or SIGINT; refuses to start when another daemon holds the database."""
    from monitor import eventloop
    from monitor.lock import DaemonLock

    configure_logging(config.monitor.logging.format, config.secrets.values())
    with DaemonLock(config.monitor.database):
        store = Store(config.monitor.database)
        try:
            return eventloop.run(lambda: Daemon(config, store, tick).run())
        finally:
            store.close()
