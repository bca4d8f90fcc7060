"""FAULTS.md 28 and 36 through the real outbox: the bot token stays secret, a blocked bot is not retried."""
from __future__ import annotations

import re
import sqlite3

import pytest

from tests.builders import DEMO_SITE, demo_sources, write_config
from tests.conftest import run_dozor
from tests.fakes.faultserver import FaultServer
from tests.fakes.smtp import free_port
from tests.fakes.telegram import FORBIDDEN, FakeTelegram

TOKEN = "987654321:AAH-never-show-this-token_x9"


@pytest.fixture
def world():
    with FaultServer(DEMO_SITE) as site, FakeTelegram(TOKEN) as telegram:
        yield site, telegram


def _telegram(name: str, api_base: str) -> dict:
    return {"name": name, "kind": "telegram", "chat_id": "-1001", "api_base": api_base, "timeout": "2s", "alerts": False}


def _messages(tmp_path) -> dict[str, tuple]:
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
        return {row[0]: row[1:] for row in conn.execute("SELECT channel, status, attempts, error FROM messages")}


def test_bot_token_never_appears_in_output_logs_or_the_database(world, tmp_path):
    site, telegram = world
    wrong_token = FakeTelegram("111:another-bot")
    with wrong_token:
        channels = [_telegram("unreachable", f"http://127.0.0.1:{free_port()}"),
                    _telegram("rejecting", wrong_token.api_base)]
        config = write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base)[:1], channels=channels)

        result = run_dozor("-v", "once", "--config", str(config), "--digest", env={"DOZOR_TELEGRAM_TOKEN": TOKEN})

    assert result.returncode == 0, result.stderr[-2000:]
    messages = _messages(tmp_path)
    assert [messages["unreachable"][0], messages["rejecting"][0]] == ["pending", "failed"]
    assert wrong_token.requests, "the request really went out"
    secret = TOKEN.split(":")[1]
    assert secret not in result.stdout and secret not in result.stderr
    assert all(secret not in (error or "") for _, _, error in messages.values())


def test_blocked_bot_disables_the_channel_until_enabled_and_loses_nothing(world, tmp_path):
    site, telegram = world
    operator = {"name": "ops", "kind": "file", "folder": str(tmp_path / "ops"), "operator": True, "send_empty": True}
    config = write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base)[:1],
                          channels=[_telegram("desk", telegram.api_base), operator])
    env = {"DOZOR_TELEGRAM_TOKEN": TOKEN}
    telegram.script(FORBIDDEN)
    first = run_dozor("once", "--config", str(config), "--digest", env=env)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "channel desk disabled" in first.stderr

    again = run_dozor("digest", "--config", str(config), env=env)
    listed = run_dozor("channels", "--config", str(config))

    assert again.returncode == 0, again.stderr[-2000:]
    assert len(telegram.calls("sendMessage")) == 1, "a refusing recipient is not asked again"
    assert _messages(tmp_path)["desk"][:2] == ("pending", 1)
    assert re.search(r"desk\s+telegram\s+disabled\s+\d+\s+Telegram will not deliver to chat", listed.stdout)
    operator_digests = sorted((tmp_path / "ops").glob("digest-*.txt"))
    assert "Channel desk is disabled: Telegram will not deliver" in operator_digests[-1].read_text(encoding="utf-8")

    enabled = run_dozor("channels", "--config", str(config), "--enable", "desk")
    resent = run_dozor("digest", "--config", str(config), env=env)

    assert enabled.returncode == 0 and re.search(r"desk\s+telegram\s+active", enabled.stdout)
    assert resent.returncode == 0, resent.stderr[-2000:]
    assert _messages(tmp_path)["desk"][:2] == ("sent", 2)
    assert len(telegram.delivered) == 1
    twice = run_dozor("channels", "--config", str(config), "--enable", "desk")
    assert twice.returncode == 1 and "the channel desk is not disabled" in twice.stderr
