"""Named points where a crash test can stop the process dead.

Set DOZOR_CRASH_AT=NAME and the process exits with status 70 at that point, as
abruptly as a power cut (no cleanup, no commit). Used only by crash tests.
"""
from __future__ import annotations

import os

CRASH_EXIT_STATUS = 70


def checkpoint(name: str) -> None:
    if os.environ.get("DOZOR_CRASH_AT") == name:
        os._exit(CRASH_EXIT_STATUS)
