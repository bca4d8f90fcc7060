"""JSON Schemas of the config files, generated from the very models the loader validates with.

Editors that speak yaml-language-server read draft-07 best, so the schemas
declare draft-07 and keep definitions under `definitions`. Two things YAML
accepts that the models' types alone do not say are added: durations and
sizes written as text ("30s", "8MB"), and term lists written as a bare list.
"""
from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from monitor.config.models import MonitorSettings, SourcesFile
from monitor.config.units import parse_duration, parse_size
from monitor.rules.model import RuleFile

DRAFT_07 = "http://json-schema.org/draft-07/schema#"
SHIPPED = Path(__file__).resolve().parents[2] / "config" / "schema"

MODELS: dict[str, tuple[type[BaseModel], str]] = {
    "monitor.schema.json": (MonitorSettings, "Dozor monitor.yaml: the daemon's own settings"),
    "sources.schema.json": (SourcesFile, "Dozor sources.yaml: every site, feed and channel Dozor watches"),
    "rules.schema.json": (RuleFile, "Dozor rule file (config/rules/*.yaml): term lists, entities and rules"),
}

_WRITTEN_AS_TEXT = {
    parse_duration: {
        "anyOf": [
            {"type": "number", "exclusiveMinimum": 0},
            {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*(s|m|h|d)\s*$"},
        ],
        "description": "seconds, or a duration such as 30s, 15m, 2h or 7d",
    },
    parse_size: {
        "anyOf": [
            {"type": "integer", "exclusiveMinimum": 0},
            {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*([bB]|[kK][bB]|[mM][bB]|[gG][bB])\s*$"},
        ],
        "description": "bytes, or a size such as 512KB or 8MB",
    },
}


class _Generator(GenerateJsonSchema):
    """Pydantic's generator, except that durations and sizes may be written as text."""

    def function_before_schema(self, schema: core_schema.BeforeValidatorFunctionSchema) -> JsonSchemaValue:
        written = _WRITTEN_AS_TEXT.get(schema["function"]["function"])
        return dict(written) if written else super().function_before_schema(schema)


def generate(model: type[BaseModel], description: str) -> dict:
    schema = model.model_json_schema(mode="validation", ref_template="#/definitions/{model}", schema_generator=_Generator)
    schema["definitions"] = schema.pop("$defs", {})
    _allow_short_lists(schema)
    return {"$schema": DRAFT_07, "description": description, **schema}


def _allow_short_lists(schema: dict) -> None:
    """`name: [a, b]` is short for `name: {terms: [a, b]}` in a rule file's lists."""
    term_list = schema["definitions"].get("TermList")
    lists = schema.get("properties", {}).get("lists")
    if term_list is None or lists is None:
        return
    short = {key: term_list["properties"]["terms"][key] for key in ("type", "items", "minItems")}
    for name in lists["patternProperties"]:
        lists["patternProperties"][name] = {"anyOf": [{"$ref": "#/definitions/TermList"}, short]}


def render(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def rendered_schemas() -> dict[str, str]:
    """File name -> schema text, exactly as shipped in config/schema/."""
    return {name: render(generate(model, description)) for name, (model, description) in MODELS.items()}


def write_schemas(folder: Path = SHIPPED) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in rendered_schemas().items():
        (folder / name).write_text(text, encoding="utf-8")
        written.append(folder / name)
    return written
