"""One event reported in Russian and in Uzbek is one story: linked by the people, organisations and figures both give."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from crawler.items import Article
from monitor.config.models import FileChannel, StorySettings
from monitor.digest import build_digest
from monitor.ingest import ingest
from monitor.outbox import compose, send_due
from monitor.report import describe_stories
from monitor.rules.engine import Document, compile_rules
from monitor.rules.model import RuleFile, RulePack
from monitor.similarity import Mentions, numbers, same_event_across_languages
from monitor.stories import list_stories
from monitor.store import Store

DAY = datetime(2026, 11, 24, 8, 0, tzinfo=timezone.utc)
RULES = {
    "entities": {
        "tawhid_jihad": {"aliases": ["Катибат ат-Таухид валь-Джихад", "Katibat at-Tavhid val-Jihod"]},
        "abu_saloh": {"kind": "person", "aliases": ["Абу Салох*", "Abu Saloh"]},
        "hts": {"aliases": ["Хайят Тахрир аш-Шам", "Hayat Tahrir al-Sham", "HTS"]},
        "islamic_state": {"aliases": ["Исламское государство", "Islomiy davlat*", "ИГИЛ"]},
        "isis_k": {"aliases": ["Вилаят Хорасан", "Xuroson viloyati"]},
        "idlib": {"kind": "place", "aliases": ["Идлиб*", "Idlib*"]},
        "tashkent": {"kind": "place", "aliases": ["Ташкент*", "Toshkent*", "Tashkent"]},
    },
    "lists": {"recruiting": ["вербовщик*", "yollovchi*", "recruit*"]},
    "rules": [{"id": "recruiters", "title": "Recruiters", "severity": "normal", "score": 50,
               "match": {"any": ["$recruiting", "@organisation"]}}],
}
RUSSIAN = (
    "В Ташкенте осуждены двое вербовщиков «Катибат ат-Таухид валь-Джихад»",
    "Ташкентский городской суд 23 ноября приговорил двух жителей Чиланзарского района, 27 и 31 года, к 8 годам "
    "лишения свободы по статье 244. По данным следствия, в 2024 году они по указанию Абу Салоха собирали деньги и "
    "отправляли молодых людей в Идлиб, где действует группировка «Катибат ат-Таухид валь-Джихад».",
)
UZBEK = (
    "Toshkentda «Katibat at-Tavhid val-Jihod» uchun ikki yollovchi sudlandi",
    "Toshkent shahar sudi 23-noyabr kuni Chilonzor tumanining 27 va 31 yoshli ikki aholisini 244-modda bilan 8 "
    "yilga ozodlikdan mahrum qildi. Tergov ma'lumotlariga ko'ra, ular 2024-yilda Abu Saloh ko'rsatmasi bilan pul "
    "yig'ib, yoshlarni Idlibga jo'natgan, u yerda «Katibat at-Tavhid val-Jihod» guruhi faoliyat yuritadi.",
)
ENGLISH_OTHER_EVENT = (
    "Air strike near Idlib kills fighters of Hayat Tahrir al-Sham",
    "A strike on a depot outside Idlib on 23 November killed at least 7 fighters of Hayat Tahrir al-Sham, a "
    "monitoring group said. Local sources said 2 of the dead had come from Central Asia.",
)
UZBEK_OTHER_EVENT = (
    "Abu Saloh Idlibdan yangi videomurojaat tarqatdi",
    "Abu Saloh 23-noyabr kuni Idlibdan tarqatgan videomurojaatida Toshkentdagi yoshlarni jihodga chaqirdi. "
    "Mutaxassislar 2024-yildagi yozuvlar singari uni targ'ibot deb baholadi.",
)
RUSSIAN_OTHER_EVENT = (
    "Абу Салох выпустил новое видеообращение",
    "Главарь «Катибат ат-Таухид валь-Джихад» Абу Салох в видеообращении 23 ноября призвал выходцев из Ташкента "
    "присоединяться к группировке. В 2024 году суды страны осудили по статье 244 более сорока его сторонников.",
)
RUSSIAN_KHORASAN = (
    "В Ташкенте задержан сторонник «Вилаята Хорасан»",
    "Сотрудники СГБ задержали 24-летнего жителя Ташкента, который в Telegram вербовал сторонников «Вилаята "
    "Хорасан», афганского крыла ИГИЛ. Возбуждено дело по статье 159.",
)
UZBEK_KHORASAN = (
    "Namanganda «Xuroson viloyati» tarafdori qo'lga olindi",
    "DXX xodimlari Namangan viloyatida «Islomiy davlat» guruhining «Xuroson viloyati» tarmog'i uchun 19 yoshli "
    "yigitlarni yollagan 33 yoshli erkakni ushladi. Unga 155-modda bilan ayblov qo'yildi.",
)


def _article(source: str, language: str, text: tuple[str, str], when: datetime = DAY) -> Article:
    return Article(source=source, url=f"https://{source}.example/{language}/{text[0][:12]}", title=text[0],
                   body=text[1], published=when, country="UZ", language=language)


@pytest.fixture
def matcher():
    return compile_rules(RulePack.combine([("rules.yaml", RuleFile.model_validate(RULES))]))


def _ingest(store, matcher, articles, link_languages=True):
    return ingest(store, matcher, articles, [FileChannel(name="files")], StorySettings(link_languages=link_languages))


def test_the_pack_reads_the_same_actors_in_both_scripts_and_leaves_places_out(matcher):
    russian, uzbek = (matcher.read(Document(title, body)) for title, body in (RUSSIAN, UZBEK))

    assert russian.actors == uzbek.actors == {"tawhid_jihad", "abu_saloh"}
    assert numbers(RUSSIAN[1]) == numbers(UZBEK[1]) == {"23", "27", "31", "8", "244", "2024"}
    assert [hit.rule for hit in uzbek.hits] == ["recruiters"]


def test_the_same_event_in_russian_and_uzbek_is_one_story(store, matcher):
    _ingest(store, matcher, [_article("podrobno", "ru", RUSSIAN), _article("kunuz", "uz", UZBEK, DAY + timedelta(hours=4))])

    (story,) = list_stories(store)
    assert [(article.source, article.language) for article in story.articles] == [("podrobno", "ru"), ("kunuz", "uz")]
    (item,) = build_digest(store, "files").items
    assert item.outlets == ["kunuz", "podrobno"]
    assert "[kunuz, uz] Toshkentda" in describe_stories([story])


def test_a_delivered_story_is_not_delivered_again_in_another_language(store, matcher, tmp_path):
    channel = FileChannel(name="files", folder=tmp_path / "digests")
    _ingest(store, matcher, [_article("podrobno", "ru", RUSSIAN)])
    compose(store, channel, "UTC")
    send_due(store, [channel], {})

    _ingest(store, matcher, [_article("kunuz", "uz", UZBEK, DAY + timedelta(hours=4))])

    assert build_digest(store, channel.name).items == []


@pytest.mark.parametrize(
    ("other", "when", "why"),
    [
        (("en", ENGLISH_OTHER_EVENT), DAY + timedelta(hours=2), "only a place, Idlib, is named by both"),
        (("uz", UZBEK_OTHER_EVENT), DAY + timedelta(hours=2), "one person and two places in common"),
        (("ru", RUSSIAN_OTHER_EVENT), DAY + timedelta(hours=2), "same language: only the text can join them"),
        (("uz", UZBEK), DAY + timedelta(days=2), "two days apart"),
    ],
)
def test_articles_that_are_not_the_same_event_stay_apart(store, matcher, other, when, why):
    language, text = other

    _ingest(store, matcher, [_article("podrobno", "ru", RUSSIAN), _article("other", language, text, when)])

    assert len(list_stories(store)) == 2, why


def test_two_arrests_naming_the_same_two_groups_stay_apart_by_their_figures(store, matcher):
    russian, uzbek = (matcher.read(Document(*text)).actors for text in (RUSSIAN_KHORASAN, UZBEK_KHORASAN))
    assert russian == uzbek == {"islamic_state", "isis_k"}

    _ingest(store, matcher, [_article("podrobno", "ru", RUSSIAN_KHORASAN), _article("kunuz", "uz", UZBEK_KHORASAN)])

    assert len(list_stories(store)) == 2


def test_linking_can_be_switched_off(store, matcher):
    _ingest(store, matcher, [_article("podrobno", "ru", RUSSIAN), _article("kunuz", "uz", UZBEK)], link_languages=False)

    assert len(list_stories(store)) == 2


def test_the_link_is_found_after_a_restart(tmp_path, matcher):
    first = Store(tmp_path / "d.sqlite3")
    _ingest(first, matcher, [_article("podrobno", "ru", RUSSIAN)])
    first.close()

    reopened = Store(tmp_path / "d.sqlite3")
    _ingest(reopened, matcher, [_article("kunuz", "uz", UZBEK, DAY + timedelta(hours=4))])

    (story,) = list_stories(reopened)
    assert len(story.articles) == 2
    reopened.close()


ACTORS = frozenset({"islamic_state", "isis_k"})
FIGURES = frozenset({"24", "159", "2026"})


@pytest.mark.parametrize(
    ("a", "b", "linked"),
    [
        (Mentions("ru", ACTORS, FIGURES), Mentions("uz", ACTORS, FIGURES), True),
        (Mentions("ru", ACTORS, FIGURES), Mentions("ru", ACTORS, FIGURES), False),
        (Mentions("", ACTORS, FIGURES), Mentions("uz", ACTORS, FIGURES), False),
        (Mentions("ru", frozenset({"islamic_state"}), FIGURES), Mentions("uz", frozenset({"islamic_state"}), FIGURES), False),
        (Mentions("ru", ACTORS, FIGURES), Mentions("kk", ACTORS | {"hts", "imu", "iju"}, FIGURES), False),
        (Mentions("ru", ACTORS, FIGURES), Mentions("kk", ACTORS | {"hts"}, FIGURES), True),
        (Mentions("ru", ACTORS, FIGURES), Mentions("uz", ACTORS, frozenset({"19", "155"})), False),
        (Mentions("ru", ACTORS, FIGURES), Mentions("uz", ACTORS, frozenset()), False),
        (Mentions("ru", ACTORS, FIGURES), Mentions("en", ACTORS, frozenset({"24", "159", "7"})), True),
        (Mentions("ru", ACTORS, FIGURES), Mentions("en", ACTORS, frozenset({"24", "7", "3", "5"})), False),
    ],
)
def test_cross_language_decision_table(a, b, linked):
    assert same_event_across_languages(a, b) is linked


def test_signatures_from_before_migration_12_are_read_without_mentions(tmp_path, matcher):
    older = Store(tmp_path / "d.sqlite3")
    _ingest(older, matcher, [_article("podrobno", "ru", RUSSIAN)])
    for column in ("language", "actors", "figures"):
        older.db.execute(f"ALTER TABLE signatures DROP COLUMN {column}")
    older.db.execute("DELETE FROM schema_migrations WHERE version = 12")
    older.close()

    reopened = Store(tmp_path / "d.sqlite3")
    result = _ingest(reopened, matcher, [_article("kunuz", "uz", UZBEK, DAY + timedelta(hours=4))])

    assert reopened.db.execute("SELECT language, actors, figures FROM signatures ORDER BY article_id").fetchall() == [
        (None, None, None), ("uz", "abu_saloh tawhid_jihad", "2024 23 244 27 31 8")]
    assert result.new_stories == 1, "an article stored before the upgrade names nothing, so nothing links to it"
    reopened.close()
