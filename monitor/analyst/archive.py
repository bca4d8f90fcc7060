"""Opening the stored archive for analysts' commands, and the date every filter uses."""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from monitor.analyst import AnalystError
from monitor.store import Store

ARTICLE_DATE = "coalesce(a.published, a.fetched_at)"
"""An article's date: when it was published, or when Dozor fetched it if the source gave no date."""


@contextlib.contextmanager
def open_archive(path: Path) -> Iterator[Store]:
    """The store at `path`; an analyst asking about a database that does not exist gets told so, not an empty one."""
    if not Path(path).is_file():
        raise AnalystError(
            f"there is no database at {path} yet; run `python run_monitor.py once` or `import` to fill it"
        )
    store = Store(path)
    try:
        yield store
    finally:
        store.close()


def since_filter(since: date | None) -> tuple[str, list[str]]:
    """An SQL condition on ARTICLE_DATE (alias `a` for articles) and its parameters."""
    if since is None:
        return "1", []
    return f"{ARTICLE_DATE} >= ?", [since.isoformat()]
