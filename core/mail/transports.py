"""Where mail goes: an SMTP server (``MAIL_URL``), files under ``instance/mail/`` (the
embedded default, read on ``/dev/mail``), or a list in memory (``memory://``, for tests).

``MAIL_URL`` forms: ``smtp://user:password@host:587?starttls=true`` (or the scheme
``smtp+starttls://``) upgrades a plain connection with STARTTLS; ``smtps://host:465`` speaks
TLS from the first byte; plain ``smtp://host:25`` sends in the clear (a local relay only).
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask

from core.types import utcnow

MEMORY_KEY = "mail.memory"
MEMORY_URL = "memory://"
SMTP_TIMEOUT_SECONDS = 15


class MailConfigError(ValueError):
    """``MAIL_URL`` cannot be understood."""


class TransientMailError(Exception):
    """The server could not take the mail now (down, busy, 4xx): try again later."""


@dataclass(frozen=True)
class OutgoingMail:
    message_id: str
    sender: str
    recipient: str
    subject: str
    text: str
    html: str
    unsubscribe_url: str | None = None
    file_stem: str = "mail"

    def as_message(self) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message["Date"] = format_datetime(utcnow())
        message["Message-ID"] = self.message_id
        if self.unsubscribe_url:
            # RFC 8058: mail clients may offer a one-click unsubscribe button of their own.
            message["List-Unsubscribe"] = f"<{self.unsubscribe_url}>"
            message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        return message


class Transport(Protocol):
    name: str

    def send(self, mail: OutgoingMail) -> None: ...


@dataclass(frozen=True)
class SMTPTransport:
    host: str
    port: int
    implicit_tls: bool = False
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout: float = SMTP_TIMEOUT_SECONDS
    name: str = "smtp"

    def _connect(self) -> smtplib.SMTP:
        if self.implicit_tls:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout)

    def send(self, mail: OutgoingMail) -> None:
        """Send one mail; raise ``TransientMailError`` when a later try may succeed."""
        try:
            with self._connect() as smtp:
                smtp.ehlo()
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                if self.username:
                    smtp.login(self.username, self.password or "")
                smtp.send_message(
                    mail.as_message(), from_addr=mail.sender, to_addrs=[mail.recipient]
                )
        except smtplib.SMTPResponseException as error:
            if 400 <= error.smtp_code < 500:
                raise TransientMailError(f"SMTP {error.smtp_code}: {error.smtp_error!r}") from error
            raise
        except (OSError, smtplib.SMTPServerDisconnected) as error:
            raise TransientMailError(f"SMTP server unreachable: {error}") from error


_SAFE_STEM = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class FileTransport:
    """Write each mail as an ``.eml`` file, for the development mail page."""

    directory: Path
    name: str = "file"

    def send(self, mail: OutgoingMail) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        stem = _SAFE_STEM.sub("-", mail.file_stem)[:80]
        target = self.directory / f"{utcnow():%Y%m%d-%H%M%S}-{stem}.eml"
        temporary = target.with_suffix(".tmp")
        temporary.write_bytes(mail.as_message().as_bytes())
        temporary.replace(target)


@dataclass
class MemoryTransport:
    """Keep mails in a list on the app (tests read ``sent``)."""

    sent: list[OutgoingMail]
    name: str = "memory"

    def send(self, mail: OutgoingMail) -> None:
        self.sent.append(mail)


def parse_mail_url(url: str) -> SMTPTransport:
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in {"smtp", "smtps", "smtp+starttls"} or not parts.hostname:
        raise MailConfigError(
            "MAIL_URL must look like smtp://user:password@host:587?starttls=true or "
            "smtps://user:password@host:465"
        )
    query = {key.lower(): values[-1].lower() for key, values in parse_qs(parts.query).items()}
    starttls = scheme == "smtp+starttls" or query.get("starttls") in {"1", "true", "yes", "on"}
    implicit_tls = scheme == "smtps"
    default_port = 465 if implicit_tls else (587 if starttls else 25)
    return SMTPTransport(
        host=parts.hostname,
        port=parts.port or default_port,
        implicit_tls=implicit_tls,
        starttls=starttls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def mail_directory(app: Flask) -> Path:
    return Path(app.config.get("MAIL_DIR") or Path(app.instance_path) / "mail")


def transport_for(app: Flask) -> Any:
    """The transport ``app``'s configuration names (read at each send: tests may switch it)."""
    url = (app.config.get("MAIL_URL") or "").strip()
    if not url or url.startswith("file:"):
        return FileTransport(mail_directory(app))
    if url == MEMORY_URL:
        return MemoryTransport(app.extensions.setdefault(MEMORY_KEY, []))
    return parse_mail_url(url)


def uses_file_transport(app: Flask) -> bool:
    return isinstance(transport_for(app), FileTransport)
