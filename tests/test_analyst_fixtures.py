"""The small archive the analysts' command tests run on, and the helpers they share.

Other test_analyst_* modules load the fixtures from here with `pytest_plugins`;
their names start with analyst_ so they cannot shadow anyone else's. The tests in this
module check the archive itself, so a broken fixture fails here first.
"""
from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crawler.items import Article
from monitor.analyst import AnalystError
from monitor.analyst.archive import open_archive
from monitor.config import Config, load_config
from monitor.health import SourceRound, record
from monitor.ingest import ingest
from monitor.rules.engine import compile_rules
from monitor.store import Store
from tests.builders import write_config
from tests.conftest import run_dozor

ANALYST_RULES = {
    "lists": {
        "militants": ["боевик*", "лаңкес*", "militant*"],
        "recruiters": ["вербовщик*", "recruiter*"],
    },
    "rules": [
        {"id": "fighters", "title": "Fighters", "severity": "high", "score": 80, "match": {"any": ["$militants"]}},
        {"id": "recruitment", "title": "Recruitment", "severity": "normal", "score": 60, "match": {"any": ["$recruiters"]}},
    ],
}

SOURCES = [
    {"name": "wire", "kind": "rss", "url": "https://example.org/wire.rss", "country": "REGION", "languages": ["ru"]},
    {"name": "dala", "kind": "atom", "url": "https://example.org/dala.atom", "country": "KZ", "languages": ["kk"]},
    {"name": "herald", "kind": "rss", "url": "https://example.org/herald.rss", "country": "UZ", "languages": ["en"]},
]

# (source, language, published, title, body); the rule each one hits is in the comment.
ARTICLES = [
    ("wire", "ru", "2024-03-01", "Боевики задержаны в Хатлоне", "Сотрудники ГКНБ задержали троих боевиков в Хатлоне."),  # fighters
    ("wire", "ru", "2024-03-02", "Вербовщик ИГИЛ арестован в Ташкенте", "Вербовщик искал сторонников через Telegram."),  # recruitment
    ("dala", "kk", "2024-03-03", "ҚАЗАҚСТАН: ӨСКЕМЕНДЕ ЛАҢКЕС СОТТАЛДЫ", "Өскемен қаласында лаңкес он жылға сотталды."),  # fighters
    ("wire", "ru", "2024-03-04", "Джихадисты вернулись из Сирии", "Трое джихадистов вернулись домой по программе."),  # none
    ("wire", "ru", "2024-03-05", "Учения: условные боевики захватили здание", "На учениях спецназа условные боевики захватили школу."),  # fighters
    ("herald", "en", "2024-02-10", "Cotton harvest ahead of schedule", "Uzbekistan's cotton harvest is ahead of schedule."),  # none
    ("dala", "kk", "2024-02-15", "Өзбекстанда мақта жинау басталды", "Мақта жинау науқаны басталды."),  # none
]
TITLES = [article[3] for article in ARTICLES]


def fixture_articles() -> list[Article]:
    return [
        Article(
            source=source, url=f"https://example.org/{source}/{number}", title=title, body=body,
            published=datetime.fromisoformat(published).replace(tzinfo=UTC), language=language,
        )
        for number, (source, language, published, title, body) in enumerate(ARTICLES, 1)
    ]


def fill_archive(config: Config) -> None:
    """The fixture articles through the real ingest path, and two failed rounds for herald."""
    store = Store(config.monitor.database)
    try:
        ingest(store, compile_rules(config.rules), fixture_articles(), config.monitor.channels)
        failure = SourceRound("herald", "rss", ok=False, items=0, category="timeout", reason="no answer in 5s")
        record(store, [failure])
        record(store, [failure])
    finally:
        store.close()


@pytest.fixture
def analyst_config_dir(tmp_path: Path) -> Path:
    """A config folder whose database is still empty (not yet created)."""
    return write_config(tmp_path / "config", tmp_path / "data", SOURCES, rules=ANALYST_RULES)


@pytest.fixture
def analyst_config(analyst_config_dir: Path) -> Config:
    """The config with its database holding the fixture archive."""
    loaded = load_config(analyst_config_dir)
    fill_archive(loaded)
    return loaded


@pytest.fixture
def analyst_store(analyst_config: Config):
    with open_archive(analyst_config.monitor.database) as opened:
        yield opened


def hit_ids(store: Store, rule: str) -> dict[str, int]:
    """Headline -> hit id, for one rule's hits."""
    rows = store.db.execute(
        "SELECT a.title, h.id FROM hits h JOIN articles a ON a.id = h.article_id WHERE h.rule_id = ?", (rule,)
    )
    return dict(rows.fetchall())


def dozor(*args: str):
    """The real CLI in a subprocess (see tests.conftest.run_dozor)."""
    return run_dozor(*args, timeout=60)


def test_the_fixture_archive_has_the_expected_hits(analyst_store):
    assert hit_ids(analyst_store, "fighters").keys() == {TITLES[0], TITLES[2], TITLES[4]}
    assert hit_ids(analyst_store, "recruitment").keys() == {TITLES[1]}


def test_a_missing_database_is_an_error_not_a_new_empty_file(tmp_path):
    missing = tmp_path / "nowhere" / "dozor.sqlite3"

    with pytest.raises(AnalystError, match="there is no database at .*dozor.sqlite3 yet"), open_archive(missing):
        pass

    assert not missing.exists()
