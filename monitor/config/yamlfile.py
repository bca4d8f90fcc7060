"""Safe YAML loading that remembers where every key was written.

PyYAML's safe loader keeps the last of two duplicate keys without a word and
forgets line numbers; analysts need both caught and named. Mappings come back as
dicts that know the line of each key, so a validation error can point at it.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

MAX_ALIASES = 25


class YamlError(ValueError):
    """A YAML file cannot be read; the message names the file and line."""


class LineDict(dict):
    """A mapping that knows the 1-based line of each of its keys."""

    line: int = 0
    lines: dict[Any, int]


class LineList(list):
    """A sequence that knows the 1-based line of each of its items."""

    line: int = 0
    lines: list[int]


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_ALIASES} aliases (*name); write the values out instead", mark
                )
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> LineDict:
        self.flatten_mapping(node)
        result = LineDict()
        result.line = node.start_mark.line + 1
        result.lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain word or number", key_node.start_mark
                )
            line = key_node.start_mark.line + 1
            if key in result.lines:
                raise yaml.constructor.ConstructorError(
                    None, None,
                    f"duplicate key {key!r}: first on line {result.lines[key]}, again on line {line}; keep one",
                    key_node.start_mark,
                )
            result.lines[key] = line
            result[key] = self.construct_object(value_node, deep=True)
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> LineList:
        result = LineList(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.lines = [child.start_mark.line + 1 for child in node.value]
        return result


_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _Loader.construct_sequence)


def load_yaml(path: Path) -> Any:
    """Load one YAML file safely; raise YamlError naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise YamlError(f"{path}: the file is not UTF-8 ({error.reason} at byte {error.start}); save it as UTF-8") from error
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise YamlError(f"{path}{line}: {error.problem or error.context}") from error
    except yaml.YAMLError as error:
        raise YamlError(f"{path}: {error}") from error
    finally:
        loader.dispose()


def line_of(data: Any, path: tuple[Any, ...]) -> int | None:
    """The line where the value at `path` (keys and list indexes) was written."""
    line = getattr(data, "line", None)
    node = data
    for step in path:
        if isinstance(node, LineDict) and step in node:
            line, node = node.lines[step], node[step]
        elif isinstance(node, LineList) and isinstance(step, int) and 0 <= step < len(node):
            line, node = node.lines[step], node[step]
        else:
            break
    return line
