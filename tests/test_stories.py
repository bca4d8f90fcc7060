"""Deduplication into stories: one event, one entry, however many outlets reprint it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawler.items import Article
from monitor.config.models import FileChannel, StorySettings
from monitor.digest import build_digest
from monitor.ingest import ingest
from monitor.outbox import compose, send_due
from monitor.retention import prune_bodies
from monitor.rules.engine import compile_rules
from monitor.rules.model import RuleFile, RulePack
from monitor.similarity import same_story
from monitor.stories import list_stories

DAY = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
CHANNEL = FileChannel(name="files")
RULES = {
    "lists": {"fighters": ["боевик*", "вербовщик*"], "urgent_words": ["казн*"]},
    "rules": [
        {"id": "fighters", "title": "Fighters", "severity": "normal", "score": 50, "match": {"any": ["$fighters"]}},
        {"id": "executions", "title": "Executions", "severity": "urgent", "score": 90, "match": {"any": ["$urgent_words"]}},
    ],
}
AGENCY = (
    "Суд Ошской области приговорил трёх жителей Кара-Суйского района к девяти годам лишения свободы за участие "
    "в вооружённом конфликте на территории Сирии. По данным следствия, мужчины выехали в 2015 году через Турцию, "
    "провели два года в лагере подготовки боевиков и вернулись на родину весной через третьи страны. "
    "Адвокаты осуждённых заявили, что обжалуют приговор в Верховном суде. Прокуратура настаивала на сроке в "
    "одиннадцать лет, ссылаясь на показания свидетелей и переписку в мессенджерах."
)
ADDED = " Родственники осуждённых пришли к зданию суда и просили о снисхождении для младшего из троих."
OTHER_STORY = (
    "В Жалал-Абаде задержаны двое вербовщиков, которые через закрытые группы в социальных сетях склоняли студентов "
    "колледжа к выезду в Афганистан. Сотрудники ГКНБ изъяли телефоны и литературу, запрещённую судом. "
    "Задержанным предъявлено обвинение по статье о вербовке, оба помещены в изолятор временного содержания."
)


def _article(source: str, url: str, title: str, body: str, when: datetime = DAY) -> Article:
    return Article(source=source, url=url, title=title, body=body, published=when, country="KG", language="ru")


@pytest.fixture
def matcher():
    return compile_rules(RulePack.combine([("rules.yaml", RuleFile.model_validate(RULES))]))


def _ingest(store, matcher, articles):
    return ingest(store, matcher, articles, [CHANNEL], StorySettings())


def test_one_article_under_tracking_amp_and_mirror_urls_is_stored_once(store, matcher):
    title = "Трое жителей Кара-Суу осуждены за участие в боевых действиях в Сирии"
    variants = [
        _article("kaktus", "https://kaktus.media/doc/123/?utm_source=telegram&utm_medium=social", title, AGENCY),
        _article("kaktus", "https://www.kaktus.media/doc/123/amp", title, AGENCY),
        _article("kaktus", "https://m.kaktus.media/doc/123#comments", title, AGENCY),
        _article("mirror", "https://mirror.example.net/kaktus/123.html", title, AGENCY),
    ]

    result = _ingest(store, matcher, variants)

    assert (result.seen, result.new) == (4, 1)
    (story,) = list_stories(store)
    (article,) = story.articles
    assert article.mirrors == ["https://mirror.example.net/kaktus/123.html"]


def test_agency_text_reprinted_by_three_outlets_is_one_story_with_three_outlets(store, matcher):
    reprints = [
        _article("24kg", "https://24.kg/a/1", "В Оше осудили троих бывших боевиков", AGENCY),
        _article("kaktus", "https://kaktus.media/b/2", "Суд дал по девять лет вернувшимся из Сирии", AGENCY + ADDED,
                 DAY + timedelta(hours=3)),
        _article("akipress", "https://akipress.org/c/3", "Троим жителям Кара-Суу вынесли приговор",
                 "ОШ, 20 ноября. " + AGENCY.replace("Адвокаты осуждённых заявили", "Защита сообщила"),
                 DAY + timedelta(hours=5)),
    ]

    _ingest(store, matcher, reprints)

    (story,) = list_stories(store)
    assert sorted(article.source for article in story.articles) == ["24kg", "akipress", "kaktus"]
    digest = build_digest(store, CHANNEL.name)
    (item,) = digest.items
    assert item.outlets == ["24kg", "akipress", "kaktus"]


def test_two_different_stories_on_the_same_topic_and_day_stay_apart(store, matcher):
    _ingest(store, matcher, [
        _article("24kg", "https://24.kg/a/1", "В Оше осудили троих бывших боевиков", AGENCY),
        _article("24kg", "https://24.kg/a/2", "В Жалал-Абаде задержали вербовщиков", OTHER_STORY),
    ])

    assert len(list_stories(store)) == 2
    assert len(build_digest(store, CHANNEL.name).items) == 2


def test_reprint_outside_the_time_window_is_a_new_story(store, matcher):
    _ingest(store, matcher, [
        _article("24kg", "https://24.kg/a/1", "В Оше осудили троих бывших боевиков", AGENCY),
        _article("kaktus", "https://kaktus.media/b/2", "Годовщина приговора", AGENCY + ADDED, DAY + timedelta(days=30)),
    ])

    assert len(list_stories(store)) == 2


@pytest.mark.parametrize(
    ("similarity", "title_a", "title_b", "joined"),
    [
        (0.75, "В Оше осудили троих боевиков", "Троим жителям вынесли приговор", True),
        (0.30, "В Оше осудили троих боевиков", "В Оше осудили троих боевиков", False),
        (0.75, "Задержаны 12 вербовщиков", "Задержаны 14 вербовщиков", False),
        (0.95, "Задержаны 12 вербовщиков", "Задержаны 14 вербовщиков", True),
        (0.75, "Задержаны 12 вербовщиков", "Задержаны вербовщики, 12 человек", True),
    ],
)
def test_story_decision_table(similarity, title_a, title_b, joined):
    assert same_story(similarity, title_a, title_b, threshold=StorySettings().similarity) is joined


def _deliver(store):
    compose(store, CHANNEL, "UTC")
    return send_due(store, [CHANNEL], {})


def test_a_delivered_story_is_not_delivered_again_when_reprinted(store, matcher, tmp_path):
    channel = FileChannel(name="files", folder=tmp_path / "digests")
    _ingest(store, matcher, [_article("24kg", "https://24.kg/a/1", "В Оше осудили троих бывших боевиков", AGENCY)])
    compose(store, channel, "UTC")
    send_due(store, [channel], {})

    _ingest(store, matcher, [_article("kaktus", "https://kaktus.media/b/2", "Приговор бывшим боевикам", AGENCY + ADDED)])

    assert build_digest(store, channel.name).items == []


def test_a_story_comes_back_as_an_update_when_it_escalates(store, matcher, tmp_path):
    channel = FileChannel(name="files", folder=tmp_path / "digests")
    _ingest(store, matcher, [_article("24kg", "https://24.kg/a/1", "В Оше осудили троих бывших боевиков", AGENCY)])
    compose(store, channel, "UTC")
    send_due(store, [channel], {})
    escalated = AGENCY + " Следствие установило, что один из осуждённых участвовал в казнях пленных."

    _ingest(store, matcher, [_article("kaktus", "https://kaktus.media/b/2", "Один из осуждённых участвовал в казнях", escalated)])

    (item,) = build_digest(store, channel.name).items
    assert item.update and item.severity == "urgent"
    assert item.outlets == ["24kg", "kaktus"]


def test_retention_prunes_old_bodies_without_hits_and_dedup_still_works(store, matcher):
    quiet = _article("24kg", "https://24.kg/weather", "Погода в Бишкеке", "Ожидается снег и гололёд на дорогах.")
    flagged = _article("24kg", "https://24.kg/a/1", "В Оше осудили троих бывших боевиков", AGENCY)
    _ingest(store, matcher, [quiet, flagged])

    pruned = prune_bodies(store, timedelta(days=90), now=datetime.now(timezone.utc) + timedelta(days=91))

    assert pruned == 1
    bodies = dict(store.db.execute("SELECT title, body FROM articles").fetchall())
    assert bodies["Погода в Бишкеке"] is None and bodies["В Оше осудили троих бывших боевиков"] == AGENCY
    assert store.db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'гололёд'").fetchone() == (0,)
    assert _ingest(store, matcher, [quiet]).new == 0
