"""/healthz and /metrics over a tiny HTTP/1.0 responder on 127.0.0.1, inside the daemon's event loop.

/healthz answers 200 while the scheduler runs and a write transaction can start
on the database, else 503 with the reason; either way with the last round's time.
/metrics is the Prometheus text format of the daemon's own registry.
"""
from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http import HTTPStatus
from pathlib import Path

from monitor.metrics import CONTENT_TYPE, Metrics

log = logging.getLogger("dozor.health_server")
HOST = "127.0.0.1"
WRITE_CHECK_TIMEOUT = 0.25
"""Seconds the write check waits for a lock; the daemon's own transactions are shorter than this."""

REQUEST_TIMEOUT = 5.0


@dataclass(frozen=True)
class DaemonStatus:
    scheduler: str
    """"running", or what it is doing instead ("starting", "stopping")."""

    last_round: str | None
    """When the last round finished, ISO 8601 in UTC."""

    rounds: int
    """Rounds finished since the daemon started."""

    config_error: str


@dataclass(frozen=True)
class Response:
    status: HTTPStatus
    content_type: str
    body: bytes


def database_problem(path: Path, timeout: float = WRITE_CHECK_TIMEOUT) -> str:
    """Empty when a write transaction can start on the database now; otherwise why not, as a sentence."""
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=timeout, isolation_level=None)
    except sqlite3.Error as error:
        return f"The database {path} cannot be opened for writing: {error}."
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
    except sqlite3.Error as error:
        return f"The database {path} is not writable: {error}."
    finally:
        conn.close()
    return ""


class HealthServer:
    """Answers from the daemon's status, a write check on the database and the metrics registry."""

    def __init__(self, status: Callable[[], DaemonStatus], database: Path, metrics: Metrics) -> None:
        self.status = status
        self.database = database
        self.metrics = metrics

    async def start(self, port: int) -> asyncio.Server:
        """Listen on 127.0.0.1:port; OSError when the port is taken."""
        server = await asyncio.start_server(self._serve, HOST, port)
        log.info("health endpoint on http://%s:%d/healthz and /metrics", HOST, port)
        return server

    def respond(self, method: str, path: str) -> Response:
        if method not in ("GET", "HEAD"):
            return _text(HTTPStatus.METHOD_NOT_ALLOWED, "Only GET and HEAD are served here.")
        if path == "/healthz":
            return self.healthz()
        if path == "/metrics":
            return Response(HTTPStatus.OK, CONTENT_TYPE, self.metrics.render())
        return _text(HTTPStatus.NOT_FOUND, "Nothing here; try /healthz or /metrics.")

    def healthz(self) -> Response:
        """Run on the event loop thread, so no write of the daemon's own loop can hold the lock meanwhile."""
        status = self.status()
        problems = [f"The scheduler is {status.scheduler}."] if status.scheduler != "running" else []
        problems += [problem] if (problem := database_problem(self.database)) else []
        body = {"status": "unavailable" if problems else "ok", "reason": " ".join(problems), **asdict(status)}
        code = HTTPStatus.SERVICE_UNAVAILABLE if problems else HTTPStatus.OK
        return Response(code, "application/json", json.dumps(body).encode())

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), REQUEST_TIMEOUT)
            method, target = _request_line(head)
            response = self.respond(method, target.split("?", 1)[0])
            writer.write(_encode(response, with_body=method != "HEAD"))
            await writer.drain()
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # a client that sends no complete request, or goes away, gets nothing
        except ValueError:
            writer.write(_encode(_text(HTTPStatus.BAD_REQUEST, "Send an HTTP request line: GET /healthz HTTP/1.0.")))
        finally:
            writer.close()


def _request_line(head: bytes) -> tuple[str, str]:
    """Method and target of `GET /path HTTP/1.x`; ValueError for anything else."""
    method, target, version = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    if not version.startswith("HTTP/"):
        raise ValueError(f"not an HTTP request line: {head[:80]!r}")
    return method, target


def _text(status: HTTPStatus, message: str) -> Response:
    return Response(status, "text/plain; charset=utf-8", (message + "\n").encode())


def _encode(response: Response, with_body: bool = True) -> bytes:
    head = (f"HTTP/1.0 {response.status.value} {response.status.phrase}\r\n"
            f"Content-Type: {response.content_type}\r\nContent-Length: {len(response.body)}\r\n"
            "Cache-Control: no-store\r\nConnection: close\r\n\r\n")
    return head.encode("latin-1") + (response.body if with_body else b"")
