"""docs/reliability.md cannot drift from the suite: every fault once, every named test real, the summary true."""
from __future__ import annotations

import ast
import re
from collections import Counter
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "reliability.md"
FAULT_COUNT = 38
ROW = re.compile(r"^\|\s*(\d+)\s*\|(.*)\|(.*)\|(.*)\|\s*$")
TEST_REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
SUMMARY = re.compile(r"\*\*(\d+) of (\d+) covered and passing\*\*, (\d+) partial, (\d+) failing, (\d+) not covered")
RESULTS = ("pass", "partial", "failing", "not covered")


def _rows() -> list[tuple[int, str, str, str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            rows.append((int(match.group(1)), match.group(2).strip(), match.group(3).strip(), match.group(4).strip()))
    return rows


@cache
def _test_functions(path: str) -> frozenset[str]:
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    return frozenset(node.name for node in tree.body
                     if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"))


def _result(cell: str) -> str:
    return next(result for result in RESULTS if cell.startswith(result))


def test_every_fault_appears_exactly_once():
    numbers = Counter(number for number, *_ in _rows())
    assert sorted(numbers) == list(range(1, FAULT_COUNT + 1))
    assert [number for number, seen in numbers.items() if seen > 1] == []


def test_every_named_test_exists():
    missing = [f"{path}::{name}" for _, _, tests, _ in _rows() for path, name in TEST_REFERENCE.findall(tests)
               if not (ROOT / path).is_file() or name not in _test_functions(path)]
    assert missing == []


def test_every_covered_fault_names_at_least_one_test():
    bare = [number for number, _, tests, result in _rows()
            if not result.startswith("not covered") and not TEST_REFERENCE.search(tests)]
    assert bare == []


def test_every_result_is_one_of_the_known_words():
    assert [number for number, _, _, result in _rows() if not result.startswith(RESULTS)] == []


def test_summary_line_matches_the_table():
    (summary,) = SUMMARY.findall(DOC.read_text(encoding="utf-8"))
    counts = Counter(_result(result) for *_, result in _rows())
    assert tuple(int(number) for number in summary) == (
        counts["pass"], FAULT_COUNT, counts["partial"], counts["failing"], counts["not covered"])


def test_every_failing_fault_names_an_xfail_test():
    """A 'failing' row is only honest while a strict xfail test holds the gap open."""
    for number, _, tests, result in _rows():
        if _result(result) != "failing":
            continue
        sources = {path: (ROOT / path).read_text(encoding="utf-8") for path, _ in TEST_REFERENCE.findall(tests)}
        assert any(_is_strict_xfail(sources[path], name) for path, name in TEST_REFERENCE.findall(tests)), number


def _is_strict_xfail(source: str, name: str) -> bool:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return any("xfail" in ast.unparse(decorator) and "strict=True" in ast.unparse(decorator)
                       for decorator in node.decorator_list)
    return False
