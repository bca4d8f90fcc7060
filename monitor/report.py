"""Plain-text summaries of what a command did, for people at a terminal."""
from __future__ import annotations

from monitor.config import Config
from monitor.rounds import RoundReport


def describe_round(report: RoundReport, config: Config) -> str:
    failed = [source for source in report.sources if not source.ok]
    lines = [
        f"Sources fetched: {report.fetched} of {len(report.sources)}",
        f"Articles seen: {report.ingest.seen}, new: {report.ingest.new}, "
        f"already stored: {report.ingest.seen - report.ingest.new}, matched: {report.ingest.matched}",
    ]
    lines += [f"  failed: {source.name} ({source.category}): {source.reason}" for source in failed]
    for delivery in report.deliveries:
        if delivery.sent:
            lines.append(f"Digest for {delivery.channel}: {delivery.stories} stories -> {delivery.reference}")
        elif delivery.error:
            lines.append(f"Digest for {delivery.channel} not delivered ({delivery.error}); it will be retried")
        else:
            lines.append(f"Digest for {delivery.channel}: nothing new to send")
    lines.append(f"Database: {config.monitor.database}")
    return "\n".join(lines)


def describe_sources(rows: list[dict]) -> str:
    lines = [f"{'SOURCE':32} {'KIND':8} {'STATE':10} {'FAILS':>5}  LAST SUCCESS / LAST ERROR"]
    for row in rows:
        failures = row.get("consecutive_failures") or 0
        if not row["enabled"]:
            state = "disabled"
        elif row.get("last_attempt") is None:
            state = "never run"
        else:
            state = "failing" if failures else "ok"
        detail = row.get("last_success") or "-"
        if failures:
            detail = f"{row.get('last_error_category')}: {row.get('last_error')}"
        lines.append(f"{row['name'][:32]:32} {row['kind']:8} {state:10} {failures:>5}  {detail}")
    return "\n".join(lines)
