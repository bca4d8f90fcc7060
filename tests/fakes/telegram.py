"""A stand-in for the Telegram Bot API on 127.0.0.1, with scripted faults.

sendMessage checks messages the way Telegram does, closely enough for tests: HTML
parse mode accepts only Telegram's tags, properly nested, and only its entities; the
text left after parsing may be at most 4096 UTF-16 code units; inline buttons carry
1-64 bytes of callback data, at most 100 per message. `press` queues an analyst's
button press that getUpdates hands out (confirmed by the next offset, as Telegram
does) and answerCallbackQuery records the answer. Scripted answers are given to the
next requests of their method, one each, before any check; PASS lets one through.
"""
from __future__ import annotations

import json
import re
import threading
from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Answer = tuple[int, dict]
PASS = None  # a script entry that lets its request through to normal handling
TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre", "span", "tg-spoiler", "blockquote"}
_BARE_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)")
_TAG = re.compile(r'</?[a-z][a-z-]*(?:\s+[a-z-]+="[^"<>]*")*\s*>')


def rate_limited(retry_after: int) -> Answer:
    return 429, {"ok": False, "error_code": 429, "description": f"Too Many Requests: retry after {retry_after}",
                 "parameters": {"retry_after": retry_after}}


def bad_request(description: str) -> Answer:
    return 400, {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}


PARSE_ERROR = bad_request("can't parse entities: Unsupported start tag \"script\" at byte offset 0")
CHAT_NOT_FOUND = bad_request("chat not found")
FORBIDDEN: Answer = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
SERVER_ERROR: Answer = (500, {"ok": False, "error_code": 500, "description": "Internal Server Error"})


@dataclass(frozen=True)
class Request:
    path: str
    json: dict


class FakeTelegram:
    """Use as a context manager; `api_base` goes into TelegramSettings, `requests` lists what came in."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.requests: list[Request] = []
        self.delivered: list[dict] = []
        self.answered: list[dict] = []
        self.pending_updates: list[dict] = []
        self._next_update = 1
        self._scripts: dict[str, deque[Answer | None]] = {}
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def calls(self, method: str) -> list[Request]:
        """The requests that asked for this Bot API method, in order."""
        return [request for request in self.requests if request.path == f"/bot{self.token}/{method}"]

    def script(self, *answers: Answer | None, method: str = "sendMessage") -> None:
        self._scripts.setdefault(method, deque()).extend(answers)

    def press(self, message_id: int, data: str, username: str = "analyst", chat_id: int | str | None = None) -> None:
        """An analyst presses a button under a delivered message (in that message's chat unless told)."""
        chat = self.delivered[message_id - 1]["chat_id"] if chat_id is None else chat_id
        with self._lock:
            update_id = self._next_update
            self._next_update += 1
            self.pending_updates.append({"update_id": update_id, "callback_query": {
                "id": f"query-{update_id}", "data": data, "chat_instance": "1",
                "from": {"id": 4242, "is_bot": False, "first_name": "Analyst", "username": username},
                "message": {"message_id": message_id, "chat": {"id": _numeric(chat), "type": "supergroup"}},
            }})

    def answer(self, path: str, body: dict) -> Answer:
        with self._lock:
            self.requests.append(Request(path, body))
            prefix = f"/bot{self.token}/"
            method = path[len(prefix):] if path.startswith(prefix) else ""
            script = self._scripts.get(method)
            scripted = script.popleft() if script else PASS
            if scripted is not PASS:
                return scripted
            handler = {"sendMessage": self._send, "getUpdates": self._updates,
                       "answerCallbackQuery": self._answer_query}.get(method)
            if handler is None:
                return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
            return handler(body)

    def _send(self, body: dict) -> Answer:
        problem = check(body.get("text", ""), html=body.get("parse_mode") == "HTML") or check_keyboard(body.get("reply_markup"))
        if problem:
            return bad_request(problem)
        self.delivered.append(body)
        return 200, {"ok": True, "result": {"message_id": len(self.delivered), "chat": {"id": body.get("chat_id")}}}

    def _updates(self, body: dict) -> Answer:
        offset = int(body.get("offset", 0))
        self.pending_updates = [update for update in self.pending_updates if update["update_id"] >= offset]
        return 200, {"ok": True, "result": self.pending_updates[: int(body.get("limit", 100))]}

    def _answer_query(self, body: dict) -> Answer:
        self.answered.append(body)
        return 200, {"ok": True, "result": True}

    def __enter__(self) -> FakeTelegram:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (_Handler,), {"fake": self}))
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Handler(BaseHTTPRequestHandler):
    fake: FakeTelegram

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status, body = self.fake.answer(self.path, json.loads(raw or b"{}"))
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test asserts on recorded requests, not on stderr."""


def check(text: str, html: bool) -> str | None:
    """Why Telegram would refuse this text, or None."""
    visible = text
    if html:
        try:
            visible = parse_html(text)
        except ValueError as error:
            return f"can't parse entities: {error}"
    if not visible.strip():
        return "message text is empty"
    if len(visible.encode("utf-16-le")) // 2 > 4096:
        return "message is too long"
    return None


def check_keyboard(markup: object) -> str | None:
    """Why Telegram would refuse this reply_markup, or None."""
    if markup is None:
        return None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        return "can't parse reply keyboard markup JSON object"
    buttons = [button for row in rows for button in row]
    if len(buttons) > 100:
        return "too many inline keyboard buttons"
    for button in buttons:
        data = button.get("callback_data", "") if isinstance(button, dict) else ""
        if not button.get("text") or not 1 <= len(data.encode()) <= 64:
            return "BUTTON_DATA_INVALID"
    return None


def _numeric(chat: int | str) -> int | str:
    return int(chat) if str(chat).lstrip("-").isdigit() else chat


def parse_html(text: str) -> str:
    """The text Telegram would show for HTML parse mode; ValueError for markup it rejects."""
    if _BARE_AMPERSAND.search(text) or re.search("[<>]", _TAG.sub("", text)):
        raise ValueError("unescaped '<', '>' or '&'")
    parser = _TelegramHTML()
    parser.feed(text)
    parser.close()
    if parser.open:
        raise ValueError(f'can\'t find end tag corresponding to start tag "{parser.open[-1]}"')
    return "".join(parser.text)


class _TelegramHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TAGS:
            raise ValueError(f'unsupported start tag "{tag}"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ValueError(f'unexpected end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.text.append(data)
