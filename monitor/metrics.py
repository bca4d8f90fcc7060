"""The daemon's Prometheus metrics, in a registry of its own, fed from each round and delivery."""
from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from monitor.outbox import DeliveryReport
from monitor.rounds import RoundReport

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
"""The text format generate_latest writes."""

ROUND_SECONDS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    """Counters and the round-duration histogram; never the process-wide default registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.fetched = Counter("dozor_articles_fetched", "Articles the crawl returned, before dedup.",
                               registry=self.registry)
        self.new = Counter("dozor_articles_new", "Articles stored for the first time.", registry=self.registry)
        self.matched = Counter("dozor_articles_matched", "New articles that at least one rule matched.",
                               registry=self.registry)
        self.source_failures = Counter("dozor_source_failures", "Rounds in which a source failed, by category.",
                                       ["source", "category"], registry=self.registry)
        self.deliveries = Counter("dozor_deliveries", "Messages handed to a channel, by outcome: sent, pending, failed.",
                                  ["channel", "status"], registry=self.registry)
        self.skipped = Counter("dozor_jobs_skipped", "Ticks skipped because the job's previous run was still going.",
                               ["job"], registry=self.registry)
        self.job_failures = Counter("dozor_job_failures", "Scheduler jobs that ended in an error (a locked or full "
                                    "database, say); each runs again on its next tick.", ["job"], registry=self.registry)
        self.feedback = Counter("dozor_feedback_verdicts", "Hits marked with the Telegram verdict buttons.",
                                registry=self.registry)
        self.round_seconds = Histogram("dozor_round_duration_seconds", "Wall time of one crawl round.",
                                       buckets=ROUND_SECONDS, registry=self.registry)

    def observe_round(self, report: RoundReport, seconds: float) -> None:
        self.fetched.inc(report.ingest.seen + report.skipped_old)
        self.new.inc(report.ingest.new)
        self.matched.inc(report.ingest.matched)
        for source in report.sources:
            if not source.ok:
                self.source_failures.labels(source.name, source.category or "unknown").inc()
        self.observe_deliveries(report.deliveries)
        self.round_seconds.observe(seconds)

    def observe_deliveries(self, deliveries: Iterable[DeliveryReport]) -> None:
        for delivery in deliveries:
            self.deliveries.labels(delivery.channel, delivery.status).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
