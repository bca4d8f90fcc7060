"""Speed and memory of the rule matcher, side by side with the practical limit and the naive way.

    python benchmarks/rules_speed.py [--articles 20000] [--names 10000] [--warmup 5000] [--naive-sample 3] [--seed 1]

Generates mixed Russian/English articles of 2-4 KB (a Zipf-distributed
vocabulary of made-up words, numbers, watchlist names, and in one article of
ten a sentence the default pack flags), then matches them against the default
rule pack plus a generated watchlist of person entities (Cyrillic and Latin
aliases, fuzzy 85) with:

  (a) Dozor's matcher: stemming, transliteration, prefixes and fuzzy all on;
      warmed up on other articles first, so the figure is the steady state;
  (b) an exact-only multi-pattern pass (pyahocorasick) over the lowercased
      terms and the lowercased text: no morphology, no transliteration, no fuzz;
  (c) the naive way, rapidfuzz partial_ratio of every term against every
      text, timed on a small sample and extrapolated.

(a) and (b) take turns over slices of the same articles, so that other work
on the machine slows both alike and their ratio holds still.

Prints articles per second for each, compile time, the bounded caches' sizes
and the peak resident memory of the process. --names 50000 checks the memory
goal; --articles scales the run.
"""
from __future__ import annotations

import argparse
import itertools
import random
import resource
import time
from collections.abc import Iterator

import ahocorasick
from rapidfuzz import fuzz

from monitor.config.loader import load_config
from monitor.rules.engine import Document, Matcher, compile_rules
from monitor.rules.model import Entity, Rule, RulePack, Term
from monitor.rules.terms import term_words

FIRST_NAMES = ["Алишер", "Бахтиёр", "Жанат", "Ербол", "Нурлан", "Рустам", "Фаррух", "Шерзод", "Азамат", "Тимур", "Дильшод", "Улугбек", "Санжар", "Бекзод", "Мурат", "Айбек", "Абдулла", "Мухаммад", "Ибрагим", "Исмаил", "Жасур", "Отабек", "Далер", "Фирдавс", "Сухроб", "Бахром", "Темирлан", "Арман", "Ерлан", "Даурен", "Нурсултан", "Бауыржан", "Асхат", "Марат", "Канат", "Эльдияр", "Нурбек", "Адилет", "Бакыт", "Максат", "Азиз", "Хуршед", "Джамшед", "Парвиз", "Умед"]
SURNAME_STEMS = ["Алиев", "Каримов", "Рахимов", "Юсупов", "Турсун", "Назаров", "Исмаил", "Саидов", "Мирзо", "Хасан", "Умаров", "Эргаш", "Абдулла", "Жумабай", "Сейткали", "Ахмед", "Нуриддин", "Шукур", "Бобо", "Хамид", "Рашид", "Сулейман", "Ташкул", "Есен", "Байтур", "Кожахмет", "Оразбай", "Мамыт", "Токтогул", "Исаков"]
SURNAME_ENDINGS = ["", "ов", "ев", "зода", "ович", "улы", "уулу", "баев", "беков", "джанов", "кулов", "иддинов"]
LATIN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}
RU_SYLLABLES = ["ка", "ло", "ми", "ра", "ст", "ве", "но", "ди", "ко", "пре", "до", "за", "те", "ны", "ли", "ва", "ро", "бо", "на", "по", "ре", "ма", "ти", "ле", "ни", "ку"]
RU_ENDINGS = ["", "а", "ы", "ов", "ой", "ами", "ого", "ому", "ение", "ться", "ский", "ская"]
EN_SYLLABLES = ["con", "pro", "ment", "ter", "al", "ing", "re", "de", "com", "ex", "par", "ti", "on", "ra", "ble", "ver", "ca", "na", "mi", "lo", "sta", "pre", "for"]
EN_ENDINGS = ["", "s", "ed", "ing", "er", "ly", "tion", "al"]
SLICE = 1_000  # articles timed in one turn of (a) and then (b)
FLAGGED = [
    "Комитет сообщил, что гражданин Казахстана опознан среди боевиков «Исламского государства» в Сирии.",
    "Police said the recruiter for Islamic State Khorasan Province was detained in Khujand on terrorism charges.",
    "Суд приговорил вербовщика террористической организации к семи годам лишения свободы.",
    "Women and children were repatriated from the al-Hol camp in north-east Syria.",
]


def latin(name: str) -> str:
    return "".join(LATIN.get(char, char) if char.islower() else LATIN.get(char.lower(), char).capitalize() for char in name)


def watchlist(count: int, rng: random.Random) -> dict[str, Entity]:
    """`count` person entities, each with a Cyrillic and a Latin alias, fuzzy 85."""
    names: set[str] = set()
    while len(names) < count:
        stem = rng.choice(SURNAME_STEMS)
        syllable = rng.choice(RU_SYLLABLES).capitalize() if rng.random() < 0.5 else ""
        names.add(f"{rng.choice(FIRST_NAMES)} {syllable}{stem.lower() if syllable else stem}{rng.choice(SURNAME_ENDINGS)}")
    return {
        f"person_{index}": Entity(kind="person", aliases=[name, latin(name)], fuzzy=85, groups=["watchlist"])
        for index, name in enumerate(sorted(names))
    }


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        if rng.random() < 0.5:
            words.add("".join(rng.choices(RU_SYLLABLES, k=rng.randint(1, 3))) + rng.choice(RU_ENDINGS))
        else:
            words.add("".join(rng.choices(EN_SYLLABLES, k=rng.randint(1, 3))) + rng.choice(EN_ENDINGS))
    shuffled = sorted(words)  # a set's order changes from run to run with the string hash seed
    rng.shuffle(shuffled)
    return shuffled


def articles(count: int, rng: random.Random, words: list[str], names: list[str]) -> Iterator[Document]:
    """Articles of 2-4 KB: Zipf-distributed words in sentences, some numbers and names, one in ten flagged."""
    cumulative = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))
    for index in range(count):
        size = rng.randint(2048, 4096)
        sentences: list[str] = []
        length = 0
        while length < size:
            sentence = rng.choices(words, cum_weights=cumulative, k=rng.randint(8, 20))
            if rng.random() < 0.1:
                sentence.insert(rng.randrange(len(sentence)), str(rng.randint(1, 99_999)))
            if rng.random() < 0.005:
                sentence.insert(rng.randrange(len(sentence)), rng.choice(names))
            text = " ".join(sentence).capitalize() + rng.choice([".", ".", ",", "!", "?"])
            sentences.append(text)
            length += len(text.encode("utf-8")) + 1
        if index % 10 == 0:
            sentences.insert(rng.randrange(len(sentences)), rng.choice(FLAGGED))
        yield Document(" ".join(rng.choices(words[:2000], k=8)).capitalize(), " ".join(sentences))


def pack_terms(pack: RulePack) -> list[str]:
    """Every term and alias of a pack as written, stars removed: what (b) and (c) search for."""
    terms = [item.term if isinstance(item, Term) else item for term_list in pack.lists.values() for item in term_list.terms]
    terms += [alias for entity in pack.entities.values() for alias in entity.aliases]
    return sorted({" ".join(word.text for word in term_words(term)) for term in terms} - {""})


def side_by_side(matcher: Matcher, automaton: ahocorasick.Automaton, documents: list[Document]) -> tuple[float, int, float, int]:
    """Seconds and articles found by (a) and (b), timed in turns over slices of the articles.

    Each slice is matched by (a), in order so that its caches evolve as in one
    pass, then searched by (b): when other work slows the machine for a while,
    it slows both alike, and their ratio stays meaningful.
    """
    dozor = exact = 0.0
    flagged = exact_found = 0
    for start in range(0, len(documents), SLICE):
        part = documents[start:start + SLICE]
        started = time.perf_counter()
        flagged += sum(bool(matcher.match(document)) for document in part)
        dozor += time.perf_counter() - started
        started = time.perf_counter()
        exact_found += sum(any(True for _ in automaton.iter(f"{d.title}\n{d.body}".casefold())) for d in part)
        exact += time.perf_counter() - started
    return dozor, flagged, exact, exact_found


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:10,.0f} articles/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    parser.add_argument("--names", type=int, default=10_000, help="watchlist size (the memory goal is for 50000)")
    parser.add_argument("--warmup", type=int, default=5_000, help="articles matched first, to fill the caches")
    parser.add_argument("--naive-sample", type=int, default=3, help="articles timed for the naive way")
    parser.add_argument("--vocabulary", type=int, default=60_000, help="distinct made-up words in the articles")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    default = load_config().rules
    started = time.perf_counter()
    compile_rules(default)
    default_compile = time.perf_counter() - started
    people = watchlist(args.names, rng)
    pack = RulePack(
        lists=default.lists,
        entities={**default.entities, **people},
        rules=[*default.rules, Rule(id="watchlist", title="Watchlist person named", match={"any": ["@watchlist"]})],
    )
    started = time.perf_counter()
    matcher = compile_rules(pack)
    full_compile = time.perf_counter() - started
    terms = pack_terms(pack)
    print(f"rules {len(pack.rules)}, lists {len(pack.lists)}, entities {len(pack.entities)} "
          f"({args.names} watchlist names), distinct terms {len(terms)}")
    print(f"compile: default pack {default_compile:.2f} s, with watchlist {full_compile:.2f} s")

    words = vocabulary(rng, args.vocabulary)
    names = [alias for entity in list(people.values())[:2000] for alias in entity.aliases]
    warmup = list(articles(args.warmup, rng, words, names))
    documents = list(articles(args.articles, rng, words, names))
    megabytes = sum(len(d.title.encode()) + len(d.body.encode()) for d in documents) / 1e6
    print(f"articles: {len(documents)} ({megabytes:.1f} MB), warm-up {len(warmup)}")

    started = time.perf_counter()
    for document in warmup:
        matcher.match(document)
    cold = time.perf_counter() - started
    automaton = ahocorasick.Automaton()
    for term in terms:
        automaton.add_word(term.casefold(), term)
    automaton.make_automaton()
    dozor, flagged, exact, exact_found = side_by_side(matcher, automaton, documents)

    sample = documents[: args.naive_sample]
    started = time.perf_counter()
    for document in sample:
        text = f"{document.title}\n{document.body}"
        for term in terms:
            fuzz.partial_ratio(term, text, score_cutoff=85)
    naive = (time.perf_counter() - started) / len(sample)

    sizes = matcher.lexicon.cache_sizes()
    print()
    print(f"(a) Dozor matcher, cold (warm-up)   {rate(len(warmup), cold)}")
    print(f"(a) Dozor matcher, steady state     {rate(len(documents), dozor)}   {flagged} articles flagged")
    print(f"(b) exact-only Aho-Corasick         {rate(len(documents), exact)}   {exact_found} articles with a term substring")
    print(f"(c) naive partial_ratio, extrap.    {1 / naive:10,.1f} articles/s   ({len(sample)} sampled, {naive:.2f} s each)")
    print(f"Dozor is {dozor / exact:.1f}x the exact-only time and {naive * len(documents) / dozor:,.0f}x faster than naive")
    print(f"caches (bounded at {sizes['limit']:,} entries each, other chunks at a quarter of it): "
          f"plain chunks {sizes['plain chunks']:,}, other chunks {sizes['chunks'] - sizes['plain chunks']:,}, "
          f"words {sizes['words']:,}, case-folded words {sizes['folded words']:,}")
    print(f"peak resident memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
