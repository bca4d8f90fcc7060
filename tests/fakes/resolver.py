"""A stand-in for DNS that answers every name with NXDOMAIN, and a crawl round that uses it.

No test may send a DNS query off this machine, so this is the one part of a round
that is replaced: the reactor's name resolver. Everything else is the real crawl
(Scrapy, retries, robots.txt, categories). Run as a script it crawls the URLs given
and prints each fetch outcome and how often each host was looked up, as JSON.
"""
from __future__ import annotations

import json
import sys
from collections import Counter

from twisted.internet.abstract import isIPAddress
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution
from zope.interface import implementer


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        """Nothing to cancel: the answer is given at once."""


@implementer(IHostnameResolver)
class NoSuchHost:
    """Every name is unknown, as a resolver answering NXDOMAIN says (an IP address stands for
    itself, as with a real resolver); lookups of names are counted per name."""

    def __init__(self) -> None:
        self.lookups: Counter[str] = Counter()

    def resolveHostName(self, receiver, hostName: str, portNumber: int = 0, addressTypes=None,
                        transportSemantics: str = "TCP"):
        resolution = _Resolution(hostName)
        receiver.resolutionBegan(resolution)
        if isIPAddress(hostName):
            receiver.addressResolved(IPv4Address("TCP", hostName, portNumber))
        else:
            self.lookups[hostName] += 1
        receiver.resolutionComplete()
        return resolution


def main(urls: list[str]) -> None:
    from crawler.items import SourceSpec
    from crawler.settings import CrawlPolicy
    from monitor import eventloop
    from monitor.crawl import crawl

    resolver = NoSuchHost()
    policy = CrawlPolicy(retries=1, timeout=5, autothrottle=False, allow_private_addresses=True)

    async def round_with_no_dns():
        from twisted.internet import reactor

        reactor.installNameResolver(resolver)
        return await crawl([SourceSpec(f"source-{n}", "rss", (url,)) for n, url in enumerate(urls)], policy)

    result = eventloop.run(round_with_no_dns)
    print(json.dumps({"outcomes": [[o.source, o.ok, o.category, o.reason] for o in result.outcomes],
                      "lookups": dict(resolver.lookups)}))


if __name__ == "__main__":
    main(sys.argv[1:])
