"""Verdict buttons under Telegram stories: rendered, delivered, pressed, stored, answered."""
from __future__ import annotations

import logging
import signal
import sqlite3
from datetime import UTC, datetime

import pytest
import yaml

from monitor.analyst.archive import open_archive
from monitor.analyst.telegram_feedback import poll_feedback
from monitor.config import load_config
from monitor.config.models import TelegramChannel
from monitor.digest import Digest, DigestGroup, DigestItem, Segment
from monitor.notify.telegram import read_verdict_button, telegram_messages, verdict_button
from monitor.render import LABELS
from tests.builders import DEMO_SITE, TEST_RULES, demo_sources, write_config
from tests.conftest import run_dozor, wait_for
from tests.fakes.faultserver import FaultServer
from tests.fakes.telegram import FakeTelegram
from tests.test_analyst_fixtures import TITLES, fill_archive, hit_ids
from tests.test_daemon import _start

pytest_plugins = ["tests.test_analyst_fixtures"]
TOKEN = "987654:feedback-token-for-the-stand-in"
CREATED = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def _item(number: int, hit_ids: list[int]) -> DigestItem:
    return DigestItem(article_id=number, title=f"Боевик задержан №{number}", url=f"https://kaz.example/{number}",
                      source="wire", published=None, severity="high", score=80, rules=["fighters"],
                      snippet=[Segment("Задержан боевик.")], hit_ids=hit_ids)


def _digest(*items: DigestItem) -> Digest:
    return Digest("digest", CREATED, [DigestGroup("Fighters", list(items))], [])


def _channel(api_base: str, **extra: object) -> TelegramChannel:
    return TelegramChannel.model_validate({"name": "desk", "kind": "telegram", "chat_id": "-1001", "api_base": api_base,
                                           "timeout": 5.0, "language": "ru", **extra})


# -- rendering ---------------------------------------------------------------------------------


def test_each_story_is_numbered_and_gets_a_row_of_verdict_buttons():
    (message,) = telegram_messages(_digest(_item(1, [11, 12]), _item(2, [13])), LABELS["en"], buttons=True)

    assert "1. [high]" in message.text and "2. [high]" in message.text
    rows = message.keyboard["inline_keyboard"]
    assert [[button["text"] for button in row] for row in rows] == [
        ["1 ✓ relevant", "1 ✗ irrelevant"], ["2 ✓ relevant", "2 ✗ irrelevant"]]
    assert read_verdict_button(rows[0][0]["callback_data"]) == ("relevant", [11, 12])
    assert read_verdict_button(rows[1][1]["callback_data"]) == ("irrelevant", [13])


def test_without_buttons_stories_are_not_numbered_and_carry_no_keyboard():
    (message,) = telegram_messages(_digest(_item(1, [11])), LABELS["en"])

    assert message.keyboard is None and "1. [" not in message.text


def test_button_data_keeps_within_telegrams_64_bytes_however_many_hits():
    hits = list(range(1_000_000_000, 1_000_000_040))

    data = verdict_button("irrelevant", hits)

    verdict, carried = read_verdict_button(data)
    assert len(data.encode()) <= 64 and verdict == "irrelevant"
    assert carried == hits[: len(carried)] and len(carried) >= 5


@pytest.mark.parametrize("data", ["", "dz:x:1", "dz:r:", "dz:r:1;DROP", "other-bot:r:1", "dz:r:1,,2"])
def test_data_dozor_did_not_write_is_not_read_as_a_verdict(data):
    assert read_verdict_button(data) is None


def test_a_message_never_holds_more_stories_than_its_buttons_allow():
    messages = telegram_messages(_digest(*(_item(number, [number]) for number in range(1, 91))), LABELS["en"],
                                 limit=4096, buttons=True)

    rows = [row for message in messages if message.keyboard for row in message.keyboard["inline_keyboard"]]
    assert all(len(message.keyboard["inline_keyboard"]) <= 40 for message in messages if message.keyboard)
    assert [row[0]["text"] for row in rows] == [f"{number} ✓ relevant" for number in range(1, 91)]


# -- polling -----------------------------------------------------------------------------------


def _feedback(store) -> list[tuple]:
    return store.db.execute("SELECT hit_id, verdict, via, note FROM feedback ORDER BY id").fetchall()


def test_a_press_marks_the_storys_hits_answers_the_button_and_is_read_once(analyst_store):
    hit = hit_ids(analyst_store, "fighters")[TITLES[0]]
    with FakeTelegram(TOKEN) as fake:
        channel = _channel(fake.api_base)
        fake.delivered.append({"chat_id": "-1001", "text": "digest"})
        fake.press(1, verdict_button("irrelevant", [hit]), username="aigerim")

        first = poll_feedback(analyst_store, [channel], {"DOZOR_TELEGRAM_TOKEN": TOKEN})
        again = poll_feedback(analyst_store, [channel], {"DOZOR_TELEGRAM_TOKEN": TOKEN})

    assert (first.verdicts, again.verdicts) == (1, 0)
    assert _feedback(analyst_store) == [(hit, "irrelevant", "telegram", "Telegram button, @aigerim (Telegram user 4242)")]
    assert fake.answered == [{"callback_query_id": "query-1", "text": "Отмечено: не по теме"}]
    assert analyst_store.db.execute("SELECT next_update FROM telegram_offsets").fetchall() == [(2,)]


def test_a_press_in_a_chat_that_is_no_channel_is_ignored(analyst_store, caplog):
    hit = hit_ids(analyst_store, "fighters")[TITLES[0]]
    with FakeTelegram(TOKEN) as fake:
        fake.delivered.append({"chat_id": "-1001", "text": "digest"})
        fake.press(1, verdict_button("relevant", [hit]), chat_id=-999)
        with caplog.at_level(logging.WARNING):
            report = poll_feedback(analyst_store, [_channel(fake.api_base)], {"DOZOR_TELEGRAM_TOKEN": TOKEN})

    assert (report.verdicts, report.ignored) == (0, 1) and _feedback(analyst_store) == []
    assert "ignored a Telegram button press from chat -999" in caplog.text


def test_a_press_on_a_hit_no_longer_stored_is_answered_so(analyst_store):
    with FakeTelegram(TOKEN) as fake:
        fake.delivered.append({"chat_id": "-1001", "text": "digest"})
        fake.press(1, verdict_button("relevant", [999_999]))
        report = poll_feedback(analyst_store, [_channel(fake.api_base, language="en")], {"DOZOR_TELEGRAM_TOKEN": TOKEN})

    assert (report.verdicts, report.ignored) == (0, 1)
    assert fake.answered[0]["text"] == "These hits are no longer stored"


def test_a_webhook_conflict_is_explained_and_presses_wait_for_the_next_poll(analyst_store, caplog):
    hit = hit_ids(analyst_store, "fighters")[TITLES[0]]
    conflict = (409, {"ok": False, "error_code": 409, "description": "Conflict: can't use getUpdates while webhook is active"})
    with FakeTelegram(TOKEN) as fake:
        channel = _channel(fake.api_base)
        fake.delivered.append({"chat_id": "-1001", "text": "digest"})
        fake.press(1, verdict_button("relevant", [hit]))
        fake.script(conflict, method="getUpdates")
        with caplog.at_level(logging.WARNING):
            blocked = poll_feedback(analyst_store, [channel], {"DOZOR_TELEGRAM_TOKEN": TOKEN})
        later = poll_feedback(analyst_store, [channel], {"DOZOR_TELEGRAM_TOKEN": TOKEN})

    assert (blocked.verdicts, later.verdicts) == (0, 1)
    assert "deleteWebhook" in caplog.text and TOKEN not in caplog.text


def test_channels_without_buttons_or_token_are_not_polled(analyst_store):
    with FakeTelegram(TOKEN) as fake:
        poll_feedback(analyst_store, [_channel(fake.api_base, feedback_buttons=False)], {"DOZOR_TELEGRAM_TOKEN": TOKEN})
        poll_feedback(analyst_store, [_channel(fake.api_base)], {})

    assert fake.requests == []


# -- the daemon --------------------------------------------------------------------------------


def test_the_daemon_sends_alerts_with_buttons_and_stores_a_press(tmp_path, monkeypatch):
    rules = {**TEST_RULES, "rules": [{**TEST_RULES["rules"][0], "severity": "urgent"}]}
    with FaultServer(DEMO_SITE) as site, FakeTelegram(TOKEN) as fake:
        telegram = {"name": "desk", "kind": "telegram", "chat_id": "-1001", "api_base": fake.api_base,
                    "timeout": "5s", "alerts": True}
        sources = [{**source, "interval": "1h"} for source in demo_sources(site.base)]
        config = write_config(tmp_path / "config", tmp_path / "data", sources, rules=rules, channels=[telegram])
        monkeypatch.setenv("DOZOR_TELEGRAM_TOKEN", TOKEN)
        daemon = _start(config, "--tick", "0.5")
        try:
            wait_for(lambda: any(body.get("reply_markup") for body in fake.delivered))
            message_id, body = next((number, body) for number, body in enumerate(fake.delivered, 1) if body.get("reply_markup"))
            first = body["reply_markup"]["inline_keyboard"][0]
            fake.press(message_id, first[0]["callback_data"])
            wait_for(lambda: fake.answered)
        finally:
            daemon.send_signal(signal.SIGTERM)
            _, stderr = daemon.communicate(timeout=40)

    assert daemon.returncode == 0, stderr
    _, pressed = read_verdict_button(first[0]["callback_data"])
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
        stored = conn.execute("SELECT hit_id, verdict, via FROM feedback ORDER BY hit_id").fetchall()
    assert stored == [(hit, "relevant", "telegram") for hit in sorted(pressed)]
    assert fake.answered[0]["text"] == "Marked relevant"
    assert "marked relevant by @analyst" in stderr and TOKEN not in stderr


def test_once_reads_the_presses_before_its_round(analyst_config_dir):
    with FakeTelegram(TOKEN) as fake:
        monitor_file = analyst_config_dir / "monitor.yaml"
        settings = yaml.safe_load(monitor_file.read_text(encoding="utf-8"))
        settings["channels"].append({"name": "desk", "kind": "telegram", "chat_id": "-1001", "api_base": fake.api_base,
                                     "timeout": "5s"})
        monitor_file.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
        sources_file = analyst_config_dir / "sources.yaml"  # the archive's sources are not on this machine: no fetching
        sources = yaml.safe_load(sources_file.read_text(encoding="utf-8"))
        sources_file.write_text(yaml.safe_dump({"sources": [{**source, "enabled": False} for source in sources["sources"]]},
                                               allow_unicode=True), encoding="utf-8")
        config = load_config(analyst_config_dir)
        fill_archive(config)
        with open_archive(config.monitor.database) as store:
            hit = hit_ids(store, "fighters")[TITLES[0]]
        fake.delivered.append({"chat_id": "-1001", "text": "digest"})
        fake.press(1, verdict_button("relevant", [hit]))

        result = run_dozor("once", "--config", str(analyst_config_dir), env={"DOZOR_TELEGRAM_TOKEN": TOKEN})

    assert result.returncode == 0, result.stderr[-2000:]
    assert "Verdicts from Telegram buttons: 1" in result.stdout
    with sqlite3.connect(config.monitor.database) as conn:
        assert conn.execute("SELECT hit_id, verdict, via FROM feedback").fetchall() == [(hit, "relevant", "telegram")]
