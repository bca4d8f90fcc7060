"""Run a new or edited rule file over the stored archive and compare with the rules in force.

The edited file is laid over the current pack as if saved into config/rules/:
its lists, entities and rules replace those of the same name and new ones are
added. Every article is matched by both packs, one row at a time, and nothing
is written. To see what removing a rule does, set `enabled: false` in the file.
"""
from __future__ import annotations

import contextlib
import heapq
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path


from monitor.analyst import AnalystError
from monitor.analyst.archive import ARTICLE_DATE, since_filter
from monitor.config import Config, ConfigError
from monitor.config.loader import load_file
from monitor.rules.engine import Document, compile_rules
from monitor.rules.model import RuleFile, RulePack
from monitor.store import Store

LISTED = 200
"""Gained and lost hits are counted exactly but listed up to this many each."""


@dataclass(frozen=True, order=True)
class ArticleRef:
    date: str
    id: int
    source: str
    title: str
    url: str


@dataclass(frozen=True)
class Change:
    rule: str
    article: ArticleRef


@dataclass(frozen=True)
class RuleCount:
    rule: str
    now: int
    edited: int
    gained: int
    lost: int


@dataclass
class BacktestReport:
    path: Path
    since: date | None
    articles: int
    flagged_now: int
    flagged_edited: int
    rules: list[RuleCount]
    sample: list[tuple[ArticleRef, tuple[str, ...]]]
    gained: list[Change]
    lost: list[Change]
    gained_total: int
    lost_total: int


def load_rule_file(path: Path) -> RuleFile:
    """One rule file validated as the config loader does; ConfigError lists every problem with file:line."""
    return load_file(path, RuleFile)


def overlay(current: RulePack, edited: RuleFile, path: Path) -> RulePack:
    """The pack in force with the edited file laid over it; ConfigError if a rule then refers to nothing."""
    replacements = {rule.id: rule for rule in edited.rules}
    known = {rule.id for rule in current.rules}
    rules = [replacements.get(rule.id, rule) for rule in current.rules]
    rules += [rule for rule in edited.rules if rule.id not in known]
    pack = RulePack(
        lists={**current.lists, **edited.lists}, entities={**current.entities, **edited.entities}, rules=rules
    )
    twice = [rule for rule, count in Counter(rule.id for rule in edited.rules).items() if count > 1]
    problems = [f"{path}: rule {rule} is defined twice; rule ids must be unique" for rule in twice]
    problems += [f"{path}: rule {rule.id}: {problem}" for rule in pack.rules for problem in pack.unknown_refs(rule)]
    if problems:
        raise ConfigError(problems)
    return pack


@dataclass
class _Tally:
    watched: frozenset[str]
    sample_size: int
    articles: int = 0
    flagged_now: int = 0
    flagged_edited: int = 0
    now: Counter = field(default_factory=Counter)
    edited: Counter = field(default_factory=Counter)
    gained: Counter = field(default_factory=Counter)
    lost: Counter = field(default_factory=Counter)
    gained_listed: list[Change] = field(default_factory=list)
    lost_listed: list[Change] = field(default_factory=list)
    newest: list[tuple[ArticleRef, tuple[str, ...]]] = field(default_factory=list)

    def add(self, article: ArticleRef, before: set[str], after: set[str]) -> None:
        self.articles += 1
        self.now.update(before)
        self.edited.update(after)
        self.flagged_now += bool(before & self.watched)
        self.flagged_edited += bool(after & self.watched)
        self._changes(article, after - before, self.gained, self.gained_listed)
        self._changes(article, before - after, self.lost, self.lost_listed)
        if after & self.watched and self.sample_size:
            self._keep_newest(article, tuple(sorted(after & self.watched)))

    def _changes(self, article: ArticleRef, rules: set[str], counts: Counter, listed: list[Change]) -> None:
        counts.update(rules)
        listed.extend(Change(rule, article) for rule in sorted(rules)[: LISTED - len(listed)])

    def _keep_newest(self, article: ArticleRef, rules: tuple[str, ...]) -> None:
        if len(self.newest) < self.sample_size:
            heapq.heappush(self.newest, (article, rules))
        else:
            heapq.heappushpop(self.newest, (article, rules))

    def report(self, path: Path, since: date | None) -> BacktestReport:
        shown = sorted(self.watched | set(self.gained) | set(self.lost))
        return BacktestReport(
            path=path, since=since, articles=self.articles,
            flagged_now=self.flagged_now, flagged_edited=self.flagged_edited,
            rules=[RuleCount(rule, self.now[rule], self.edited[rule], self.gained[rule], self.lost[rule]) for rule in shown],
            sample=sorted(self.newest, reverse=True),
            gained=self.gained_listed, lost=self.lost_listed,
            gained_total=sum(self.gained.values()), lost_total=sum(self.lost.values()),
        )


def backtest(store: Store, config: Config, path: Path, since: date | None = None, sample: int = 10) -> BacktestReport:
    """Match every stored article (dated `since` or later) with the config's rules and with the edited file laid over them."""
    if Path(path).resolve().parent == (config.directory / "rules").resolve():
        raise AnalystError(
            f"{path} is in the config's rules folder, so the rules in force already include it; "
            "backtest an edited copy saved elsewhere"
        )
    edited = load_rule_file(path)
    now_matcher = compile_rules(config.rules)
    edited_matcher = compile_rules(overlay(config.rules, edited, path))
    tally = _Tally(watched=frozenset(rule.id for rule in edited.rules), sample_size=sample)
    for article, document in _stored(store, since):
        before = {hit.rule for hit in now_matcher.match(document)}
        after = {hit.rule for hit in edited_matcher.match(document)}
        tally.add(article, before, after)
    return tally.report(path, since)


def _stored(store: Store, since: date | None) -> Iterator[tuple[ArticleRef, Document]]:
    """Stored articles one row at a time, on a connection that refuses any write."""
    where, params = since_filter(since)
    with _query_only(store):
        rows = store.db.conn.execute(
            f"SELECT a.id, {ARTICLE_DATE}, a.source, a.title, a.url, a.body, a.country, a.language "
            f"FROM articles a WHERE {where} ORDER BY a.id",
            params,
        )
        for article_id, when, source, title, url, body, country, language in rows:
            article = ArticleRef(when or "", article_id, source, title, url)
            yield article, Document(title, body or "", source, country or "", language or "")


@contextlib.contextmanager
def _query_only(store: Store) -> Iterator[None]:
    store.db.conn.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        store.db.conn.execute("PRAGMA query_only = OFF")


def format_backtest(report: BacktestReport) -> str:
    scope = f" since {report.since.isoformat()}" if report.since else ""
    lines = [f"Backtest of {report.path} on {report.articles} stored articles{scope}; nothing was written.", ""]
    lines += _rule_table(report.rules)
    lines += ["", f"Articles flagged by this file's rules: {report.flagged_edited} (with the rules in force: {report.flagged_now})."]
    if report.sample:
        lines += ["", f"Newest flagged articles ({len(report.sample)}):"]
        lines += [f"  {_headline(article)}  [{', '.join(rules)}]" for article, rules in report.sample]
    lines += _changes("gained", "+", report.gained, report.gained_total)
    lines += _changes("lost", "-", report.lost, report.lost_total)
    return "\n".join(lines)


def _rule_table(counts: list[RuleCount]) -> list[str]:
    width = max([len("rule"), *(len(count.rule) for count in counts)])
    lines = [f"{'rule':<{width}}  {'now':>6}  {'edited':>6}  {'gained':>6}  {'lost':>6}"]
    lines += [
        f"{count.rule:<{width}}  {count.now:>6}  {count.edited:>6}  {'+' + str(count.gained):>6}  {'-' + str(count.lost):>6}"
        for count in counts
    ]
    return lines


def _changes(kind: str, mark: str, listed: list[Change], total: int) -> list[str]:
    if not total:
        return ["", f"No hits {kind}."]
    lines = ["", f"Hits {kind} ({total}):"]
    lines += [f"  {mark} {change.rule}  {_headline(change.article)}" for change in listed]
    if total > len(listed):
        lines.append(f"  … and {total - len(listed)} more")
    return lines


def _headline(article: ArticleRef) -> str:
    return f"{article.date[:10]}  {article.source}  {article.title}"
