"""Compiled clauses: the any/all/not/at_least/near tree of a rule, evaluated over found terms.

A node either holds, giving the occurrences that make it hold (its evidence,
possibly none for `not`), or fails (None). The same combination code serves
fast matching (`evaluate`) and explanation (`trace`, which also says why a node
failed), so the two can never disagree.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

from monitor.rules.lexicon import Place


class Occurrence(NamedTuple):
    field: int
    start: int
    end: int
    term: int
    node: TermNode


class Context(Protocol):
    """What a clause sees of one document."""

    found: dict[int, list[Place]]
    fields: frozenset[int]

    def sentence_of(self, field: int, token: int) -> int: ...


Result = list[Occurrence] | None


@dataclass
class Trace:
    """How one node of a rule fared on a document, for `explain`."""

    path: str
    what: str
    held: bool
    note: str = ""
    evidence: list[Occurrence] = field(default_factory=list)
    children: list[Trace] = field(default_factory=list)


class Node:
    path: str
    what: str
    children: Sequence[Node] = ()

    def necessary(self) -> frozenset[int] | None:
        """Terms of which at least one must occur for the node to hold; None if it can hold without any."""
        raise NotImplementedError

    def combine(self, results: list[Result], context: Context) -> tuple[Result, str]:
        """The node's result from its children's, and a note on why it failed."""
        raise NotImplementedError

    def evaluate(self, context: Context) -> Result:
        return self.combine([child.evaluate(context) for child in self.children], context)[0]

    def trace(self, context: Context) -> Trace:
        traces = [child.trace(context) for child in self.children]
        result, note = self.combine([t.evidence if t.held else None for t in traces], context)
        return Trace(self.path, self.what, result is not None, "" if result is not None else note, result or [], traces)


class TermNode(Node):
    """Terms: one written in the rule, or every term of a $list, $entity or @group."""

    def __init__(self, path: str, what: str, terms: frozenset[int]) -> None:
        self.path, self.what, self.terms = path, what, terms

    def necessary(self) -> frozenset[int] | None:
        return self.terms

    def evaluate(self, context: Context) -> Result:
        found, fields = context.found, context.fields
        if len(found) < len(self.terms):
            present = [term for term in found if term in self.terms]
        else:
            present = [term for term in self.terms if term in found]
        occurrences = [
            Occurrence(place[0], place[1], place[2], term, self)
            for term in present
            for place in found[term]
            if place[0] in fields
        ]
        return occurrences or None

    def trace(self, context: Context) -> Trace:
        result = self.evaluate(context)
        note = "" if result else "none of its terms occurs" + ("" if len(context.fields) == 2 else " in the rule's fields")
        return Trace(self.path, self.what, result is not None, note, result or [])


class AnyNode(Node):
    what = "any"

    def __init__(self, path: str, children: Sequence[Node]) -> None:
        self.path, self.children = path, children

    def necessary(self) -> frozenset[int] | None:
        return _union(self.children)

    def combine(self, results: list[Result], context: Context) -> tuple[Result, str]:
        held = [result for result in results if result is not None]
        return (_flat(held) if held else None), "none of its items holds"


class AllNode(Node):
    what = "all"

    def __init__(self, path: str, children: Sequence[Node]) -> None:
        self.path, self.children = path, children

    def necessary(self) -> frozenset[int] | None:
        return _smallest(self.children)

    def evaluate(self, context: Context) -> Result:
        occurrences: list[Occurrence] = []
        for child in self.children:
            result = child.evaluate(context)
            if result is None:
                return None
            occurrences.extend(result)
        return occurrences

    def combine(self, results: list[Result], context: Context) -> tuple[Result, str]:
        failed = [child.path for child, result in zip(self.children, results) if result is None]
        return (None if failed else _flat(results)), f"{', '.join(failed)} did not hold"


class NotNode(Node):
    what = "not"

    def __init__(self, path: str, child: Node) -> None:
        self.path, self.children = path, (child,)

    def necessary(self) -> frozenset[int] | None:
        return None

    def combine(self, results: list[Result], context: Context) -> tuple[Result, str]:
        return ([] if results[0] is None else None), "what it excludes is there"


class AtLeastNode(Node):
    def __init__(self, path: str, n: int, children: Sequence[Node]) -> None:
        self.path, self.n, self.children = path, n, children
        self.what = f"at_least {n}"

    def necessary(self) -> frozenset[int] | None:
        return _union(self.children)

    def combine(self, results: list[Result], context: Context) -> tuple[Result, str]:
        occurrences = _flat(result for result in results if result is not None)
        distinct = _distinct_terms(occurrences)
        return (occurrences if distinct >= self.n else None), f"{distinct} different term(s) found, {self.n} needed"


class NearNode(Node):
    """All items in one window: their first words at most `within` words apart, and/or in one sentence."""

    def __init__(self, path: str, within: int | None, sentence: bool, children: Sequence[Node]) -> None:
        self.path, self.within, self.sentence, self.children = path, within, sentence, children
        self.what = "near " + " and ".join(
            part for part in (f"within {within} words" if within else "", "same sentence" if sentence else "") if part
        )

    def necessary(self) -> frozenset[int] | None:
        return _smallest(self.children)

    def evaluate(self, context: Context) -> Result:
        results = []
        for child in self.children:
            result = child.evaluate(context)
            if not result:
                return None
            results.append(result)
        return self._windows(results, context)

    def combine(self, results: list[Result], context: Context) -> tuple[Result, str]:
        missing = [child.path for child, result in zip(self.children, results) if not result]
        if missing:
            return None, f"{', '.join(missing)} found nothing"
        return self._windows(results, context), "all items occur, but never close enough together"

    def _windows(self, results: list[list[Occurrence]], context: Context) -> Result:
        tagged = sorted(
            ((occurrence, index) for index, result in enumerate(results) for occurrence in result),
            key=lambda pair: (pair[0].field, pair[0].start),
        )
        close = _close_enough(self.within, self.sentence, context)
        chosen: dict[Occurrence, None] = {}
        for left, (first, _) in enumerate(tagged):
            window = []
            for pair in tagged[left:]:
                if not close(first, pair[0]):
                    break
                window.append(pair)
            if len({index for _, index in window}) == len(results):
                chosen.update(dict.fromkeys(occurrence for occurrence, _ in window))
        return list(chosen) or None


def _close_enough(within: int | None, sentence: bool, context: Context) -> Callable[[Occurrence, Occurrence], bool]:
    """Whether a later occurrence (in text order) is still in the window that `first` opens."""

    def close(first: Occurrence, other: Occurrence) -> bool:
        if other.field != first.field:
            return False
        if within is not None and other.start - first.start > within:
            return False
        return not sentence or context.sentence_of(first.field, first.start) == context.sentence_of(other.field, other.start)

    return close


def _distinct_terms(occurrences: list[Occurrence]) -> int:
    """How many different terms occur, a place that two terms match (Сирия and Syria on 'Syria') counting once."""
    by_place: dict[tuple[int, int, int], int] = {}
    for occurrence in occurrences:
        place = (occurrence.field, occurrence.start, occurrence.end)
        by_place[place] = min(occurrence.term, by_place.get(place, occurrence.term))
    return len(set(by_place.values()))


def _flat(results) -> list[Occurrence]:
    return [occurrence for result in results for occurrence in result]


def _union(children: Sequence[Node]) -> frozenset[int] | None:
    sets = [child.necessary() for child in children]
    return None if any(terms is None for terms in sets) else frozenset().union(*sets)


def _smallest(children: Sequence[Node]) -> frozenset[int] | None:
    sets = [terms for terms in (child.necessary() for child in children) if terms is not None]
    return min(sets, key=len) if sets else None
