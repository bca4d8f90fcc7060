"""One event loop for everything: Twisted's asyncio reactor driving asyncio coroutines.

The reactor must be installed before anything imports twisted.internet.reactor,
so commands that crawl enter through `run` and nowhere else.
"""
from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

from crawler.settings import ASYNCIO_REACTOR

T = TypeVar("T")


def run(main: Callable[[], Awaitable[T]]) -> T:
    """Install the asyncio reactor, run `main()` to completion on it, return its result."""
    from scrapy.utils.reactor import install_reactor, is_reactor_installed

    if not is_reactor_installed():
        install_reactor(ASYNCIO_REACTOR)
    from twisted.internet import reactor

    outcome: dict[str, asyncio.Future] = {}

    def start() -> None:
        task = asyncio.ensure_future(main())
        outcome["task"] = task
        task.add_done_callback(lambda _: reactor.stop())

    reactor.callWhenRunning(start)
    reactor.run(installSignalHandlers=False)
    return outcome["task"].result()
