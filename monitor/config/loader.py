"""Read a config folder (monitor.yaml, sources.yaml, rules/*.yaml) into one Config.

Every problem in every file is collected and reported together, each as
"file:line: key.path: what is wrong", so an analyst fixes them in one pass.
"""
from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from crawler.addresses import BlockedAddress, check_url
from monitor.config.models import MonitorSettings, SourcesFile
from monitor.config.yamlfile import YamlError, line_of, load_yaml
from monitor.rules.model import RuleFile, RulePack

Model = TypeVar("Model", bound=BaseModel)
DEFAULT_CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


class ConfigError(Exception):
    """The configuration has mistakes; `problems` holds one line per mistake."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Config:
    directory: Path
    monitor: MonitorSettings
    sources: SourcesFile
    rules: RulePack
    rule_files: tuple[tuple[Path, RuleFile], ...] = ()
    """Each rules file as written, so lints can name the file."""

    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The environment variables the channels name (SMTP login, bot token), read once at load."""


def load_config(directory: Path | None = None) -> Config:
    """Load and validate every file of a config folder, or raise ConfigError listing all problems."""
    directory = Path(directory or DEFAULT_CONFIG_DIR)
    if not directory.is_dir():
        raise ConfigError([f"{directory}: no such config folder; pass --config with a folder holding monitor.yaml"])
    problems: list[str] = []
    monitor = _load(directory / "monitor.yaml", MonitorSettings, problems, optional=True)
    sources = _load(directory / "sources.yaml", SourcesFile, problems)
    rule_files = [
        (path, rule_file)
        for path in sorted((directory / "rules").glob("*.yaml"))
        if (rule_file := _load(path, RuleFile, problems)) is not None
    ]
    if monitor is not None and sources is not None and not monitor.crawl.allow_private_addresses:
        problems.extend(_internal_sources(directory / "sources.yaml", sources))
    if not problems:
        try:
            rules = RulePack.combine(rule_files)
        except ValueError as error:
            problems.extend(str(error).splitlines())
    if problems:
        raise ConfigError(problems)
    return Config(directory=directory, monitor=monitor, sources=sources, rules=rules, rule_files=tuple(rule_files),
                  secrets=_secrets(monitor))


def load_file(path: Path, model: type[Model]) -> Model:
    """One YAML file validated into `model`; ConfigError lists every problem with file:line and key."""
    problems: list[str] = []
    loaded = _load(path, model, problems)
    if problems:
        raise ConfigError(problems)
    return loaded


def _load(path: Path, model: type[Model], problems: list[str], optional: bool = False) -> Model | None:
    if not path.exists():
        if optional:
            return model()
        problems.append(f"{path}: file is missing")
        return None
    try:
        data = load_yaml(path)
    except YamlError as error:
        problems.append(str(error))
        return None
    if data is None and optional:
        return model()
    try:
        return model.model_validate(data if data is not None else {})
    except ValidationError as error:
        problems.extend(_describe(path, data, detail) for detail in error.errors())
        return None


def _secrets(monitor: MonitorSettings) -> dict[str, str]:
    names = {
        value for channel in monitor.channels
        for key, value in channel.model_dump().items() if key.endswith("_env") and isinstance(value, str)
    }
    return {name: os.environ[name] for name in names if name in os.environ}


def _internal_sources(path: Path, sources: SourcesFile) -> list[str]:
    """Sources spelled as private or loopback IPs are refused before anything is fetched."""
    data = load_yaml(path)
    problems = []
    for index, source in enumerate(sources.sources):
        for url in source.all_urls():
            try:
                check_url(url)
            except BlockedAddress as error:
                line = line_of(data, ("sources", index))
                problems.append(
                    f"{path}:{line}: sources.{index}.url: {error}; Dozor refuses such addresses unless "
                    "crawl.allow_private_addresses is true in monitor.yaml"
                )
    return problems


def _describe(path: Path, data: Any, detail: dict) -> str:
    location = _data_path(data, detail["loc"])
    line = line_of(data, location)
    where = f"{path}:{line}" if line else str(path)
    key = ".".join(str(step) for step in location) or "(top level)"
    if detail["type"] == "extra_forbidden":
        message = f"unknown key {location[-1]!r}{_suggestion(str(location[-1]))}"
    elif detail["type"] == "missing":
        message = "this key is required"
    else:
        message = detail["msg"].removeprefix("Value error, ")
    return f"{where}: {key}: {message}"


def _data_path(data: Any, loc: tuple) -> tuple:
    """Pydantic's error location without the tags it adds (validator names, union kinds)."""
    path, node = [], data
    for step in loc:
        if isinstance(node, dict) and isinstance(step, str) and step not in node and step == node.get("kind"):
            continue
        if isinstance(step, str) and step.startswith("function-"):
            continue
        path.append(step)
        node = node[step] if isinstance(node, (dict, list)) and _has(node, step) else None
    return tuple(path)


def _has(node: dict | list, step: Any) -> bool:
    return step in node if isinstance(node, dict) else isinstance(step, int) and 0 <= step < len(node)


def _suggestion(word: str) -> str:
    matches = difflib.get_close_matches(word, sorted(_known_keys()), n=1, cutoff=0.7)
    return f" (did you mean {matches[0]!r}?)" if matches else ""


def _known_keys() -> set[str]:
    from monitor.config import models
    from monitor.rules import model as rule_model

    keys: set[str] = set()
    for module in (models, rule_model):
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel):
                keys.update(field.alias or name for name, field in value.model_fields.items())
    return keys
