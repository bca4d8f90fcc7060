"""Docs as tests: every command is documented in README.md and has help with an example."""
from __future__ import annotations

import argparse
import re

from monitor.cli import build_parser
from tests.conftest import ROOT, run_dozor

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_is_in_the_readme_table():
    documented = set(re.findall(r"^\| `([a-z-]+)", README, flags=re.M))
    assert set(_commands()) <= documented


def test_every_command_has_a_description_and_an_example():
    for name, command in _commands().items():
        assert command.description, name
        assert command.epilog and "python run_monitor.py" in command.epilog, name


def test_help_runs_for_the_program_and_a_command():
    assert run_dozor("--help").returncode == 0
    result = run_dozor("run", "--help")
    assert result.returncode == 0 and "SIGTERM" in result.stdout


def test_ci_runs_exactly_the_readme_test_command():
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert ci in README
