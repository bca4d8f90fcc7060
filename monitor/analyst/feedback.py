"""Analysts' verdicts on hits: relevant or irrelevant. Every verdict is kept; the latest per hit counts."""
from __future__ import annotations

from dataclasses import dataclass

from monitor.analyst import AnalystError
from monitor.store import Store, utc_now

VERDICTS = ("relevant", "irrelevant")

LATEST_VERDICTS = """
    SELECT hit_id, verdict FROM feedback
    WHERE id IN (SELECT max(id) FROM feedback GROUP BY hit_id)
"""
"""One row per marked hit with its latest verdict, for joining into other queries."""


@dataclass(frozen=True)
class Verdict:
    feedback_id: int
    hit_id: int
    rule: str
    headline: str
    verdict: str


def record_verdict(store: Store, hit_id: int, verdict: str, note: str | None = None, via: str = "cli") -> Verdict:
    """Store one verdict on a hit; raise AnalystError for an unknown hit or verdict."""
    if verdict not in VERDICTS:
        raise AnalystError(f"the verdict must be relevant or irrelevant, not {verdict!r}")
    with store.transaction() as db:
        hit = db.execute(
            "SELECT h.rule_id, a.title FROM hits h JOIN articles a ON a.id = h.article_id WHERE h.id = ?", (hit_id,)
        ).fetchone()
        if hit is None:
            raise AnalystError(f"there is no hit with id {hit_id}; `export` and `serve` show the ids of stored hits")
        feedback_id = db["feedback"].insert(
            {"hit_id": hit_id, "verdict": verdict, "note": note, "via": via, "created_at": utc_now()}
        ).last_pk
    return Verdict(feedback_id, hit_id, hit[0], hit[1], verdict)


def format_verdict(verdict: Verdict) -> str:
    return f"Hit {verdict.hit_id} ({verdict.rule}: {verdict.headline}) marked {verdict.verdict}."
