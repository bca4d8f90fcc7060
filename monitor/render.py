"""Digests rendered as text and HTML from Jinja2 templates an operator can override."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, select_autoescape

from monitor.digest import Digest

LABELS = {
    "en": {
        "digest": "Dozor digest", "alert": "Dozor URGENT alert", "already_alerted": "already alerted", "update": "update", "outlets": "Reported by", "feedback": "Feedback", "notices": "For the operator",
        "weak_rules": "Rules with low precision (review them)",
        "nothing_new": "Nothing new since the last digest.", "rules": "Rules",
        "relevant": "relevant", "irrelevant": "irrelevant", "marked": "Marked {verdict}",
        "gone": "These hits are no longer stored",
        "stories": "Stories", "failing_sources": "Sources failing", "rounds": "failed rounds",
        "urgent": "URGENT", "high": "high", "normal": "normal", "low": "low",
    },
    "ru": {
        "digest": "Дайджест «Дозор»", "alert": "«Дозор»: СРОЧНО", "already_alerted": "уже отправлено срочно", "update": "обновление", "outlets": "Сообщили", "feedback": "Оценка", "notices": "Для администратора",
        "weak_rules": "Правила с низкой точностью (проверьте их)",
        "nothing_new": "С прошлого дайджеста ничего нового.", "rules": "Правила",
        "relevant": "по теме", "irrelevant": "не по теме", "marked": "Отмечено: {verdict}",
        "gone": "Эти срабатывания больше не хранятся",
        "stories": "Сюжетов", "failing_sources": "Источники с ошибками", "rounds": "неудачных раундов",
        "urgent": "СРОЧНО", "high": "высокая", "normal": "обычная", "low": "низкая",
    },
}
# Bidi overrides and zero-width characters can disguise a headline; they never reach a reader.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\u00ad]")


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def plain(value: object) -> str:
    """Text safe to show: invisible and direction-changing characters removed."""
    return _INVISIBLE.sub("", str(value))


def safe_link(url: str) -> bool:
    return str(url).lower().startswith(("http://", "https://"))


def environment(template_dir: Path | None = None) -> Environment:
    loaders = [PackageLoader("monitor", "templates")]
    if template_dir is not None:
        loaders.insert(0, FileSystemLoader(str(template_dir)))
    env = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["plain"] = plain
    env.filters["safe_link"] = safe_link
    env.filters["local_time"] = local_time
    return env


def local_time(value: str | None, zone: str) -> str:
    """An ISO timestamp as 'YYYY-MM-DD HH:MM' in the reader's time zone; unparsable text as it is."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return plain(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M")


def render_digest(digest: Digest, language: str = "en", zone: str = "UTC", template_dir: Path | None = None) -> RenderedDigest:
    env = environment(template_dir)
    labels = LABELS.get(language, LABELS["en"])
    created = digest.created_at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M %Z")
    context = {"digest": digest, "labels": labels, "created": created, "language": language, "zone": zone,
               "heading": labels[digest.purpose]}
    subject = f"{labels[digest.purpose]}: {len(digest.items)} — {created}"
    return RenderedDigest(
        subject=plain(subject),
        text=env.get_template("digest.txt.j2").render(context),
        html=env.get_template("digest.html.j2").render(context),
    )
