"""Canonical article URLs: one form per article, whichever link led to it."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = {"fbclid", "gclid", "yclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "_openstat", "from", "ref", "utm"}
_MOBILE_HOST_PREFIXES = ("m.", "mobile.", "amp.")
_AMP_SUFFIXES = ("/amp", "/amp.html", ".amp")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no www or mobile prefix, no fragment, no tracking, no AMP suffix.

    A URL that cannot be taken apart ("http://[broken", a port that is no number) is its own
    canonical form, stripped: dedup must never fail a whole batch over one odd link.
    """
    try:
        return _canonical(url.strip())
    except ValueError:
        return url.strip()


def _canonical(url: str) -> str:
    parts = urlsplit(url)
    scheme = parts.scheme.lower() or "http"
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower().rstrip(".")
    # Each rule is applied until nothing changes, so the canonical form of a canonical form is itself
    # (www.m.example.org, /news/1/amp/ and /amp/news/1/amp all settle in one call).
    while prefix := next((prefix for prefix in ("www.", *_MOBILE_HOST_PREFIXES)
                          if host.startswith(prefix) and host.count(".") > 1), None):
        host = host[len(prefix):]
    if ":" in host:
        host = f"[{host}]"  # an IPv6 address keeps its brackets
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = _canonical_path(parts.path)
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(key)]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def _canonical_path(path: str) -> str:
    """No trailing slash or white space, no AMP prefix or suffix; "/" for an empty path."""
    path = path or "/"
    while True:
        before = path
        path = path.rstrip().rstrip("/") or "/"
        for suffix in _AMP_SUFFIXES:
            if path.endswith(suffix) and len(path) > len(suffix):
                path = path[: -len(suffix)]
                break
        if path.startswith("/amp/"):
            path = path[4:]
        if path == before:
            return path


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in _TRACKING or key == "amp"
