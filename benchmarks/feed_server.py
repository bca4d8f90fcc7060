"""A loopback HTTP server of N generated RSS feeds, for crawl benchmarks (run as its own process)."""
from __future__ import annotations

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WORDS = "боевик суд Сирия Ташкент граждан новости reporters court border market harvest ministry".split()


def feed(number: int, items: int = 10) -> bytes:
    entries = []
    for item in range(items):
        text = " ".join(WORDS[(number + item + k) % len(WORDS)] for k in range(120))
        entries.append(
            f"<item><title>Source {number} item {item} {WORDS[item % len(WORDS)]}</title>"
            f"<link>http://127.0.0.1/source/{number}/item/{item}</link>"
            f"<pubDate>Sat, 28 Nov 2026 {item:02d}:00:00 +0500</pubDate><description>{text}</description></item>"
        )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Source {number}</title>'
            + "".join(entries) + "</channel></rss>").encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    feeds: dict[str, bytes] = {}

    def do_GET(self) -> None:
        body = self.feeds.get(self.path)
        status = 200 if body is not None else 404
        body = body or b"not found"
        self.send_response(status)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    count = int(sys.argv[1])
    Handler.feeds = {f"/feed/{number}.rss": feed(number) for number in range(count)}
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
