"""Compiled rules: a RulePack turned into a matcher that finds hits with evidence.

Compiling builds one Lexicon of every term in the pack and a clause tree per
rule. Matching a document tokenises title and body once, finds every term in
one pass over the distinct words, then evaluates only the rules whose terms
occur (a rule that can hold without any term, such as a bare `not`, always runs).
"""
from __future__ import annotations

import re
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass
from itertools import accumulate, islice

from monitor.rules.clauses import (
    AllNode,
    AnyNode,
    AtLeastNode,
    NearNode,
    Node,
    NotNode,
    Occurrence,
    TermNode,
)
from monitor.rules.lexicon import DEFAULT_CACHE_WORDS, Findings, Lexicon
from monitor.rules.model import Clause, Rule, RulePack, Term, clause_items, clause_kind
from monitor.text import WORD

FIELDS = ("title", "body")
_SENTENCE_END = re.compile(r"[.!?…]+(?=[\s\"»”’)\]]|$)|\n")
_GAPS = re.compile(r"\s\s+")


@dataclass(frozen=True)
class Document:
    """The text a rule sees: title and body, with the scope facts rules can filter on."""

    title: str
    body: str
    source: str = ""
    country: str = ""
    language: str = ""


@dataclass(frozen=True)
class Evidence:
    """One matched piece of text: `document.<field>[start:end] == text`."""

    term: str
    text: str
    field: str
    start: int
    end: int
    clause: str = ""


@dataclass(frozen=True)
class RuleHit:
    rule: str
    title: str
    severity: str
    score: int
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Reading:
    """What a pack makes of one document: its hits, and the people and organisations it names.

    `actors` are names of the pack's entities of those kinds; places are left out, because
    many events happen in one place, and stories are linked by who they are about.
    """

    hits: list[RuleHit]
    actors: frozenset[str]


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    fields: frozenset[int]
    match: Node
    unless: Node | None
    necessary: frozenset[int] | None

    def out_of_scope(self, document: Document) -> str | None:
        """Why the rule does not apply to this document, or None when it does."""
        for name, allowed, value in (
            ("sources", self.rule.sources, document.source),
            ("countries", self.rule.countries, document.country),
            ("languages", self.rule.languages, document.language),
        ):
            if allowed and value.casefold() not in {item.casefold() for item in allowed}:
                return f"{name} is {allowed}, the document's is {value or 'unknown'!r}"
        return None


class DocumentContext:
    """One document as the clauses see it: terms found, and the offsets and sentences of their words on demand."""

    def __init__(self, texts: tuple[str, str], findings: Findings) -> None:
        self.texts, self.found = texts, findings.terms
        self.fields: frozenset[int] = frozenset(range(len(FIELDS)))
        self._findings = findings
        self._spans: dict[tuple[int, int], tuple[int, int]] = {}
        self._chunk_ends: dict[int, list[int]] = {}
        self._gaps: dict[int, list[tuple[int, int]]] = {}
        self._sentence_ends: dict[int, list[int]] = {}

    def span(self, field: int, token: int) -> tuple[int, int]:
        """Character offsets of a matched word (the words `Lexicon.find` cut), found within its chunk."""
        if (field, token) not in self._spans:
            chunk_index, word_index = self._findings.anchors[field, token]
            start = self._chunk_start(field, chunk_index)
            word = next(islice(WORD.finditer(self._findings.chunks[field][chunk_index]), word_index, None))
            self._spans[field, token] = (start + word.start(), start + word.end())
        return self._spans[field, token]

    def _chunk_start(self, field: int, index: int) -> int:
        """Where a chunk starts: the chunks before it, one whitespace character after each, plus every longer gap before it.

        This reads the text once for its gaps of two or more whitespace
        characters (none at all when every gap is one character), rather than
        cutting it into words up to the chunk.
        """
        if field not in self._chunk_ends:
            text, chunks = self.texts[field], self._findings.chunks[field]
            ends = self._chunk_ends[field] = list(accumulate(map(len, chunks)))
            lead = len(text) - len(text.lstrip())
            self._gaps[field] = [(0, lead)] if lead else []
            if ends[-1] + len(chunks) - 1 < len(text.strip()):
                self._gaps[field] += [(gap.start(), gap.end() - gap.start() - 1) for gap in _GAPS.finditer(text, lead)]
        position = (self._chunk_ends[field][index - 1] if index else 0) + index
        for gap_start, extra in self._gaps[field]:
            if gap_start > position:
                break
            position += extra
        return position

    def sentence_of(self, field: int, token: int) -> int:
        if field not in self._sentence_ends:
            self._sentence_ends[field] = [found.end() for found in _SENTENCE_END.finditer(self.texts[field])]
        return bisect_right(self._sentence_ends[field], self.span(field, token)[0])

    def evidence(self, occurrences: list[Occurrence], labels: Lexicon) -> tuple[Evidence, ...]:
        """Occurrences as evidence with character offsets, in text order, each place once (under its first term)."""
        seen: dict[tuple, Evidence] = {}
        for occurrence in sorted(occurrences, key=lambda found: (found.field, found.start, found.end)):
            start, end = self.span(occurrence.field, occurrence.start)[0], self.span(occurrence.field, occurrence.end)[1]
            key = (occurrence.field, start, end)
            if key not in seen:
                text = self.texts[occurrence.field]
                seen[key] = Evidence(
                    labels.label(occurrence.term), text[start:end], FIELDS[occurrence.field], start, end,
                    f"{occurrence.node.path} {occurrence.node.what}",
                )
        return tuple(seen.values())


class Matcher:
    """Every rule of a pack, compiled once; `match` runs the enabled ones and is safe to call from threads."""

    def __init__(self, pack: RulePack, cache_words: int = DEFAULT_CACHE_WORDS) -> None:
        self.pack = pack
        self.lexicon = Lexicon(cache_words)
        self._references = self._compile_references(pack)
        self._actors_of_term = self._compile_actors(pack)
        self.compiled = {rule.id: self._compile_rule(rule) for rule in pack.rules}
        self.rules = [rule for rule in pack.rules if rule.enabled]
        self._active = [self.compiled[rule.id] for rule in self.rules]
        self._unconditional = [compiled for compiled in self._active if compiled.necessary is None]

    def context(self, document: Document) -> DocumentContext:
        texts = (document.title, document.body)
        return DocumentContext(texts, self.lexicon.find(texts))

    def match(self, document: Document) -> list[RuleHit]:
        return self.read(document).hits

    def read(self, document: Document) -> Reading:
        """The hits of every enabled rule and the actors named, from one pass over the text."""
        context = self.context(document)
        actors = frozenset(name for term_id in context.found for name in self._actors_of_term.get(term_id, ()))
        return Reading(self._hits(document, context), actors)

    def _hits(self, document: Document, context: DocumentContext) -> list[RuleHit]:
        present = context.found.keys()
        hits = []
        for compiled in self._active if present else self._unconditional:
            if compiled.necessary is not None and present.isdisjoint(compiled.necessary):
                continue
            if compiled.out_of_scope(document) is not None:
                continue
            context.fields = compiled.fields
            occurrences = compiled.match.evaluate(context)
            if occurrences is None:
                continue
            context.fields = frozenset(range(len(FIELDS)))
            if compiled.unless is not None and compiled.unless.evaluate(context) is not None:
                continue
            rule = compiled.rule
            hits.append(RuleHit(rule.id, rule.title, rule.severity, rule.score, context.evidence(occurrences, self.lexicon)))
        return hits

    def _compile_references(self, pack: RulePack) -> dict[str, frozenset[int]]:
        references: dict[str, frozenset[int]] = {}
        for name, term_list in pack.lists.items():
            references[f"${name}"] = self._terms(term_list.terms, term_list.fuzzy)
        for name, entity in pack.entities.items():
            references[f"${name}"] = self._terms(entity.aliases, entity.fuzzy)
        for group, names in pack.groups().items():
            references[f"@{group}"] = frozenset().union(*(references[f"${name}"] for name in names))
        return references

    def _compile_actors(self, pack: RulePack) -> dict[int, tuple[str, ...]]:
        """The people and organisations each term names."""
        names: defaultdict[int, tuple[str, ...]] = defaultdict(tuple)
        for name, entity in pack.entities.items():
            if entity.kind != "place":
                for term_id in self._references[f"${name}"]:
                    names[term_id] += (name,)
        return dict(names)

    def _terms(self, items: list[str | Term], fuzzy: int | None) -> frozenset[int]:
        ids = (self._term(item, fuzzy) for item in items)
        return frozenset(term_id for term_id in ids if term_id is not None)

    def _term(self, item: str | Term, fuzzy: int | None = None) -> int | None:
        if isinstance(item, Term):
            return self.lexicon.add(item.term, item.fuzzy if item.fuzzy is not None else fuzzy, item.fuzzy_short)
        return self.lexicon.add(item, fuzzy)

    def _compile_rule(self, rule: Rule) -> CompiledRule:
        match = self._node(rule.match, "match")
        unless = self._node(rule.unless, "unless") if rule.unless is not None else None
        fields = frozenset(FIELDS.index(name) for name in rule.fields)
        return CompiledRule(rule, fields, match, unless, match.necessary())

    def _node(self, item: str | Term | Clause, path: str) -> Node:
        if isinstance(item, Clause):
            return self._clause(item, path)
        if isinstance(item, Term):
            return TermNode(path, repr(item.term), _ids(self._term(item)))
        if item[:1] in ("$", "@"):
            return TermNode(path, item, self._references[item])
        return TermNode(path, repr(item), _ids(self._term(item)))

    def _clause(self, clause: Clause, path: str) -> Node:
        kind = clause_kind(clause)
        if kind == "not":
            return NotNode(path, self._node(clause.not_, f"{path}.not"))
        children = [self._node(item, f"{path}.{kind}[{index}]") for index, item in enumerate(clause_items(clause))]
        if kind == "any":
            return AnyNode(path, children)
        if kind == "all":
            return AllNode(path, children)
        if kind == "at_least":
            return AtLeastNode(path, clause.at_least.n, children)
        return NearNode(path, clause.near.within, clause.near.sentence, children)


def _ids(term_id: int | None) -> frozenset[int]:
    return frozenset() if term_id is None else frozenset({term_id})


def compile_rules(pack: RulePack, cache_words: int = DEFAULT_CACHE_WORDS) -> Matcher:
    return Matcher(pack, cache_words)
