"""Downloader middlewares Dozor adds to Scrapy's stack."""
from __future__ import annotations

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

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
