"""What a digest says: stories with undelivered hits for one channel, grouped and ranked.

Pure data; rendering and sending happen elsewhere.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

from monitor.analyst.stats import low_precision_rules
from monitor.health import failing_sources
from monitor.rules.model import SEVERITY_RANK
from monitor.store import Store

SNIPPET_RADIUS = 140
WEAK_PRECISION = 0.5
WEAK_MIN_MARKED = 5


@dataclass(frozen=True)
class Segment:
    text: str
    emphasised: bool = False


@dataclass
class DigestItem:
    article_id: int
    title: str
    url: str
    source: str
    published: str | None
    severity: str
    score: int
    rules: list[str]
    snippet: list[Segment]
    country: str = ""
    outlets: list[str] = field(default_factory=list)
    update: bool = False
    """The story was delivered before; a more severe rule fired on a new article of it."""

    alerted: bool = False
    """Already sent as an urgent alert; the digest only mentions it."""

    delivery_ids: list[int] = field(default_factory=list)
    hit_ids: list[int] = field(default_factory=list)
    """For feedback: `run_monitor.py feedback HIT-ID relevant|irrelevant`."""


@dataclass
class DigestGroup:
    title: str
    items: list[DigestItem]


@dataclass
class Digest:
    channel: str
    created_at: datetime
    groups: list[DigestGroup]
    failing_sources: list[dict]
    purpose: str = "digest"
    weak_rules: list[str] = field(default_factory=list)
    """Rules whose analysts' verdicts put their precision below WEAK_PRECISION."""

    notices: list[str] = field(default_factory=list)
    """For operator channels: problems of Dozor itself, such as a refused config edit."""

    @property
    def items(self) -> list[DigestItem]:
        return [item for group in self.groups for item in group.items]

    @property
    def delivery_ids(self) -> list[int]:
        return [delivery for item in self.items for delivery in item.delivery_ids]


def build_digest(
    store: Store, channel: str, purpose: str = "digest", group_by: str = "rule", now: datetime | None = None
) -> Digest:
    """Every pending delivery of the channel for this purpose, one item per story, grouped and ranked."""
    rows = store.db.query(
        """
        SELECT d.id AS delivery_id, h.rule_id, h.rule_title, h.severity, h.score, h.evidence,
               h.id AS hit_id, a.id AS article_id, a.story_id, a.title, a.url, a.source, a.published, a.body, a.country, d.is_update,
               (SELECT group_concat(DISTINCT other.source) FROM articles other WHERE other.story_id = a.story_id) AS outlets,
               EXISTS (SELECT 1 FROM deliveries alert WHERE alert.hit_id = d.hit_id AND alert.channel = d.channel
                       AND alert.purpose = 'alert' AND alert.status IN ('queued', 'sent')) AS alerted
        FROM deliveries d JOIN hits h ON h.id = d.hit_id JOIN articles a ON a.id = h.article_id
        WHERE d.channel = ? AND d.purpose = ? AND d.status = 'pending'
        ORDER BY a.id, h.id
        """,
        [channel, purpose],
    )
    by_story: dict[int, list] = defaultdict(list)
    for row in rows:
        by_story[row["story_id"] or -row["article_id"]].append(row)
    return Digest(
        channel=channel,
        created_at=now or datetime.now(timezone.utc),
        groups=_groups((_item(story_rows) for story_rows in by_story.values()), group_by),
        failing_sources=failing_sources(store),
        purpose=purpose,
        weak_rules=[f"{rule.title} ({rule.precision:.0%} of {rule.relevant + rule.irrelevant} marked)"
                    for rule in low_precision_rules(store, WEAK_PRECISION, WEAK_MIN_MARKED)],
    )


def _strength(row) -> tuple[int, int]:
    return SEVERITY_RANK[row["severity"]], row["score"]


def _item(rows: list) -> DigestItem:
    """One story's digest entry, presented by its strongest hit; every outlet that carried it is named."""
    rows = sorted(rows, key=_strength, reverse=True)
    best = rows[0]
    return DigestItem(
        article_id=best["article_id"], title=best["title"], url=best["url"], source=best["source"],
        published=best["published"], severity=best["severity"], score=best["score"],
        rules=list(dict.fromkeys(row["rule_title"] for row in rows)),
        snippet=snippet(best["title"], best["body"] or "", json.loads(best["evidence"] or "[]")),
        country=best["country"] or "",
        alerted=any(row["alerted"] for row in rows),
        update=all(row["is_update"] for row in rows),
        outlets=sorted(set((best["outlets"] or best["source"]).split(","))),
        delivery_ids=[row["delivery_id"] for row in rows],
        hit_ids=list(dict.fromkeys(row["hit_id"] for row in rows)),
    )


def rank_key(item: DigestItem) -> tuple:
    """Sorted in reverse: most severe first, then highest score, then newest (UTC ISO times sort as text)."""
    return (SEVERITY_RANK[item.severity], item.score, item.published or "")


def _groups(items: Iterable[DigestItem], group_by: str) -> list[DigestGroup]:
    """Items grouped under their strongest rule (or country); groups ordered by their best item."""
    grouped: dict[str, list[DigestItem]] = defaultdict(list)
    for item in items:
        grouped[item.rules[0] if group_by == "rule" else (item.country or "—")].append(item)
    groups = [DigestGroup(title, sorted(members, key=rank_key, reverse=True)) for title, members in grouped.items()]
    return sorted(groups, key=lambda group: rank_key(group.items[0]), reverse=True)


def snippet(title: str, body: str, evidence: list[dict]) -> list[Segment]:
    """A short passage of the body around the first body evidence, matched terms emphasised."""
    spans = sorted((entry["start"], entry["end"]) for entry in evidence if entry.get("field") == "body")
    if not spans:
        return [Segment(_shorten(body, 2 * SNIPPET_RADIUS))] if body else []
    start = max(0, spans[0][0] - SNIPPET_RADIUS)
    end = min(len(body), spans[0][1] + SNIPPET_RADIUS)
    segments: list[Segment] = [Segment("…")] if start > 0 else []
    cursor = start
    for span_start, span_end in spans:
        if span_start < cursor or span_end > end:
            continue
        segments.append(Segment(body[cursor:span_start]))
        segments.append(Segment(body[span_start:span_end], emphasised=True))
        cursor = span_end
    segments.append(Segment(body[cursor:end]))
    if end < len(body):
        segments.append(Segment("…"))
    return [segment for segment in segments if segment.text]


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
