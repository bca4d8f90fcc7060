"""A static news site on 127.0.0.1 for the offline demo (and for tests).

Files are served from a folder; `{{BASE}}` inside feeds and pages becomes the
server's own address, so feeds can carry absolute links to their articles.
"""
from __future__ import annotations

import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CONTENT_TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".xml": "application/xml",
    ".html": "text/html",
    ".txt": "text/plain",
}


class _Handler(SimpleHTTPRequestHandler):
    base: str = ""

    def do_GET(self) -> None:
        root = Path(self.directory).resolve()
        target = (root / urlsplit(self.path).path.lstrip("/")).resolve()
        if root not in target.parents or not target.is_file():
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        body = target.read_bytes().replace(b"{{BASE}}", self.base.encode("ascii"))
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", CONTENT_TYPES.get(target.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(len(body)))
        for name, value in self.extra_headers(body):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def extra_headers(self, body: bytes) -> list[tuple[str, str]]:
        return []

    def log_message(self, format: str, *args: object) -> None:
        pass


class SiteServer:
    """Serve `root` on 127.0.0.1 in a background thread; use as a context manager."""

    def __init__(self, root: Path, port: int = 0) -> None:
        self.root = Path(root)
        self.port = port
        self._server: ThreadingHTTPServer | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "SiteServer":
        handler = type("Handler", (_Handler,), {})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), partial(handler, directory=str(self.root)))
        self.port = self._server.server_address[1]
        handler.base = self.base
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
