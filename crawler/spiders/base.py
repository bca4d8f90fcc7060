"""What every Dozor spider shares: requests tagged with their source, failures as records."""
from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler.errors import categorize
from crawler.items import FetchOutcome, SourceSpec


class SourceSpider(scrapy.Spider):
    """Fetches the given sources; subclasses say how a response becomes Articles."""

    kinds: tuple[str, ...] = ()

    def __init__(
        self,
        sources: Iterable[SourceSpec] = (),
        is_known: Callable[[str], bool] = lambda url: False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sources = [source for source in sources if source.kind in self.kinds]
        self.is_known = is_known

    async def start(self):
        for source in self.sources:
            for url in source.urls:
                yield self.request(url, source, self.parse_start)

    def request(self, url: str, source: SourceSpec, callback: Callable, **meta: Any) -> scrapy.Request:
        headers = {"User-Agent": source.user_agent} if source.user_agent else None
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.failed,
            headers=headers,
            meta={"source": source, "download_timeout": source.timeout, **meta},
            dont_filter=True,
        )

    def parse_start(self, response: Response):
        raise NotImplementedError

    def failed(self, failure: Failure):
        request = failure.request
        category, reason, status = categorize(failure)
        yield FetchOutcome(
            source=request.meta["source"].name,
            url=request.url,
            ok=False,
            status=status,
            category=category,
            reason=reason,
        )

    @staticmethod
    def header_charset(response: Response) -> str | None:
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        for part in content_type.split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset" and value.strip():
                return value.strip().strip("\"'")
        return None
