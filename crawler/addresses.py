"""Which hosts a source may point at: public internet only, unless the operator allows more."""
from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("http", "https")


class BlockedAddress(ValueError):
    """A URL points at a private, loopback, link-local or otherwise internal address."""


def literal_ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host spells directly, including decimal and hex forms like 2130706433."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def is_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def check_url(url: str) -> None:
    """Refuse a URL whose scheme is not http(s) or whose host is an internal IP literal."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise BlockedAddress(f"only http and https URLs can be fetched, not {parts.scheme or 'no scheme'!r}")
    if not parts.hostname:
        raise BlockedAddress("the URL has no host name")
    address = literal_ip(parts.hostname)
    if address is not None and is_internal(address):
        raise BlockedAddress(f"{parts.hostname} is a private or local address")


async def check_resolved(url: str) -> None:
    """Refuse a URL whose host name resolves to any internal address."""
    check_url(url)
    host = urlsplit(url).hostname or ""
    if literal_ip(host) is not None:
        return
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return  # the download reports the DNS failure in its own words
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if is_internal(address):
            raise BlockedAddress(f"{host} resolves to the private or local address {address}")
