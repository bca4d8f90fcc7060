"""Canonical article URLs: one form per article, whichever link led to it."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = {"fbclid", "gclid", "yclid", "dclid", "msclkid", "igshid", "mc_cid", "mc_eid", "_openstat", "from", "ref", "utm"}
_MOBILE_HOST_PREFIXES = ("m.", "mobile.", "amp.")
_AMP_SUFFIXES = ("/amp", "/amp.html", ".amp")


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, no www or mobile prefix, no fragment, no tracking, no AMP suffix."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "http"
    if scheme == "http":
        scheme = "https"
    host = (parts.hostname or "").lower().rstrip(".")
    for prefix in ("www.", *_MOBILE_HOST_PREFIXES):
        if host.startswith(prefix) and host.count(".") > 1:
            host = host[len(prefix):]
            break
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    path = parts.path or "/"
    for suffix in _AMP_SUFFIXES:
        if path.endswith(suffix) and len(path) > len(suffix):
            path = path[: -len(suffix)]
            break
    if path.startswith("/amp/"):
        path = path[4:]
    if len(path) > 1:
        path = path.rstrip("/")
    query = [(key, value) for key, value in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(key)]
    return urlunsplit((scheme, host, path, urlencode(sorted(query)), ""))


def _is_tracking(key: str) -> bool:
    key = key.lower()
    return key.startswith("utm_") or key in _TRACKING or key == "amp"
