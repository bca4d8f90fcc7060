"""The default rule pack in config/rules/: it loads, lints clean, and flags the fixed examples right."""
from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
import yaml

from monitor.config.loader import load_config
from monitor.rules.engine import Document, Matcher, RuleHit, compile_rules
from monitor.rules.lint import lint
from monitor.rules.model import SEVERITY_RANK

DEMO_SITE = Path(__file__).resolve().parents[1] / "monitor" / "demo_site"


@pytest.fixture(scope="module")
def pack_matcher() -> Matcher:
    return compile_rules(load_config().rules)


def hits(matcher: Matcher, title: str, body: str = "") -> list[RuleHit]:
    return matcher.match(Document(title, body))


def top_severity(found: list[RuleHit]) -> str | None:
    return max((hit.severity for hit in found), key=SEVERITY_RANK.__getitem__, default=None)


def test_the_default_pack_lints_clean() -> None:
    assert lint(load_config().rules) == []


# The seed example (a Kazakhstani identified among Islamic State executioners), in three languages.
SEED = [
    ("Казахстанец опознан среди палачей ИГИЛ в Сирии",
     ("Комитет национальной безопасности подтвердил, что уроженец Шымкента появился на видеозаписи казни, "
      "распространённой террористами «Исламского государства». Он выехал в Сирию в 2014 году.")),
    ("Қазақстандық «Ислам мемлекеті» жазалаушыларының арасынан анықталды",
     ("Ұлттық қауіпсіздік комитеті Шымкенттің тұрғыны лаңкестердің жазалау бейнежазбасында түсірілгенін растады. "
      "Ол 2014 жылы Сирияға кеткен.")),
    ("Kazakhstani identified among Islamic State executioners",
     ("The National Security Committee confirmed that a man from Shymkent appears in an execution video released by "
      "Islamic State militants in Syria. He left for Syria in 2014.")),
]


@pytest.mark.parametrize(("title", "body"), SEED)
def test_the_seed_example_matches_with_high_severity_in_every_language(pack_matcher: Matcher, title: str, body: str) -> None:
    assert top_severity(hits(pack_matcher, title, body)) in ("urgent", "high")


@pytest.mark.parametrize(("title", "body"), [
    ("Kyrgyz fighter scores first-round knockout at UFC Fight Night", "The lightweight fighter from Bishkek improved to 14-1."),
    ("Kazakhstan buys Su-30 fighter jets", "The air force will receive the fighter aircraft next year, officials in Syria and Astana said."),
    ("Fire fighters battle blaze at Tashkent market", "Twelve crews of fire fighters worked through the night."),
    ("Президент объявил войну коррупции", "Борьба с коррупцией станет главным фронтом года."),
    ("В Астане прошёл новый раунд переговоров по Сирии в астанинском формате",
     "Страны-гаранты обсудили борьбу с терроризмом и работу конституционного комитета."),
    ("В Намангане открылась новая мечеть", "На открытии присутствовали имамы и жители махалли."),
    ("Шымкенттік боксшы әлем чемпионы атанды", "Боксшы кездесуде қарсыласын жеңді."),
])
def test_look_alikes_do_not_match(pack_matcher: Matcher, title: str, body: str) -> None:
    assert hits(pack_matcher, title, body) == []


def demo_articles() -> list[tuple[str, str, bool]]:
    expected = yaml.safe_load((DEMO_SITE / "expected.yaml").read_text(encoding="utf-8"))
    articles = []
    for article in expected["articles"]:
        raw = (DEMO_SITE / article["url_path"].lstrip("/")).read_bytes()
        page = lxml.html.fromstring(raw.decode(article["encoding"]))
        body = " ".join(p.text_content() for p in page.cssselect("article p, .article-body p"))
        articles.append((article["title"], body, article["relevant"]))
    return articles


@pytest.mark.parametrize(("title", "body", "relevant"), demo_articles())
def test_demo_site_articles_are_flagged_as_expected(pack_matcher: Matcher, title: str, body: str, relevant: bool) -> None:
    assert bool(hits(pack_matcher, title, body)) is relevant


def test_the_demo_seed_article_is_high(pack_matcher: Matcher) -> None:
    [(title, body, _)] = [article for article in demo_articles() if "опознан" in article[0]]
    assert top_severity(hits(pack_matcher, title, body)) in ("urgent", "high")
