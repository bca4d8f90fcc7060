"""Log lines: text, key=value and JSON, with round and source ids, and no secret ever written."""
from __future__ import annotations

import asyncio
import io
import json
import logging

import httpx
import pytest

from monitor.logs import configure_handler, round_context
from tests.fakes.telegram import FakeTelegram

TOKEN = "123456789:AAH-never_in_a_log_line"


@pytest.fixture
def written():
    """A logger whose lines land in a string, configured the way the daemon configures root's handlers."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("test.dozor.logs")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False

    def use(log_format: str, secrets: tuple[str, ...] = ()) -> tuple[logging.Logger, io.StringIO]:
        configure_handler(handler, log_format, secrets)
        return logger, stream

    yield use
    logger.removeHandler(handler)


def test_keyvalue_line_carries_round_and_source(written):
    log, stream = written("keyvalue")

    with round_context(3):
        log.info("round %d: source %s: %d items", 3, "wire", 5, extra={"source": "wire"})

    line = stream.getvalue()
    assert line.startswith("ts=") and line.count("\n") == 1
    assert ' level=info logger=test.dozor.logs msg="round 3: source wire: 5 items" round=3 source=wire\n' in line


def test_json_lines_carry_the_round_into_worker_threads(written):
    log, stream = written("json")

    async def round_three() -> None:
        with round_context(3):
            await asyncio.to_thread(log.warning, "digest for %s", "analysts", extra={"channel": "files"})

    asyncio.run(round_three())
    log.info("between rounds")

    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert {key: first[key] for key in ("level", "logger", "msg", "round", "channel")} == {
        "level": "warning", "logger": "test.dozor.logs", "msg": "digest for analysts", "round": 3, "channel": "files"}
    assert "round" not in second


def test_a_multiline_message_and_its_traceback_stay_on_one_keyvalue_line(written):
    log, stream = written("keyvalue")

    try:
        raise ValueError('bad "value"\nsecond line')
    except ValueError:
        log.exception("job %s failed", "crawl")

    line = stream.getvalue()
    assert line.count("\n") == 1
    assert 'msg="job crawl failed" exc="Traceback (most recent call last):\\n' in line
    assert 'ValueError: bad \\"value\\"\\nsecond line"' in line


def test_secret_values_are_masked_in_arguments_and_tracebacks(written):
    log, stream = written("json", secrets=("hunter2-smtp-password",))

    try:
        raise ConnectionError("login refused for password hunter2-smtp-password")
    except ConnectionError as error:
        log.error("SMTP said: %s", error, exc_info=True)

    record = json.loads(stream.getvalue())
    assert record["msg"] == "SMTP said: login refused for password ***"
    assert "hunter2" not in stream.getvalue()
    assert "password ***" in record["exc"]


def test_a_bot_token_in_an_httpx_error_never_reaches_the_log(written):
    log, stream = written("text")  # no secrets configured: the URL shape alone is enough

    with FakeTelegram("987:other-token") as telegram:
        response = httpx.post(f"{telegram.api_base}/bot{TOKEN}/sendMessage", json={"chat_id": 1, "text": "hi"})
    with pytest.raises(httpx.HTTPStatusError) as raised:
        response.raise_for_status()
    assert TOKEN in str(raised.value)  # the premise: httpx puts the URL, token and all, in its message
    try:
        raise raised.value
    except httpx.HTTPStatusError as error:
        log.exception("Telegram answered: %s", error)

    text = stream.getvalue()
    assert TOKEN not in text and TOKEN.split(":")[1] not in text
    assert f"{telegram.api_base}/bot***/sendMessage" in text
    assert text.count("/bot***/sendMessage") == 2  # in the message and in the traceback


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("GET https://api.telegram.org/bot123:ABC-def_9/getMe", "GET https://api.telegram.org/bot***/getMe"),
        ("GET https://api.telegram.org/bot123%3AABC-def_9/getMe", "GET https://api.telegram.org/bot***/getMe"),
        ("the robot 42:answer is fine", "the robot 42:answer is fine"),
    ],
)
def test_bot_tokens_in_urls_are_masked(written, message, expected):
    log, stream = written("text")

    log.info(message)

    assert stream.getvalue().rstrip("\n").endswith(f"test.dozor.logs: {expected}")
