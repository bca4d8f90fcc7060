"""A fixture site plus named fault routes, served on 127.0.0.1 from a background thread.

Routes: /status/CODE answers with that status; /slow/SECONDS waits before
answering; /huge/MEGABYTES streams a body that large; /redirect/loop redirects to
itself; /redirect/to/PATH redirects to PATH; /retry-after/SECONDS answers 429 with
that Retry-After; /drip/SECONDS sends its headers, then one byte every SECONDS;
/endless streams without Content-Length until the client hangs up;
/gzip-bomb/MEGABYTES and /brotli-bomb/MEGABYTES send a small compressed body that
expands to that many megabytes. Everything else is a file from the site folder,
with {{BASE}} replaced by the server's address. Every request is counted in
`hits`; `max_in_flight` is the most requests ever served at the same time;
`delays[path] = SECONDS` holds any path (robots.txt included) that long first.
"""
from __future__ import annotations

import gzip
import hashlib
import ssl
import threading
import time
from collections import Counter
from functools import partial
from http import HTTPStatus
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from monitor.demo_server import _Handler


class FaultHandler(_Handler):
    hits: Counter
    overrides: dict
    root_path: Path
    server_state: "FaultServer"

    def send_response(self, code: int, message: str | None = None) -> None:
        if code == HTTPStatus.NOT_MODIFIED:
            self.server_state.not_modified += 1
        super().send_response(code, message)

    def do_GET(self) -> None:
        state = self.server_state
        with state.lock:
            state.in_flight += 1
            state.max_in_flight = max(state.max_in_flight, state.in_flight)
        try:
            self._route()
        finally:
            with state.lock:
                state.in_flight -= 1

    def _route(self) -> None:
        path = urlsplit(self.path).path
        self.hits[path] += 1
        if path in self.server_state.delays:
            time.sleep(self.server_state.delays[path])
        if path in self.overrides:
            status, content_type, body, *headers = self.overrides[path]
            return self._answer(status, content_type, body, headers[0] if headers else ())
        if path.startswith("/retry-after/"):
            return self._answer(429, "text/plain", b"slow down", [("Retry-After", path.rsplit("/", 1)[1])])
        if path.startswith("/drip/"):
            return self._drip(float(path.rsplit("/", 1)[1]))
        if path == "/endless":
            return self._endless()
        if path.startswith(("/gzip-bomb/", "/brotli-bomb/")):
            return self._bomb(path.split("/")[1].removesuffix("-bomb"), int(path.rsplit("/", 1)[1]))
        if path.startswith("/status/"):
            return self._answer(int(path.rsplit("/", 1)[1]), "text/plain", b"fault route")
        if path.startswith("/huge/"):
            return self._stream(int(path.rsplit("/", 1)[1]) * 1024 * 1024)
        if path.startswith("/redirect/loop"):
            return self._redirect(path)
        if path.startswith("/redirect/to/"):
            return self._redirect(path.removeprefix("/redirect/to"))
        if path.startswith("/slow/"):
            time.sleep(float(path.rsplit("/", 1)[1]))
            return self._answer(200, "application/rss+xml", b"<rss version='2.0'><channel></channel></rss>")
        if self._unchanged(path):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.end_headers()
            return
        super().do_GET()

    def _unchanged(self, path: str) -> bool:
        target = self.root_path / path.lstrip("/")
        if not self.headers.get("If-None-Match") or not target.is_file():
            return False
        body = target.read_bytes().replace(b"{{BASE}}", self.base.encode("ascii"))
        return self.headers["If-None-Match"] == self._etag(body)

    def extra_headers(self, body: bytes) -> list[tuple[str, str]]:
        return [("ETag", self._etag(body))]

    @staticmethod
    def _etag(body: bytes) -> str:
        return '"%s"' % hashlib.sha1(body).hexdigest()[:16]

    def _stream(self, size: int) -> None:
        """A body of `size` bytes of RSS-looking text, sent in chunks without buffering it."""
        chunk = b"<item><title>padding</title></item>" * 1000
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            sent = 0
            while sent < size:
                piece = chunk[: size - sent]
                self.wfile.write(piece)
                sent += len(piece)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _drip(self, every: float) -> None:
        """A feed that arrives one byte at a time, `every` seconds apart, for as long as anyone listens."""
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for byte in (b"<rss version='2.0'><channel>" + b" " * 100000)[:100000]:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(every)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _endless(self) -> None:
        """A body with no Content-Length that never ends: the client has to decide when to stop."""
        chunk = b"<item><title>padding</title></item>" * 1000
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"<rss version='2.0'><channel>")
            while True:
                self.wfile.write(chunk)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    def _bomb(self, coding: str, megabytes: int) -> None:
        """A compressed body of a few kilobytes that expands to `megabytes` of RSS padding."""
        plain = b"<rss version='2.0'><channel>" + b" " * (megabytes * 1024 * 1024)
        if coding == "gzip":
            body = gzip.compress(plain, compresslevel=9)
        else:
            import brotli

            body = brotli.compress(plain, quality=5)
        self._answer(200, "application/rss+xml", body, [("Content-Encoding", "br" if coding == "brotli" else "gzip")])

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _answer(self, status: int, content_type: str, body: bytes, headers=()) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class FaultServer:
    """Use as a context manager; `override(path, status, content_type, body, headers)` changes a route live.

    With `tls` (a server-side ssl.SSLContext) it speaks HTTPS and `base` starts with https://.
    """

    def __init__(self, root: Path, tls: ssl.SSLContext | None = None) -> None:
        self.root = Path(root)
        self.tls = tls
        self.hits: Counter = Counter()
        self.not_modified = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.lock = threading.Lock()
        self.delays: dict[str, float] = {}
        self.overrides: dict[str, tuple] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    def override(self, path: str, status: int = HTTPStatus.OK, content_type: str = "text/plain", body: bytes = b"",
                 headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.overrides[path] = (status, content_type, body, headers)

    def __enter__(self) -> "FaultServer":
        handler = type("Handler", (FaultHandler,), {
            "hits": self.hits, "overrides": self.overrides, "server_state": self, "root_path": self.root,
        })
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(self.root)))
        self._server.daemon_threads = True
        if self.tls is not None:
            self._server.socket = self.tls.wrap_socket(self._server.socket, server_side=True)
        handler.base = self.base
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
