"""The rule language as written in config/rules/*.yaml, validated with pydantic.

A rule file holds named term lists, entity watchlists and rules. A rule's
`match` is a clause; a clause is one of any/all/not/at_least/near, and its items
are literal terms, `$name` references to lists or entities, or nested clauses.
"""
from __future__ import annotations

from pathlib import Path
from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Severity = Literal["urgent", "high", "normal", "low"]
SEVERITY_RANK: dict[str, int] = {"urgent": 3, "high": 2, "normal": 1, "low": 0}
Field_ = Literal["title", "body"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Term(Strict):
    """A term with its own settings; a plain string is a Term with defaults."""

    term: str = Field(min_length=1)
    fuzzy: int | None = Field(None, ge=50, le=100)


TermItem = Union[str, Term]


class TermList(Strict):
    terms: list[TermItem] = Field(min_length=1)
    fuzzy: int | None = Field(None, ge=50, le=100)


class Entity(Strict):
    kind: Literal["organisation", "person", "place"] = "organisation"
    aliases: list[str] = Field(min_length=1)
    fuzzy: int | None = Field(None, ge=50, le=100)


ClauseItem = Union[str, Term, "Clause"]


class AtLeast(Strict):
    n: int = Field(ge=1)
    of: list[ClauseItem] = Field(min_length=1)


class Near(Strict):
    of: list[ClauseItem] = Field(min_length=2)
    within: int | None = Field(None, ge=1, le=200)
    sentence: bool = False


class Clause(Strict):
    any: list[ClauseItem] | None = None
    all: list[ClauseItem] | None = None
    not_: Union["Clause", None] = Field(None, alias="not")
    at_least: AtLeast | None = None
    near: Near | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Clause":
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
    lists: dict[str, TermList | list[TermItem]] = {}
    entities: dict[str, Entity] = {}
    rules: list[Rule] = []

    @field_validator("lists")
    @classmethod
    def _shorthand(cls, value: dict) -> dict:
        return {name: item if isinstance(item, TermList) else TermList(terms=item) for name, item in value.items()}


class RulePack(Strict):
    """All rule files of a config folder, merged; names are global across files."""

    lists: dict[str, TermList] = {}
    entities: dict[str, Entity] = {}
    rules: list[Rule] = []

    @classmethod
    def combine(cls, files: list[tuple[Path, RuleFile]]) -> "RulePack":
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

    def unknown_refs(self, rule: Rule) -> list[str]:
        known = set(self.lists) | set(self.entities)
        return [f"unknown list or entity ${name}" for name in sorted(_refs(rule.match) | _refs(rule.unless)) if name not in known]


def _claim(name: str, path: Path, origin: dict[str, Path], problems: list[str]) -> None:
    if name in origin:
        problems.append(f"{path}: {name} is already defined in {origin[name]}; names must be unique")
    origin[name] = path


def _refs(clause: Clause | None) -> set[str]:
    if clause is None:
        return set()
    found: set[str] = set()
    for item in clause_items(clause):
        if isinstance(item, Clause):
            found |= _refs(item)
        elif isinstance(item, str) and item.startswith("$"):
            found.add(item[1:])
    return found


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
