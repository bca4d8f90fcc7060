"""Charset decisions for pages and feeds from old Central Asian sites."""
from __future__ import annotations

import codecs

import pytest

from crawler.encoding import decode, detect_encoding
from crawler.feeds import parse_feed

HEADLINE = "Суд вынес приговор вербовщикам террористической организации"


@pytest.mark.parametrize(
    ("body", "header", "expected"),
    [
        (HEADLINE.encode("utf-8"), None, "utf_8"),
        (codecs.BOM_UTF8 + HEADLINE.encode("utf-8"), "windows-1251", "utf-8"),
        (HEADLINE.encode("cp1251"), None, "cp1251"),
        (HEADLINE.encode("koi8_r"), None, "koi8_r"),
        (HEADLINE.encode("koi8_r"), "utf-8", "koi8_r"),
        (HEADLINE.encode("cp1251"), "iso-8859-1", "cp1251"),
        ("Короткий заголовок".encode("koi8_r"), None, "koi8_r"),
        ("Короткий заголовок".encode("cp1251"), None, "cp1251"),
    ],
)
def test_detect_encoding(body, header, expected):
    assert detect_encoding(body, header) == expected


def test_cp1251_is_not_read_as_windows_1252_mojibake():
    text = decode(("<p>" + HEADLINE + "</p>").encode("cp1251"))
    assert HEADLINE in text
    assert "Ñ" not in text and "â" not in text


def test_feed_in_koi8r_labelled_utf8_yields_cyrillic_entries():
    feed = (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Лента</title>'
        f"<item><title>{HEADLINE}</title><link>https://example.org/1</link></item></channel></rss>"
    ).encode("koi8_r")

    parsed = parse_feed(feed, "utf-8")

    assert [entry.title for entry in parsed.entries] == [HEADLINE]


def test_html_page_served_as_feed_is_reported_as_not_a_feed():
    parsed = parse_feed(b"<!DOCTYPE html><html><body><form>Login</form></body></html>")

    assert parsed.entries == [] and parsed.looks_like_html
