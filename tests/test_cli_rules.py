"""The analyst's rule tools as a user runs them: test-rule, classify, and check-config's lints."""
from __future__ import annotations

import json

from tests.builders import DEMO_SITE, write_config
from tests.conftest import run_dozor
from tests.fakes.faultserver import FaultServer

SEED_RU = ("Гражданин Казахстана опознан среди палачей ИГИЛ\n"
           "Спецслужбы установили, что уроженец Шымкента участвовал в казнях пленных в Сирии в составе "
           "боевиков «Исламского государства».")


def test_test_rule_shows_the_rules_that_fired_with_evidence():
    result = run_dozor("test-rule", "--text", SEED_RU)

    assert result.returncode == 0, result.stderr
    assert "Исламского государства" in result.stdout or "ИГИЛ" in result.stdout
    assert "urgent" in result.stdout or "high" in result.stdout


def test_test_rule_explains_a_rule_that_did_not_fire():
    listed = run_dozor("check-config")
    assert listed.returncode == 0
    result = run_dozor("test-rule", "foreign-fighters", "--text", "Kyrgyz fighter wins UFC bout\nA knockout in round one.")

    assert result.returncode == 0, result.stderr
    assert "did not fire" in result.stdout.lower() or "not fire" in result.stdout.lower()


def test_test_rule_with_an_unknown_rule_is_one_clear_line():
    result = run_dozor("test-rule", "foreign-fighterz", "--text", "x")

    assert result.returncode == 1
    assert result.stderr.startswith("error: no rule 'foreign-fighterz'") and "Traceback" not in result.stderr


def test_test_rule_fetches_a_url_through_the_crawler(tmp_path):
    with FaultServer(DEMO_SITE) as site:
        config = write_config(tmp_path / "config", tmp_path / "data", [{"name": "x", "kind": "rss", "url": f"{site.base}/x"}])
        for rule_file in (DEMO_SITE.parents[1] / "config" / "rules").glob("*.yaml"):
            (config / "rules" / rule_file.name).write_text(rule_file.read_text(encoding="utf-8"), encoding="utf-8")
        (config / "rules" / "test.yaml").unlink()
        url = f"{site.base}/news/cp1251-osh-trial-returned-militants-syria.html"

        result = run_dozor("test-rule", "--url", url, "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert "боевик" in result.stdout.lower()


def test_classify_streams_one_result_per_line_in_order(tmp_path):
    records = [
        {"id": "a", "title": "Вербовщики ИГИЛ задержаны в Намангане", "text": "СГБ задержала вербовщиков группировки «Вилаят Хорасан»."},
        {"id": "b", "title": "Цены на дыни упали", "text": "На базаре в Фергане подешевели дыни."},
        {"id": "c"},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(record, ensure_ascii=False) for record in records) + "\nnot json\n", encoding="utf-8")

    result = run_dozor("classify", str(source))

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines[:3]] == ["a", "b", "c"]
    assert lines[0]["matched"] and lines[0]["rules"][0]["evidence"]
    assert not lines[1]["matched"]
    assert "error" in lines[2] and "error" in lines[3]
    assert "4 records, 1 matched, 2 malformed" in result.stderr


def test_check_config_prints_lint_warnings_but_passes(tmp_path):
    rules = {"lists": {"unused": ["неиспользуемое"], "terms": ["боевик*"]},
             "rules": [{"id": "r1", "title": "T", "match": {"any": ["$terms"]}}]}
    config = write_config(tmp_path / "config", tmp_path / "data", [{"name": "x", "kind": "rss", "url": "https://example.org/rss"}],
                          rules=rules)

    result = run_dozor("check-config", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert "warning:" in result.stdout and "unused" in result.stdout
