"""One daemon per database: an exclusive lock on a file beside it, released by the kernel on any exit."""
from __future__ import annotations

import fcntl
import os
from pathlib import Path


class AlreadyRunning(RuntimeError):
    """Another Dozor daemon holds the database."""


class DaemonLock:
    def __init__(self, database: Path) -> None:
        self.path = Path(f"{database}.lock")
        self._handle: int | None = None

    def __enter__(self) -> "DaemonLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(handle, 32, 0).decode(errors="replace").strip() or "another process"
            os.close(handle)
            raise AlreadyRunning(
                f"another Dozor daemon (pid {holder}) is already running on this database ({self.path}); "
                "stop it first, or give this one its own database in monitor.yaml"
            ) from None
        os.ftruncate(handle, 0)
        os.pwrite(handle, str(os.getpid()).encode(), 0)
        self._handle = handle
        return self

    def __exit__(self, *exc: object) -> None:
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None
