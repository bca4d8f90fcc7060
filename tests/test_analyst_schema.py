"""schema: JSON Schemas of the config files, shipped in config/schema/ and never out of date."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from monitor.analyst.schema import SHIPPED, rendered_schemas, write_schemas
from tests.conftest import ROOT
from tests.test_analyst_fixtures import dozor

CONFIG = ROOT / "config"
SHIPPED_FILES = [
    ("monitor.schema.json", CONFIG / "monitor.yaml"),
    ("sources.schema.json", CONFIG / "sources.yaml"),
    *(("rules.schema.json", path) for path in sorted((CONFIG / "rules").glob("*.yaml"))),
]


def _errors(schema_name: str, document: object) -> list[str]:
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema belongs in the test extra")
    schema = json.loads((SHIPPED / schema_name).read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [error.message for error in validator.iter_errors(document)]


def _yaml(text: str) -> object:
    return yaml.safe_load(text)


def test_the_shipped_schemas_are_the_generated_ones():
    """If this fails, a config model changed: run `python run_monitor.py schema` and ship the result."""
    shipped = {path.name: path.read_text(encoding="utf-8") for path in SHIPPED.glob("*.json")}

    assert shipped == rendered_schemas()


@pytest.mark.parametrize(("schema_name", "path"), SHIPPED_FILES, ids=[path.name for _, path in SHIPPED_FILES])
def test_the_shipped_config_is_valid(schema_name, path):
    assert _errors(schema_name, yaml.safe_load(path.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize(
    ("schema_name", "text", "complaint"),
    [
        ("monitor.schema.json", "timezon: UTC", "Additional properties are not allowed ('timezon' was unexpected)"),
        ("monitor.schema.json", "crawl: {timeout: 30 minutes}", "'30 minutes' is not valid under any of the given schemas"),
        ("monitor.schema.json", "crawl: {max_response_size: 8 megabytes}", "'8 megabytes' is not valid under any of the given schemas"),
        ("sources.schema.json", "sources: [{name: Wire News, kind: rss, url: 'https://example.org/rss'}]", "'Wire News' does not match"),
        ("sources.schema.json", "sources: [{name: wire, kind: podcast, url: 'https://example.org/rss'}]", "'podcast' is not one of"),
        ("rules.schema.json", "rules: [{id: x, title: X, severity: critical, match: {any: [a]}}]", "'critical' is not one of"),
        ("rules.schema.json", "lists: {empty: []}", "[] is not valid under any of the given schemas"),
        ("rules.schema.json", "rules: [{id: x, title: X, match: {any: [a]}, scroe: 3}]", "('scroe' was unexpected)"),
    ],
)
def test_a_broken_config_is_rejected(schema_name, text, complaint):
    errors = _errors(schema_name, _yaml(text))

    assert any(complaint in error for error in errors), errors


@pytest.mark.parametrize(
    ("schema_name", "text"),
    [
        ("monitor.schema.json", "crawl: {timeout: 30s, max_response_size: 8MB, first_crawl_max_age: 7d}"),
        ("monitor.schema.json", "crawl: {timeout: 12.5, max_response_size: 1048576}"),
        ("rules.schema.json", "lists: {short: [a, b*], long: {terms: [a, {term: b, fuzzy: 90}], fuzzy: 85}}"),
    ],
)
def test_what_the_loader_accepts_the_schema_accepts(schema_name, text):
    assert _errors(schema_name, _yaml(text)) == []


def test_schemas_declare_draft_07_for_editors():
    for text in rendered_schemas().values():
        schema = json.loads(text)
        assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
        assert "$defs" not in text


def test_write_schemas_writes_every_file(tmp_path):
    written = write_schemas(tmp_path)

    assert {path.name: path.read_text(encoding="utf-8") for path in written} == rendered_schemas()


def test_the_editor_guide_names_every_schema():
    guide = (ROOT / "docs" / "editing-yaml.md").read_text(encoding="utf-8")

    for name in rendered_schemas():
        assert f"schema/{name}" in guide


def test_schema_command_writes_the_files(tmp_path: Path):
    result = dozor("schema", "--output", str(tmp_path))

    assert result.returncode == 0, result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(rendered_schemas())
