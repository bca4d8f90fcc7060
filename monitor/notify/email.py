"""The email channel: a rendered digest sent over SMTP as text with an HTML alternative."""
from __future__ import annotations

import logging
import re
import smtplib
import ssl
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal

from monitor.notify.errors import DeliveryError, PermanentDeliveryError, RecipientRefused, TransientDeliveryError
from monitor.render import RenderedDigest

logger = logging.getLogger(__name__)
SECURITY_MODES = ("starttls", "ssl", "none")
_LINE_BREAKS = re.compile(r"[\r\n]+")


@dataclass(frozen=True, kw_only=True)
class EmailSettings:
    host: str
    sender: str
    recipients: tuple[str, ...]
    list_id: str
    port: int = 587
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    def __post_init__(self) -> None:
        if self.security not in SECURITY_MODES:
            raise ValueError(f"email security is {self.security!r}; it must be one of {', '.join(SECURITY_MODES)}.")
        if not self.recipients:
            raise ValueError("The email channel has no recipients; list at least one address.")


@dataclass(frozen=True)
class SendReport:
    message_id: str
    accepted: tuple[str, ...]
    refused: dict[str, tuple[int, str]]


class EmailNotifier:
    def __init__(self, settings: EmailSettings, tls_context: ssl.SSLContext | None = None) -> None:
        self.settings = settings
        self.tls_context = tls_context or ssl.create_default_context()

    @property
    def server(self) -> str:
        return f"{self.settings.host}:{self.settings.port}"

    def build_message(self, rendered: RenderedDigest, message_id: str, now: datetime) -> EmailMessage:
        """`message_id` comes with its angle brackets and stays the same when a delivery is retried."""
        settings = self.settings
        message = EmailMessage()
        message["From"] = _one_line(settings.sender)
        message["To"] = ", ".join(_one_line(address) for address in settings.recipients)
        message["Subject"] = _one_line(rendered.subject)
        message["Date"] = format_datetime(now)
        message["Message-ID"] = _one_line(message_id)
        message["List-Id"] = _one_line(settings.list_id)
        message.set_content(rendered.text, charset="utf-8", cte="base64")
        message.add_alternative(rendered.html, subtype="html", charset="utf-8", cte="base64")
        return message

    def send(self, rendered: RenderedDigest, message_id: str, now: datetime) -> SendReport:
        message = self.build_message(rendered, message_id, now)
        try:
            refused = self._deliver(message)
        except (smtplib.SMTPException, OSError) as error:
            raise self._translate(error) from error
        refused = {address: (code, self._text(reply)) for address, (code, reply) in refused.items()}
        accepted = tuple(address for address in self.settings.recipients if address not in refused)
        if refused:
            logger.warning("Mail server %s refused %d of %d recipients of %s: %s",
                           self.server, len(refused), len(self.settings.recipients), message_id, refused)
        logger.info("Sent %s to %d recipients through %s", message_id, len(accepted), self.server)
        return SendReport(message_id, accepted, refused)

    def _deliver(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        settings = self.settings
        with closing(self._connect()) as smtp:
            if settings.security == "starttls":
                smtp.starttls(context=self.tls_context)
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            refused = smtp.send_message(message)
            _quit_quietly(smtp)
        return refused

    def _connect(self) -> smtplib.SMTP:
        settings = self.settings
        if settings.security == "ssl":
            return smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=self.tls_context)
        return smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)

    def _translate(self, error: smtplib.SMTPException | OSError) -> DeliveryError:
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            return self._all_refused(error.recipients)
        if isinstance(error, smtplib.SMTPAuthenticationError) and error.smtp_code >= 500:
            return PermanentDeliveryError(
                f"The mail server {self.server} refused the login for {self.settings.username} "
                f"({error.smtp_code} {self._text(error.smtp_error)}); check the SMTP username and password."
            )
        if isinstance(error, smtplib.SMTPResponseException):
            return self._rejected(error.smtp_code, self._text(error.smtp_error))
        if isinstance(error, ssl.SSLError):
            return TransientDeliveryError(
                f"TLS with the mail server {self.server} failed ({error}); the digest stays pending and will be retried, "
                "check the server's certificate and the email security setting (Dozor never falls back to plain text)."
            )
        if isinstance(error, smtplib.SMTPServerDisconnected) or not isinstance(error, smtplib.SMTPException):
            return TransientDeliveryError(
                f"Could not talk to the mail server {self.server} ({error}; timeout {self.settings.timeout:g} s); "
                "the digest stays pending and will be retried, check that the server is up if this persists."
            )
        return PermanentDeliveryError(
            f"The mail server {self.server} cannot do what the email settings ask ({error}); "
            "change the security or login settings to what the server offers."
        )

    def _rejected(self, code: int, reply: str) -> DeliveryError:
        if 400 <= code < 500:
            return TransientDeliveryError(
                f"The mail server {self.server} deferred the digest ({code} {reply}); it stays pending and will be retried."
            )
        return PermanentDeliveryError(
            f"The mail server {self.server} rejected the digest ({code} {reply}); "
            "fix the sender, recipients or server settings before sending it again."
        )

    def _all_refused(self, recipients: dict) -> DeliveryError:
        replies = "; ".join(f"{address}: {code} {self._text(reply)}" for address, (code, reply) in recipients.items())
        if any(400 <= code < 500 for code, _ in recipients.values()):
            return TransientDeliveryError(
                f"The mail server {self.server} deferred every recipient ({replies}); the digest will be retried."
            )
        return RecipientRefused(
            f"The mail server {self.server} refused every recipient ({replies}); check the recipient addresses"
        )

    def _text(self, reply: bytes | str) -> str:
        """A server reply made fit for a log line; a server that echoes the password gets it masked."""
        text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
        password = self.settings.password
        return text.replace(password, "***") if password else text


def _one_line(value: str) -> str:
    """A header value with line breaks turned into spaces, so no text can start a header of its own."""
    return _LINE_BREAKS.sub(" ", value)


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    # The server has accepted the message: a failed goodbye must not turn a delivery into a resend.
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        logger.debug("Mail server did not answer QUIT cleanly after accepting the message")
