"""Compiled rules: a RulePack turned into a matcher that finds hits with evidence."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from monitor.text import WORD, normalise_word
from monitor.rules.model import Clause, Rule, RulePack, Term, clause_items



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
    term: str
    text: str
    field: str
    start: int
    end: int


@dataclass(frozen=True)
class RuleHit:
    rule: str
    title: str
    severity: str
    score: int
    evidence: tuple[Evidence, ...]


@dataclass
class _Tokens:
    field: str
    text: str
    words: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    positions: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def of(cls, field_name: str, text: str) -> "_Tokens":
        tokens = cls(field_name, text)
        for match in WORD.finditer(text):
            word = normalise_word(match.group())
            tokens.positions[word].append(len(tokens.words))
            tokens.words.append(word)
            tokens.spans.append(match.span())
        return tokens


@dataclass(frozen=True)
class _CompiledTerm:
    label: str
    words: tuple[str, ...]
    prefix: bool

    @classmethod
    def of(cls, item: str | Term) -> "_CompiledTerm":
        label = item.term if isinstance(item, Term) else item
        prefix = label.endswith("*")
        words = tuple(normalise_word(word) for word in WORD.findall(label.rstrip("*")))
        return cls(label, words, prefix)

    def find(self, tokens: _Tokens) -> list[Evidence]:
        if not self.words:
            return []
        found = []
        for start in self._starts(tokens):
            end = start + len(self.words)
            if end <= len(tokens.words) and self._rest_matches(tokens, start):
                begin, finish = tokens.spans[start][0], tokens.spans[end - 1][1]
                found.append(Evidence(self.label, tokens.text[begin:finish], tokens.field, begin, finish))
        return found

    def _starts(self, tokens: _Tokens) -> list[int]:
        first = self.words[0]
        if len(self.words) == 1 and self.prefix:
            return sorted(pos for word, positions in tokens.positions.items() if word.startswith(first) for pos in positions)
        return tokens.positions.get(first, [])

    def _rest_matches(self, tokens: _Tokens, start: int) -> bool:
        last = len(self.words) - 1
        for offset, word in enumerate(self.words):
            actual = tokens.words[start + offset]
            if offset == last and self.prefix:
                if not actual.startswith(word):
                    return False
            elif actual != word:
                return False
        return True


class Matcher:
    """Every enabled rule of a pack, compiled once; `match` is pure and thread-safe."""

    def __init__(self, pack: RulePack) -> None:
        self.pack = pack
        self._lists = {name: [_CompiledTerm.of(item) for item in terms.terms] for name, terms in pack.lists.items()}
        for name, entity in pack.entities.items():
            self._lists[name] = [_CompiledTerm.of(alias) for alias in entity.aliases]
        self.rules = [rule for rule in pack.rules if rule.enabled]

    def match(self, document: Document) -> list[RuleHit]:
        fields = {"title": _Tokens.of("title", document.title), "body": _Tokens.of("body", document.body)}
        hits = []
        for rule in self.rules:
            if not _in_scope(rule, document):
                continue
            scoped = [fields[name] for name in rule.fields]
            evidence = self._clause(rule.match, scoped)
            if evidence is None:
                continue
            if rule.unless is not None and self._clause(rule.unless, scoped) is not None:
                continue
            hits.append(RuleHit(rule.id, rule.title, rule.severity, rule.score, tuple(evidence)))
        return hits

    def _clause(self, clause: Clause, fields: list[_Tokens]) -> list[Evidence] | None:
        """Evidence if the clause holds (possibly empty for `not`), None if it fails."""
        if clause.not_ is not None:
            return None if self._clause(clause.not_, fields) is not None else []
        results = [self._item(item, fields) for item in clause_items(clause)]
        held = [found for found in results if found is not None]
        if clause.all is not None and len(held) < len(results):
            return None
        if clause.at_least is not None and len(held) < clause.at_least.n:
            return None
        if not held:
            return None
        return [evidence for found in held for evidence in found]

    def _item(self, item: str | Term | Clause, fields: list[_Tokens]) -> list[Evidence] | None:
        if isinstance(item, Clause):
            return self._clause(item, fields)
        if isinstance(item, str) and item.startswith("$"):
            terms = self._lists[item[1:]]
        else:
            terms = [_CompiledTerm.of(item)]
        found = [evidence for term in terms for tokens in fields for evidence in term.find(tokens)]
        return found or None


def _in_scope(rule: Rule, document: Document) -> bool:
    return (
        (not rule.sources or document.source in rule.sources)
        and (not rule.countries or document.country in rule.countries)
        and (not rule.languages or document.language in rule.languages)
    )


def compile_rules(pack: RulePack) -> Matcher:
    return Matcher(pack)
