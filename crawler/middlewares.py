"""Downloader middlewares Dozor adds to Scrapy's stack."""
from __future__ import annotations

import logging

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware
from scrapy.exceptions import DownloadTimeoutError, IgnoreRequest
from scrapy.http import Response
from scrapy.utils.misc import build_from_crawler

from crawler.addresses import BlockedAddress, check_resolved, check_url


class AddressGuardMiddleware:
    """Refuse requests, redirects included, to non-http(s) or internal addresses.

    Redirected requests pass through downloader middlewares again, so a public
    feed that redirects to 169.254.169.254 is stopped here too.
    """

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> "AddressGuardMiddleware":
        return cls(crawler.settings.getbool("DOZOR_ALLOW_PRIVATE_ADDRESSES"))

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        try:
            if self.allow_private:
                if not request.url.lower().startswith(("http://", "https://")):
                    check_url(request.url)
            else:
                await check_resolved(request.url)
        except BlockedAddress as error:
            raise IgnoreRequest(f"blocked: {error}") from error


log = logging.getLogger("dozor.crawl.robots")
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"


class RobotsPolicyMiddleware(RobotsTxtMiddleware):
    """Scrapy's robots.txt middleware with RFC 9309's rules for an unusable robots.txt.

    Scrapy reads whatever body a 5xx answer has (usually no rules, so everything is
    allowed) and allows everything when robots.txt cannot be downloaded at all.
    RFC 9309 section 2.3.1: 4xx means no rules; a server error or an unreachable
    robots.txt means complete disallow, until a later round finds it readable. A
    robots.txt that times out counts as unreachable; when the host cannot be reached
    at all (refused, DNS, TLS) the request itself is let through to fail with that
    category, which says more than `robots` would.
    Overrides two hooks of Scrapy 2.19's middleware (_parse_robots, _robots_error).
    """

    async def _parse_robots(self, response: Response, netloc: str, request: Request) -> None:
        if response.status >= 500:
            log.warning("robots.txt of %s answered HTTP %d; nothing on that host is fetched this round",
                        netloc, response.status)
            response = response.replace(body=DISALLOW_ALL)
        elif response.status >= 400:
            response = response.replace(body=b"")
        await super()._parse_robots(response, netloc, request)

    def _robots_error(self, exc: Exception, netloc: str) -> None:
        if not isinstance(exc, DownloadTimeoutError):
            return super()._robots_error(exc, netloc)
        log.warning("robots.txt of %s could not be fetched (%s); nothing on that host is fetched this round",
                    netloc, type(exc).__name__)
        parser = build_from_crawler(self._parserimpl, self.crawler, DISALLOW_ALL)
        pending = self._parsers[netloc]
        self._parsers[netloc] = parser
        pending.callback(parser)
