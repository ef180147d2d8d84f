"""Email verification, change of address and password reset, through the pages and the mail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from freezegun import freeze_time
from sqlalchemy import func, select

from affiliate.payouts import payout_accounts
from affiliate.payouts import services as payouts
from affiliate.payouts.providers import BankDetails
from core.accounts import recovery, services
from core.accounts.models import Role, User
from core.extensions import db
from core.jobs.outbox import OutboxMessage
from core.mail.models import SentMail
from core.types import utcnow
from tests.conftest import Auth, post_form
from tests.factories import make_user

NEW_PASSWORD = "a-long-new-secret"


def signup(client, email="newcomer@example.com", role="buyer"):
    data = {
        "email": email,
        "display_name": "New Comer",
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
        "role": role,
    }
    return post_form(client, "/signup", data)


def fetch_user(app, email: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        db.session.expunge(user)
        return user


def open_store(client):
    data = {
        "name": "Glow Lab",
        "handle": "glow-lab",
        "description": "Clean skincare.",
        "currency": "USD",
        "return_address": "1 Return Road",
    }
    return post_form(client, "/seller/store/new", data, content_type="multipart/form-data")


# --- verification at sign-up -----------------------------------------------------------------


def test_signup_mails_a_verification_link(client, mailbox):
    assert signup(client).status_code == 302
    mail = mailbox.last("newcomer@example.com")
    assert mail.subject == "Confirm your email address"
    assert "/account/verify/" in mail.text
    assert "/account/verify/" in mail.html
    assert mail.unsubscribe_url is None  # a security notice has no unsubscribe link


def test_following_the_link_verifies_the_address(app, client, mailbox):
    signup(client)
    assert fetch_user(app, "newcomer@example.com").email_verified_at is None
    response = client.get(mailbox.link("newcomer@example.com", "/account/verify/"))
    assert response.status_code == 302
    assert fetch_user(app, "newcomer@example.com").email_verified_at is not None


def test_a_verification_link_works_once(client, mailbox):
    signup(client)
    link = mailbox.link("newcomer@example.com", "/account/verify/")
    client.get(link)
    again = client.get(link)
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)


def test_a_tampered_verification_link_is_refused(app, client, mailbox):
    signup(client)
    link = mailbox.link("newcomer@example.com", "/account/verify/")
    response = client.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    assert response.status_code == 400
    assert fetch_user(app, "newcomer@example.com").email_verified_at is None


def test_a_verification_link_for_another_purpose_is_refused(app, client, mailbox):
    signup(client)
    user = fetch_user(app, "newcomer@example.com")
    with app.test_request_context():
        forged = recovery.signing.sign("password-reset", {"u": user.id, "e": user.email})
    assert client.get(f"/account/verify/{forged}").status_code == 400


def test_a_verification_link_expires(app, client, mailbox):
    signup(client)
    link = mailbox.link("newcomer@example.com", "/account/verify/")
    with freeze_time(utcnow() + timedelta(hours=73)):
        response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert fetch_user(app, "newcomer@example.com").email_verified_at is None


def test_resend_mails_a_fresh_link(client, mailbox):
    signup(client)
    post_form(client, "/account/verify/resend")
    assert len(mailbox.to("newcomer@example.com")) == 2


def test_a_failed_signup_mails_nothing(app_ctx, client, mailbox):
    make_user(email="taken@example.com")
    assert signup(client, email="taken@example.com").status_code == 400
    assert mailbox.sent == []


def test_mail_queued_in_a_rolled_back_transaction_is_never_sent(app_ctx, app, mailbox):
    with app.app_context():
        user = make_user(email="rollback@example.com", email_verified_at=None)
        recovery.send_verification(user)
        db.session.rollback()
        assert db.session.scalar(select(func.count(SentMail.id))) == 0
        assert db.session.scalar(select(func.count(OutboxMessage.id))) == 0
    assert mailbox.sent == []


def test_the_mail_and_its_outbox_message_commit_with_the_cause(app_ctx, app, mailbox):
    with app.app_context():
        user = make_user(email="commit@example.com", email_verified_at=None)
        recovery.send_verification(user)
        message = db.session.scalar(select(OutboxMessage))
        assert message is not None
        assert message.func_path == "core.mail.jobs.send_mail"
        db.session.commit()
        assert db.session.scalar(select(SentMail.sent_at)) is not None
    assert len(mailbox.to("commit@example.com")) == 1


# --- what an unverified account cannot do ----------------------------------------------------


def test_unverified_account_cannot_open_a_store(client, mailbox):
    signup(client)
    response = open_store(client)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Verify your email address before you open a store" in page
    assert "Resend verification email" in page


def test_verified_account_opens_a_store(client, mailbox):
    signup(client)
    client.get(mailbox.link("newcomer@example.com", "/account/verify/"))
    assert open_store(client).status_code == 302


def test_unverified_account_can_still_browse_and_see_its_account(client, mailbox):
    signup(client)
    assert client.get("/").status_code == 200
    page = client.get("/account").get_data(as_text=True)
    assert "Not verified" in page


def test_unverified_creator_cannot_connect_a_payout_account(app_ctx, app):
    with app.app_context():
        creator = make_user(Role.CREATOR, email_verified_at=None)
        bank = BankDetails(
            holder_name="Cleo", routing_number="110000000", account_number="000123456789"
        )
        with pytest.raises(recovery.EmailNotVerified, match="connect a payout account"):
            payout_accounts.connect_payout_account(creator.id, bank=bank)


def test_unverified_creator_cannot_withdraw(app_ctx, app):
    with app.app_context():
        creator = make_user(Role.CREATOR, email_verified_at=None)
        with pytest.raises(recovery.EmailNotVerified, match="withdraw"):
            payouts.request_withdrawal(creator.id, 5000, request_token="t" * 20)


# --- change of address ------------------------------------------------------------------------


def change_email(client, new="new@example.com", password="correct-horse-battery"):
    return post_form(client, "/account/email", {"email": new, "password": password})


def test_changing_the_address_waits_for_the_new_address_to_confirm(app_ctx, app, client, mailbox):
    user = make_user(email="old@example.com")
    Auth(client).login(user.email)
    assert change_email(client).status_code == 303
    assert fetch_user(app, "old@example.com")  # unchanged until confirmed
    client.get(mailbox.link("new@example.com", "/account/email/confirm/"))
    changed = fetch_user(app, "new@example.com")
    assert changed.id == user.id
    assert changed.email_verified_at is not None
    notice = mailbox.last("old@example.com")
    assert "was changed from old@example.com to new@example.com" in notice.text


def test_an_address_change_link_works_once(app_ctx, app, client, mailbox):
    user = make_user(email="old@example.com")
    Auth(client).login(user.email)
    change_email(client)
    link = mailbox.link("new@example.com", "/account/email/confirm/")
    client.get(link)
    assert client.get(link).status_code == 400


def test_an_address_change_needs_the_password(app_ctx, app, client, mailbox):
    user = make_user(email="old@example.com")
    Auth(client).login(user.email)
    change_email(client, password="not-my-password")
    assert mailbox.to("new@example.com") == []


def test_an_address_change_link_expires(app_ctx, app, client, mailbox):
    user = make_user(email="old@example.com")
    Auth(client).login(user.email)
    change_email(client)
    link = mailbox.link("new@example.com", "/account/email/confirm/")
    with freeze_time(utcnow() + timedelta(hours=25)):
        assert client.get(link).status_code == 400
    assert fetch_user(app, "old@example.com")


# --- password reset ---------------------------------------------------------------------------


def forgot(client, email):
    return post_form(client, "/password/forgot", {"email": email})


def test_sign_in_page_offers_forgot_password(client):
    assert "/password/forgot" in client.get("/login").get_data(as_text=True)


def test_reset_answer_is_the_same_for_known_and_unknown_addresses(app_ctx, client, mailbox):
    make_user(email="known@example.com")
    known = forgot(client, "known@example.com")
    unknown = forgot(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    body = known.get_data(as_text=True)
    assert recovery_text(body) == recovery_text(unknown.get_data(as_text=True))
    assert len(mailbox.to("known@example.com")) == 1
    assert mailbox.to("nobody@example.com") == []


def recovery_text(page: str) -> str:
    start = page.index("<main")
    return page[start : page.index("</main>")]


def test_reset_link_sets_a_new_password_once(app_ctx, app, client, mailbox):
    make_user(email="known@example.com")
    forgot(client, "known@example.com")
    link = mailbox.link("known@example.com", "/password/reset/")
    assert client.get(link).status_code == 200
    data = {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    assert post_form(client, link, data).status_code == 302
    assert Auth(client).login("known@example.com", NEW_PASSWORD).status_code == 302
    again = post_form(
        client, link, {"new_password": "another-secret-1", "confirm": "another-secret-1"}
    )
    assert again.status_code == 400
    assert "already used" in again.get_data(as_text=True)
    assert "Your Yellowcart password was changed" in [m.subject for m in mailbox.sent]


def test_reset_ends_every_session(app_ctx, app, mailbox):
    make_user(email="known@example.com")
    other_device = app.test_client()
    Auth(other_device).login("known@example.com")
    assert other_device.get("/account").status_code == 200
    resetter = app.test_client()
    forgot(resetter, "known@example.com")
    link = mailbox.link("known@example.com", "/password/reset/")
    post_form(resetter, link, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert other_device.get("/account").status_code == 302  # back to sign-in


def test_reset_marks_the_sessions_ended_in_the_list(app_ctx, app, mailbox):
    from core.accounts.security_models import UserSession

    user = make_user(email="known@example.com")
    Auth(app.test_client()).login("known@example.com")
    resetter = app.test_client()
    forgot(resetter, "known@example.com")
    link = mailbox.link("known@example.com", "/password/reset/")
    post_form(resetter, link, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    db.session.expire_all()
    records = db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all()
    assert records
    assert all(record.ended_at is not None for record in records)


def test_reset_link_expires_after_an_hour(app_ctx, client, mailbox):
    make_user(email="known@example.com")
    forgot(client, "known@example.com")
    link = mailbox.link("known@example.com", "/password/reset/")
    with freeze_time(utcnow() + timedelta(minutes=61)):
        response = client.get(link)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_a_tampered_reset_link_is_refused(app_ctx, client, mailbox):
    make_user(email="known@example.com")
    forgot(client, "known@example.com")
    link = mailbox.link("known@example.com", "/password/reset/")
    head, _, token = link.rpartition("/")
    payload, _, signature = token.partition(".")
    assert client.get(f"{head}/{payload}x.{signature}").status_code == 400
    assert client.get(f"{head}/{token[:-2]}").status_code == 400


def test_a_reset_link_dies_when_the_password_changes_another_way(app_ctx, app, client, mailbox):
    user = make_user(email="known@example.com")
    forgot(client, "known@example.com")
    link = mailbox.link("known@example.com", "/password/reset/")
    services.change_password(
        db.session.get(User, user.id), current="correct-horse-battery", new=NEW_PASSWORD
    )
    db.session.commit()
    assert client.get(link).status_code == 400


def test_a_weak_new_password_is_refused_and_the_link_still_works(app_ctx, client, mailbox):
    make_user(email="known@example.com")
    forgot(client, "known@example.com")
    link = mailbox.link("known@example.com", "/password/reset/")
    weak = post_form(client, link, {"new_password": "aaaaaaaaaaaa", "confirm": "aaaaaaaaaaaa"})
    assert weak.status_code == 400
    assert client.get(link).status_code == 200


def test_reset_requests_are_throttled_like_sign_in(app_ctx, app, client, mailbox):
    make_user(email="known@example.com")
    statuses = [forgot(client, "known@example.com").status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429
    assert len(mailbox.to("known@example.com")) == 5


def test_changing_the_password_mails_a_security_notice(app_ctx, client, mailbox):
    make_user(email="known@example.com")
    Auth(client).login("known@example.com")
    data = {
        "current_password": "correct-horse-battery",
        "new_password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    post_form(client, "/account/password", data)
    assert mailbox.last("known@example.com").subject == "Your Yellowcart password was changed"
