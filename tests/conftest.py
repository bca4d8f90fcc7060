"""Shared test set-up: a clean environment, loopback-only sockets, helpers to run Dozor."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SECRET_PREFIXES = ("DOZOR_SMTP", "DOZOR_TELEGRAM", "SMTP_", "TELEGRAM_")
PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "no_proxy", "NO_PROXY")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """An empty selection is not a failure of the suite."""
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        session.exitstatus = pytest.ExitCode.OK


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test can read a real SMTP password or bot token, or go through a proxy."""
    for name in list(os.environ):
        if name.startswith(SECRET_PREFIXES) or name in PROXY_VARIABLES:
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that opens a connection to anything but loopback."""
    original = socket.socket.connect

    def guarded(self: socket.socket, address) -> object:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in ("127.0.0.1", "::1", "localhost") and not str(host).startswith("127."):
                raise AssertionError(f"test tried to connect to {address!r}; only loopback is allowed")
        return original(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def run_dozor(*args: str, cwd: Path | None = None, timeout: float = 120,
              env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `python run_monitor.py ARGS` as a user would, in a subprocess; `env` adds variables."""
    clean = {key: value for key, value in os.environ.items() if key not in PROXY_VARIABLES and not key.startswith(SECRET_PREFIXES)}
    env = clean | (env or {})
    return subprocess.run(
        [sys.executable, str(ROOT / "run_monitor.py"), *args],
        cwd=cwd or ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


def wait_for(condition, timeout: float = 30.0) -> None:
    """Poll until `condition()` holds; fail the test when the daemon does not get there in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the daemon did not get there in time")


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """A valid config folder with one public feed, for tests that then break one of its files."""
    from tests.builders import write_config

    return write_config(tmp_path / "config", tmp_path / "data", [{"name": "wire", "kind": "rss", "url": "https://example.org/rss"}])


@pytest.fixture
def store(tmp_path: Path):
    """An empty database in the test's folder, closed afterwards."""
    from monitor.store import Store

    opened = Store(tmp_path / "d.sqlite3")
    yield opened
    opened.close()
