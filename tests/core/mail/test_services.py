"""Queueing mail: one mail per event and address, preferences, unsubscribe links, sending once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.extensions import db
from core.jobs import outbox
from core.mail import jobs as mail_jobs
from core.mail import services
from core.mail.models import MailCategory, SentMail
from core.mail.signing import LinkInvalid
from core.mail.transports import TransientMailError
from core.types import utcnow
from tests.factories import make_user


def queue(user, *, event_key="event:1", category=MailCategory.PLANS, **extra):
    return services.queue_mail(
        "notice",
        event_key=event_key,
        category=category,
        subject="A notice",
        user=user,
        paragraphs=["Something happened."],
        **extra,
    )


def mail_count() -> int:
    return db.session.scalar(select(func.count(SentMail.id))) or 0


def test_one_event_mails_one_address_once(app_ctx, mailbox):
    user = make_user(email="bea@example.com")
    assert queue(user) is not None
    assert queue(user) is None
    db.session.commit()
    assert queue(user) is None
    db.session.commit()
    assert mail_count() == 1
    assert len(mailbox.to("bea@example.com")) == 1


def test_a_mail_queued_at_the_same_moment_elsewhere_is_not_queued_again(app_ctx, mailbox):
    # Both requests passed the "already mailed?" check; the second insert writes nothing
    # (ON CONFLICT DO NOTHING: no savepoint) and the transaction goes on.
    user = make_user(email="cy@example.com")
    assert queue(user) is not None
    values = {
        "event_key": "event:1",
        "recipient": "cy@example.com",
        "user_id": user.id,
        "template": "notice",
        "category": MailCategory.PLANS.value,
        "subject": "A notice",
        "text_body": "t",
        "html_body": "h",
        "unsubscribe_url": None,
        "created_at": utcnow(),
        "attempts": 0,
    }
    assert services._insert_once(**values) is None
    assert services._insert_once(**{**values, "event_key": "event:2"}) is not None
    db.session.commit()
    assert mail_count() == 2


def test_the_same_event_may_mail_two_addresses(app_ctx, mailbox):
    queue(make_user(email="a@example.com"))
    queue(make_user(email="b@example.com"))
    db.session.commit()
    assert {m.recipient for m in mailbox.sent} == {"a@example.com", "b@example.com"}


def test_a_category_the_user_turned_off_is_not_mailed(app_ctx, mailbox):
    user = make_user(email="bea@example.com")
    services.set_preferences(user.id, {MailCategory.ORDERS})
    assert queue(user, category=MailCategory.PLANS) is None
    assert queue(user, event_key="event:2", category=MailCategory.ORDERS) is not None
    db.session.commit()
    assert [m.subject for m in mailbox.to("bea@example.com")] == ["A notice"]


def by_id(user_id, *, event_key="event:1", category=MailCategory.PLANS):
    return services.user_mail(
        user_id,
        "notice",
        event_key=event_key,
        category=category,
        subject="A notice",
        paragraphs=["Something happened."],
    )


def test_user_mail_reads_the_user_and_what_to_skip_in_one_query(app_ctx, mailbox, count_queries):
    user_id = make_user(email="dee@example.com").id
    services.set_preferences(user_id, {MailCategory.ORDERS})
    db.session.commit()
    db.session.expunge_all()

    before = count_queries.count
    assert by_id(user_id, category=MailCategory.PLANS) is None  # turned off
    assert count_queries.count - before == 1
    assert by_id(user_id, category=MailCategory.ORDERS) is not None
    assert by_id(user_id, category=MailCategory.ORDERS) is None  # this event mailed already
    assert by_id(user_id, event_key="event:2", category=MailCategory.SECURITY) is not None
    assert by_id(999_999) is None  # no such user
    db.session.commit()
    assert sorted(m.recipient for m in db.session.scalars(select(SentMail))) == [
        "dee@example.com",
        "dee@example.com",
    ]


def test_security_mail_ignores_preferences(app_ctx, mailbox):
    user = make_user(email="bea@example.com")
    services.set_preferences(user.id, set())
    assert queue(user, category=MailCategory.SECURITY) is not None


def test_preferences_can_be_turned_back_on(app_ctx):
    user = make_user()
    services.set_preferences(user.id, set())
    assert not services.receives(user.id, MailCategory.PLANS)
    services.set_preferences(user.id, {MailCategory.PLANS})
    assert services.receives(user.id, MailCategory.PLANS)
    assert not services.receives(user.id, MailCategory.EARNINGS)


def test_optional_mail_carries_a_signed_unsubscribe_link(app_ctx, mailbox):
    user = make_user(email="bea@example.com")
    mail = queue(user)
    db.session.commit()
    assert "/mail/unsubscribe/" in mail.unsubscribe_url
    sent = mailbox.last("bea@example.com")
    assert mail.unsubscribe_url in sent.text
    assert mail.unsubscribe_url in sent.html
    token = mail.unsubscribe_url.rsplit("/", 1)[1]
    assert services.read_unsubscribe_token(token) == (user.id, MailCategory.PLANS)


@pytest.mark.parametrize("category", [MailCategory.SECURITY, MailCategory.ORDERS])
def test_security_and_transaction_notices_have_no_unsubscribe_link(app_ctx, mailbox, category):
    user = make_user(email="bea@example.com")
    mail = queue(user, category=category)
    db.session.commit()
    assert mail.unsubscribe_url is None
    assert "/mail/unsubscribe/" not in mailbox.last("bea@example.com").text


def test_an_unsubscribe_token_for_security_mail_is_refused(app_ctx):
    token = services.signing.sign(services.UNSUBSCRIBE_PURPOSE, {"u": 1, "c": "security"})
    with pytest.raises(LinkInvalid):
        services.read_unsubscribe_token(token)


def test_a_mail_already_sent_is_not_sent_again(app_ctx, mailbox):
    user = make_user(email="bea@example.com")
    mail_id = queue(user).id
    db.session.commit()
    assert mail_jobs.send_mail(mail_id) is False  # a duplicated job finds it sent
    assert len(mailbox.sent) == 1


def test_a_failed_send_is_retried_with_back_off(app_ctx, app, mailbox, monkeypatch):
    user = make_user(email="bea@example.com")
    memory_transport = mail_jobs.transport_for
    tries = []

    class Flaky:
        name = "flaky"

        def send(self, mail):
            tries.append(mail.recipient)
            if len(tries) == 1:
                raise TransientMailError("server busy")
            memory_transport(app).send(mail)

    monkeypatch.setattr(mail_jobs, "transport_for", lambda _app: Flaky())
    mail = queue(user)
    mail_id = mail.id
    db.session.commit()
    assert mailbox.sent == []
    row = db.session.get(SentMail, mail_id)
    assert (row.attempts, row.sent_at) == (1, None)
    assert "server busy" in row.last_error
    db.session.commit()
    outbox.relay_due(now=utcnow() + timedelta(seconds=11))
    assert len(mailbox.to("bea@example.com")) == 1


def test_mail_links_use_the_public_base_url(app_ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "https://shop.example.org/")
    user = make_user()
    mail = queue(user)
    assert mail.unsubscribe_url.startswith("https://shop.example.org/mail/unsubscribe/")


def later(user_id, *, event_key="event:1", category=MailCategory.PLANS):
    services.user_mail_after_commit(
        user_id,
        "notice",
        event_key=event_key,
        category=category,
        subject="A notice",
        paragraphs=["Something happened."],
        details=[("Amount", "$98.00")],
    )


def test_a_mail_after_commit_writes_only_its_job_until_the_commit(app_ctx, mailbox):
    user_id = make_user(email="eve@example.com").id
    db.session.commit()
    later(user_id)
    db.session.flush()
    assert mail_count() == 0
    db.session.commit()

    sent = mailbox.to("eve@example.com")
    assert [m.subject for m in sent] == ["A notice"]
    assert "Amount" in sent[0].text
    assert "$98.00" in sent[0].text


def test_a_mail_after_commit_is_not_sent_when_the_cause_rolls_back(app_ctx, mailbox):
    user_id = make_user(email="fay@example.com").id
    db.session.commit()
    later(user_id)
    db.session.rollback()
    db.session.commit()
    assert mail_count() == 0
    assert mailbox.to("fay@example.com") == []


def test_a_mail_after_commit_keeps_the_preferences_and_one_mail_per_event(app_ctx, mailbox):
    user_id = make_user(email="gil@example.com").id
    services.set_preferences(user_id, {MailCategory.ORDERS})
    db.session.commit()
    later(user_id, category=MailCategory.PLANS)  # turned off
    later(user_id, event_key="event:2", category=MailCategory.ORDERS)
    later(user_id, event_key="event:2", category=MailCategory.ORDERS)  # the same event again
    db.session.commit()
    assert [m.subject for m in mailbox.to("gil@example.com")] == ["A notice"]
    assert mail_count() == 1


def test_the_mail_job_for_a_user_gone_queues_nothing(app_ctx, mailbox):
    assert (
        mail_jobs.queue_user_mail(
            999_999, "notice", event_key="e", category="plans", subject="s", context={}
        )
        is False
    )
