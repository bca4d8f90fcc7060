"""When things are due: pure functions of times and settings, table-tested."""
from __future__ import annotations

import zlib
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

MAX_BACKOFF = timedelta(hours=6)
JITTER = 0.1


def jitter_fraction(name: str) -> float:
    """A stable offset in [-JITTER, +JITTER) per source, so sources on one host do not fire together."""
    return (zlib.crc32(name.encode("utf-8")) % 2000 / 1000 - 1) * JITTER


def next_crawl(name: str, interval: timedelta, last_attempt: datetime | None, failures: int) -> datetime | None:
    """When a source is next due; None means now (never tried). Failing sources back off exponentially."""
    if last_attempt is None:
        return None
    wait = interval * (1 + jitter_fraction(name))
    if failures:
        wait = min(interval * 2 ** failures, max(MAX_BACKOFF, interval))
    return last_attempt + wait


def digest_period(now: datetime, at: str, zone: str) -> datetime:
    """The start of the digest period `now` falls in: the latest local `at` (HH:MM) not after now, in UTC.

    A local time that does not exist on a DST day is moved forward by the gap;
    one that occurs twice counts once (the first), so every day has one period.
    """
    local_zone = ZoneInfo(zone)
    local_now = now.astimezone(local_zone)
    hour, minute = (int(part) for part in at.split(":"))
    for days_back in (0, 1, 2):
        day = local_now.date() - timedelta(days=days_back)
        start = datetime.combine(day, time(hour, minute), tzinfo=local_zone)
        start = start.astimezone(ZoneInfo("UTC")).astimezone(local_zone)  # normalise a non-existent local time
        if start <= local_now:
            return start.astimezone(ZoneInfo("UTC"))
    raise AssertionError("unreachable: a period starts within two days")
