"""The Telegram channel: messages built from the digest, sent to a local Bot API stand-in."""
from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest

from monitor.digest import Digest, DigestGroup, DigestItem, Segment
from monitor.notify.errors import DeliveryError, PermanentDeliveryError, TransientDeliveryError
from monitor.notify.telegram import (
    TelegramMessage, TelegramNotifier, TelegramSettings, as_plain_text, render_telegram, telegram_messages,
)
from monitor.render import LABELS
from tests.fakes.smtp import free_port
from tests.fakes.telegram import (
    CHAT_NOT_FOUND, FORBIDDEN, PARSE_ERROR, PASS, SERVER_ERROR, FakeTelegram, bad_request, parse_html, rate_limited,
)

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
NOW = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> </b> &amp; *_[ вербовщик"


def story(number: int, title: str | None = None, url: str | None = None, body: str = "") -> DigestItem:
    return DigestItem(
        article_id=number, title=title or f"Сюжет №{number:02d} 🚨 боевики вернулись из Сирии",
        url=url or f"https://kaz.example/news/{number}?ref=rss&lang=ru", source="Дала 🇰🇿",
        published="2025-03-01T02:00:00+05:00", severity="high", score=80, rules=["Extremism"],
        snippet=[Segment(f"начало-{number:02d} " + body + "Задержан "), Segment("вербовщик", emphasised=True),
                 Segment(f" ИГИЛ 🕌 в Шымкенте. конец-{number:02d}")],
    )


def digest(*items: DigestItem) -> Digest:
    return Digest("telegram", NOW, [DigestGroup("Extremism", list(items))], [])


def big_digest() -> Digest:
    return digest(*(story(number, body="Подробности расследования 📰 " * 6) for number in range(60)))


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def notifier(api_base: str, waits: list[float] | None = None, **overrides: object) -> TelegramNotifier:
    settings = TelegramSettings(**{"token": TOKEN, "chat_id": -1001234, "api_base": api_base, "timeout": 2.0, **overrides})
    return TelegramNotifier(settings, sleep=(waits if waits is not None else []).append)


def three_parts() -> list[TelegramMessage]:
    return telegram_messages(digest(*(story(number, body="x " * 300) for number in range(3))), LABELS["en"], limit=1000)


def texts(messages: list[TelegramMessage]) -> list[str]:
    return [message.text for message in messages]


# -- rendering ---------------------------------------------------------------------------------


def test_long_digest_splits_within_the_limit_and_keeps_every_story_once_in_order() -> None:
    parts = render_telegram(big_digest(), LABELS["ru"])
    assert len(parts) > 1
    assert all(units(part) <= 4096 and units(parse_html(part)) <= 4096 for part in parts)
    markers = re.findall(r"Сюжет №(\d\d)", "".join(parts))
    assert markers == [f"{number:02d}" for number in range(60)]


def test_parts_are_numbered_and_split_only_between_stories() -> None:
    parts = render_telegram(big_digest(), LABELS["ru"])
    assert [re.search(r"\((\d+)/(\d+)\)", part).groups() for part in parts] == [
        (str(number), str(len(parts))) for number in range(1, len(parts) + 1)
    ]
    for number in range(60):
        holding = [part for part in parts if f"начало-{number:02d}" in part]
        assert len(holding) == 1 and f"конец-{number:02d}" in holding[0]


def test_single_part_has_no_numbering() -> None:
    (part,) = render_telegram(digest(story(1)), LABELS["en"])
    assert part.startswith("<b>Dozor digest</b> — 2025-03-01 08:00 UTC\n\n")


def test_hostile_headline_and_javascript_link_are_escaped() -> None:
    (part,) = render_telegram(digest(story(1, title=HOSTILE, url="javascript:alert(1)")), LABELS["en"])
    assert "<script" not in part and "href" not in part
    assert "&lt;/b&gt; &amp;amp; *_[" in part
    assert HOSTILE in parse_html(part)


def test_link_is_escaped_inside_its_attribute() -> None:
    (part,) = render_telegram(digest(story(1, url='https://kaz.example/?a=1&b="2"')), LABELS["en"])
    assert '<a href="https://kaz.example/?a=1&amp;b=&quot;2&quot;">' in part


def test_invisible_and_direction_changing_characters_are_removed() -> None:
    (part,) = render_telegram(digest(story(1, title="evil\u202egpj.exe\u200b")), LABELS["en"])
    assert "evilgpj.exe" in parse_html(part)


def test_matched_terms_are_emphasised() -> None:
    (part,) = render_telegram(digest(story(1)), LABELS["en"])
    assert "Задержан <b>вербовщик</b> ИГИЛ" in part


def test_huge_headline_is_shortened_without_cutting_markup() -> None:
    huge = story(2, title="&<" * 5000, url="https://kaz.example/" + "a" * 5000)
    parts = render_telegram(digest(story(1), huge, story(3)), LABELS["en"])
    assert all(units(part) <= 4096 for part in parts)
    visible = "".join(parse_html(part) for part in parts)
    assert visible.index("Сюжет №01") < visible.index("&<&<") < visible.index("Сюжет №03")
    assert "&<…" in visible


def test_shortened_story_keeps_a_link_of_ordinary_length() -> None:
    parts = render_telegram(digest(story(1, title="Боевик 🚨 " * 1200)), LABELS["en"])
    assert all(units(part) <= 4096 for part in parts)
    assert '<a href="https://kaz.example/news/1?ref=rss&amp;lang=ru">Боевик' in parts[0]


def test_empty_digest_says_nothing_new() -> None:
    (part,) = render_telegram(digest(), LABELS["ru"])
    assert "С прошлого дайджеста ничего нового." in part


def test_limit_beyond_telegram_is_refused() -> None:
    with pytest.raises(ValueError, match="use a value from 256 to 4096"):
        render_telegram(digest(story(1)), LABELS["en"], limit=5000)


# -- sending -----------------------------------------------------------------------------------


def test_parts_are_delivered_in_order_as_html_without_previews() -> None:
    parts = three_parts()
    with FakeTelegram(TOKEN) as fake:
        report = notifier(fake.api_base).send(parts)
    assert report.message_ids == (1, 2, 3) and report.plain_text_parts == ()
    assert [body["text"] for body in fake.delivered] == texts(parts)
    assert fake.requests[0].path == f"/bot{TOKEN}/sendMessage"
    assert {(body["chat_id"], body["parse_mode"], body["link_preview_options"]["is_disabled"])
            for body in fake.delivered} == {(-1001234, "HTML", True)}


def test_rate_limit_is_waited_out_then_the_same_part_is_sent_once() -> None:
    waits: list[float] = []
    parts = three_parts()
    with FakeTelegram(TOKEN) as fake:
        fake.script(PASS, rate_limited(37))
        notifier(fake.api_base, waits).send(parts)
    assert waits == [37]
    assert [body["text"] for body in fake.delivered] == texts(parts)
    assert len(fake.requests) == 4


def test_rate_limit_waits_are_capped_in_total() -> None:
    waits: list[float] = []
    with FakeTelegram(TOKEN) as fake:
        fake.script(PASS, rate_limited(60), rate_limited(60), rate_limited(60))
        with pytest.raises(TransientDeliveryError) as caught:
            notifier(fake.api_base, waits, max_retry_wait=120).send(three_parts())
    assert waits == [60, 60]
    assert caught.value.retry_after == 60 and caught.value.sent_ids == (1,)


def test_rate_limit_longer_than_the_cap_is_left_to_a_later_run() -> None:
    waits: list[float] = []
    with FakeTelegram(TOKEN) as fake:
        fake.script(rate_limited(3600))
        with pytest.raises(TransientDeliveryError, match="max_retry_wait") as caught:
            notifier(fake.api_base, waits).send(three_parts())
    assert waits == [] and caught.value.retry_after == 3600 and caught.value.sent_ids == ()


def test_unparsable_html_falls_back_once_to_plain_text() -> None:
    parts = three_parts()
    with FakeTelegram(TOKEN) as fake:
        fake.script(PARSE_ERROR)
        report = notifier(fake.api_base).send(parts)
    assert report.plain_text_parts == (0,) and report.message_ids == (1, 2, 3)
    first = fake.delivered[0]
    assert "parse_mode" not in first and first["text"] == as_plain_text(parts[0].text)
    assert "(https://kaz.example/news/0?ref=rss&lang=ru)" in first["text"] and "<b>" not in first["text"]
    assert len(fake.requests) == 4


def test_plain_text_fallback_is_tried_only_once() -> None:
    with FakeTelegram(TOKEN) as fake:
        fake.script(PARSE_ERROR, PARSE_ERROR)
        with pytest.raises(PermanentDeliveryError):
            notifier(fake.api_base).send(three_parts())
    assert len(fake.requests) == 2


@pytest.mark.parametrize("answer", [FORBIDDEN, CHAT_NOT_FOUND], ids=["blocked", "chat-not-found"])
def test_refused_chat_is_permanent_without_retry(answer: tuple) -> None:
    with FakeTelegram(TOKEN) as fake:
        fake.script(answer)
        with pytest.raises(PermanentDeliveryError, match="chat -1001234"):
            notifier(fake.api_base).send(three_parts())
    assert len(fake.requests) == 1


def test_server_error_is_transient_and_says_what_was_sent_so_the_rest_can_follow() -> None:
    parts = three_parts()
    with FakeTelegram(TOKEN) as fake:
        fake.script(PASS, SERVER_ERROR)
        with pytest.raises(TransientDeliveryError) as caught:
            notifier(fake.api_base).send(parts)
        assert caught.value.sent_ids == (1,) and len(fake.requests) == 2
        notifier(fake.api_base).send(parts[len(caught.value.sent_ids):])
    assert [body["text"] for body in fake.delivered] == texts(parts)


def test_unreachable_api_is_transient() -> None:
    with pytest.raises(TransientDeliveryError, match="Could not reach"):
        notifier(f"http://127.0.0.1:{free_port()}").send(three_parts())


def test_wrong_token_is_permanent() -> None:
    with FakeTelegram("987:other") as fake:
        with pytest.raises(PermanentDeliveryError, match="token"):
            notifier(fake.api_base).send(three_parts())


FAULTS = [FORBIDDEN, CHAT_NOT_FOUND, SERVER_ERROR, PARSE_ERROR, rate_limited(9999), bad_request(f"token {TOKEN} is bad")]


@pytest.mark.parametrize("answers", [[fault, fault] for fault in FAULTS] + [["wrong-token"], ["unreachable"]])
def test_token_never_appears_in_errors_or_logs(answers: list, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeTelegram(TOKEN if answers != ["wrong-token"] else "987:other") as fake:
        fake.script(*[answer for answer in answers if isinstance(answer, tuple)])
        api_base = fake.api_base if answers != ["unreachable"] else f"http://127.0.0.1:{free_port()}"
        with pytest.raises(DeliveryError) as caught:
            notifier(api_base).send(three_parts())
    assert TOKEN not in str(caught.value) and TOKEN not in caplog.text
    assert TOKEN.split(":")[1] not in caplog.text
    if answers != ["unreachable"]:
        assert "/bot***/sendMessage" in caplog.text  # httpx's request log line, redacted


def test_settings_repr_hides_the_token() -> None:
    assert TOKEN not in repr(TelegramSettings(token=TOKEN, chat_id=1))
