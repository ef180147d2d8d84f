"""Webhook test helpers: a fake sender (no network, no DNS), a local HTTP server, users."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask

from api.webhooks import services
from api.webhooks.delivery import Response
from api.webhooks.models import WebhookEndpoint
from core.accounts.models import Role, User
from core.extensions import db
from tests.factories import make_user

PUBLIC_ADDRESS = "93.184.216.34"


@dataclass
class Sent:
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass
class FakeSender:
    """Records each request; answers ``status`` (a list is used up in order, then 200)."""

    statuses: list[int] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    def __call__(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        connect: float,
        read: float,
        addresses: Sequence[str] = (),
    ) -> Response:
        self.sent.append(Sent(url, body, dict(headers)))
        status = self.statuses.pop(0) if self.statuses else 200
        error = None if 200 <= status < 300 else f"HTTP {status}"
        return Response(status, "ok" if error is None else "boom", 12, error)


@pytest.fixture
def fake_sender(app: Flask, monkeypatch: pytest.MonkeyPatch) -> FakeSender:
    """Deliveries go to a fake; every host resolves to one public address."""
    fake = FakeSender()
    transport = app.extensions["webhooks"]
    monkeypatch.setattr(transport, "sender", fake)
    monkeypatch.setattr(transport, "resolver", lambda host, port: [PUBLIC_ADDRESS])
    return fake


@pytest.fixture
def allow_private(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)


class Receiver(BaseHTTPRequestHandler):
    server: LocalServer

    def do_POST(self) -> None:  # the name http.server calls
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        self.server.received.append((dict(self.headers.items()), body))
        status, extra_headers, reply = self.server.next_reply()
        self.send_response(status)
        for name, value in extra_headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class LocalServer(ThreadingHTTPServer):
    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Receiver)
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.replies: list[tuple[int, dict[str, str], bytes]] = []

    def next_reply(self) -> tuple[int, dict[str, str], bytes]:
        return self.replies.pop(0) if self.replies else (200, {}, b'{"received": true}')

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def seller(email: str | None = None) -> User:
    return make_user(Role.SELLER, **({"email": email} if email else {}))


def endpoint_for(
    user: User,
    events: list[str],
    url: str = "https://hooks.example.com/yc",
    *,
    allow_private: bool = False,
) -> WebhookEndpoint:
    endpoint = services.create_endpoint(user, url, events, "test", allow_private=allow_private)
    db.session.commit()
    return endpoint
