"""Security notices by mail: a sign-in from a new device (always sent, whatever the preferences)."""

from __future__ import annotations

from core.extensions import db
from core.mail import services as mail_services
from tests.conftest import Auth
from tests.factories import make_user


def test_a_sign_in_from_a_new_device_is_mailed(app, app_ctx, mailbox):
    user = make_user(email="bea@example.com")
    mail_services.set_preferences(user.id, set())  # security mail comes regardless
    db.session.commit()
    Auth(app.test_client()).login("bea@example.com")
    assert mailbox.to("bea@example.com") == []  # the first device the account ever used
    other = app.test_client()
    other.environ_base["HTTP_USER_AGENT"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0"
    Auth(other).login("bea@example.com")
    mail = mailbox.last("bea@example.com")
    assert mail.subject == "New sign-in to your Yellowcart account"
    assert "Firefox" in mail.text
    assert "/password/forgot" in mail.text
    assert mail.unsubscribe_url is None


def test_signing_in_again_from_a_known_device_mails_nothing(app, app_ctx, mailbox):
    make_user(email="bea@example.com")
    client = app.test_client()
    Auth(client).login("bea@example.com")
    Auth(client).logout()
    Auth(client).login("bea@example.com")
    assert mailbox.to("bea@example.com") == []
