"""Readable text out of HTML fragments (feed descriptions, article bodies)."""
from __future__ import annotations

import html
import re

import lxml.html
from lxml.etree import ParserError

_BLOCK = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "tr", "section", "article"}
_SPACES = re.compile(r"[ \t\u00a0]{2,}|[\t\u00a0]")  # single spaces need no rewrite
_BLANK_LINES = re.compile(r"\n\s*\n+")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: scripts and styles dropped, blocks on their own lines."""
    if "<" not in fragment:
        return _tidy(html.unescape(fragment))
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (ParserError, ValueError):
        return _tidy(fragment)
    for element in list(root.iter("script", "style", "noscript")):
        element.drop_tree()
    parts: list[str] = []
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag in _BLOCK:
            parts.append("\n")
        if element.text and isinstance(element.tag, str):
            parts.append(element.text)
        if element.tail:
            parts.append(element.tail)
    return _tidy("".join(parts))


def _tidy(text: str) -> str:
    if "  " in text or "\t" in text or "\u00a0" in text:  # the common case, single spaces, skips the regex
        text = _SPACES.sub(" ", text)
    if "\n" not in text:
        return text.strip()
    lines = [line.strip() for line in text.splitlines()]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()
