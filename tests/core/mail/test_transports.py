"""The SMTP transport against a real SMTP server started by the tests, and MAIL_URL parsing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.extensions import db
from core.jobs import outbox
from core.jobs.outbox import OutboxMessage
from core.mail.models import MailCategory, SentMail
from core.mail.services import queue_mail
from core.mail.transports import (
    MailConfigError,
    OutgoingMail,
    SMTPTransport,
    TransientMailError,
    parse_mail_url,
)
from core.types import utcnow
from tests.conftest import make_test_app
from tests.core.mail.smtpd import SMTPServer
from tests.factories import make_user


@pytest.fixture
def smtp() -> Iterator[SMTPServer]:
    server = SMTPServer(username="mailer", password="s3cret pass").start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app, smtp, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", smtp.url().replace("s3cret pass", "s3cret%20pass"))
    monkeypatch.setitem(app.config, "MAIL_FROM", "Yellowcart <no-reply@yellowcart.test>")
    return app


def outgoing(**overrides) -> OutgoingMail:
    values = {
        "message_id": "<mail-1@yellowcart>",
        "sender": "Yellowcart <no-reply@yellowcart.test>",
        "recipient": "bea@example.com",
        "subject": "Hello",
        "text": "Plain words",
        "html": "<p>Rich words</p>",
        "unsubscribe_url": "http://localhost/mail/unsubscribe/abc",
    }
    return OutgoingMail(**{**values, **overrides})


def test_smtp_transport_delivers_text_and_html_with_login(smtp):
    transport = parse_mail_url(smtp.url().replace("s3cret pass", "s3cret%20pass"))
    transport.send(outgoing())
    (received,) = smtp.received
    assert smtp.state.logins == ["mailer"]
    assert received.recipients == ["bea@example.com"]
    assert received.message["Subject"] == "Hello"
    assert received.message["Message-ID"] == "<mail-1@yellowcart>"
    assert received.message["List-Unsubscribe"] == "<http://localhost/mail/unsubscribe/abc>"
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert received.message.get_body(("plain",)).get_content().strip() == "Plain words"
    assert "<p>Rich words</p>" in received.message.get_body(("html",)).get_content()


def test_a_server_that_is_down_is_a_transient_error(smtp):
    url = smtp.url().replace("s3cret pass", "s3cret%20pass")
    smtp.stop()
    with pytest.raises(TransientMailError):
        parse_mail_url(url).send(outgoing())


def test_a_4xx_answer_is_a_transient_error(smtp):
    smtp.state.fail_next_mail_from = 1
    with pytest.raises(TransientMailError, match="451"):
        parse_mail_url(smtp.url().replace("s3cret pass", "s3cret%20pass")).send(outgoing())
    assert smtp.received == []


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.local", SMTPTransport("relay.local", 25)),
        (
            "smtp://u:p%40ss@mail.example.com:587?starttls=true",
            SMTPTransport("mail.example.com", 587, starttls=True, username="u", password="p@ss"),
        ),
        ("smtp+starttls://mail.example.com", SMTPTransport("mail.example.com", 587, starttls=True)),
        (
            "smtps://u:p@mail.example.com",
            SMTPTransport("mail.example.com", 465, True, False, "u", "p"),
        ),
    ],
)
def test_mail_url_forms(url, expected):
    assert parse_mail_url(url) == expected


@pytest.mark.parametrize("url", ["http://mail.example.com", "smtp://", "mail.example.com:25"])
def test_a_mail_url_that_is_not_smtp_is_refused(url):
    with pytest.raises(MailConfigError):
        parse_mail_url(url)


def _queue(user) -> int:
    mail = queue_mail(
        "notice",
        event_key="test-event:1",
        category=MailCategory.SECURITY,
        subject="Server test",
        user=user,
        paragraphs=["Hello there."],
    )
    assert mail is not None
    return mail.id


def test_queued_mail_arrives_at_the_smtp_server_once(app_ctx, smtp_app, smtp):
    user = make_user(email="bea@example.com")
    mail_id = _queue(user)
    db.session.commit()
    assert [r.recipients for r in smtp.received] == [["bea@example.com"]]
    assert db.session.get(SentMail, mail_id).sent_at is not None
    db.session.commit()  # end the test's read: on SQLite it holds the write lock
    outbox.relay_due(now=utcnow() + timedelta(hours=1))
    assert len(smtp.received) == 1


def test_mail_queued_while_the_server_is_down_arrives_once_it_is_back(app_ctx, smtp_app, smtp):
    user = make_user(email="bea@example.com")
    smtp.stop()
    mail_id = _queue(user)
    db.session.commit()  # the first try fails: the outbox keeps the message, with a back-off
    db.session.expire_all()
    mail = db.session.get(SentMail, mail_id)
    assert mail.sent_at is None
    assert mail.attempts == 1
    assert "unreachable" in mail.last_error
    message = db.session.scalar(select(OutboxMessage))
    assert message.handed_over_at is None
    assert message.due_at > utcnow()
    db.session.commit()  # end the test's read: on SQLite it holds the write lock

    outbox.relay_due(now=utcnow())  # not due yet: nothing is tried
    assert db.session.get(SentMail, mail_id).attempts == 1
    db.session.commit()

    smtp.start()  # back on the same port a minute later
    outbox.relay_due(now=utcnow() + timedelta(minutes=1))
    outbox.relay_due(now=utcnow() + timedelta(hours=2))
    assert [r.message["Subject"] for r in smtp.received] == ["Server test"]
    db.session.expire_all()
    assert db.session.get(SentMail, mail_id).sent_at is not None


def test_the_app_refuses_to_start_on_a_mail_url_that_is_not_smtp(database):
    with pytest.raises(MailConfigError):
        make_test_app(database.url, MAIL_URL="http://mail.example.com")
