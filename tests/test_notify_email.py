"""The email channel against a real SMTP server on 127.0.0.1."""
from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser

import pytest

from monitor.digest import Digest, DigestGroup, DigestItem, Segment
from monitor.notify.email import EmailNotifier, EmailSettings
from monitor.notify.errors import PermanentDeliveryError, TransientDeliveryError
from monitor.render import RenderedDigest, render_digest
from tests.fakes.smtp import FakeSMTP, SilentServer, free_port, self_signed_tls

NOW = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)
MESSAGE_ID = "<digest-42.email@dozor.example.org>"
LIST_ID = "Dozor digest <email.dozor.example.org>"
ANALYST = "analyst@example.org"
HOSTILE = "<script>alert(1)</script> </b> &amp; *_[ вербовщик"


def story(title: str = "Боевики вернулись из Сирии", url: str = "https://kaz.example/news/1") -> DigestItem:
    return DigestItem(
        article_id=1, title=title, url=url, source="Дала", published="2025-03-01T02:00:00+05:00",
        severity="high", score=80, rules=["Extremism"],
        snippet=[Segment("Задержан "), Segment("вербовщик", emphasised=True), Segment(" ИГИЛ в Шымкенте.")],
    )


def rendered(*items: DigestItem) -> RenderedDigest:
    digest = Digest("email", NOW, [DigestGroup("Extremism", list(items))], [])
    return render_digest(digest, language="ru", zone="Asia/Almaty")


def settings(port: int, **overrides: object) -> EmailSettings:
    values = dict(host="127.0.0.1", port=port, security="none", sender="dozor@example.org",
                  recipients=(ANALYST,), list_id=LIST_ID, timeout=2.0)
    return EmailSettings(**{**values, **overrides})


def send(port: int, message: RenderedDigest | None = None, **overrides: object):
    return EmailNotifier(settings(port, **overrides)).send(message or rendered(story()), MESSAGE_ID, NOW)


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        self.hrefs += [value for name, value in attrs if name == "href"]


def elements(markup: str) -> _Elements:
    parser = _Elements()
    parser.feed(markup)
    return parser


def test_message_has_plain_text_then_html_in_utf8() -> None:
    with FakeSMTP() as server:
        send(server.port)
    message = server.received[0].message()
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [part.get_content_type() for part in parts] == ["text/plain", "text/html"]
    assert [part.get_content_charset() for part in parts] == ["utf-8", "utf-8"]
    assert "Боевики вернулись из Сирии" in parts[0].get_content()
    assert "Боевики вернулись из Сирии" in parts[1].get_content()


def test_headers_carry_date_message_id_list_id_and_encoded_subject() -> None:
    message_text = rendered(story())
    with FakeSMTP() as server:
        send(server.port, message_text)
    message = server.received[0].message()
    assert parsedate_to_datetime(message["Date"]) == NOW
    assert message["Message-ID"] == MESSAGE_ID
    assert message["List-Id"] == LIST_ID
    assert message["From"] == "dozor@example.org"
    assert message["To"] == ANALYST
    assert message["Subject"] == message_text.subject
    assert b"=?utf-8?" in server.received[0].content  # Cyrillic subject travels RFC 2047-encoded


def test_hostile_headline_is_escaped_in_the_html_part() -> None:
    with FakeSMTP() as server:
        send(server.port, rendered(story(HOSTILE, url="javascript:alert(1)"), story("Ж" * 10_000)))
    text_part, html_part = server.received[0].message().iter_parts()
    assert "Ж" * 10_000 in html_part.get_content()
    found = elements(html_part.get_content())
    assert "script" not in found.tags
    assert not [href for href in found.hrefs if not href.startswith(("http://", "https://"))]
    assert "&amp;amp;" in html_part.get_content()
    assert HOSTILE in text_part.get_content()


def test_line_break_in_subject_cannot_add_a_header() -> None:
    message = RenderedDigest(subject="Dozor digest\r\nBcc: spy@example.org", text="text", html="<p>html</p>")
    with FakeSMTP() as server:
        send(server.port, message)
    received = server.received[0]
    assert received.message()["Bcc"] is None
    assert received.message()["Subject"] == "Dozor digest Bcc: spy@example.org"
    assert received.recipients == [ANALYST]


def test_deferred_then_accepted_with_the_same_message_id() -> None:
    with FakeSMTP() as server:
        server.refuse_next("451 4.3.0 Try again later")
        with pytest.raises(TransientDeliveryError, match="451"):
            send(server.port)
        send(server.port)
    assert len(server.received) == 1
    assert server.received[0].message()["Message-ID"] == MESSAGE_ID


def test_rejected_message_is_permanent() -> None:
    with FakeSMTP() as server:
        server.refuse_next("550 5.7.1 Message rejected as spam")
        with pytest.raises(PermanentDeliveryError, match="550"):
            send(server.port)
    assert server.received == []


def test_login_with_the_right_password_delivers() -> None:
    with FakeSMTP(login=("dozor", "correct horse")) as server:
        send(server.port, username="dozor", password="correct horse")
    assert len(server.received) == 1


def test_wrong_password_is_permanent_and_never_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeSMTP(login=("dozor", "correct horse")) as server:
        with pytest.raises(PermanentDeliveryError, match="535") as caught:
            send(server.port, username="dozor", password="hunter2-wrong")
    assert "hunter2-wrong" not in str(caught.value)
    assert "hunter2-wrong" not in caplog.text
    assert "hunter2-wrong" not in repr(settings(1, password="hunter2-wrong"))
    assert server.received == []


def test_some_recipients_refused_are_reported_without_error() -> None:
    with FakeSMTP() as server:
        server.refuse_recipient("gone@example.org")
        report = send(server.port, recipients=(ANALYST, "gone@example.org"))
    assert report.accepted == (ANALYST,)
    assert report.refused == {"gone@example.org": (550, "5.1.1 No such user here")}
    assert server.received[0].recipients == [ANALYST]


def test_every_recipient_refused_is_permanent() -> None:
    with FakeSMTP() as server:
        server.refuse_recipient(ANALYST)
        with pytest.raises(PermanentDeliveryError, match="refused every recipient"):
            send(server.port)


def test_every_recipient_deferred_is_transient() -> None:
    with FakeSMTP() as server:
        server.refuse_recipient(ANALYST, "450 4.2.1 Mailbox busy")
        with pytest.raises(TransientDeliveryError, match="450"):
            send(server.port)


def test_server_hanging_before_banner_times_out_as_transient() -> None:
    started = time.monotonic()
    with SilentServer() as server:
        with pytest.raises(TransientDeliveryError, match="retried"):
            send(server.port, timeout=0.3)
    assert time.monotonic() - started < 2


def test_server_down_is_transient() -> None:
    with pytest.raises(TransientDeliveryError):
        send(free_port())


def test_starttls_round_trip(tmp_path) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    with FakeSMTP(tls_context=server_tls, login=("dozor", "pw")) as server:
        EmailNotifier(settings(server.port, security="starttls", username="dozor", password="pw"),
                      tls_context=client_tls).send(rendered(story()), MESSAGE_ID, NOW)
    assert len(server.received) == 1


def test_implicit_tls_round_trip(tmp_path) -> None:
    server_tls, client_tls = self_signed_tls(tmp_path)
    with FakeSMTP(implicit_tls=server_tls) as server:
        EmailNotifier(settings(server.port, security="ssl"), tls_context=client_tls).send(rendered(story()), MESSAGE_ID, NOW)
    assert len(server.received) == 1


def test_server_without_starttls_is_never_used_unencrypted() -> None:
    with FakeSMTP() as server:
        with pytest.raises(PermanentDeliveryError, match="STARTTLS"):
            send(server.port, security="starttls")
    assert server.received == []


def test_untrusted_certificate_is_refused(tmp_path) -> None:
    server_tls, _ = self_signed_tls(tmp_path)
    with FakeSMTP(tls_context=server_tls) as server:
        with pytest.raises(TransientDeliveryError, match="CERTIFICATE_VERIFY_FAILED"):
            send(server.port, security="starttls")
    assert server.received == []


def test_unknown_security_mode_is_refused_with_a_sentence() -> None:
    with pytest.raises(ValueError, match="it must be one of starttls, ssl, none"):
        settings(25, security="tls")
