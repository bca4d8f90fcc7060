"""Why did this match, and why did that rule not? Reports for `test-rule` and the like.

`explain` runs every enabled rule on a document and, for one named rule, also
walks its clause tree to show which clause held and which failed.
`format_explanation` renders the report as plain text with the matched words
marked [like this].
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass

from monitor.rules.clauses import Trace
from monitor.rules.engine import (
    FIELDS,
    Document,
    DocumentContext,
    Evidence,
    Matcher,
    RuleHit,
)

SNIPPET_CONTEXT = 60


class UnknownRuleError(LookupError):
    """The rule named for explanation is not in the pack."""


@dataclass(frozen=True)
class ClauseReport:
    path: str
    what: str
    held: bool
    note: str
    evidence: tuple[Evidence, ...]
    children: tuple[ClauseReport, ...]


@dataclass(frozen=True)
class RuleReport:
    rule: str
    title: str
    fired: bool
    reason: str
    match: ClauseReport | None
    unless: ClauseReport | None


@dataclass(frozen=True)
class Explanation:
    document: Document
    hits: list[RuleHit]
    rule: RuleReport | None = None


def explain(matcher: Matcher, document: Document, rule_id: str | None = None) -> Explanation:
    """Every rule that fired with its evidence; for `rule_id`, also how each of its clauses fared."""
    hits = matcher.match(document)
    if rule_id is None:
        return Explanation(document, hits)
    if rule_id not in matcher.compiled:
        close = difflib.get_close_matches(rule_id, list(matcher.compiled), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownRuleError(f"no rule {rule_id!r} in the rule pack{hint}")
    return Explanation(document, hits, _report(matcher, document, rule_id, any(hit.rule == rule_id for hit in hits)))


def _report(matcher: Matcher, document: Document, rule_id: str, fired: bool) -> RuleReport:
    compiled = matcher.compiled[rule_id]
    rule = compiled.rule
    context = matcher.context(document)
    context.fields = compiled.fields
    match = _clause(compiled.match.trace(context), context, matcher)
    context.fields = frozenset(range(len(FIELDS)))
    unless = _clause(compiled.unless.trace(context), context, matcher) if compiled.unless is not None else None
    scope = compiled.out_of_scope(document)
    if not rule.enabled:
        reason = "the rule is disabled (enabled: false)"
    elif scope is not None:
        reason = f"out of scope: {scope}"
    elif not match.held:
        reason = "its match clause did not hold"
    elif unless is not None and unless.held:
        reason = "its unless clause vetoed the hit"
    else:
        reason = "it fired"
    return RuleReport(rule.id, rule.title, fired, reason, match, unless)


def _clause(trace: Trace, context: DocumentContext, matcher: Matcher) -> ClauseReport:
    return ClauseReport(
        trace.path,
        trace.what,
        trace.held,
        trace.note,
        context.evidence(trace.evidence, matcher.lexicon) if trace.evidence else (),
        tuple(_clause(child, context, matcher) for child in trace.children),
    )


def format_explanation(explanation: Explanation) -> str:
    """Plain text for a terminal or a log: hits with marked evidence, then the named rule's clause tree."""
    lines: list[str] = []
    hits = explanation.hits
    lines.append(f"{len(hits)} rule(s) fired." if hits else "No rule fired.")
    for hit in hits:
        lines.append("")
        lines.append(f"[{hit.severity}] {hit.rule}: {hit.title} (score {hit.score})")
        lines.extend(_evidence_lines(explanation.document, hit.evidence, indent="  "))
    report = explanation.rule
    if report is not None:
        lines.append("")
        verdict = "fired" if report.fired else "did not fire"
        lines.append(f"Rule {report.rule} ({report.title}) {verdict}: {report.reason}.")
        if report.match is not None:
            lines.extend(_tree(report.match, explanation.document, "  "))
        if report.unless is not None:
            lines.extend(_tree(report.unless, explanation.document, "  "))
    return "\n".join(lines)


def _tree(report: ClauseReport, document: Document, indent: str) -> list[str]:
    mark = "+" if report.held else "-"
    note = f": {report.note}" if report.note else ""
    lines = [f"{indent}{mark} {report.path} {report.what}{note}"]
    if not report.children and report.evidence:
        lines.extend(f"{indent}    {_evidence_line(item)}" for item in report.evidence)
    for child in report.children:
        lines.extend(_tree(child, document, indent + "  "))
    return lines


def _evidence_lines(document: Document, evidence: tuple[Evidence, ...], indent: str) -> list[str]:
    lines = [f"{indent}{_evidence_line(item)}" for item in evidence]
    for field in FIELDS:
        spans = [(item.start, item.end) for item in evidence if item.field == field]
        if spans:
            lines.append(f"{indent}{field}: {highlight(getattr(document, field), spans)}")
    return lines


def _evidence_line(item: Evidence) -> str:
    return f"{item.field} {item.start}-{item.end} {item.text!r} <- {item.term!r} ({item.clause})"


def highlight(text: str, spans: list[tuple[int, int]], context: int = SNIPPET_CONTEXT) -> str:
    """The text around the spans, each span marked [like this]; far-apart parts joined with ' … '."""
    spans = sorted(set(spans))
    pieces: list[str] = []
    window_start, window_end, marked = None, None, []
    for start, end in spans:
        if window_end is not None and start - context > window_end:
            pieces.append(_window(text, window_start, window_end, marked))
            window_start, marked = None, []
        window_start = max(0, start - context) if window_start is None else window_start
        window_end = max(window_end or 0, min(len(text), end + context))
        marked.append((start, end))
    pieces.append(_window(text, window_start, window_end, marked))
    return " … ".join(pieces)


def _window(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out, cursor = [], start
    for span_start, span_end in spans:
        span_start = max(span_start, cursor)
        out.append(text[cursor:span_start])
        if span_end > span_start:
            out.append(f"[{text[span_start:span_end]}]")
        cursor = max(cursor, span_end)
    out.append(text[cursor:end])
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return prefix + " ".join("".join(out).split()) + suffix
