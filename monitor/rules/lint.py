"""Warnings about rule files that are valid but probably not what the analyst meant.

Validation (model.py) rejects what cannot work; these lints point at what
works badly: lists no rule uses, the same term twice, terms with no words,
fuzzy settings that cannot apply, prefixes that match almost anything, and
rules that can fire without any of their terms.
"""
from __future__ import annotations

import re

from collections.abc import Sequence
from pathlib import Path

from monitor.rules.model import (
    Clause,
    Entity,
    RuleFile,
    RulePack,
    Term,
    TermList,
    clause_items,
    clause_kind,
    refs,
)
from monitor.rules.morphology import Morphology
from monitor.rules.terms import FUZZY_MIN_LETTERS, term_words
from monitor.text import skeleton

MIN_PREFIX_LETTERS = 4
_PATTERN_SIGNS = re.compile(r"[\\()\[\]{}|^$+?]|\.\*")


def lint(source: RulePack | Sequence[tuple[Path, RuleFile]]) -> list[str]:
    """Warnings, one line each, naming the file when the rule files are given."""
    files = [(None, RuleFile(lists=source.lists, entities=source.entities, rules=source.rules))] if isinstance(source, RulePack) else list(source)
    pack = RulePack(
        lists={name: item for _, rule_file in files for name, item in rule_file.lists.items()},
        entities={name: item for _, rule_file in files for name, item in rule_file.entities.items()},
        rules=[rule for _, rule_file in files for rule in rule_file.rules],
    )
    used = _used(pack)
    morphology = Morphology()
    warnings: list[str] = []
    for path, rule_file in files:
        where = f"{path}: " if path is not None else ""
        for name, term_list in rule_file.lists.items():
            if f"${name}" not in used:
                warnings.append(f"{where}list {name} is not used by any rule; use it as ${name} or delete it")
            warnings.extend(where + line for line in _terms(f"list {name}", term_list, morphology))
        for name, entity in rule_file.entities.items():
            if f"${name}" not in used and not any(f"@{group}" in used for group in (entity.kind, *entity.groups)):
                warnings.append(f"{where}entity {name} is not used by any rule; use it as ${name} or through one of its groups")
            warnings.extend(where + line for line in _terms(f"entity {name}", entity, morphology))
        for rule in rule_file.rules:
            if not _positive(rule.match):
                warnings.append(
                    f"{where}rule {rule.id}: its match can hold without finding any term (only `not`); "
                    "add terms it must find, for example all: [$terms, {not: ...}]"
                )
            for item in _inline_terms(rule.match) + _inline_terms(rule.unless):
                warnings.extend(where + line for line in _term(f"rule {rule.id}", item))
    return warnings


def _used(pack: RulePack) -> set[str]:
    used = {ref for rule in pack.rules for ref in refs(rule.match) | refs(rule.unless)}
    return used | {f"${name}" for group, names in pack.groups().items() if f"@{group}" in used for name in names}


def _terms(owner: str, source: TermList | Entity, morphology: Morphology) -> list[str]:
    items = source.terms if isinstance(source, TermList) else source.aliases
    warnings: list[str] = []
    seen: list[tuple[str, tuple]] = []
    for item in items:
        text = item.term if isinstance(item, Term) else item
        warnings.extend(_term(owner, item))
        keys = _match_keys(text, morphology)
        for other, other_keys in seen:
            if _covers(other_keys, keys) or _covers(keys, other_keys):
                redundant, kept = (text, other) if _covers(other_keys, keys) else (other, text)
                warnings.append(f"{owner}: {redundant!r} matches nothing that {kept!r} does not; keep one")
                break
        else:
            seen.append((text, keys))
    if source.fuzzy is not None and not any(_fuzzy_applies(item) for item in items):
        warnings.append(
            f"{owner}: fuzzy {source.fuzzy} has no effect: every word is a prefix, an abbreviation "
            f"or shorter than {FUZZY_MIN_LETTERS} letters"
        )
    return warnings


def _term(owner: str, item: str | Term) -> list[str]:
    text = item.term if isinstance(item, Term) else item
    if text[:1] in ("$", "@"):
        return []
    if _PATTERN_SIGNS.search(text):
        return [f"{owner}: {text!r} looks like a regular expression, but terms are words (use word* for prefixes "
                "and lists for alternatives); its signs are ignored"]
    words = term_words(text)
    if not words or not any(skeleton(word.text) for word in words):
        return [f"{owner}: {text!r} has no letters or digits to match; delete it"]
    warnings = [
        f"{owner}: prefix {word.text + '*'!r} is shorter than {MIN_PREFIX_LETTERS} letters once transliterated "
        f"({skeleton(word.text)!r}) and matches far too many words"
        for word in words
        if len(words) == 1 and word.prefix and len(skeleton(word.text)) < MIN_PREFIX_LETTERS
    ]
    if isinstance(item, Term) and item.fuzzy is not None and not _fuzzy_applies(item):
        warnings.append(
            f"{owner}: fuzzy {item.fuzzy} on {text!r} has no effect: its words are prefixes, abbreviations "
            f"or shorter than {FUZZY_MIN_LETTERS} letters (set fuzzy_short: true to allow short words)"
        )
    return warnings


def _fuzzy_applies(item: str | Term) -> bool:
    text, short = (item.term, item.fuzzy_short) if isinstance(item, Term) else (item, False)
    return any(not word.prefix and not word.abbreviation and (short or word.letters >= FUZZY_MIN_LETTERS) for word in term_words(text))


def _match_keys(text: str, morphology: Morphology) -> tuple[tuple[str, frozenset[str]], ...]:
    """What each word of a term is looked up under (see Lexicon): its kind and its keys."""
    keys = []
    for word in term_words(text):
        if word.prefix:
            keys.append(("prefix", frozenset({skeleton(word.text)})))
        elif word.abbreviation:
            keys.append(("capitals", frozenset({skeleton(word.text)})))
        else:
            forms = morphology.forms(word.text)
            keys.append(("word", frozenset({forms.full, forms.stem})))
    return tuple(keys)


def _covers(wide: tuple, narrow: tuple) -> bool:
    """Whether every text word the narrow term matches, the wide one matches too (fuzziness aside)."""
    return bool(narrow) and len(wide) == len(narrow) and all(
        kind == narrow_kind and (keys >= narrow_keys if kind == "word" else keys == narrow_keys)
        for (kind, keys), (narrow_kind, narrow_keys) in zip(wide, narrow)
    )


def _positive(clause: Clause) -> bool:
    """Whether the clause needs at least one term to be found in the text to hold."""
    kind = clause_kind(clause)
    if kind == "not":
        return False
    if kind in ("at_least", "near"):
        return True
    positive = [not isinstance(item, Clause) or _positive(item) for item in clause_items(clause)]
    return any(positive) if kind == "all" else all(positive)


def _inline_terms(clause: Clause | None) -> list[str | Term]:
    if clause is None:
        return []
    found: list[str | Term] = []
    for item in clause_items(clause):
        if isinstance(item, Clause):
            found.extend(_inline_terms(item))
        else:
            found.append(item)
    return found
