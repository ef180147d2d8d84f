"""Mail preferences, one-click unsubscribe, and the development mail page."""

from __future__ import annotations

import pytest

from core.extensions import db
from core.mail import services
from core.mail.models import MailCategory
from tests.conftest import Auth, post_form
from tests.factories import make_user


def unsubscribe_path(user_id: int, category=MailCategory.PLANS) -> str:
    return f"/mail/unsubscribe/{services.unsubscribe_token(user_id, category)}"


def test_unsubscribe_works_in_one_click_without_signing_in(app_ctx, client):
    user = make_user()
    response = client.get(unsubscribe_path(user.id))
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not services.receives(user.id, MailCategory.PLANS)
    assert services.receives(user.id, MailCategory.ORDERS)


def test_one_click_post_from_a_mail_client_unsubscribes(app_ctx, client):
    user = make_user()
    response = client.post(unsubscribe_path(user.id), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 204
    db.session.expire_all()
    assert not services.receives(user.id, MailCategory.PLANS)


def test_unsubscribing_twice_is_harmless(app_ctx, client):
    user = make_user()
    client.get(unsubscribe_path(user.id))
    assert client.get(unsubscribe_path(user.id)).status_code == 200


def test_a_tampered_unsubscribe_link_is_refused(app_ctx, client):
    user = make_user()
    path = unsubscribe_path(user.id)
    assert client.get(path[:-4] + "abcd").status_code == 400
    db.session.expire_all()
    assert services.receives(user.id, MailCategory.PLANS)


def test_preferences_page_needs_sign_in(client):
    assert client.get("/account/mail").status_code == 302


def test_preferences_page_saves_the_choice(app_ctx, client):
    user = make_user()
    Auth(client).login(user.email)
    page = client.get("/account/mail").get_data(as_text=True)
    assert "Weekly digest of settled commission" in page
    response = post_form(client, "/account/mail", {"categories": ["orders", "withdrawals"]})
    assert response.status_code == 303
    db.session.expire_all()
    assert services.receives(user.id, MailCategory.ORDERS)
    assert not services.receives(user.id, MailCategory.PLANS)
    assert services.receives(user.id, MailCategory.SECURITY)


def test_preferences_page_refuses_a_post_without_csrf(app_ctx, client):
    user = make_user()
    Auth(client).login(user.email)
    assert client.post("/account/mail", data={"categories": []}).status_code == 400


def test_account_page_links_to_mail_preferences(app_ctx, client):
    user = make_user()
    Auth(client).login(user.email)
    assert "/account/mail" in client.get("/account").get_data(as_text=True)


# --- development mail page --------------------------------------------------------------------


@pytest.fixture
def file_mail(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", None)
    monkeypatch.setitem(app.config, "MAIL_DIR", str(tmp_path / "mail"))
    return tmp_path / "mail"


def queue_one(user) -> None:
    services.queue_mail(
        "notice",
        event_key="dev:1",
        category=MailCategory.SECURITY,
        subject="Hello from the file transport",
        user=user,
        paragraphs=["Body text."],
        button_label="Go",
        button_url="http://localhost/account",
    )
    db.session.commit()


def test_file_transport_writes_an_eml_file(app_ctx, file_mail):
    queue_one(make_user(email="bea@example.com"))
    (written,) = file_mail.glob("*.eml")
    assert b"Hello from the file transport" in written.read_bytes()


def test_dev_page_lists_and_shows_mail(app_ctx, client, file_mail):
    queue_one(make_user(email="bea@example.com"))
    listing = client.get("/dev/mail")
    assert listing.status_code == 200
    page = listing.get_data(as_text=True)
    assert "Hello from the file transport" in page
    assert "bea@example.com" in page
    (name,) = [p.name for p in file_mail.glob("*.eml")]
    shown = client.get(f"/dev/mail/{name}").get_data(as_text=True)
    assert "Body text." in shown
    assert 'href="http://localhost/account"' in shown
    html = client.get(f"/dev/mail/{name}/html")
    assert html.status_code == 200
    assert "Body text." in html.get_data(as_text=True)
    assert "sandbox" in html.headers["Content-Security-Policy"]


def test_dev_page_refuses_paths_outside_the_mail_folder(app_ctx, client, file_mail):
    queue_one(make_user())
    assert client.get("/dev/mail/..%2Fsecret_key").status_code == 404
    assert client.get("/dev/mail/missing.eml").status_code == 404


def test_dev_page_is_absent_when_mail_goes_by_smtp(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_URL", "smtp://127.0.0.1:2525")
    assert client.get("/dev/mail").status_code == 404


def test_dev_page_is_absent_in_production(client, app, file_mail, monkeypatch):
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    assert client.get("/dev/mail").status_code == 404
