"""How well each rule does by analysts' verdicts, and how much each source brings in."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from monitor.analyst.archive import since_filter
from monitor.analyst.feedback import LATEST_VERDICTS
from monitor.store import Store


@dataclass(frozen=True)
class RuleStats:
    rule: str
    title: str
    hits: int
    relevant: int
    irrelevant: int

    @property
    def marked(self) -> int:
        return self.relevant + self.irrelevant

    @property
    def precision(self) -> float | None:
        """Relevant among the hits analysts marked; None before anyone marked one."""
        return self.relevant / self.marked if self.marked else None

    def below(self, threshold: float, min_marked: int) -> bool:
        """Precision under `threshold`, judged only once enough hits are marked to mean something."""
        return self.marked >= max(min_marked, 1) and self.relevant / self.marked < threshold


@dataclass(frozen=True)
class SourceStats:
    source: str
    articles: int
    hits: int
    consecutive_failures: int


@dataclass(frozen=True)
class Stats:
    rules: list[RuleStats]
    sources: list[SourceStats]


def stats(store: Store, since: date | None = None) -> Stats:
    return Stats(rule_stats(store, since), source_stats(store, since))


def rule_stats(store: Store, since: date | None = None) -> list[RuleStats]:
    where, params = since_filter(since)
    rows = store.db.execute(
        f"""
        SELECT h.rule_id, max(h.rule_title), count(*),
               count(CASE v.verdict WHEN 'relevant' THEN 1 END),
               count(CASE v.verdict WHEN 'irrelevant' THEN 1 END)
        FROM hits h JOIN articles a ON a.id = h.article_id
        LEFT JOIN ({LATEST_VERDICTS}) v ON v.hit_id = h.id
        WHERE {where}
        GROUP BY h.rule_id ORDER BY h.rule_id
        """,
        params,
    ).fetchall()
    return [RuleStats(rule, title or rule, hits, relevant, irrelevant) for rule, title, hits, relevant, irrelevant in rows]


def source_stats(store: Store, since: date | None = None) -> list[SourceStats]:
    """Every source that has a health record or stored articles; failures are as of now, whatever `since`."""
    where, params = since_filter(since)
    rows = store.db.execute(
        f"""
        WITH counted AS (
            SELECT a.source, count(DISTINCT a.id) AS articles, count(h.id) AS hits
            FROM articles a LEFT JOIN hits h ON h.article_id = a.id
            WHERE {where} GROUP BY a.source
        ),
        names AS (SELECT source AS name FROM counted UNION SELECT name FROM sources)
        SELECT names.name, coalesce(c.articles, 0), coalesce(c.hits, 0), coalesce(s.consecutive_failures, 0)
        FROM names LEFT JOIN counted c ON c.source = names.name LEFT JOIN sources s ON s.name = names.name
        ORDER BY names.name
        """,
        params,
    ).fetchall()
    return [SourceStats(*row) for row in rows]


def low_precision_rules(store: Store, threshold: float, min_marked: int = 5) -> list[RuleStats]:
    """Rules with at least `min_marked` marked hits whose precision is below `threshold` (for the digest footer)."""
    return [stats for stats in rule_stats(store) if stats.below(threshold, min_marked)]


def format_stats(found: Stats, min_precision: float, min_marked: int) -> str:
    lines = ["Rules", *_rule_table(found.rules, min_precision, min_marked), "", "Sources", *_source_table(found.sources)]
    if any(rule.below(min_precision, min_marked) for rule in found.rules):
        lines += ["", f"! precision below {min_precision:.0%} over at least {min_marked} marked hits: review the rule."]
    return "\n".join(lines)


def _rule_table(rules: list[RuleStats], min_precision: float, min_marked: int) -> list[str]:
    if not rules:
        return ["  no hits stored"]
    width = max(len("rule"), *(len(stats.rule) for stats in rules))
    lines = [f"  {'rule':<{width}}  {'hits':>6}  {'relevant':>8}  {'irrelevant':>10}  {'precision':>9}"]
    for stats in rules:
        precision = "-" if stats.precision is None else f"{stats.precision:.0%}"
        flag = "  !" if stats.below(min_precision, min_marked) else ""
        lines.append(
            f"  {stats.rule:<{width}}  {stats.hits:>6}  {stats.relevant:>8}  {stats.irrelevant:>10}  {precision:>9}{flag}"
        )
    return lines


def _source_table(sources: list[SourceStats]) -> list[str]:
    if not sources:
        return ["  no sources recorded"]
    width = max(len("source"), *(len(stats.source) for stats in sources))
    lines = [f"  {'source':<{width}}  {'articles':>8}  {'hits':>6}  {'failures':>8}"]
    lines += [
        f"  {stats.source:<{width}}  {stats.articles:>8}  {stats.hits:>6}  {stats.consecutive_failures:>8}"
        for stats in sources
    ]
    return lines
