"""Ingest speed and story clustering quality on generated articles with known near-duplicates.

    python benchmarks/dedup_ingest.py [--articles 100000] [--duplicates 0.2]

Articles are generated from a vocabulary of Russian and English news words; a
fifth of them are near-duplicates of an earlier article (a rewritten lead, an
added paragraph, a new headline, some words changed), published within a day of
the original. The full ingest path runs (canonical URL, fingerprint, MinHash,
LSH, SQLite with its full-text index) with an empty rule pack, so the figures are
those of dedup and storage. Beside it, in the same run, the baseline writes the
same articles as plain rows with a full-text index and nothing else: the floor
of storage on this machine. Pairwise precision and recall of the clustering
against the known duplicate groups are printed in the same run.
"""
from __future__ import annotations

import argparse
import heapq
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from itertools import combinations, islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.items import Article  # noqa: E402
from monitor.config.models import StorySettings  # noqa: E402
from monitor.ingest import ingest  # noqa: E402
from monitor.rules.engine import compile_rules  # noqa: E402
from monitor.rules.model import RulePack  # noqa: E402
from monitor.store import Store  # noqa: E402

VOCABULARY = (
    "суд приговор задержан граждан области района министерство заявил сообщил данным следствия сотрудники "
    "безопасности комитет национальной граница операция лагерь сирия турция вернулись семьи дети женщины "
    "court sentenced detained citizens region ministry said according investigators security committee border "
    "operation camp returned families children women police prosecutor appeal lawyer hearing witnesses "
    "бишкек алматы ташкент душанбе ош шымкент наманган худжанд astana bishkek tashkent dushanbe osh"
).split()
START = datetime(2026, 1, 1, tzinfo=timezone.utc)
SYLLABLES = "ка ра за то ми ла не ду ба ги ко ша ре те ан ос ул ер им ту ва ли ro na ti ka me lo du ba ri se an".split()


def vocabulary(rng: random.Random, size: int = 20_000) -> list[str]:
    """Real news words plus made-up ones, so that unrelated articles share few three-word runs, as in real news."""
    made_up = {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(size)}
    return VOCABULARY * 20 + sorted(made_up)


def original(rng: random.Random, words: list[str], number: int) -> tuple[str, str, datetime]:
    sentences = [" ".join(rng.choice(words) for _ in range(rng.randint(12, 22))) + "." for _ in range(rng.randint(18, 30))]
    title = " ".join(rng.choice(words) for _ in range(8)) + f" {number}"
    return title, " ".join(sentences), START + timedelta(minutes=5 * number)


def near_duplicate(rng: random.Random, words: list[str], title: str, body: str, when: datetime) -> tuple[str, str, datetime]:
    """What an outlet does to agency copy: new headline, lead rewritten, a paragraph added, a few words swapped."""
    sentences = body.split(". ")
    sentences[0] = " ".join(rng.choice(words) for _ in range(15))
    sentences.append(" ".join(rng.choice(words) for _ in range(25)))
    tokens = " ".join(sentences).split()
    for _ in range(len(tokens) // 40):
        tokens[rng.randrange(len(tokens))] = rng.choice(words)
    new_title = " ".join(rng.choice(words) for _ in range(7))
    return new_title, " ".join(tokens), when + timedelta(hours=rng.uniform(0, 20))


def generate(count: int, duplicate_share: float, seed: int = 7) -> Iterator[tuple[Article, int]]:
    """Articles in publication order, each with its true group (the original's number).

    Streamed, so that peak memory is the ingest's and not that of a corpus held whole:
    a near-duplicate copies one of the last 200 originals, so nothing published before
    the oldest of them can still be preceded by an article not generated yet.
    """
    rng = random.Random(seed)
    words = vocabulary(rng)
    originals: deque[tuple[int, str, str, datetime]] = deque(maxlen=200)
    waiting: list[tuple[datetime, int, int, str, str]] = []
    for number in range(count):
        if originals and rng.random() < duplicate_share:
            group, title, body, when = rng.choice(originals)
            title, body, when = near_duplicate(rng, words, title, body, when)
        else:
            title, body, when = original(rng, words, number)
            group = number
            originals.append((group, title, body, when))
        heapq.heappush(waiting, (when, number, group, title, body))
        while waiting[0][0] < originals[0][3]:
            yield _published(*heapq.heappop(waiting))
    while waiting:
        yield _published(*heapq.heappop(waiting))


def _published(when: datetime, number: int, group: int, title: str, body: str) -> tuple[Article, int]:
    """The article as an outlet publishes it; its URL is numbered later, in publication order."""
    return Article(source="", url="", title=title, body=body, published=when, language="ru"), group


def numbered(stream: Iterator[tuple[Article, int]], truth: dict[int, int]) -> Iterator[Article]:
    """Outlet and URL by position in publication order, and the true group of every position."""
    for index, (article, group) in enumerate(stream):
        truth[index] = group
        yield replace(article, source=f"outlet-{index % 40}", url=f"https://outlet{index % 40}.example/{index}")


def pairwise(truth: dict[int, int], found: dict[int, int]) -> tuple[float, float]:
    def pairs(labels: dict[int, int]) -> set[tuple[int, int]]:
        members = defaultdict(list)
        for item, label in labels.items():
            members[label].append(item)
        return {pair for group in members.values() for pair in combinations(sorted(group), 2)}

    true_pairs, found_pairs = pairs(truth), pairs(found)
    correct = len(true_pairs & found_pairs)
    return correct / max(len(found_pairs), 1), correct / max(len(true_pairs), 1)


def store_only(articles: Iterator[Article], folder: Path, batch: int) -> float:
    """The baseline: the same articles written as plain rows with a full-text index, no dedup and no stories,
    in the same batches; the seconds spent writing."""
    import sqlite3

    conn = sqlite3.connect(folder / "baseline.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, url TEXT UNIQUE, title TEXT, body TEXT, published TEXT)")
    conn.execute("CREATE VIRTUAL TABLE articles_fts USING fts5(title, body, content='articles', content_rowid='id')")
    elapsed = 0.0
    while rows := [(article.url, article.title, article.body, article.published.isoformat())
                   for article in islice(articles, batch)]:
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        for row in rows:
            rowid = conn.execute("INSERT INTO articles (url, title, body, published) VALUES (?, ?, ?, ?)", row).lastrowid
            conn.execute("INSERT INTO articles_fts (rowid, title, body) VALUES (?, ?, ?)", (rowid, row[1], row[2]))
        conn.execute("COMMIT")
        elapsed += time.perf_counter() - started
    conn.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=100_000)
    parser.add_argument("--duplicates", type=float, default=0.2)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    truth: dict[int, int] = {}
    articles = numbered(generate(args.articles, args.duplicates), truth)
    matcher = compile_rules(RulePack())
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.sqlite3")
        elapsed = 0.0
        while batch := list(islice(articles, args.batch)):
            started = time.perf_counter()
            ingest(store, matcher, batch, [], StorySettings())
            elapsed += time.perf_counter() - started
        stories = dict(store.db.execute("SELECT id - 1, story_id FROM articles ORDER BY id").fetchall())
        size = (Path(folder) / "bench.sqlite3").stat().st_size
        store.close()
        baseline = store_only(numbered(generate(args.articles, args.duplicates), {}), Path(folder), args.batch)
    precision, recall = pairwise(truth, stories)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{len(truth)} articles, {args.duplicates:.0%} near-duplicates, batches of {args.batch}")
    print(f"ingest (dedup + stories + SQLite/FTS): {len(truth) / elapsed:,.0f} articles/s ({elapsed:.1f} s)   goal >= 2,000")
    print(f"baseline, rows + full-text index only:  {len(truth) / baseline:,.0f} articles/s ({baseline:.1f} s)")
    print(f"clustering: precision {precision:.3f}, recall {recall:.3f}   goal >= 0.95 each")
    print(f"peak RSS {peak:,.0f} MB (goal < 1,024), database {size / 1024 ** 2:,.0f} MB, {len(set(stories.values())):,} stories")


if __name__ == "__main__":
    main()
