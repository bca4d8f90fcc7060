"""Failure categories: one word per way a fetch can end badly, shared by logs, health and tests."""
from __future__ import annotations

from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

_BY_TYPE: tuple[tuple[type[BaseException], str], ...] = (
    (DownloadTimeoutError, "timeout"),
    (CannotResolveHostError, "dns"),
    (DownloadConnectionRefusedError, "connect"),
    (DownloadCancelledError, "too_large"),
    (ResponseDataLossError, "connect"),
)


def categorize(failure: Failure) -> tuple[str, str, int | None]:
    """Return (category, reason, http status) for a failed request."""
    error = failure.value
    if isinstance(error, HttpError):
        status = error.response.status
        if status == 429:
            return "throttled", "HTTP 429 Too Many Requests", status
        category = "http_5xx" if status >= 500 else "http_4xx"
        return category, f"HTTP {status}", status
    if isinstance(error, IgnoreRequest):
        return _ignored(str(error)), str(error), None
    for kind, category in _BY_TYPE:
        if isinstance(error, kind):
            return category, str(error) or kind.__name__, None
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, DownloadFailedError) and ("SSL" in text or "certificate" in text):
        return "tls", text, None
    if "SSL" in text or "TLS" in text or "certificate" in text:
        return "tls", text, None
    return "connect", text, None


def retry_after(failure: Failure, now: datetime | None = None) -> float | None:
    """The wait a refused request's Retry-After header asks for, in seconds (delta or HTTP date); None if none."""
    error = failure.value
    if not isinstance(error, HttpError) or error.response.status not in (429, 503):
        return None
    value = error.response.headers.get(b"Retry-After", b"").decode("latin-1").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max((when - (now or datetime.now(timezone.utc))).total_seconds(), 0.0)


def _ignored(message: str) -> str:
    lowered = message.lower()
    if "robots.txt" in lowered:
        return "robots"
    if "redirect" in lowered:
        return "redirect"
    if "maxsize" in lowered:
        return "too_large"
    if "blocked" in lowered:
        return "blocked"
    return "ignored"
