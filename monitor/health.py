"""Per-source health: last success, last error and its category, consecutive failures."""
from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from crawler.items import FetchOutcome
from monitor.store import Store, utc_now

log = logging.getLogger("dozor.health")


@dataclass(frozen=True)
class SourceRound:
    """How one source fared in one round: failed if its first (listing or feed) request failed."""

    name: str
    kind: str
    ok: bool
    items: int
    category: str
    reason: str
    unchanged: bool = False


def summarise(kinds: dict[str, str], outcomes: Iterable[FetchOutcome]) -> list[SourceRound]:
    by_source: dict[str, list[FetchOutcome]] = defaultdict(list)
    for outcome in outcomes:
        by_source[outcome.source].append(outcome)
    rounds = []
    for name, kind in kinds.items():
        mine = by_source.get(name, [])
        failures = [outcome for outcome in mine if not outcome.ok]
        successes = [outcome for outcome in mine if outcome.ok]
        first_failure = failures[0] if failures else None
        rounds.append(
            SourceRound(
                name=name,
                kind=kind,
                ok=bool(successes),
                items=sum(outcome.items for outcome in successes),
                category=first_failure.category if first_failure and not successes else "",
                reason=first_failure.reason if first_failure and not successes else "",
                unchanged=any(outcome.status == 304 for outcome in successes),
            )
        )
    return rounds


def record(store: Store, rounds: Iterable[SourceRound], alert_after: int = 0) -> list[str]:
    """Write this round's result for every source; log recoveries and failures once each.

    Returns a notice for each source whose failures in a row have just reached `alert_after`
    (never when 0), so a failing source is reported once per streak, not every round.
    """
    now = utc_now()
    notices = []
    with store.transaction() as db:
        for entry in rounds:
            previous = db.execute(
                "SELECT consecutive_failures FROM sources WHERE name = ?", (entry.name,)
            ).fetchone()
            failures_before = previous[0] if previous else 0
            row = {"name": entry.name, "kind": entry.kind, "last_attempt": now, "last_items": entry.items}
            if entry.ok:
                row |= {"last_success": now, "consecutive_failures": 0}
                if failures_before:
                    log.info("source %s recovered after %d failed rounds", entry.name, failures_before)
            elif entry.category == "throttled":
                row |= {"last_error": entry.reason, "last_error_category": entry.category,
                        "consecutive_failures": failures_before}
                log.warning("source %s throttled by its site: %s; not counted as a failure", entry.name, entry.reason)
            else:
                row |= {
                    "last_error": entry.reason or "no response",
                    "last_error_category": entry.category or "unknown",
                    "consecutive_failures": failures_before + 1,
                }
                log.warning("source %s failed (%s): %s", entry.name, entry.category, entry.reason)
                if alert_after and row["consecutive_failures"] == alert_after:
                    notices.append(f"Source {entry.name} has failed {alert_after} rounds in a row "
                                   f"({row['last_error_category']}: {row['last_error']}); check its URL with "
                                   "`run_monitor.py sources` and fix or disable it in sources.yaml.")
            db["sources"].upsert(row, pk="name", alter=False)
    return notices


def failing_sources(store: Store, for_at_least: timedelta = timedelta(days=1)) -> list[dict]:
    """Sources failing now that have not succeeded for `for_at_least` (or never), for the digest footer."""
    since = (datetime.now(timezone.utc) - for_at_least).isoformat(timespec="seconds")
    return list(
        store.db.query(
            "SELECT name, last_error_category, last_error, consecutive_failures, last_success FROM sources "
            "WHERE consecutive_failures >= 1 AND (last_success IS NULL OR last_success < ?) ORDER BY name",
            [since],
        )
    )
