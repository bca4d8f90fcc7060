"""FAULTS.md 24-28: analysts' YAML that is wrong, hostile or holds secrets; patterns that could stall a round."""
from __future__ import annotations

import time

import pytest

from monitor.config import load_config
from monitor.config.yamlfile import MAX_ALIASES
from monitor.rules.engine import Document, compile_rules
from monitor.rules.lint import lint
from monitor.rules.model import RuleFile, RulePack
from tests.builders import config_problems

RULES_WITH = "lists:\n  x: [боевик*]\nrules:\n  - id: r1\n    title: T\n{extra}    match:\n      any: [$x]\n"



# -- 24, 25: no raw regular expressions; long headlines never stall matching -------------------


def test_regex_key_in_a_rule_is_an_unknown_key_with_file_and_line(config_dir):
    (config_dir / "rules/test.yaml").write_text(
        "rules:\n  - id: r1\n    title: T\n    match:\n      regex: '([a-z'\n", encoding="utf-8")

    assert config_problems(config_dir) == [f"{config_dir / 'rules/test.yaml'}:5: rules.0.match.regex: unknown key 'regex'"]


def test_a_term_written_as_a_regular_expression_is_reported():
    pack = RulePack.combine([("t.yaml", RuleFile.model_validate(
        {"lists": {"x": ["([a-z"]}, "rules": [{"id": "r", "title": "T", "match": {"any": ["$x"]}}]}))])

    assert any("([a-z" in warning for warning in lint(pack))


@pytest.mark.parametrize("headline", [
    "a" * 50_000 + "!",
    "боевик " * 7_000,
    "(a+)+$ " * 7_000,
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaa! " * 1_700,
])
def test_a_50000_character_headline_is_matched_quickly(headline):
    matcher = compile_rules(load_config().rules)  # the shipped pack: every construct analysts use
    started = time.monotonic()

    matcher.match(Document(title=headline, body=headline))

    assert time.monotonic() - started < 2.0


# -- 26: wrong types and ranges -----------------------------------------------------------------


@pytest.mark.parametrize(("file", "text", "expected"), [
    ("sources.yaml", "sources:\n  - name: wire\n    kind: rss\n    url: https://example.org/rss\n    interval: -5m\n",
     "sources.yaml:5: sources.0.interval: '-5m' is not a duration"),
    ("monitor.yaml", "channels:\n  - name: files\n    kind: file\n    digest_time: '25:00'\n",
     "monitor.yaml:4: channels.0.digest_time: String should match pattern"),
    ("monitor.yaml", "timezone: Europe/Atlantis\n", "monitor.yaml:1: timezone: unknown time zone 'Europe/Atlantis'"),
    ("rules/test.yaml", "lists:\n  x: []\nrules:\n  - id: r1\n    title: T\n    match:\n      any: [$x]\n",
     "test.yaml:2: lists.x: List should have at least 1 item"),
    ("rules/test.yaml", RULES_WITH.format(extra="    score: 180\n"), "test.yaml:6: rules.0.score: Input should be less than or equal to 100"),
])
def test_wrong_values_name_file_line_and_key_path(config_dir, file, text, expected):
    (config_dir / file).write_text(text, encoding="utf-8")

    (problem,) = config_problems(config_dir)

    assert expected in problem


@pytest.mark.parametrize(("file", "text"), [
    ("rules/test.yaml", RULES_WITH.format(extra="    score: '80'\n")),
    ("monitor.yaml", "crawl:\n  retries: '3'\n"),
])
def test_a_number_written_as_text_is_refused(config_dir, file, text):
    (config_dir / file).write_text(text, encoding="utf-8")

    assert len(config_problems(config_dir)) == 1


# -- 27: tags and alias bombs --------------------------------------------------------------------


@pytest.mark.parametrize("tag", ["!!python/object/apply:os.system ['true']", "!!python/name:os.system",
                                 "!!python/object/new:subprocess.Popen [['true']]"])
def test_python_tags_are_refused_with_file_and_line(config_dir, tag):
    (config_dir / "monitor.yaml").write_text(f"database: x.db\ntimezone: {tag}\n", encoding="utf-8")

    (problem,) = config_problems(config_dir)

    assert problem.startswith(f"{config_dir / 'monitor.yaml'}:2: could not determine a constructor for the tag")


def test_alias_bomb_fails_cleanly_and_fast(config_dir):
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"{name}: &{name} [{', '.join([f'*{previous}'] * 9)}]" for previous, name in zip("abcdefgh", "bcdefghi")]
    (config_dir / "monitor.yaml").write_text("\n".join(levels) + "\n", encoding="utf-8")
    started = time.monotonic()

    (problem,) = config_problems(config_dir)

    assert time.monotonic() - started < 1.0
    assert problem == f"{config_dir / 'monitor.yaml'}:4: more than {MAX_ALIASES} aliases (*name); write the values out instead"


def test_a_few_aliases_are_still_allowed(config_dir):
    (config_dir / "monitor.yaml").write_text(
        "crawl: &crawl\n  retries: 1\n  allow_private_addresses: true\nchannels:\n  - &files {name: files, kind: file}\n",
        encoding="utf-8")

    assert load_config(config_dir).monitor.crawl.retries == 1


# -- 28: secrets in YAML ---------------------------------------------------------------------------


@pytest.mark.parametrize(("channel", "key", "value"), [
    ("  - name: mail\n    kind: email\n    host: smtp.example.org\n    sender: a@example.org\n"
     "    recipients: [b@example.org]\n    password: {value}\n", "password", "hunter2-Xq9"),
    ("  - name: tg\n    kind: telegram\n    chat_id: '-100'\n    token: '{value}'\n", "token", "123456:AAE-Xq9-token"),
])
def test_secret_in_yaml_is_refused_without_echoing_it(config_dir, channel, key, value):
    (config_dir / "monitor.yaml").write_text("channels:\n" + channel.format(value=value), encoding="utf-8")

    (problem,) = config_problems(config_dir)

    assert problem.startswith(f"{config_dir / 'monitor.yaml'}:2: channels.0: {key!r} must not be written in YAML")
    assert "_env" in problem and value not in problem
