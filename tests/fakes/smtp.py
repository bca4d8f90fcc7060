"""Mail servers on 127.0.0.1: a real SMTP server (aiosmtpd) that records and can refuse, and one that never speaks."""
from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections import deque
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    mail_from: str
    recipients: list[str]
    content: bytes

    def message(self) -> EmailMessage:
        return message_from_bytes(self.content, policy=policy.default)


class FakeSMTP:
    """Use as a context manager. `refuse_next` scripts replies to the next DATA commands;
    `refuse_recipient` makes RCPT TO fail for one address; with `login` set, AUTH needs those credentials."""

    def __init__(self, login: tuple[str, str] | None = None, tls_context: ssl.SSLContext | None = None,
                 implicit_tls: ssl.SSLContext | None = None) -> None:
        self.login = login
        self.received: list[Received] = []
        self.refused_recipients: dict[str, str] = {}
        self._replies: deque[str] = deque()
        self.port = free_port()
        self._controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="fake.smtp.test",
            authenticator=self._authenticate, auth_require_tls=False, tls_context=tls_context,
            ssl_context=implicit_tls,
        )

    def refuse_next(self, *replies: str) -> None:
        self._replies.extend(replies)

    def refuse_recipient(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        self.refused_recipients[address] = reply

    def _authenticate(self, server, session, envelope, mechanism: str, auth_data: LoginPassword) -> AuthResult:
        expected = tuple(part.encode() for part in self.login) if self.login else None
        return AuthResult(success=(auth_data.login, auth_data.password) == expected, handled=False)

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options: list) -> str:
        if address in self.refused_recipients:
            return self.refused_recipients[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        if self._replies:
            return self._replies.popleft()
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"

    def __enter__(self) -> FakeSMTP:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


class SilentServer:
    """A mail server that hangs before its banner: the kernel completes the handshake, nobody ever answers."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0), backlog=8)
        self.port = self._socket.getsockname()[1]

    def __enter__(self) -> SilentServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self._socket.close()


def free_port() -> int:
    """A port nothing listens on right now (aiosmtpd's controller cannot bind port 0 and report it)."""
    with socket.create_server(("127.0.0.1", 0)) as probe:
        return probe.getsockname()[1]


def self_signed_tls(folder: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server context with a fresh certificate for 127.0.0.1, and a client context that trusts only it."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert_file, key_file)
    return server, ssl.create_default_context(cafile=str(cert_file))
