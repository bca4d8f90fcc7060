"""Analysts' YAML mistakes: every one named with file, line and key, and nothing else stops."""
from __future__ import annotations



from monitor.config import load_config
from tests.builders import config_problems
from tests.conftest import run_dozor



def test_shipped_config_is_valid():
    config = load_config()
    assert len(config.sources.sources) >= 30


def test_malformed_yaml_names_file_and_line(config_dir):
    (config_dir / "sources.yaml").write_text("sources:\n  - name: wire\n    kind: [rss\n", encoding="utf-8")

    problems = config_problems(config_dir)

    assert len(problems) == 1
    assert problems[0].startswith(f"{config_dir / 'sources.yaml'}:4:")


def test_typo_in_key_is_named_with_line_and_suggestion(config_dir):
    (config_dir / "sources.yaml").write_text(
        "sources:\n  - name: wire\n    kind: rss\n    url: https://example.org/rss\n    intervall: 15m\n", encoding="utf-8"
    )

    assert config_problems(config_dir) == [
        f"{config_dir / 'sources.yaml'}:5: sources.0.intervall: unknown key 'intervall' (did you mean 'interval'?)"
    ]


def test_duplicate_key_is_rejected_with_both_lines(config_dir):
    (config_dir / "monitor.yaml").write_text("timezone: UTC\ndatabase: a.db\ntimezone: Asia/Tashkent\n", encoding="utf-8")

    (problem,) = config_problems(config_dir)

    assert "monitor.yaml:3:" in problem
    assert "duplicate key 'timezone': first on line 1, again on line 3" in problem


def test_wrong_types_and_values_name_the_key_path(config_dir):
    (config_dir / "monitor.yaml").write_text(
        "timezone: Mars/Olympus\ncrawl:\n  retries: many\n  timeout: -5s\n", encoding="utf-8"
    )

    problems = config_problems(config_dir)

    assert any(":1: timezone: unknown time zone 'Mars/Olympus'" in problem for problem in problems)
    assert any(":3: crawl.retries:" in problem for problem in problems)
    assert any(":4: crawl.timeout:" in problem for problem in problems)


def test_unknown_list_in_a_rule_is_reported(config_dir):
    (config_dir / "rules" / "test.yaml").write_text(
        "rules:\n  - id: r1\n    title: T\n    match:\n      any: [$nowhere]\n", encoding="utf-8"
    )

    (problem,) = config_problems(config_dir)

    assert "test.yaml" in problem and "unknown list or entity $nowhere" in problem


def test_non_http_source_url_is_refused(config_dir):
    (config_dir / "sources.yaml").write_text(
        "sources:\n  - name: local\n    kind: rss\n    url: file:///etc/passwd\n", encoding="utf-8"
    )

    (problem,) = config_problems(config_dir)

    assert "sources.yaml:2:" in problem and "only http and https" in problem


def test_python_tags_are_refused(config_dir):
    (config_dir / "monitor.yaml").write_text("timezone: !!python/object/apply:os.system ['true']\n", encoding="utf-8")

    (problem,) = config_problems(config_dir)

    assert "monitor.yaml:1:" in problem


def test_check_config_command_prints_every_problem_and_exits_1(config_dir):
    (config_dir / "monitor.yaml").write_text("timezone: Nowhere/City\n", encoding="utf-8")
    (config_dir / "sources.yaml").write_text("sources:\n  - name: Bad Name\n    kind: rss\n    url: https://x.org/\n", encoding="utf-8")

    result = run_dozor("check-config", "--config", str(config_dir))

    assert result.returncode == 1
    assert "monitor.yaml:1: timezone" in result.stderr
    assert "sources.yaml:2: sources.0.name" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_config_accepts_the_shipped_config():
    result = run_dozor("check-config")

    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout
