"""News sitemaps (and sitemap indexes) read with an XML parser that resolves no entities."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from crawler.extract import parse_date

_NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    title: str
    published: datetime | None


@dataclass(frozen=True)
class Sitemap:
    entries: list[SitemapEntry]
    children: list[str]
    """Sitemaps listed by a sitemap index, newest first."""


def parse_sitemap(body: bytes) -> Sitemap:
    """Entries newest first (undated last); an unreadable body gives an empty sitemap."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)
    try:
        root = etree.fromstring(body, parser=parser)
    except etree.XMLSyntaxError:
        root = None
    if root is None:
        return Sitemap([], [])
    entries, children = [], []
    for element in root:
        if not isinstance(element.tag, str):
            continue
        location = _child_text(element, "loc")
        if not location:
            continue
        if _local(element.tag) == "sitemap":
            children.append((parse_date(_child_text(element, "lastmod")), location))
        else:
            entries.append(_entry(element, location))
    entries.sort(key=lambda entry: entry.published.timestamp() if entry.published else float("-inf"), reverse=True)
    children.sort(key=lambda child: child[0].timestamp() if child[0] else float("-inf"), reverse=True)
    return Sitemap(entries, [location for _, location in children])


def _entry(element: etree._Element, location: str) -> SitemapEntry:
    news = element.find(f"{_NEWS}news")
    title = news.findtext(f"{_NEWS}title", default="").strip() if news is not None else ""
    published_text = news.findtext(f"{_NEWS}publication_date", default="") if news is not None else ""
    published = parse_date(published_text) or parse_date(_child_text(element, "lastmod"))
    return SitemapEntry(url=location, title=title, published=published)


def _child_text(element: etree._Element, name: str) -> str:
    for child in element:
        if isinstance(child.tag, str) and _local(child.tag) == name:
            return (child.text or "").strip()
    return ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
