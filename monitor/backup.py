"""An online copy of the database, safe while the daemon writes to it (SQLite's backup API)."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def backup(database: Path, destination: Path) -> int:
    """Copy `database` to `destination` page by page without stopping writers; return the copy's size in bytes."""
    if destination.exists():
        raise FileExistsError(f"{destination} already exists; choose a new file name for the backup")
    destination.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(destination)
    try:
        source.backup(target, pages=1024)
        if target.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError(f"the backup at {destination} failed its integrity check; try again")
    finally:
        target.close()
        source.close()
    return destination.stat().st_size
