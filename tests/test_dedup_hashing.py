"""Dedup's hashing of whole texts: the fast normalised text, shingle hashes, signatures, and their migration."""
from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.items import Article
from monitor.fingerprint import fingerprint_of
from monitor.ingest import ingest
from monitor.rules.engine import compile_rules
from monitor.rules.model import RulePack
from monitor.similarity import from_bytes, shingle_hashes, signature
from monitor.store import Store
from monitor.text import normalised_text, normalised_words

QUICK = settings(deadline=None, database=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
LETTERS = "абвгдеёжзийклмнопрстуфхцчшщъыьэюяғқңүұһәөіўҳӣӯҷabcxyz'ʻʼ’ \u00ad\u200b\u0301.,-\n𝑨"
AGENCY = (
    "Суд Ошской области приговорил трёх жителей Кара-Суйского района к девяти годам лишения свободы за участие "
    "в вооружённом конфликте на территории Сирии. По данным следствия, мужчины выехали в 2015 году через Турцию, "
    "провели два года в лагере подготовки боевиков и вернулись на родину весной через третьи страны."
)


@QUICK
@given(st.text())
def test_normalised_text_is_the_normalised_words_joined(text):
    assert normalised_text(text) == " ".join(normalised_words(text))


@QUICK
@given(st.text(alphabet=LETTERS + LETTERS.upper()))
def test_normalised_text_of_the_regions_letters_is_the_normalised_words_joined(text):
    assert normalised_text(text) == " ".join(normalised_words(text))


def test_the_fingerprint_is_the_one_stored_before_normalised_text():
    assert fingerprint_of(normalised_text("В Оше — осудили\nТРОИХ")) == "0540f1bc40561c9f875436735fdbb741bb78c7e8"


def test_a_run_hashes_the_same_wherever_it_stands():
    assert shingle_hashes("x y a b c")[2] == shingle_hashes("a b c")[0]


def test_a_run_in_a_text_longer_than_the_power_table_hashes_the_same():
    long_text = " ".join(["слово"] * 20_000) + " a b c"
    assert shingle_hashes(long_text)[-1] == shingle_hashes("a b c")[0]


def test_a_text_of_fewer_than_three_words_is_one_shingle():
    assert len(shingle_hashes("два слова")) == len(shingle_hashes("")) == 1


def test_a_reprint_is_similar_and_another_event_is_not():
    original = signature(normalised_text(AGENCY))
    reprint = signature(normalised_text("ОШ, 20 ноября. " + AGENCY + " Адвокаты обжалуют приговор."))
    other = signature(normalised_text("В Жалал-Абаде задержаны двое вербовщиков, которые склоняли студентов к выезду."))

    assert original.jaccard(signature(normalised_text(AGENCY.upper()))) == 1.0
    assert original.jaccard(reprint) >= 0.6
    assert original.jaccard(other) <= 0.1


def _store_with_an_article(path) -> Store:
    store = Store(path)
    article = Article(source="24kg", url="https://24.kg/a/1", title="Приговор", body=AGENCY,
                      published=datetime(2026, 11, 20, tzinfo=UTC), language="ru")
    ingest(store, compile_rules(RulePack()), [article], [])
    return store


def _reopened_after_migration_11(path, change: str) -> Store:
    """A store whose article went through `change`, opened again with migration 11 still to run."""
    store = _store_with_an_article(path)
    store.db.execute(change)
    store.db.execute("DELETE FROM schema_migrations WHERE version = 11")
    store.close()
    return Store(path)


def test_migration_recomputes_signatures_stored_with_the_old_hash(tmp_path):
    reopened = _reopened_after_migration_11(tmp_path / "d.sqlite3", "UPDATE signatures SET minhash = zeroblob(512)")

    (stored,) = reopened.db.execute("SELECT minhash FROM signatures").fetchone()
    assert from_bytes(stored).jaccard(signature(normalised_text(f"Приговор\n{AGENCY}"))) == 1.0


def test_migration_drops_signatures_whose_body_was_pruned(tmp_path):
    reopened = _reopened_after_migration_11(tmp_path / "d.sqlite3", "UPDATE articles SET body = NULL")

    assert reopened.db.execute("SELECT count(*) FROM signatures").fetchone() == (0,)
