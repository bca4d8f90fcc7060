"""Stories as analysts see them: each with its articles and the outlets that carried them."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from monitor.store import Store


@dataclass
class StoryArticle:
    source: str
    title: str
    url: str
    published: str | None
    language: str | None = None
    mirrors: list[str] = field(default_factory=list)


@dataclass
class Story:
    id: int
    title: str
    first_seen: str
    last_seen: str
    articles: list[StoryArticle]
    severity: str | None


def list_stories(store: Store, since: str | None = None, limit: int = 100) -> list[Story]:
    """The newest stories (last seen on or after `since`), each with every article and mirror URL."""
    stories = list(store.db.query(
        """SELECT s.id, s.title, s.first_seen, s.last_seen,
                  (SELECT h.severity FROM hits h JOIN articles a ON a.id = h.article_id WHERE a.story_id = s.id
                   ORDER BY CASE h.severity WHEN 'urgent' THEN 3 WHEN 'high' THEN 2 WHEN 'normal' THEN 1 ELSE 0 END DESC
                   LIMIT 1) AS severity
           FROM stories s WHERE s.last_seen >= ? ORDER BY s.last_seen DESC, s.id DESC LIMIT ?""",
        [since or "", limit],
    ))
    articles: dict[int, list[StoryArticle]] = defaultdict(list)
    ids = [story["id"] for story in stories]
    if ids:
        marks = ",".join("?" * len(ids))
        mirrors = defaultdict(list)
        for article_id, url in store.db.execute(
            f"SELECT u.article_id, u.canonical_url FROM article_urls u JOIN articles a ON a.id = u.article_id "
            f"WHERE a.story_id IN ({marks})", ids):
            mirrors[article_id].append(url)
        for row in store.db.query(
            f"SELECT id, story_id, source, title, url, published, language FROM articles WHERE story_id IN ({marks}) ORDER BY id",
                ids):
            articles[row["story_id"]].append(StoryArticle(row["source"], row["title"], row["url"], row["published"],
                                                          row["language"], mirrors.get(row["id"], [])))
    return [Story(story["id"], story["title"], story["first_seen"], story["last_seen"], articles[story["id"]],
                  story["severity"]) for story in stories]
