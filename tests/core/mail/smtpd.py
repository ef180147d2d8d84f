"""A tiny SMTP server for tests (EHLO, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT).

Enough of RFC 5321 for ``smtplib`` to deliver to it; every message it accepts is kept in
``received``. It can be stopped and started again on the same port (a server that was down),
and told to answer the next ``MAIL FROM`` with a temporary failure.
"""

from __future__ import annotations

import base64
import socketserver
import threading
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SMTPState:
    username: str | None = None
    password: str | None = None
    received: list[Received] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    fail_next_mail_from: int = 0


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state = self.server.state
        self.reply("220 test-smtpd ready")
        sender, recipients, authed = "", [], state.username is None
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode().rstrip("\r\n")
            verb, _, rest = line.partition(" ")
            verb = verb.upper()
            if verb == "EHLO":
                self.reply("250-test-smtpd")
                self.reply("250-AUTH PLAIN")
                self.reply("250 8BITMIME")
            elif verb == "HELO" or verb in {"NOOP"}:
                self.reply("250 OK")
            elif verb == "AUTH":
                mechanism, _, initial = rest.partition(" ")
                if mechanism.upper() != "PLAIN":
                    self.reply("504 unsupported")
                    continue
                if not initial:
                    self.reply("334 ")
                    initial = self.rfile.readline().decode().strip()
                _, user, password = base64.b64decode(initial).decode().split("\0")
                if user == state.username and password == state.password:
                    authed = True
                    state.logins.append(user)
                    self.reply("235 authenticated")
                else:
                    self.reply("535 bad credentials")
            elif verb == "MAIL":
                if not authed:
                    self.reply("530 authentication required")
                elif state.fail_next_mail_from:
                    state.fail_next_mail_from -= 1
                    self.reply("451 try again later")
                else:
                    sender, recipients = rest.split(":", 1)[1].strip().strip("<>"), []
                    self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(rest.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while True:
                    chunk = self.rfile.readline()
                    if chunk in (b".\r\n", b".\n", b""):
                        break
                    lines.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                message = BytesParser(policy=policy.default).parsebytes(b"".join(lines))
                assert isinstance(message, EmailMessage)
                state.received.append(Received(sender, recipients, message))
                self.reply("250 queued")
            elif verb == "RSET":
                sender, recipients = "", []
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, port: int, state: SMTPState) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.state = state


class SMTPServer:
    def __init__(self, *, username: str | None = None, password: str | None = None) -> None:
        self.state = SMTPState(username=username, password=password)
        self.port = 0
        self._server: _Server | None = None

    @property
    def received(self) -> list[Received]:
        return self.state.received

    def start(self) -> SMTPServer:
        self._server = _Server(self.port, self.state)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def url(self, credentials: bool = True) -> str:
        auth = ""
        if credentials and self.state.username:
            auth = f"{self.state.username}:{self.state.password}@"
        return f"smtp://{auth}127.0.0.1:{self.port}"
