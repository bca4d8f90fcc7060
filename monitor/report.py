"""Plain-text summaries of what a command did, for people at a terminal."""
from __future__ import annotations

from monitor.channel_state import ChannelState
from monitor.config import Config
from monitor.config.models import Channel
from monitor.digest import Digest
from monitor.outbox import DeliveryReport
from monitor.stories import Story
from monitor.rounds import RoundReport


def describe_round(report: RoundReport, config: Config) -> str:
    failed = [source for source in report.sources if not source.ok]
    unchanged = sum(1 for source in report.sources if source.unchanged)
    seen = report.ingest.seen + report.known
    lines = [
        f"Sources fetched: {report.fetched} of {len(report.sources)}"
        + (f" ({unchanged} unchanged since the last round)" if unchanged else ""),
        f"Articles seen: {seen}, new: {report.ingest.new}, "
        f"already stored: {seen - report.ingest.new}, matched: {report.ingest.matched}",
    ]
    if report.skipped_old:
        lines.append(f"  skipped {report.skipped_old} items older than the first-crawl horizon")
    lines += [f"  failed: {source.name} ({source.category}): {source.reason}" for source in failed]
    lines += [f"  waiting: {name} until {until} (its site asked for a pause)" for name, until in report.held.items()]
    if report.verdicts:
        lines.append(f"Verdicts from Telegram buttons: {report.verdicts}")
    lines.append(describe_deliveries(report.deliveries))
    lines.append(f"Database: {config.monitor.database}")
    return "\n".join(lines)


def describe_deliveries(reports: list[DeliveryReport]) -> str:
    if not reports:
        return "Nothing new to send."
    lines = []
    for report in reports:
        what = f"{report.purpose} for {report.channel} ({report.stories} stories)"
        if report.status == "sent":
            lines.append(f"Sent {what} -> {report.reference}")
        elif report.status == "pending":
            lines.append(f"Not sent yet {what}: {report.error}; it will be retried")
        else:
            lines.append(f"Failed {what}: {report.error}")
    return "\n".join(lines)


def describe_preview(previews: list[tuple[Channel, Digest, dict]]) -> str:
    """The text each channel would receive, without sending or marking anything."""
    blocks = []
    for channel, digest, payload in previews:
        body = "\n\n".join(payload["parts"]) if "parts" in payload else payload["text"]
        blocks.append(f"=== {channel.name} ({channel.kind}): {len(digest.items)} stories (dry run: nothing sent) ===\n{body}")
    return "\n\n".join(blocks)


def describe_stories(stories: list[Story]) -> str:
    if not stories:
        return "No stories stored yet."
    blocks = []
    for story in stories:
        outlets = sorted({article.source for article in story.articles})
        lines = [f"#{story.id} {story.title}",
                 f"   {story.first_seen[:16]} .. {story.last_seen[:16]} · {len(story.articles)} articles · "
                 f"{', '.join(outlets)}" + (f" · {story.severity}" if story.severity else "")]
        for article in story.articles:
            outlet = f"{article.source}, {article.language}" if article.language else article.source
            lines.append(f"   - [{outlet}] {article.title} <{article.url}>")
            lines += [f"       also at {mirror}" for mirror in article.mirrors]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def describe_channels(states: list[ChannelState]) -> str:
    lines = [f"{'CHANNEL':24} {'KIND':9} {'STATE':9} {'WAITING':>7}  WHY DISABLED"]
    for state in states:
        status = "disabled" if state.disabled_at else "active"
        why = f"{state.reason} (since {state.disabled_at})" if state.disabled_at else ""
        lines.append(f"{state.name[:24]:24} {state.kind:9} {status:9} {state.pending:>7}  {why}".rstrip())
    return "\n".join(lines)


def describe_sources(rows: list[dict]) -> str:
    lines = [f"{'SOURCE':32} {'KIND':8} {'STATE':10} {'FAILS':>5}  LAST SUCCESS / LAST ERROR"]
    for row in rows:
        failures = row.get("consecutive_failures") or 0
        if not row["enabled"]:
            state = "disabled"
        elif row.get("held_until"):
            state = "waiting"
        elif row.get("last_attempt") is None:
            state = "never run"
        else:
            state = "failing" if failures else "ok"
        detail = row.get("last_success") or "-"
        if failures:
            detail = f"{row.get('last_error_category')}: {row.get('last_error')}"
        if row.get("held_until"):
            detail = f"its site asked for a pause until {row['held_until']}"
        lines.append(f"{row['name'][:32]:32} {row['kind']:8} {state:10} {failures:>5}  {detail}")
    return "\n".join(lines)
