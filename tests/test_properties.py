"""Property tests: text folding, URL canonical forms, Telegram digest splitting and the feed parser
hold for inputs nobody wrote by hand (the issue's "never raises, idempotent, nothing lost")."""
from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crawler.feeds import parse_feed
from monitor.digest import Digest, DigestGroup, DigestItem, Segment
from monitor.notify.telegram import MAX_MESSAGE, render_telegram
from monitor.render import LABELS
from monitor.text import normalise_word, normalised_words, skeleton
from monitor.urls import canonical_url
from tests.fakes.telegram import parse_html

# Example counts per property, kept so the whole file runs in a few seconds; the report quotes them.
TEXT_EXAMPLES = 400
URL_EXAMPLES = 400
DIGEST_EXAMPLES = 100
FEED_EXAMPLES = 500
# NFKD can turn one character into at most 18 (U+FDFA), and case folding one into at most 3.
GROWTH = 18
REGION_LETTERS = (
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя" "ғқңүұһәөі" "ўҳ" "ӣӯҷ"          # Russian, Kazakh, Uzbek, Kyrgyz, Tajik
    "abcdefghijklmnopqrstuvwxyz" "çäžňöşüýáǵıńóúğə" "'ʻʼ’"           # English, Turkmen, Kazakh and Uzbek Latin
)

QUICK = settings(deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


# -- text ---------------------------------------------------------------------------------------


@settings(QUICK, max_examples=TEXT_EXAMPLES)
@given(st.text())
def test_normalise_word_is_idempotent_and_bounded(word):
    once = normalise_word(word)
    assert normalise_word(once) == once
    assert len(once) <= GROWTH * len(word)


@settings(QUICK, max_examples=TEXT_EXAMPLES)
@given(st.text())
def test_normalised_words_are_a_fixed_point(text):
    words = normalised_words(text)
    assert normalised_words(" ".join(words)) == words
    assert sum(map(len, words)) <= GROWTH * len(text)


@settings(QUICK, max_examples=TEXT_EXAMPLES)
@given(st.text())
def test_skeleton_never_raises_and_is_bounded(word):
    assert len(skeleton(word)) <= GROWTH * len(word)


@settings(QUICK, max_examples=TEXT_EXAMPLES)
@given(st.text(alphabet=REGION_LETTERS + REGION_LETTERS.upper(), min_size=1, max_size=30))
def test_skeleton_of_the_regions_alphabets_is_plain_lowercase_ascii(word):
    folded = skeleton(word)
    assert folded.isascii() and folded == folded.lower()
    assert skeleton(word.upper()) == folded


# -- URLs ---------------------------------------------------------------------------------------


hosts = st.builds(
    "{}{}".format,
    st.sampled_from(["", "www.", "m.", "amp.", "WWW.", "news."]),
    st.from_regex(r"[a-zA-Z0-9-]{1,12}(\.[a-zA-Z0-9-]{1,8}){1,2}", fullmatch=True),
)
http_urls = st.builds(
    "{}://{}{}{}{}{}".format,
    st.sampled_from(["http", "https", "HTTP", "Https"]),
    hosts,
    st.sampled_from(["", ":80", ":443", ":8080"]),
    st.text().map(lambda path: "/" + path),
    st.text().map(lambda query: "?" + query if query else ""),
    st.text().map(lambda fragment: "#" + fragment if fragment else ""),
)


@settings(QUICK, max_examples=URL_EXAMPLES)
@given(http_urls)
def test_canonical_url_is_idempotent(url):
    canonical = canonical_url(url)
    assert canonical_url(canonical) == canonical
    assert canonical.startswith("https://")


@settings(QUICK, max_examples=URL_EXAMPLES)
@given(st.sampled_from(["http://", "https://"]), st.text())
def test_canonical_url_never_raises_on_any_http_text(scheme, rest):
    assert isinstance(canonical_url(scheme + rest), str)


# -- Telegram digest splitting ------------------------------------------------------------------


hostile_text = st.text(alphabet=st.sampled_from(list("абвгдеёжзйклмнопрс abcxyz<>&\"'*_[]/;🚨🇰🇿👨‍👩‍👧\u202e\u200b\u00ad")),
                       max_size=400)


@st.composite
def digests(draw) -> Digest:
    count = draw(st.integers(min_value=0, max_value=40))
    items = []
    for number in range(count):
        title = f"S{number:03d}# " + draw(hostile_text)
        snippet = [Segment(text, emphasised=draw(st.booleans())) for text in draw(st.lists(hostile_text, max_size=4)) if text]
        url = draw(st.sampled_from([f"https://kaz.example/n/{number}?a=1&b=<2>", "javascript:alert(1)",
                                    "https://x.example/" + "p" * 3000]))
        items.append(DigestItem(article_id=number, title=title, url=url, source=draw(hostile_text) or "src",
                                published="2026-11-29T08:00:00+05:00", severity="high", score=80, rules=["Rule"],
                                snippet=snippet))
    groups = []
    while items:
        take = draw(st.integers(min_value=1, max_value=len(items)))
        groups.append(DigestGroup(draw(hostile_text) or "group", items[:take]))
        items = items[take:]
    return Digest("telegram", datetime(2026, 11, 29, 8, 0, tzinfo=UTC), groups, [])


def _units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@settings(QUICK, max_examples=DIGEST_EXAMPLES)
@given(digests(), st.sampled_from(["en", "ru"]))
def test_telegram_parts_stay_within_the_limit_and_keep_every_story_once_in_order(digest, language):
    parts = render_telegram(digest, LABELS[language])

    assert all(_units(part) <= MAX_MESSAGE and _units(parse_html(part)) <= MAX_MESSAGE for part in parts)
    markers = re.findall(r"S(\d{3})#", "".join(parts))
    assert markers == [f"{item.article_id:03d}" for item in digest.items]


# -- feeds --------------------------------------------------------------------------------------


feed_pieces = st.sampled_from([
    b"<?xml version='1.0' encoding='utf-8'?>", b"<?xml version='1.0' encoding='windows-1251'?>", b"<rss version='2.0'>",
    b"<channel>", b"<item>", b"<title>", b"</title>", b"<link>", b"</link>", b"</item>", b"</channel>", b"</rss>",
    b"<feed xmlns='http://www.w3.org/2005/Atom'>", b"<entry>", b"</entry>", b"<!DOCTYPE rss [<!ENTITY a 'aaaa'>]>",
    b"&a;", b"&amp;", b"&#0;", b"<![CDATA[", b"]]>", "Боевики".encode("cp1251"), "Боевики".encode("koi8_r"),
    "Боевики".encode(), b"\xef\xbb\xbf", b"\x00", b"\xff\xfe", b"<pubDate>Mon, 01 Jan 2999</pubDate>",
])


@settings(QUICK, max_examples=FEED_EXAMPLES)
@given(st.one_of(st.binary(max_size=2000), st.lists(st.one_of(feed_pieces, st.binary(max_size=20)), max_size=40).map(b"".join)),
       st.sampled_from([None, "utf-8", "windows-1251", "koi8-r", "latin-1", "bogus"]))
def test_parse_feed_never_raises_on_any_bytes(body, charset):
    parsed = parse_feed(body, charset)
    assert all(isinstance(entry.title, str) for entry in parsed.entries)
