"""The rule language as written in config/rules/*.yaml, validated with pydantic.

A rule file holds named term lists, entity watchlists and rules. A rule's
`match` is a clause; a clause is one of any/all/not/at_least/near, and its items
are literal terms, `$name` references to lists or entities, `@group`
references to every entity of a group (or kind), or nested clauses.
docs/rules.md is the analysts' guide to all of it.
"""
from __future__ import annotations

import difflib
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import ErrorDetails, InitErrorDetails

from monitor.rules.terms import check_item, check_term

Severity = Literal["urgent", "high", "normal", "low"]
SEVERITY_RANK: dict[str, int] = {"urgent": 3, "high": 2, "normal": 1, "low": 0}
Field_ = Literal["title", "body"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)


TermText = Annotated[str, AfterValidator(check_term)]
ItemText = Annotated[str, AfterValidator(check_item)]
Threshold = Annotated[int, Field(ge=50, le=100)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]+$")]


class Term(Strict):
    """A term with its own settings; a plain string is a Term with defaults.

    fuzzy is the rapidfuzz ratio (50-100) a word must reach against the term's
    word; words under five letters are never matched fuzzily unless
    fuzzy_short is set, because one changed letter in a short word is another word.
    """

    term: TermText
    fuzzy: Threshold | None = None
    fuzzy_short: bool = False


def _item_kind(value: object) -> str:
    """Which form an item takes, so a mistake is reported once, against that form only."""
    if isinstance(value, str):
        return "text"
    if isinstance(value, Term) or (isinstance(value, dict) and "term" in value):
        return "term"
    return "clause"


TermItem = Annotated[Annotated[TermText, Tag("text")] | Annotated[Term, Tag("term")], Discriminator(_item_kind)]


class TermList(Strict):
    terms: list[TermItem] = Field(min_length=1)
    fuzzy: Threshold | None = None


class Entity(Strict):
    """A person or organisation known under several names; every alias is matched as a whole name."""

    kind: Literal["organisation", "person", "place"] = "organisation"
    aliases: list[TermText] = Field(min_length=1)
    fuzzy: Threshold | None = None
    groups: list[Name] = []


ClauseItem = Annotated[
    Annotated[ItemText, Tag("text")] | Annotated[Term, Tag("term")] | Annotated["Clause", Tag("clause")],
    Discriminator(_item_kind),
]


class AtLeast(Strict):
    n: int = Field(ge=1)
    of: list[ClauseItem] = Field(min_length=1)


class Near(Strict):
    of: list[ClauseItem] = Field(min_length=2)
    within: int | None = Field(None, ge=1, le=200)
    sentence: bool = False

    @model_validator(mode="after")
    def _bounded(self) -> Near:
        if self.within is None and not self.sentence:
            raise ValueError("near needs `within: N` (words) or `sentence: true`, or both")
        if any(isinstance(item, Clause) and item.not_ is not None for item in self.of):
            raise ValueError("near cannot hold a `not` clause: it has no place in the text; put the `not` beside the near")
        return self


class Clause(Strict):
    any: list[ClauseItem] | None = None
    all: list[ClauseItem] | None = None
    not_: Clause | None = Field(None, alias="not")
    at_least: AtLeast | None = None
    near: Near | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Clause:
        given = [name for name in ("any", "all", "not_", "at_least", "near") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("a clause needs exactly one of any, all, not, at_least, near")
        return self


class Rule(Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str
    severity: Severity = "normal"
    score: int = Field(50, ge=0, le=100)
    match: Clause
    unless: Clause | None = None
    fields: list[Field_] = ["title", "body"]
    sources: list[str] = []
    countries: list[str] = []
    languages: list[str] = []
    enabled: bool = True


class RuleFile(Strict):
    lists: dict[Name, TermList] = {}
    entities: dict[Name, Entity] = {}
    rules: list[Rule] = []

    @field_validator("lists", mode="wrap")
    @classmethod
    def _shorthand(cls, value: object, handler: ValidatorFunctionWrapHandler) -> object:
        """`name: [a, b]` is short for `name: {terms: [a, b]}`.

        Errors inside a short list are reported without the `terms` step the
        long form adds, so their location is the item the analyst wrote.
        """
        if not isinstance(value, dict):
            return handler(value)
        short = {name for name, item in value.items() if isinstance(item, list)}
        try:
            return handler({name: {"terms": item} if name in short else item for name, item in value.items()})
        except ValidationError as error:
            details = [_without_terms_step(detail, short) for detail in error.errors()]
            raise ValidationError.from_exception_data(error.title, details) from None


class RulePack(Strict):
    """All rule files of a config folder, merged; names are global across files."""

    lists: dict[str, TermList] = {}
    entities: dict[str, Entity] = {}
    rules: list[Rule] = []

    @classmethod
    def combine(cls, files: list[tuple[Path, RuleFile]]) -> RulePack:
        lists: dict[str, TermList] = {}
        entities: dict[str, Entity] = {}
        rules: list[Rule] = []
        problems: list[str] = []
        origin: dict[str, Path] = {}
        for path, rule_file in files:
            for name, item in rule_file.lists.items():
                _claim(name, path, origin, problems)
                lists[name] = item
            for name, item in rule_file.entities.items():
                _claim(name, path, origin, problems)
                entities[name] = item
            for rule in rule_file.rules:
                _claim(f"rule {rule.id}", path, origin, problems)
                rules.append(rule)
        pack = cls(lists=lists, entities=entities, rules=rules)
        for path, rule_file in files:
            problems.extend(f"{path}: rule {rule.id}: {problem}" for rule in rule_file.rules for problem in pack.unknown_refs(rule))
        if problems:
            raise ValueError("\n".join(problems))
        return pack

    def groups(self) -> dict[str, list[str]]:
        """Entity names by group; every entity is also in the group named after its kind."""
        found: dict[str, list[str]] = {}
        for name, entity in self.entities.items():
            for group in dict.fromkeys([entity.kind, *entity.groups]):
                found.setdefault(group, []).append(name)
        return found

    def unknown_refs(self, rule: Rule) -> list[str]:
        known = {f"${name}" for name in [*self.lists, *self.entities]} | {f"@{group}" for group in self.groups()}
        return [
            f"unknown {'group' if ref[0] == '@' else 'list or entity'} {ref}{_did_you_mean(ref, known)}"
            for ref in sorted(refs(rule.match) | refs(rule.unless))
            if ref not in known
        ]


def _claim(name: str, path: Path, origin: dict[str, Path], problems: list[str]) -> None:
    if name in origin:
        problems.append(f"{path}: {name} is already defined in {origin[name]}; names must be unique")
    origin[name] = path


def _without_terms_step(detail: ErrorDetails, short: set[str]) -> InitErrorDetails:
    loc = detail["loc"]
    if len(loc) > 1 and loc[0] in short and loc[1] == "terms":
        loc = (loc[0], *loc[2:])
    return {"type": detail["type"], "loc": loc, "input": detail["input"], "ctx": detail.get("ctx", {})}


def _did_you_mean(ref: str, known: set[str]) -> str:
    close = difflib.get_close_matches(ref, sorted(known), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


def refs(clause: Clause | None) -> set[str]:
    """Every $list and @group reference in a clause, its nested clauses included."""
    if clause is None:
        return set()
    found: set[str] = set()
    for item in clause_items(clause):
        if isinstance(item, Clause):
            found |= refs(item)
        elif isinstance(item, str) and item[:1] in ("$", "@"):
            found.add(item)
    return found


def clause_kind(clause: Clause) -> str:
    """Which of any, all, not, at_least, near the clause is."""
    return next(kind for kind in ("any", "all", "not", "at_least", "near") if getattr(clause, "not_" if kind == "not" else kind) is not None)


def clause_items(clause: Clause) -> list[ClauseItem]:
    """The direct items of a clause, whatever its kind."""
    if clause.any is not None:
        return clause.any
    if clause.all is not None:
        return clause.all
    if clause.not_ is not None:
        return [clause.not_]
    if clause.at_least is not None:
        return clause.at_least.of
    return clause.near.of if clause.near else []
