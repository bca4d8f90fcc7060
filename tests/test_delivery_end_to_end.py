"""Digests and alerts through the real outbox to a real SMTP server and a local Bot API stand-in."""
from __future__ import annotations

import sqlite3

import pytest

from monitor.checkpoints import CRASH_EXIT_STATUS
from tests.builders import DEMO_SITE, TEST_RULES, demo_sources, write_config
from tests.conftest import run_dozor
from tests.fakes.faultserver import FaultServer
from tests.fakes.smtp import FakeSMTP
from tests.fakes.telegram import FakeTelegram, rate_limited

TOKEN = "123456:TEST-token-for-the-stand-in"
URGENT_RULES = {**TEST_RULES, "rules": [{**TEST_RULES["rules"][0], "severity": "urgent"}]}
MATCHING = 7  # relevant articles of the demo site that TEST_RULES flags


@pytest.fixture
def world(tmp_path):
    with FaultServer(DEMO_SITE) as site, FakeSMTP() as smtp, FakeTelegram(TOKEN) as telegram:
        yield site, smtp, telegram


def _channels(tmp_path, smtp, telegram, alerts: bool = False) -> list[dict]:
    return [
        {"name": "files", "kind": "file", "folder": str(tmp_path / "data/digests")},
        {"name": "desk-mail", "kind": "email", "host": "127.0.0.1", "port": smtp.port, "security": "none",
         "sender": "dozor@example.org", "recipients": ["analyst@example.org"], "timeout": "5s", "alerts": alerts},
        {"name": "desk-telegram", "kind": "telegram", "chat_id": "-1001", "api_base": telegram.api_base,
         "timeout": "5s", "alerts": alerts, "language": "ru"},
    ]


def _config(tmp_path, site, smtp, telegram, rules=None, alerts=False):
    return write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base), rules=rules,
                        channels=_channels(tmp_path, smtp, telegram, alerts))


def _query(tmp_path, sql):
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:
        return conn.execute(sql).fetchall()


def _run(*args, **env):
    return run_dozor(*args, env={"DOZOR_TELEGRAM_TOKEN": TOKEN, **env})


def test_digest_reaches_every_channel_once(world, tmp_path):
    site, smtp, telegram = world
    config = _config(tmp_path, site, smtp, telegram)

    result = _run("once", "--config", str(config), "--digest")

    assert result.returncode == 0, result.stderr
    (mail,) = smtp.received
    message = mail.message()
    assert message["List-Id"] and message["Message-ID"]
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Гражданин Казахстана опознан среди боевиков" in text and "Гражданин Казахстана" in html
    delivered = "\n".join(part["text"] for part in telegram.delivered)
    assert "Ошский суд приступил к рассмотрению дела трёх боевиков" in delivered
    assert "UFC" not in delivered
    assert _query(tmp_path, "SELECT channel, status FROM messages ORDER BY channel") == [
        ("desk-mail", "sent"), ("desk-telegram", "sent"), ("files", "sent")]
    assert _query(tmp_path, "SELECT count(*) FROM deliveries WHERE status != 'sent'") == [(0,)]
    assert _query(tmp_path, "SELECT count(DISTINCT hit_id) FROM deliveries")[0][0] >= MATCHING


def test_a_refusing_mail_server_does_not_stop_the_others_and_is_retried(world, tmp_path):
    site, smtp, telegram = world
    config = _config(tmp_path, site, smtp, telegram)
    smtp.refuse_next("451 4.3.0 Try again later")

    first = _run("once", "--config", str(config), "--digest")

    assert first.returncode == 0, first.stderr
    assert "Not sent yet digest for desk-mail" in first.stdout
    assert smtp.received == [] and telegram.delivered
    assert _query(tmp_path, "SELECT status, attempts, next_attempt IS NOT NULL FROM messages WHERE channel = 'desk-mail'") == [
        ("pending", 1, 1)]
    with sqlite3.connect(tmp_path / "data/dozor.sqlite3") as conn:  # the retry time has come
        conn.execute("UPDATE messages SET next_attempt = NULL")

    second = _run("digest", "--config", str(config))

    assert second.returncode == 0, second.stderr
    assert len(smtp.received) == 1
    assert _query(tmp_path, "SELECT count(*) FROM deliveries WHERE status != 'sent'") == [(0,)]


def test_telegram_rate_limit_is_waited_out_and_nothing_is_duplicated(world, tmp_path):
    site, smtp, telegram = world
    config = _config(tmp_path, site, smtp, telegram)
    telegram.script(rate_limited(1))

    result = _run("once", "--config", str(config), "--digest")

    assert result.returncode == 0, result.stderr
    texts = [part["text"] for part in telegram.delivered]
    assert len(texts) == len(set(texts)) >= 1
    assert len(telegram.calls("sendMessage")) == len(texts) + 1


def test_urgent_hits_are_alerted_within_the_round_and_marked_in_the_digest(world, tmp_path):
    site, smtp, telegram = world
    config = _config(tmp_path, site, smtp, telegram, rules=URGENT_RULES, alerts=True)

    round_only = _run("once", "--config", str(config))

    assert round_only.returncode == 0, round_only.stderr
    assert _query(tmp_path, "SELECT DISTINCT purpose FROM messages") == [("alert",)]
    assert len(smtp.received) == 1 and "СРОЧНО" not in smtp.received[0].message()["Subject"]

    digest = _run("digest", "--config", str(config), "--channel", "desk-mail")

    assert digest.returncode == 0, digest.stderr
    assert len(smtp.received) == 2
    text = smtp.received[1].message().get_body(("plain",)).get_content()
    assert "already alerted" in text


def test_dry_run_prints_and_marks_nothing(world, tmp_path):
    site, smtp, telegram = world
    config = _config(tmp_path, site, smtp, telegram)
    assert _run("once", "--config", str(config)).returncode == 0

    preview = _run("digest", "--config", str(config), "--dry-run")

    assert preview.returncode == 0, preview.stderr
    assert "dry run: nothing sent" in preview.stdout and "Гражданин Казахстана" in preview.stdout
    assert smtp.received == [] and telegram.delivered == []
    assert _query(tmp_path, "SELECT count(*) FROM messages") == [(0,)]
    assert _query(tmp_path, "SELECT DISTINCT status FROM deliveries") == [("pending",)]


@pytest.mark.parametrize(("crash_at", "copies"), [("before_send", 1), ("after_send_before_commit", 2)])
def test_a_crash_while_sending_loses_nothing_and_repeats_at_most_one_message(world, tmp_path, crash_at, copies):
    site, smtp, telegram = world
    channels = _channels(tmp_path, smtp, telegram)[1:2]
    config = write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base), channels=channels)
    assert _run("once", "--config", str(config)).returncode == 0

    crashed = _run("digest", "--config", str(config), DOZOR_CRASH_AT=crash_at)
    assert crashed.returncode == CRASH_EXIT_STATUS
    restarted = _run("digest", "--config", str(config))

    assert restarted.returncode == 0, restarted.stderr
    assert len(smtp.received) == copies
    assert len({mail.message()["Message-ID"] for mail in smtp.received}) == 1
    assert _query(tmp_path, "PRAGMA integrity_check") == [("ok",)]
    assert _query(tmp_path, "SELECT count(*), sum(status = 'sent') FROM messages") == [(1, 1)]
    assert _query(tmp_path, "SELECT count(*) FROM deliveries WHERE status != 'sent'") == [(0,)]


def test_an_operator_template_replaces_the_shipped_one(world, tmp_path):
    site, smtp, telegram = world
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "digest.txt.j2").write_text(
        "DESK BRIEFING {{ digest.items | length }}\n{% for item in digest.items %}* {{ item.title }}\n{% endfor %}",
        encoding="utf-8")
    channels = _channels(tmp_path, smtp, telegram)[1:2]
    channels[0]["templates"] = str(templates)
    config = write_config(tmp_path / "config", tmp_path / "data", demo_sources(site.base), channels=channels)

    assert _run("once", "--config", str(config), "--digest").returncode == 0

    text = smtp.received[0].message().get_body(("plain",)).get_content()
    assert text.startswith(f"DESK BRIEFING {MATCHING}")
    assert "<html" in smtp.received[0].message().get_body(("html",)).get_content()
