"""Config folders for tests, written into tmp_path the way an operator would write them."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from monitor.config import ConfigError, load_config

DEMO_SITE = Path(__file__).resolve().parents[1] / "monitor" / "demo_site"

# A deliberately small pack: the spine's tests check the path, not the rule language.
TEST_RULES = {
    "lists": {
        "militants": ["боевик*", "militant*", "fighters", "лаңкес*", "вербовщик*", "recruiter*"],
        "groups": ["исламск* государств*", "Islamic State", "ISIS-K", "Вилаят* Хорасан", "терроризм*"],
        "sport": ["UFC", "MMA", "knockout"],
    },
    "rules": [
        {
            "id": "extremism",
            "title": "Extremism and foreign fighters",
            "severity": "high",
            "score": 80,
            "match": {"any": ["$militants", "$groups"]},
            "unless": {"any": ["$sport"]},
        }
    ],
}


def demo_sources(base: str) -> list[dict]:
    return [
        {"name": "wire", "kind": "rss", "url": f"{base}/feeds/central-asia.rss", "country": "REGION", "languages": ["ru"]},
        {"name": "dala", "kind": "atom", "url": f"{base}/feeds/kazakh.atom", "country": "KZ", "languages": ["kk"]},
        {
            "name": "herald", "kind": "html", "url": f"{base}/news/index.html", "country": "UZ", "languages": ["ru"],
            "listing": {"links": "ul.news-list a.headline"},
            "article": {"title": "h1.title", "body": "div.article-body p"},
        },
    ]


def write_config(folder: Path, data_dir: Path, sources: list[dict], rules: dict | None = None,
                 channels: list[dict] | None = None, monitor: dict | None = None, **crawl: object) -> Path:
    """A complete config folder whose database and digests live under data_dir; `monitor` adds top-level keys."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rules").mkdir(exist_ok=True)
    settings = {
        "database": str(data_dir / "dozor.sqlite3"),
        "timezone": "Asia/Almaty",
        "crawl": {
            "allow_private_addresses": True, "retries": 0, "autothrottle": False, "timeout": "5s",
            "first_crawl_max_age": "36500d", **crawl,
        },
        "channels": channels or [{"name": "files", "kind": "file", "folder": str(data_dir / "digests")}],
        **(monitor or {}),
    }
    _dump(folder / "monitor.yaml", settings)
    _dump(folder / "sources.yaml", {"sources": sources})
    _dump(folder / "rules" / "test.yaml", rules or TEST_RULES)
    return folder


def _dump(path: Path, data: object) -> None:
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def config_problems(folder: Path) -> list[str]:
    """The problems load_config reports for a config folder that must not load."""
    with pytest.raises(ConfigError) as caught:
        load_config(folder)
    return caught.value.problems
